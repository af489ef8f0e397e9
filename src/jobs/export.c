/* export.c - results, page by page, as a JSON array or CSV. */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define PAGE_ROWS 500

enum phase { START, ROWS, END, DONE };

struct ls_export {
    struct ls_store *store; /* borrowed */
    struct ls_job job;
    struct ls_results_query filter;
    bool has_filter;
    enum ls_export_format format;
    struct ls_result_cursor cursor;
    enum phase phase;
    size_t rows;
    /* The cell formats' columns (issue #9). */
    bool prepared;
    struct ls_upload_info upload; /* owns extra_columns */
    const char **extra_name;      /* owned array; strings borrowed from upload.extra_columns */
    struct ls_cols cols;
    struct ls_csv_dialect dialect;
};

struct ls_export *ls_export_new(struct ls_store *store, const struct ls_job *job,
                                const struct ls_results_query *filter, enum ls_export_format format)
{
    struct ls_export *e = ls_xcalloc(1, sizeof(*e));
    e->store = store;
    e->job = *job;
    e->format = format;
    if (filter) {
        e->filter = *filter;
        e->has_filter = true;
    }
    return e;
}

int ls_export_json_item(struct ls_buf *out, size_t index, const struct ls_result *r)
{
    int rc = ls_buf_adds(out, index ? ",\n" : "\n");
    return rc ? rc : ls_result_json(r, out);
}

int ls_export_json_close(struct ls_buf *out, size_t n)
{
    return ls_buf_adds(out, n ? "\n]\n" : "]\n");
}

void ls_export_free(struct ls_export *e)
{
    if (e == NULL)
        return;
    ls_result_cursor_clear(&e->cursor);
    ls_cols_release(&e->cols);
    free(e->extra_name);
    ls_upload_info_release(&e->upload);
    free(e);
}

int ls_export_prepare(struct ls_export *e, const char *columns, struct ls_err *err)
{
    if (e->prepared)
        return LS_OK;
    int rc = ls_store_upload_get(e->store, e->job.workspace, e->job.upload_id, &e->upload, err);
    if (rc == LS_ENOTFOUND) {
        memset(&e->upload, 0, sizeof(e->upload)); /* gone meanwhile: its results go with it */
        e->upload.delimiter = ',';
    } else if (rc) {
        return rc;
    }
    size_t n = json_array_size(e->upload.extra_columns);
    e->extra_name = ls_xcalloc(n ? n : 1, sizeof(*e->extra_name));
    for (size_t i = 0; i < n; i++) {
        const char *v = json_string_value(json_array_get(e->upload.extra_columns, i));
        e->extra_name[i] = v ? v : "";
    }
    if (columns) {
        rc = ls_cols_parse(&e->cols, columns, strlen(columns), e->extra_name, n, err);
        if (rc) { /* as before the call: it may be made again */
            free(e->extra_name);
            e->extra_name = NULL;
            ls_upload_info_release(&e->upload);
            return rc;
        }
    } else {
        ls_cols_default(&e->cols, e->extra_name, n);
    }
    e->dialect.delimiter = e->format == LS_EXPORT_CSV_EXCEL ? e->upload.delimiter : ',';
    if (e->dialect.delimiter == '\0')
        e->dialect.delimiter = ',';
    e->dialect.bom = e->format == LS_EXPORT_CSV_EXCEL;
    e->prepared = true;
    return LS_OK;
}

const struct ls_cols *ls_export_cols(const struct ls_export *e)
{
    return e->prepared ? &e->cols : NULL;
}

struct page_ctx {
    struct ls_export *e;
    struct ls_buf *out;
};

static int add_row(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    struct page_ctx *pc = ud;
    switch (pc->e->format) {
    case LS_EXPORT_CSV:
    case LS_EXPORT_CSV_EXCEL:
        return ls_result_csv_row(r, &pc->e->cols, &pc->e->dialect, pc->out);
    case LS_EXPORT_JSONL: {
        int rc = ls_result_json(r, pc->out);
        return rc ? rc : ls_buf_addc(pc->out, '\n');
    }
    case LS_EXPORT_JSON:
        break;
    }
    return ls_export_json_item(pc->out, pc->e->rows++, r);
}

int ls_export_next(struct ls_export *e, struct ls_buf *out, struct ls_err *err)
{
    size_t before = out->len;
    switch (e->phase) {
    case START: {
        int rc = ls_export_prepare(e, NULL, err);
        if (rc)
            return rc;
        e->phase = ROWS;
        if (e->format == LS_EXPORT_CSV || e->format == LS_EXPORT_CSV_EXCEL)
            ls_result_csv_head(&e->cols, &e->dialect, out);
        else if (e->format == LS_EXPORT_JSON)
            ls_buf_addc(out, '[');
        break;
    }
    case ROWS: {
        struct page_ctx pc = {e, out};
        int n = ls_store_results_page(e->store, &e->job, e->has_filter ? &e->filter : NULL,
                                      &e->cursor, PAGE_ROWS, add_row, &pc, err);
        if (n < 0)
            return n;
        if (n < PAGE_ROWS)
            e->phase = END;
        break;
    }
    case END:
        e->phase = DONE;
        if (e->format == LS_EXPORT_JSON)
            ls_export_json_close(out, e->rows);
        break;
    case DONE:
        return 0;
    }
    /* An empty page still moves the phase on: report progress either way. */
    return out->len > before || e->phase != DONE ? 1 : 0;
}
