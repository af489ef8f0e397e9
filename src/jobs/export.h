/*
 * export.h - a job's results as a stream of JSON or CSV bytes, read from the
 * store page by page (constant memory whatever the size). GET /results, GET
 * /results/export and `leadscore score --format json|csv` all use it, so the
 * server and the command line print the same bytes.
 */
#ifndef LS_JOBS_EXPORT_H
#define LS_JOBS_EXPORT_H

#include "core/buf.h"
#include "store/store.h"

enum ls_export_format { LS_EXPORT_JSON, LS_EXPORT_CSV };

struct ls_export;

/* Owned: ls_export_free. store is borrowed; job is copied. */
struct ls_export *ls_export_new(struct ls_store *store, const struct ls_job *job,
                                enum ls_export_format format);
void ls_export_free(struct ls_export *e);

/*
 * Appends the next piece of output to out. Returns > 0 when it appended
 * something, 0 at the end, or a negative enum ls_status on a store error.
 */
int ls_export_next(struct ls_export *e, struct ls_buf *out, struct ls_err *err);

#endif
