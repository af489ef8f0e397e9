/*
 * h_health.c - GET /healthz: liveness, what the service runs with (never a
 * key, never anything about the data), and whether the store can be written.
 * Public. An unwritable store answers 503 with the error body's fields.
 */
#include "http.h"

#include <string.h>

#include "auth.h"
#include "llm/preflight.h"
#include "sys/sys.h"

int ls_h_health(struct ls_req *req)
{
    struct ls_app *app = req->app;
    struct ls_err err = {0};
    bool healthy = ls_store_health(app->store, &err) == LS_OK;
    json_t *body = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:I}", "status", healthy ? "ok" : "unhealthy",
        "version", LS_VERSION, "ai", "provider", app->provider->name, "model", app->provider->model,
        "store", app->store->ops->name, "store_status", healthy ? "ok" : "unavailable", "auth",
        ls_auth_mode(app), "uptime_s", (json_int_t)((ls_now_ms() - app->started_ms) / 1000));
    /* Issue #10: a model with an announced shutdown is worth a word here too. */
    char warning[256];
    ls_llm_retirement_warning(app->provider->name, app->provider->model, warning, sizeof(warning));
    json_t *ai = json_object_get(body, "ai");
    if (strcmp(app->provider->name, "offline") != 0)
        json_object_set_new(ai, "tier", json_string(ls_price_tier_name(app->provider->tier)));
    if (warning[0] && strcmp(app->provider->name, "offline") != 0)
        json_object_set_new(ai, "warning", json_string(warning));
    if (!healthy) {
        json_object_set_new(body, "error",
                            json_string(err.code == LS_ENOSPACE
                                            ? "the database is full"
                                            : "the database cannot be written (deleted, "
                                              "read-only or failing)"));
        json_object_set_new(body, "code", json_string("storage_unavailable"));
    }
    return ls_reply_json(req, healthy ? LS_HTTP_OK : LS_HTTP_SERVICE_UNAVAILABLE, body);
}
