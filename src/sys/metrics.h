/*
 * metrics.h - process-wide counters, gauges and histograms, and their
 * Prometheus text exposition (GET /metrics).
 *
 * Every recording function is thread-safe and lock-free (relaxed atomics on
 * fixed arrays): they are called on hot paths (every HTTP request, every
 * model call, every store operation). Label values come only from small
 * fixed sets named here - route templates, never raw paths or ids - so the
 * number of series is bounded whatever the traffic.
 */
#ifndef LS_SYS_METRICS_H
#define LS_SYS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define LS_METRICS_ROUTES_MAX 64

/*
 * Registers the route templates ("/jobs/{id}") and their methods ("GET"),
 * n of each, once at start, before any request; route indexes in
 * ls_metrics_http_request refer to these lists, and request series are
 * labelled route and method from them. Entries past LS_METRICS_ROUTES_MAX
 * count as unmatched. templates and methods are borrowed for the process's
 * life. Not thread-safe: call it before the server starts.
 */
void ls_metrics_set_routes(const char *const *templates, const char *const *methods, size_t n);

/*
 * One finished HTTP request: route index from ls_metrics_set_routes, or -1
 * when no route matched (reported as route="unmatched", method="unknown",
 * as is any index outside the list). status is the HTTP status sent;
 * statuses outside the known set count as status="other".
 */
void ls_metrics_http_request(int route, unsigned status, double seconds, uint64_t bytes_in,
                             uint64_t bytes_out);

/* A connection refused at the door: reason is "busy" (global cap) or "per_ip". */
void ls_metrics_http_refused(const char *reason);

/* One upload that ended: ok false when it was refused or failed. */
void ls_metrics_upload(bool ok, uint64_t rows_accepted, uint64_t rows_rejected);

/* A job that reached a final status: "succeeded", "failed" or "cancelled". */
void ls_metrics_job_finished(const char *status);

/*
 * n leads scored by provider ("offline", "gemini", "openai") with AI status
 * ("ok", "cached", "fallback", "blocked"). Other values of either, and NULL,
 * count as "other"; so do unknown values passed to any function here.
 */
void ls_metrics_leads_scored(const char *provider, const char *ai_status, uint64_t n);

/*
 * One model HTTP request that finished: http_status 0 for a transport error
 * (timeout, refused connection). is_retry when it repeated an earlier one.
 */
void ls_metrics_model_request(const char *provider, long http_status, double seconds,
                              bool is_retry);

/* Tokens a provider reported (prompt = in, completion + thinking = out). */
void ls_metrics_model_tokens(const char *provider, uint64_t tokens_in, uint64_t tokens_out);

/* Verdict-cache lookups. */
void ls_metrics_cache(uint64_t hits, uint64_t misses);

/* One store operation (op is the store op's name, e.g. "results_put"); ok false on error. */
void ls_metrics_store_op(const char *op, double seconds, bool ok);

/* Values read at scrape time by the caller (from the store and the runner). */
struct ls_metrics_gauges {
    int64_t jobs_queued, jobs_running; /* in the store, all workspaces */
    int64_t queue_depth;               /* jobs waiting for this process's worker */
    int64_t connections_open;
    int64_t uptime_s;
    const char *version; /* borrowed */
    bool store_healthy;
};

/*
 * A cap for the buffer passed to ls_metrics_render that holds the largest
 * exposition: every series of every family seen, with LS_METRICS_ROUTES_MAX
 * routes whose template and method together take up to 128 bytes.
 */
#define LS_METRICS_TEXT_MAX (1024 * 1024)

/*
 * Appends the whole exposition (text format 0.0.4, Content-Type
 * "text/plain; version=0.0.4") to out. g and g->version are borrowed for the
 * call. LS_OK, or LS_ELIMIT when out's cap is reached; out is then left as it
 * was. Thread-safe; concurrent recording shows up in this scrape or the next.
 */
int ls_metrics_render(const struct ls_metrics_gauges *g, struct ls_buf *out);

/* Sets every counter and histogram back to zero (tests only). */
void ls_metrics_reset(void);

#endif
