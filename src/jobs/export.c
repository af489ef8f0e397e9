/* export.c - results, page by page, as a JSON array, JSON lines, CSV (plain or for Excel) or XLSX.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "export_xlsx.h"

#define PAGE_ROWS  500
#define XLSX_PIECE (256 * 1024) /* bytes of the finished workbook per call */

/* XLSX: START opens the workbook and writes the header, ROWS fills it, END
 * starts compressing it on a thread, FINISHING waits for that, FILE_OUT reads
 * the file back. */
enum phase { START, ROWS, END, FINISHING, FILE_OUT, DONE };

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
    const char *dir;           /* borrowed; NULL: $TMPDIR or /tmp */
    struct ls_export_xlsx *xl; /* owned; LS_EXPORT_XLSX from START until freed */
    struct ls_buf cell;        /* scratch: one cell's text */
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
    /* Fields are capped where they come in (the CSV reader), not again here. */
    ls_buf_init(&e->cell, SIZE_MAX);
    return e;
}

void ls_export_set_dir(struct ls_export *e, const char *dir)
{
    e->dir = dir;
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
    ls_export_xlsx_free(e->xl);
    ls_buf_release(&e->cell);
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

/* ---- XLSX ------------------------------------------------------------------------------ */

/* The columns whose cells are integers: numbers in the workbook, so a sheet sorts and sums them. */
static bool col_is_number(enum ls_col c)
{
    switch (c) {
    case LS_COL_SCORE:
    case LS_COL_RULE_SCORE:
    case LS_COL_AI_SCORE:
    case LS_COL_ROLE_POINTS:
    case LS_COL_INDUSTRY_POINTS:
    case LS_COL_COMPLETENESS_POINTS:
        return true;
    default:
        return false;
    }
}

static int xlsx_header(struct ls_export *e, struct ls_err *err)
{
    for (size_t i = 0; i < e->cols.n; i++) {
        const char *name = ls_cols_name(&e->cols, i);
        int rc = ls_export_xlsx_cell(e->xl, name, strlen(name), false, err);
        if (rc)
            return rc;
    }
    return ls_export_xlsx_end_row(e->xl, err);
}

/* One result as a row: the same cells as its CSV record, before CSV's quoting and guard. */
static int xlsx_row(struct ls_export *e, const struct ls_result *r, struct ls_err *err)
{
    for (size_t i = 0; i < e->cols.n; i++) {
        enum ls_col c = e->cols.col[i];
        ls_buf_reset(&e->cell);
        if (ls_result_cell(r, c, &e->cell) != LS_OK)
            return ls_err_set(err, LS_ELIMIT, "a cell of column \"%s\" is too large",
                              ls_cols_name(&e->cols, i));
        int rc = ls_export_xlsx_cell(e->xl, e->cell.data ? e->cell.data : "", e->cell.len,
                                     col_is_number(c), err);
        if (rc)
            return rc;
    }
    return ls_export_xlsx_end_row(e->xl, err);
}

static int xlsx_start(struct ls_export *e, struct ls_err *err)
{
    const char *dir = e->dir;
    if (dir == NULL || *dir == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    e->xl = ls_export_xlsx_new(dir, 0, err);
    return e->xl ? xlsx_header(e, err) : LS_EIO;
}

/* ---- rows -------------------------------------------------------------------------------- */

static int add_row(void *ud, const struct ls_result *r, struct ls_err *err)
{
    struct page_ctx *pc = ud;
    switch (pc->e->format) {
    case LS_EXPORT_XLSX:
        return xlsx_row(pc->e, r, err);
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
        if (e->format == LS_EXPORT_CSV || e->format == LS_EXPORT_CSV_EXCEL) {
            ls_result_csv_head(&e->cols, &e->dialect, out);
        } else if (e->format == LS_EXPORT_JSON) {
            ls_buf_addc(out, '[');
        } else if (e->format == LS_EXPORT_XLSX) {
            rc = xlsx_start(e, err);
            if (rc)
                return rc;
        }
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
        e->phase = e->format == LS_EXPORT_XLSX ? FINISHING : DONE;
        if (e->format == LS_EXPORT_JSON) {
            ls_export_json_close(out, e->rows);
        } else if (e->format == LS_EXPORT_XLSX) {
            int rc = ls_export_xlsx_finish_start(e->xl, err);
            if (rc)
                return rc;
        }
        break;
    case FINISHING: {
        int rc = ls_export_xlsx_finish_poll(e->xl, err);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return LS_EXPORT_WAIT;
        e->phase = FILE_OUT;
        break;
    }
    case FILE_OUT: {
        int n = ls_export_xlsx_read(e->xl, out, XLSX_PIECE, err);
        if (n < 0)
            return n;
        if (n == 0)
            e->phase = DONE;
        break;
    }
    case DONE:
        return 0;
    }
    /* An empty page still moves the phase on: report progress either way. */
    return out->len > before || e->phase != DONE ? 1 : 0;
}
