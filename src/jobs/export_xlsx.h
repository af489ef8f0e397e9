/*
 * export_xlsx.h - rows of text cells as an XLSX workbook (issue #9), through
 * Debian's libxlsxwriter in its constant-memory mode: a row is on disk once
 * the next one starts, so memory stays flat whatever the row count. The
 * workbook is built into a file first (libxlsxwriter 1.1.4 cannot write to
 * memory), then read back in pieces. Every file is unlinked as soon as it
 * is created, so none is left behind by an error, a client that leaves or a
 * crash. Not thread-safe (one writer per thread), but for the finishing thread
 * of ls_export_xlsx_finish_start.
 */
#ifndef LS_JOBS_EXPORT_XLSX_H
#define LS_JOBS_EXPORT_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* Rows of a worksheet besides its header: Excel's 1,048,576 rows less one. */
#define LS_EXPORT_XLSX_ROWS_MAX 1048575u

#define LS_EXPORT_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct ls_export_xlsx;

/*
 * A new workbook with one worksheet, "results". dir (borrowed, copied) is
 * where its files go: the uncompressed sheet is as large as the rows' XML.
 * rows_per_sheet (0: LS_EXPORT_XLSX_ROWS_MAX) is how many rows follow the
 * header on a sheet; the next row starts another sheet, "results 2",
 * "results 3"..., which repeats the header. Owned: ls_export_xlsx_free.
 * NULL with LS_EIO in err when dir cannot take a file.
 */
struct ls_export_xlsx *ls_export_xlsx_new(const char *dir, uint32_t rows_per_sheet,
                                          struct ls_err *err);

/*
 * Adds the next cell of the current row: s[0..len) (borrowed) as text made
 * safe by ls_xlsx_cell_text, or, when is_number and s is a plain integer
 * (ls_xlsx_cell_number), as a number. Text is never read as a formula.
 * The first row is the header. LS_OK, or LS_EIO / LS_ELIMIT (more than
 * 16,384 cells in a row) with err set.
 */
int ls_export_xlsx_cell(struct ls_export_xlsx *x, const char *s, size_t len, bool is_number,
                        struct ls_err *err);

/* Ends the current row. LS_OK, or LS_ELIMIT past 65,535 sheets. */
int ls_export_xlsx_end_row(struct ls_export_xlsx *x, struct ls_err *err);

/* Writes the workbook to its file; cells can no longer be added. LS_OK or LS_EIO. */
int ls_export_xlsx_finish(struct ls_export_xlsx *x, struct ls_err *err);

/*
 * ls_export_xlsx_finish on a detached thread of its own, so that a caller
 * serving others is not held for the compression. Until
 * ls_export_xlsx_finish_poll says it is done, x may only be polled or freed
 * (freeing then leaves the thread to free it). LS_OK, or LS_EIO when no
 * thread can be started.
 */
int ls_export_xlsx_finish_start(struct ls_export_xlsx *x, struct ls_err *err);

/* 1 while the finishing thread runs; then its result: LS_OK, or LS_EIO with err set. */
int ls_export_xlsx_finish_poll(struct ls_export_xlsx *x, struct ls_err *err);

/* The finished file's size in bytes. */
int64_t ls_export_xlsx_size(const struct ls_export_xlsx *x);

/*
 * Appends up to max next bytes of the finished file to out. Returns the
 * number appended (> 0), 0 at the end, or LS_EIO.
 */
int ls_export_xlsx_read(struct ls_export_xlsx *x, struct ls_buf *out, size_t max,
                        struct ls_err *err);

/* Data rows written so far (headers not counted). */
uint64_t ls_export_xlsx_rows(const struct ls_export_xlsx *x);

/* Frees x and its files; accepts NULL. */
void ls_export_xlsx_free(struct ls_export_xlsx *x);

#endif
