/*
 * export_xlsx.c - rows of cells as an XLSX workbook through libxlsxwriter in
 * constant-memory mode. libxlsxwriter's codes are translated here, once.
 *
 * The output file is made with mkstemp and unlinked at once; libxlsxwriter
 * writes it through /proc/self/fd/N, which opens the same (nameless) file.
 * Its own temporary files (tmpfileplus) are unlinked as they are made. So no
 * path ever names an export for longer than a mkstemp call.
 */
#include "export_xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/xalloc.h"
#include "core/xlsx_cell.h"

#define SHEET_NAME "results"
#define SHEETS_MAX 65535u

struct ls_export_xlsx {
    lxw_workbook *wb;  /* owned; NULL once closed */
    lxw_worksheet *ws; /* borrowed from wb: the sheet being written */
    char *dir;         /* owned */
    int fd;            /* the output file, already unlinked; -1 when none */
    uint32_t rows_per_sheet;
    uint32_t row; /* the current row of ws (0: its header) */
    lxw_col_t col;
    unsigned n_sheets;
    bool has_header;      /* the header row is complete */
    uint64_t rows;        /* data rows, over all sheets */
    struct ls_buf header; /* the header's cells as given, each after its size_t length */
    size_t n_header;
    struct ls_buf text; /* scratch: one cell's text */
    int64_t size, pos;  /* of the finished file */
    /* ls_export_xlsx_finish_start: the thread that compresses, guarded by mu */
    pthread_mutex_t mu;
    bool has_mu, is_finishing, is_abandoned;
    int finish_rc;
    struct ls_err finish_err;
};

static void xlsx_release(struct ls_export_xlsx *x);

static int lxw_fail(struct ls_err *err, const char *what, lxw_error e)
{
    return ls_err_set(err, LS_EIO, "xlsx: %s: %s", what, lxw_strerror(e));
}

struct ls_export_xlsx *ls_export_xlsx_new(const char *dir, uint32_t rows_per_sheet,
                                          struct ls_err *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/leadscore-export-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        ls_err_set(err, LS_EIO, "xlsx: cannot create a file in \"%.200s\": %s", dir,
                   strerror(errno));
        return NULL;
    }
    unlink(path);
    struct ls_export_xlsx *x = ls_xcalloc(1, sizeof(*x));
    x->fd = fd;
    x->dir = ls_xstrdup(dir);
    x->rows_per_sheet = rows_per_sheet ? rows_per_sheet : LS_EXPORT_XLSX_ROWS_MAX;
    pthread_mutex_init(&x->mu, NULL);
    x->has_mu = true;
    ls_buf_init(&x->header, SIZE_MAX);
    /* A cell is at most 32,767 UTF-16 units: 4 bytes each at worst, escapes included. */
    ls_buf_init(&x->text, 4 * LS_XLSX_CELL_MAX + 16);
    char target[64];
    snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
    lxw_workbook_options opt = {
        .constant_memory = LXW_TRUE, .tmpdir = x->dir, .use_zip64 = LXW_FALSE};
    x->wb = workbook_new_opt(target, &opt);
    if (x->wb)
        x->ws = workbook_add_worksheet(x->wb, SHEET_NAME);
    if (x->ws == NULL) {
        ls_err_set(err, LS_EIO, "xlsx: cannot start a workbook in \"%.200s\": %s", dir,
                   strerror(errno));
        ls_export_xlsx_free(x);
        return NULL;
    }
    x->n_sheets = 1;
    return x;
}

/* Writes one text cell at (row, col) of the current sheet. */
static int put_text(struct ls_export_xlsx *x, const char *s, size_t len, struct ls_err *err)
{
    ls_buf_reset(&x->text);
    if (ls_xlsx_cell_text(s, len, &x->text, NULL) != LS_OK)
        return ls_err_set(err, LS_EINTERNAL, "xlsx: a cell's text is over its bound");
    if (x->text.len == 0)
        return LS_OK; /* an empty cell is no cell */
    lxw_error e = worksheet_write_string(x->ws, x->row, x->col, ls_buf_str(&x->text), NULL);
    return e == LXW_NO_ERROR ? LS_OK : lxw_fail(err, "writing a cell", e);
}

