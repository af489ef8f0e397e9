/* h_health.c - GET /healthz: liveness plus what the service runs with (never a key). */
#include "http.h"

#include "sys/sys.h"

enum MHD_Result ls_h_health(struct ls_req *req)
{
    struct ls_app *app = req->app;
    json_t *body = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:I}", "status", "ok", "version",
                             LS_VERSION, "ai", "provider", app->provider->name, "model",
                             app->provider->model, "store", app->store->ops->name, "uptime_s",
                             (json_int_t)((ls_now_ms() - app->started_ms) / 1000));
    return ls_reply_json(req, MHD_HTTP_OK, body);
}
