/* h_offers.c - GET /offers and GET /offers/{id}. (POST is in h_offer.c.) */
#include "http.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

static int add_offer(void *ud, const struct ls_offer_info *o, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)o->id, "name", o->name,
                                        "created_at", ls_view_time(o->created_ms)));
    return LS_OK;
}

enum MHD_Result ls_h_offers_list(struct ls_req *req)
{
    enum MHD_Result r;
    int limit, offset;
    if (!ls_req_page(req, PAGE_DEFAULT, PAGE_MAX, &limit, &offset, &r))
        return r;
    struct ls_err err = {0};
    int64_t total = 0, current = 0;
    json_t *items = json_array();
    if (ls_store_offers_list(req->app->store, limit, offset, add_offer, items, &total, &err) ||
        ls_store_current(req->app->store, &current, NULL, NULL, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, MHD_HTTP_OK,
                         json_pack("{s:I, s:I, s:o}", "total", (json_int_t)total, "current",
                                   (json_int_t)current, "items", items));
}

enum MHD_Result ls_h_offer_get(struct ls_req *req)
{
    enum MHD_Result r;
    int64_t id;
    if (!ls_req_id(req, 0, "offer id", &id, &r))
        return r;
    struct ls_offer offer = {0};
    struct ls_err err = {0};
    if (ls_store_offer_get(req->app->store, id, &offer, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    json_t *body = json_pack("{s:I, s:o}", "id", (json_int_t)id, "offer", ls_offer_to_json(&offer));
    ls_offer_release(&offer);
    return ls_reply_json(req, MHD_HTTP_OK, body);
}
