/*
 * export.h - a job's results as a stream of JSON, JSON lines, CSV or XLSX
 * bytes, read from the store page by page by key (constant memory whatever
 * the size). GET /results, the exports and `leadscore score --format
 * json|csv|xlsx` all use it, so the server and the command line print the
 * same bytes.
 */
#ifndef LS_JOBS_EXPORT_H
#define LS_JOBS_EXPORT_H

#include "core/buf.h"
#include "core/query.h"
#include "store/store.h"

/*
 * LS_EXPORT_CSV_EXCEL (issue #9) is CSV as Excel opens it by double-click:
 * a UTF-8 BOM, CRLF, and the delimiter the upload was read with.
 * LS_EXPORT_XLSX is a workbook of the same columns and rows.
 */
enum ls_export_format {
    LS_EXPORT_JSON,
    LS_EXPORT_CSV,
    LS_EXPORT_JSONL,
    LS_EXPORT_CSV_EXCEL,
    LS_EXPORT_XLSX
};

struct ls_export;

/*
 * Owned: ls_export_free. store is borrowed; job and filter are copied.
 * filter (may be NULL) narrows the rows; its sort and paging are ignored:
 * exports are always by score descending, then upload order.
 */
struct ls_export *ls_export_new(struct ls_store *store, const struct ls_job *job,
                                const struct ls_results_query *filter,
                                enum ls_export_format format);
void ls_export_free(struct ls_export *e);

/*
 * Reads the job's upload (its extra column names and delimiter) and chooses
 * the columns of a cell format (CSV, csv-excel, XLSX): columns is a ?columns=
 * list (see ls_cols_parse), or NULL for the default (the 13 built-in, the 5
 * identity columns, then the extra columns in file order). LS_EINVAL naming
 * an unknown column, or a store error. ls_export_next calls it with NULL
 * when it was not called.
 */
int ls_export_prepare(struct ls_export *e, const char *columns, struct ls_err *err);

/* The export's columns, once prepared (borrowed from e): what a cell writer iterates. */
const struct ls_cols *ls_export_cols(const struct ls_export *e);

/*
 * LS_EXPORT_XLSX: the directory its workbook is built in (borrowed; must
 * outlive e), before the first ls_export_next; default $TMPDIR, else /tmp.
 * The whole workbook is built on the first calls, which append nothing,
 * and then read back; its files are unlinked at once (export_xlsx.h).
 */
void ls_export_set_dir(struct ls_export *e, const char *dir);

/*
 * Appends the next piece of output to out. Returns > 0 when it appended
 * something or made progress, LS_EXPORT_WAIT when it has nothing yet (an
 * XLSX workbook being compressed on its own thread: ask again shortly), 0
 * at the end, or a negative enum ls_status on a store error (or, for XLSX,
 * a file error: LS_EIO).
 */
#define LS_EXPORT_WAIT 2
int ls_export_next(struct ls_export *e, struct ls_buf *out, struct ls_err *err);

/* The JSON array framing the exporter uses, for callers that page themselves. */
int ls_export_json_item(struct ls_buf *out, size_t index, const struct ls_result *r);
int ls_export_json_close(struct ls_buf *out, size_t n);

#endif
