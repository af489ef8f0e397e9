/* h_offers.c - GET /offers and GET /offers/{id}. (POST is in h_offer.c.) */
#include "http.h"

#include <string.h>

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

static int add_offer(void *ud, const struct ls_offer_info *o, struct ls_err *err)
{
    (void)err;
    json_t *item = json_pack("{s:I, s:o, s:o}", "id", (json_int_t)o->id, "name",
                             ls_json_text(o->name, strlen(o->name)), "created_at",
                             ls_view_time(o->created_ms));
    json_array_append_new(ud, item);
    return LS_OK;
}

int ls_h_offers_list(struct ls_req *req)
{
    int r;
    int limit, offset;
    if (!ls_req_page(req, PAGE_DEFAULT, PAGE_MAX, &limit, &offset, &r))
        return r;
    struct ls_err err = {0};
    int64_t total = 0, current = 0;
    json_t *items = json_array();
    if (ls_store_offers_list(req->app->store, req->auth.workspace, limit, offset, add_offer, items,
                             &total, &err) ||
        ls_store_current(req->app->store, req->auth.workspace, &current, NULL, NULL, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:I, s:I, s:o}", "total", (json_int_t)total, "current",
                                   (json_int_t)current, "items", items));
}

int ls_h_offer_get(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "offer id", &id, &r))
        return r;
    struct ls_offer offer = {0};
    struct ls_err err = {0};
    if (ls_store_offer_get(req->app->store, req->auth.workspace, id, &offer, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    json_t *body = json_pack("{s:I, s:o}", "id", (json_int_t)id, "offer", ls_offer_to_json(&offer));
    ls_offer_release(&offer);
    return ls_reply_json(req, LS_HTTP_OK, body);
}

int ls_h_offer_delete(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "offer id", &id, &r))
        return r;
    struct ls_err err = {0};
    if (ls_store_offer_delete(req->app->store, req->auth.workspace, id, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:s, s:I}", "message", "offer deleted", "id", (json_int_t)id));
}
