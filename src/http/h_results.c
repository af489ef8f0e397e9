/*
 * h_results.c - results: GET /results and GET /jobs/{id}/results (a filtered,
 * sorted page as a JSON array, the total in X-Total-Count), and their exports
 * (every matching row as CSV or JSON lines, streamed from the store by key in
 * constant memory).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "core/query.h"
#include "core/xalloc.h"
#include "jobs/export.h"
#include "jobs/export_xlsx.h"
#include "results_cache.h"
#include "search_cache.h"
#include "summary_cache.h"
#include "sys/log.h"
#include "sys/sys.h"

#define PAGE_MAX (64 * 1024 * 1024) /* 10,000 results are a few MB */

/* ---- the job named by the request ------------------------------------------------- */

/* The latest job of the workspace, or a 409 reply when nothing has been scored yet. */
static bool latest_job(struct ls_req *req, struct ls_job *job, int *r)
{
    struct ls_err err = {0};
    int64_t ws = req->auth.workspace, job_id = 0;
    if (ls_store_current(req->app->store, ws, NULL, NULL, &job_id, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    if (job_id == 0) {
        *r = ls_reply_error(req, LS_HTTP_CONFLICT, "conflict",
                            "nothing has been scored yet: POST /score first", NULL);
        return false;
    }
    if (ls_store_job_get(req->app->store, ws, job_id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

/* The job named by the path, or a 400/404 reply. */
static bool path_job(struct ls_req *req, struct ls_job *job, int *r)
{
    int64_t id;
    if (!ls_req_id(req, 0, "job id", &id, r))
        return false;
    struct ls_err err = {0};
    if (ls_store_job_get(req->app->store, req->auth.workspace, id, job, &err) != LS_OK) {
        *r = ls_reply_err(req, &err, NULL);
        return false;
    }
    return true;
}

static bool parse_query(struct ls_req *req, struct ls_results_query *q, int *r)
{
    struct ls_query_args a = {
        .intent = ls_req_query(req, "intent"),
        .min_score = ls_req_query(req, "min_score"),
        .max_score = ls_req_query(req, "max_score"),
        .q = ls_req_query(req, "q"),
        .sort = ls_req_query(req, "sort"),
        .limit = ls_req_query(req, "limit"),
        .offset = ls_req_query(req, "offset"),
    };
    struct ls_err err = {0};
    if (ls_results_query_parse(&a, q, &err) == LS_OK)
        return true;
    *r = ls_reply_err(req, &err, NULL);
    return false;
}

static void job_headers(struct ls_resp *resp, const struct ls_job *job)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)job->id);
    ls_resp_header(resp, "X-Job-Id", id);
    ls_resp_header(resp, "X-Job-Status", ls_job_status_name(job->status));
}

/* ---- a page of results -------------------------------------------------------------- */

/*
 * A finished job's page of up to CACHE_ROWS_MAX rows is encoded once and kept
 * (results_cache.c): repeated reads send the same bytes, gzip when asked, 304
 * when the client has them. Every other page is streamed STREAM_ROWS at a
 * time, so no request holds a whole page: with many slow readers the memory
 * is a piece per reader, not a page.
 */
#define CACHE_ROWS_MAX 2000
#define STREAM_ROWS    250

struct page {
    struct ls_buf out;
    size_t n;
};

static int add_result(void *ud, const struct ls_result *res, struct ls_err *err)
{
    struct page *p = ud;
    if (ls_export_json_item(&p->out, p->n++, res) != LS_OK)
        return ls_err_set(err, LS_ELIMIT, "the page is larger than %d bytes", PAGE_MAX);
    return LS_OK;
}

/* The identity of a page: the job as it is now (finished) and the whole query. */
static size_t page_key(const struct ls_job *job, const struct ls_results_query *q, char *key,
                       size_t cap)
{
    int n = snprintf(key, cap, "p1|%lld|%lld|%lld|%lld|%lld|%u|%d|%d|%d|%d|%d|", (long long)job->id,
                     (long long)job->workspace, (long long)job->finished_ms,
                     (long long)job->results_deleted_ms, (long long)job->n.done, q->intents,
                     q->min_score, q->max_score, (int)q->sort, q->limit, q->offset);
    size_t w = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    size_t ql = strlen(q->q);
    if (w + ql < cap) {
        memcpy(key + w, q->q, ql);
        w += ql;
    }
    key[w] = '\0';
    return w;
}

static void page_headers(struct ls_resp *resp, const struct ls_job *job, int64_t total)
{
    char t[24];
    snprintf(t, sizeof(t), "%lld", (long long)total);
    ls_resp_header(resp, "X-Total-Count", t);
    job_headers(resp, job);
}

static int send_cached(struct ls_req *req, const struct ls_job *job, struct ls_cached_page *pg)
{
    /* The gzip form is another representation: another strong validator (RFC 9110 8.8.3). */
    char etag[LS_ETAG_MAX + 4];
    size_t el = strlen(pg->etag);
    snprintf(etag, sizeof(etag), "%.*s%s\"", (int)(el ? el - 1 : 0), pg->etag,
             pg->gzip ? "-gz" : "");
    bool unchanged = ls_req_not_modified(req, etag);
    struct ls_resp *resp = ls_resp_new(unchanged ? LS_HTTP_NOT_MODIFIED : LS_HTTP_OK);
    page_headers(resp, job, pg->total);
    ls_resp_header(resp, "ETag", etag);
    ls_resp_header(resp, "Cache-Control", "private, no-cache");
    ls_resp_header(resp, "Vary", "Accept-Encoding, Authorization");
    if (unchanged) {
        ls_blob_unref(pg->body);
        ls_blob_unref(pg->gzip);
    } else if (pg->gzip) {
        ls_resp_header(resp, "Content-Encoding", "gzip");
        ls_resp_body_blob(resp, "application/json", pg->gzip);
        ls_blob_unref(pg->body);
    } else {
        ls_resp_body_blob(resp, "application/json", pg->body);
    }
    return ls_reply(req, resp);
}

/*
 * A page of a finished job from its text index (search_cache.c), the rows
 * then read from the store by key: with text to find, the index is built
 * if need be (the store would read every lead); without, it answers once it
 * is ready (deep offsets, filtered sorts). Otherwise from the store's query.
 */
static int query_rows(struct ls_req *req, const struct ls_job *job,
                      const struct ls_results_query *q, ls_store_result_fn cb, void *ud,
                      int64_t *total, struct ls_err *err)
{
    if (req->app->search && q->limit > 0) {
        int64_t *idx = ls_xmalloc((size_t)q->limit * sizeof(*idx));
        size_t n = 0;
        int rc = ls_search_cache_query(req->app->search, job, q, q->q[0] != '\0', total, NULL, idx,
                                       (size_t)q->limit, &n);
        if (rc == LS_OK)
            rc = ls_store_results_get(req->app->store, job, idx, n, cb, ud, err);
        free(idx);
        if (rc != LS_ENOTFOUND)
            return rc;
    }
    return ls_store_results_query(req->app->store, job, q, cb, ud, total, err);
}

/* A finished job's small page: from the cache, or encoded whole and cached. */
static int cached_page(struct ls_req *req, const struct ls_job *job,
                       const struct ls_results_query *q)
{
    char key[512];
    size_t klen = page_key(job, q, key, sizeof(key));
    bool gz = ls_req_accepts_gzip(req);
    struct ls_cached_page pg = {0};
    if (ls_results_cache_get(req->app->cache, key, klen, gz, &pg))
        return send_cached(req, job, &pg);
    struct page p = {0};
    struct ls_err err = {0};
    ls_buf_init(&p.out, PAGE_MAX);
    ls_buf_addc(&p.out, '[');
    if (query_rows(req, job, q, add_result, &p, &pg.total, &err) != LS_OK ||
        ls_export_json_close(&p.out, p.n) != LS_OK) {
        ls_buf_release(&p.out);
        if (err.code == LS_OK)
            ls_err_set(&err, LS_ELIMIT, "the page is larger than %d bytes", PAGE_MAX);
        return ls_reply_err(req, &err, NULL);
    }
    pg.body = ls_blob_new(ls_buf_str(&p.out), p.out.len);
    ls_buf_release(&p.out);
    ls_results_cache_put(req->app->cache, key, klen, pg.body, pg.total, pg.etag);
    pg.gzip = gz ? ls_gzip_blob(pg.body->data, pg.body->len) : NULL;
    return send_cached(req, job, &pg);
}

/* A page streamed in pieces: the first read here (with the total), the rest as the socket drains.
 */
struct page_stream {
    struct ls_store *store; /* borrowed */
    struct ls_job job;
    struct ls_results_query q;
    int left;
    size_t n;
    struct ls_result_cursor cursor; /* after the last row sent */
    struct ls_buf first;            /* the first piece, already encoded */
    bool first_sent, done;
    bool by_offset; /* reading the first piece, from the page's offset */
};

static int stream_rows(void *ud, const struct ls_result *res, struct ls_err *err)
{
    struct page_stream *ps = ud;
    struct page p = {.out = ps->first, .n = ps->n};
    int rc = add_result(&p, res, err);
    ps->first = p.out;
    ps->n = p.n;
    if (ps->by_offset) /* later pieces: the store advances the cursor itself */
        ls_result_cursor_set(&ps->cursor, ps->q.sort, res);
    return rc;
}

/*
 * Reads the next piece of the page into ps->first (its buffer is reused).
 * The first piece starts at the page's offset; every later one after the
 * last row sent (a keyset walk), so that a page of a running job, read in
 * pieces while results arrive, never repeats a row or skips one it would
 * have had.
 */
static int read_piece(struct page_stream *ps, int64_t *total, struct ls_err *err)
{
    struct ls_results_query piece = ps->q;
    piece.limit = ps->left < STREAM_ROWS ? ps->left : STREAM_ROWS;
    size_t before = ps->n;
    int rc;
    if (!ps->cursor.has_last) {
        ps->by_offset = true;
        rc = ls_store_results_query(ps->store, &ps->job, &piece, stream_rows, ps, total, err);
        ps->by_offset = false;
    } else {
        int n = ls_store_results_page(ps->store, &ps->job, &ps->q, &ps->cursor, piece.limit,
                                      stream_rows, ps, err);
        rc = n < 0 ? n : LS_OK;
    }
    if (rc)
        return rc;
    int got = (int)(ps->n - before);
    ps->left -= got;
    if (got < piece.limit)
        ps->left = 0; /* the end of the matching rows */
    return LS_OK;
}

static int page_next(void *ud, struct ls_buf *out, struct ls_err *err)
{
    struct page_stream *ps = ud;
    if (!ps->first_sent) {
        ps->first_sent = true;
        ls_buf_add(out, ps->first.data, ps->first.len);
    } else if (ps->left > 0) {
        ls_buf_reset(&ps->first);
        int rc = read_piece(ps, NULL, err);
        if (rc)
            return rc;
        ls_buf_add(out, ps->first.data, ps->first.len);
    }
    if (ps->left > 0)
        return LS_STREAM_MORE;
    ls_export_json_close(out, ps->n);
    return LS_STREAM_END;
}

static void page_stream_free(void *ud)
{
    struct page_stream *ps = ud;
    ls_result_cursor_clear(&ps->cursor);
    ls_buf_release(&ps->first);
    free(ps);
}

static int streamed_page(struct ls_req *req, const struct ls_job *job,
                         const struct ls_results_query *q)
{
    struct page_stream *ps = ls_xcalloc(1, sizeof(*ps));
    ps->store = req->app->store;
    ps->job = *job;
    ps->q = *q;
    ps->left = q->limit;
    ls_buf_init(&ps->first, PAGE_MAX);
    ls_buf_addc(&ps->first, '[');
    int64_t total = 0;
    struct ls_err err = {0};
    if (read_piece(ps, &total, &err) != LS_OK) {
        page_stream_free(ps);
        return ls_reply_err(req, &err, NULL);
    }
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    page_headers(resp, job, total);
    ls_resp_header(resp, "Cache-Control", "private, no-store");
    ls_resp_body_stream(resp, "application/json", page_next, ps, page_stream_free);
    return ls_reply(req, resp);
}

static int results_page(struct ls_req *req, const struct ls_job *job,
                        const struct ls_results_query *q)
{
    if (q->q[0] == '\0')
        ls_search_cache_warm(req->app->search, job); /* a search may follow */
    if (ls_job_status_final(job->status) && q->limit <= CACHE_ROWS_MAX)
        return cached_page(req, job, q);
    return streamed_page(req, job, q);
}

/* ---- exports -------------------------------------------------------------------------- */

struct stream {
    struct ls_export *exp;
    struct ls_buf first; /* the first piece, read before the status line is sent */
    bool first_sent, first_last;
};

static int export_next(void *ud, struct ls_buf *out, struct ls_err *err)
{
    struct stream *s = ud;
    if (!s->first_sent) {
        s->first_sent = true;
        ls_buf_add(out, s->first.data ? s->first.data : "", s->first.len);
        ls_buf_release(&s->first);
        return s->first_last ? LS_STREAM_END : LS_STREAM_MORE;
    }
    int rc = ls_export_next(s->exp, out, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return LS_STREAM_END;
    if (rc == LS_EXPORT_WAIT)
        return LS_STREAM_WAIT; /* a workbook being compressed on its own thread */
    /*
     * A page of rows (into the reply, or into a workbook): the I/O thread's
     * other connections go first, so a reader fast enough to never fill the
     * socket does not hold the thread for the whole export.
     */
    return LS_STREAM_YIELD;
}

static void stream_free(void *ud)
{
    struct stream *s = ud;
    ls_export_free(s->exp);
    ls_buf_release(&s->first);
    free(s);
}

/* What each format is sent as: its media type and its download name. */
static const struct {
    const char *type, *disposition;
} export_media[] = {
    [LS_EXPORT_CSV] = {"text/csv; charset=utf-8", "attachment; filename=lead_scores.csv"},
    [LS_EXPORT_JSONL] = {"application/x-ndjson", "attachment; filename=lead_scores.jsonl"},
    [LS_EXPORT_CSV_EXCEL] = {"text/csv; charset=utf-8", "attachment; filename=lead_scores.csv"},
    [LS_EXPORT_XLSX] = {LS_EXPORT_XLSX_TYPE, "attachment; filename=lead_scores.xlsx"},
};

/*
 * Streams every matching result; CSV unless ?format=jsonl or xlsx. The
 * first piece is read before anything is sent, so that a store that fails
 * at once is a JSON error, not a 200 with an empty body; for XLSX that is
 * the workbook's start (its files and header), so a directory that cannot
 * take them is a JSON error too. A workbook is a ZIP whose directory comes
 * last: its rows go into it a page per call (each call gives way to the I/O
 * thread's other connections), it is compressed on a thread of its own
 * (the stream waits), and only the finished file is sent. The
 * stream is live, so a client that leaves during the build ends it at once.
 */
static int send_export(struct ls_req *req, const struct ls_job *job,
                       const struct ls_results_query *q, enum ls_export_format format)
{
    struct stream *s = ls_xcalloc(1, sizeof(*s));
    s->exp = ls_export_new(req->app->store, job, q, format);
    ls_export_set_dir(s->exp, req->app->cfg.export_dir);
    ls_buf_init(&s->first, SIZE_MAX);
    struct ls_err err = {0};
    int rc = ls_export_prepare(s->exp, ls_req_query(req, "columns"), &err);
    if (rc == LS_EINVAL) {
        stream_free(s);
        return ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", err.msg,
                              json_pack("{s:s}", "parameter", "columns"));
    }
    if (rc == LS_OK)
        rc = ls_export_next(s->exp, &s->first, &err);
    if (rc < 0) {
        stream_free(s);
        return ls_reply_err(req, &err, NULL);
    }
    s->first_last = rc == 0;
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    ls_resp_header(resp, "Content-Disposition", export_media[format].disposition);
    job_headers(resp, job);
    ls_resp_body_stream(resp, export_media[format].type, export_next, s, stream_free);
    if (format == LS_EXPORT_XLSX)
        ls_resp_live(resp);
    return ls_reply(req, resp);
}

static bool export_format(struct ls_req *req, enum ls_export_format *format, int *r)
{
    const char *f = ls_req_query(req, "format");
    if (f == NULL || strcmp(f, "csv") == 0) {
        *format = LS_EXPORT_CSV;
    } else if (strcmp(f, "csv-excel") == 0) {
        *format = LS_EXPORT_CSV_EXCEL;
    } else if (strcmp(f, "jsonl") == 0) {
        *format = LS_EXPORT_JSONL;
    } else if (strcmp(f, "xlsx") == 0) {
        *format = LS_EXPORT_XLSX;
    } else {
        char msg[120];
        snprintf(msg, sizeof(msg), "format must be csv, csv-excel, jsonl or xlsx (got \"%.40s\")",
                 f);
        *r = ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg, NULL);
        return false;
    }
    return true;
}

/* ---- the summary (issue #8) ------------------------------------------------------------ */

#define SUMMARY_MAX 4096 /* ten bins of small numbers */

/*
 * The job's histogram by intent and score for q's text. A finished job's
 * whole histogram is computed once and kept (summary_cache.c), so a filter
 * change is a walk over 303 counts; with text, or for a job still adding
 * results, it is one aggregate query each time (with text, over the rows the
 * whole filter matches).
 */
static int job_hist(struct ls_req *req, const struct ls_job *job, const struct ls_results_query *q,
                    struct ls_score_hist *h, struct ls_err *err)
{
    struct ls_summary_cache *cache = req->app->summaries;
    bool keep = cache && ls_job_status_final(job->status) && q->q[0] == '\0';
    if (keep && ls_summary_cache_get(cache, job, h))
        return LS_OK;
    int64_t total;
    size_t n;
    if (q->q[0] &&
        ls_search_cache_query(req->app->search, job, q, true, &total, h, NULL, 0, &n) == LS_OK)
        return LS_OK;
    int rc = ls_store_results_hist(req->app->store, job, q, h, err);
    if (rc == LS_OK && keep)
        ls_summary_cache_put(cache, job, h);
    return rc;
}

static int send_summary(struct ls_req *req, const struct ls_job *job,
                        const struct ls_results_query *q)
{
    struct ls_score_hist h;
    struct ls_summary s;
    struct ls_err err = {0};
    if (job_hist(req, job, q, &h, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    ls_summary_of(&h, q, &s);
    struct ls_buf b;
    ls_buf_init(&b, SUMMARY_MAX);
    if (ls_summary_json(&s, job->id, ls_job_status_name(job->status), &b) != LS_OK) {
        ls_buf_release(&b);
        ls_err_set(&err, LS_EINTERNAL, "the summary is larger than %d bytes", SUMMARY_MAX);
        return ls_reply_err(req, &err, NULL);
    }
    size_t len;
    char *body = ls_buf_steal(&b, &len);
    struct ls_resp *resp = ls_resp_new(LS_HTTP_OK);
    ls_resp_header(resp, "Cache-Control", "private, no-store");
    ls_resp_body_take(resp, "application/json", body, len);
    return ls_reply(req, resp);
}

/* ---- routes (parameters are checked before anything is looked up) ---------------------- */

int ls_h_results(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !latest_job(req, &job, &r))
        return r;
    return results_page(req, &job, &q);
}

int ls_h_job_results(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !path_job(req, &job, &r))
        return r;
    return results_page(req, &job, &q);
}

int ls_h_results_summary(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !latest_job(req, &job, &r))
        return r;
    return send_summary(req, &job, &q);
}

