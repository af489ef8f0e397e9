/* export.c - results, page by page, as a JSON array or CSV. */
#include "export.h"

#include <stdlib.h>

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
    free(e);
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
        return ls_result_csv(r, pc->out);
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
    case START:
        e->phase = ROWS;
        if (e->format == LS_EXPORT_CSV)
            ls_result_csv_header(out);
        else if (e->format == LS_EXPORT_JSON)
            ls_buf_addc(out, '[');
        break;
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