/* Starts sheet "results N" and writes the header on it. */
static int next_sheet(struct ls_export_xlsx *x, struct ls_err *err)
{
    if (x->n_sheets >= SHEETS_MAX)
        return ls_err_set(err, LS_ELIMIT, "xlsx: more than %u sheets of rows", SHEETS_MAX);
    char name[32];
    snprintf(name, sizeof(name), SHEET_NAME " %u", x->n_sheets + 1);
    x->ws = workbook_add_worksheet(x->wb, name);
    if (x->ws == NULL)
        return ls_err_set(err, LS_EIO, "xlsx: cannot add sheet \"%s\"", name);
    x->n_sheets++;
    x->row = 0;
    const char *h = ls_buf_str(&x->header);
    for (x->col = 0; x->col < x->n_header; x->col++) {
        size_t hl;
        memcpy(&hl, h, sizeof(hl));
        int rc = put_text(x, h + sizeof(hl), hl, err);
        if (rc)
            return rc;
        h += sizeof(hl) + hl;
    }
    x->row = 1;
    x->col = 0;
    return LS_OK;
}

int ls_export_xlsx_cell(struct ls_export_xlsx *x, const char *s, size_t len, bool is_number,
                        struct ls_err *err)
{
    if (x->wb == NULL)
        return ls_err_set(err, LS_EINTERNAL, "xlsx: a cell after the workbook was finished");
    if (x->col >= LXW_COL_MAX)
        return ls_err_set(err, LS_ELIMIT, "xlsx: more than %d columns", LXW_COL_MAX);
    if (x->col == 0 && x->has_header && x->row > x->rows_per_sheet) {
        int rc = next_sheet(x, err);
        if (rc)
            return rc;
    }
    int rc;
    double v;
    if (!x->has_header) {
        ls_buf_add(&x->header, &len, sizeof(len));
        ls_buf_add(&x->header, s, len);
        x->n_header++;
        rc = put_text(x, s, len, err);
    } else if (is_number && ls_xlsx_cell_number(s, len, &v)) {
        lxw_error e = worksheet_write_number(x->ws, x->row, x->col, v, NULL);
        rc = e == LXW_NO_ERROR ? LS_OK : lxw_fail(err, "writing a cell", e);
    } else {
        rc = put_text(x, s, len, err);
    }
    if (rc == LS_OK)
        x->col++;
    return rc;
}

int ls_export_xlsx_end_row(struct ls_export_xlsx *x, struct ls_err *err)
{
    (void)err;
    if (x->has_header)
        x->rows++;
    x->has_header = true;
    x->row++;
    x->col = 0;
    return LS_OK;
}

int ls_export_xlsx_finish(struct ls_export_xlsx *x, struct ls_err *err)
{
    if (x->wb == NULL)
        return ls_err_set(err, LS_EINTERNAL, "xlsx: the workbook was finished already");
    /* workbook_close frees the workbook whatever it returns. */
    lxw_error e = workbook_close(x->wb);
    x->wb = NULL;
    x->ws = NULL;
    if (e != LXW_NO_ERROR)
        return lxw_fail(err, "writing the workbook", e);
    struct stat st;
    if (fstat(x->fd, &st) != 0)
        return ls_err_set(err, LS_EIO, "xlsx: the finished file: %s", strerror(errno));
    x->size = st.st_size;
    x->pos = 0;
    return LS_OK;
}

/*
 * workbook_close compresses the whole sheet (about 20 s for a million rows
 * on the benchmark machine) in one call that cannot be cut into steps: it
 * runs on a thread of its own so that no I/O thread waits for it. The
 * thread touches only x and its files, never the store; when x is freed
 * meanwhile, the thread frees it when it is done.
 */
static void *finish_main(void *arg)
{
    struct ls_export_xlsx *x = arg;
    struct ls_err err = {0};
    int rc = ls_export_xlsx_finish(x, &err);
    pthread_mutex_lock(&x->mu);
    x->finish_rc = rc;
    x->finish_err = err;
    x->is_finishing = false;
    bool abandoned = x->is_abandoned;
    pthread_mutex_unlock(&x->mu);
    if (abandoned)
        xlsx_release(x);
    return NULL;
}

