/*
 * h_metrics.c - GET /metrics: the Prometheus text exposition. Behind a key
 * (viewer or more) unless LEADSCORE_METRICS_PUBLIC=1; it counts requests,
 * not data, and holds no workspace's content.
 */
#include "http.h"

#include <stdlib.h>

#include "core/xalloc.h"
#include "sys/metrics.h"
#include "sys/sys.h"

int ls_h_metrics(struct ls_req *req)
{
    struct ls_app *app = req->app;
    struct ls_metrics_gauges g = {0};
    struct ls_err err = {0};
    ls_store_jobs_counts(app->store, &g.jobs_queued, &g.jobs_running, NULL);
    g.queue_depth = g.jobs_queued;
    struct ls_server *srv = atomic_load(&app->server);
    g.connections_open = srv ? ls_server_connections(srv) : 0;
    g.uptime_s = (ls_now_ms() - app->started_ms) / 1000;
    g.version = LS_VERSION;
    g.store_healthy = ls_store_health(app->store, &err) == LS_OK;
    struct ls_buf b;
    ls_buf_init(&b, LS_METRICS_TEXT_MAX);
    if (ls_metrics_render(&g, &b) != LS_OK) {
        ls_buf_release(&b);
        ls_err_set(&err, LS_EINTERNAL, "the metrics exposition is larger than its cap");
        return ls_reply_err(req, &err, NULL);
    }
    size_t len;
    char *text = ls_buf_steal(&b, &len);
    struct ls_resp *r = ls_resp_new(LS_HTTP_OK);
    ls_resp_body_take(r, "text/plain; version=0.0.4; charset=utf-8", text ? text : ls_xstrdup(""),
                      text ? len : 0);
    return ls_reply(req, r);
}