int ls_h_job_results_summary(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    int r;
    if (!parse_query(req, &q, &r) || !path_job(req, &job, &r))
        return r;
    return send_summary(req, &job, &q);
}

int ls_h_results_export(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    enum ls_export_format f;
    int r;
    if (!export_format(req, &f, &r) || !parse_query(req, &q, &r) || !latest_job(req, &job, &r))
        return r;
    return send_export(req, &job, &q, f);
}

int ls_h_job_results_export(struct ls_req *req)
{
    struct ls_job job;
    struct ls_results_query q;
    enum ls_export_format f;
    int r;
    if (!export_format(req, &f, &r) || !parse_query(req, &q, &r) || !path_job(req, &job, &r))
        return r;
    return send_export(req, &job, &q, f);
}

int ls_h_job_results_delete(struct ls_req *req)
{
    struct ls_job job;
    int r;
    if (!path_job(req, &job, &r))
        return r;
    struct ls_err err = {0};
    if (ls_store_job_delete(req->app->store, req->auth.workspace, job.id, true, ls_now_ms(),
                            &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    /* The key (results_deleted_ms) has changed already; this frees the entry now. */
    ls_summary_cache_drop(req->app->summaries, job.id);
    ls_search_cache_drop(req->app->search, job.id);
    if (ls_store_job_get(req->app->store, req->auth.workspace, job.id, &job, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_reply_json(req, LS_HTTP_OK, ls_view_job(&job, ls_now_ms()));
}