int ls_export_xlsx_finish_start(struct ls_export_xlsx *x, struct ls_err *err)
{
    if (x->wb == NULL)
        return ls_err_set(err, LS_EINTERNAL, "xlsx: the workbook was finished already");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    x->is_finishing = true;
    int e = pthread_create(&th, &attr, finish_main, x);
    pthread_attr_destroy(&attr);
    if (e != 0) {
        x->is_finishing = false;
        return ls_err_set(err, LS_EIO, "xlsx: cannot start a thread: %s", strerror(e));
    }
    return LS_OK;
}

int ls_export_xlsx_finish_poll(struct ls_export_xlsx *x, struct ls_err *err)
{
    pthread_mutex_lock(&x->mu);
    bool running = x->is_finishing;
    int rc = x->finish_rc;
    struct ls_err e = x->finish_err;
    pthread_mutex_unlock(&x->mu);
    if (running)
        return 1;
    if (rc && err)
        *err = e;
    return rc;
}

int64_t ls_export_xlsx_size(const struct ls_export_xlsx *x)
{
    return x->size;
}

uint64_t ls_export_xlsx_rows(const struct ls_export_xlsx *x)
{
    return x->rows;
}

int ls_export_xlsx_read(struct ls_export_xlsx *x, struct ls_buf *out, size_t max,
                        struct ls_err *err)
{
    if (x->wb != NULL)
        return ls_err_set(err, LS_EINTERNAL, "xlsx: read before the workbook was finished");
    int64_t left = x->size - x->pos;
    if (left <= 0)
        return 0;
    size_t n = (size_t)left < max ? (size_t)left : max;
    if (n > INT32_MAX)
        n = INT32_MAX;
    char *chunk = ls_xmalloc(n);
    ssize_t got;
    do
        got = pread(x->fd, chunk, n, (off_t)x->pos);
    while (got < 0 && errno == EINTR);
    int rc;
    if (got <= 0)
        rc = ls_err_set(err, LS_EIO, "xlsx: reading the finished file: %s",
                        got < 0 ? strerror(errno) : "it is shorter than it was");
    else if (ls_buf_add(out, chunk, (size_t)got) != LS_OK)
        rc = ls_err_set(err, LS_ELIMIT, "xlsx: the output buffer is full");
    else
        rc = (int)got;
    if (rc > 0)
        x->pos += got;
    free(chunk);
    return rc;
}

void ls_export_xlsx_free(struct ls_export_xlsx *x)
{
    if (x == NULL)
        return;
    if (x->has_mu) {
        pthread_mutex_lock(&x->mu);
        bool finishing = x->is_finishing;
        x->is_abandoned = finishing;
        pthread_mutex_unlock(&x->mu);
        if (finishing)
            return; /* finish_main frees it */
    }
    xlsx_release(x);
}

static void xlsx_release(struct ls_export_xlsx *x)
{
    if (x->wb) {
        /*
         * Abandoned before workbook_close: lxw_workbook_free (1.1.4) neither
         * frees the cells of a sheet's pending row nor closes its temporary
         * file, so a client that leaves would cost a descriptor and the
         * file's disk space until exit. Flush the row, then close the file.
         */
        lxw_worksheet *ws;
        LXW_FOREACH_WORKSHEET(ws, x->wb)
        {
            if (ws->optimize_tmpfile == NULL)
                continue;
            lxw_worksheet_write_single_row(ws);
            fclose(ws->optimize_tmpfile);
            ws->optimize_tmpfile = NULL;
            ws->file = NULL;
        }
        lxw_workbook_free(x->wb);
    }
    if (x->fd >= 0)
        close(x->fd);
    ls_buf_release(&x->header);
    ls_buf_release(&x->text);
    if (x->has_mu)
        pthread_mutex_destroy(&x->mu);
    free(x->dir);
    free(x);
}
