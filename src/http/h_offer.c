/* h_offer.c - POST /offer: validate an offer, store it, make it current. */
#include "http.h"

#include <stdio.h>

#include "sys/sys.h"

static bool is_json(struct ls_req *req)
{
    return ls_req_content_type_is(req, "application/json");
}

int ls_h_offer_create(struct ls_req *req)
{
    struct ls_offer offer = {0};
    struct ls_err err = {0};
    int64_t id = 0;
    int r;
    if (!is_json(req)) {
        const char *ct = ls_req_header(req, "Content-Type");
        char msg[200];
        snprintf(msg, sizeof(msg), "Content-Type must be application/json (got %s%s%s)",
                 ct ? "\"" : "", ct ? ct : "none", ct ? "\"" : "");
        return ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", msg,
                              NULL);
    }
    if (ls_offer_parse(ls_buf_str(&req->body), req->body.len, &offer, &err) != LS_OK) {
        char field[64];
        bool named = err.code == LS_ESCHEMA && ls_offer_err_field(err.msg, field, sizeof(field));
        return ls_reply_err(req, &err, named ? json_pack("{s:s}", "field", field) : NULL);
    }
    if (ls_store_offer_put(req->app->store, req->auth.workspace, &offer, ls_now_ms(), &id, &err) !=
        LS_OK) {
        r = ls_reply_err(req, &err, NULL);
        goto out;
    }
    json_t *body =
        json_pack("{s:s, s:I, s:o}", "message", "offer saved; it is now the current offer",
                  "offer_id", (json_int_t)id, "offer", ls_offer_to_json(&offer));
    char loc[48];
    snprintf(loc, sizeof(loc), "/offers/%lld", (long long)id);
    const char *headers[] = {"Location", loc, NULL};
    r = ls_reply_json_hdr(req, LS_HTTP_CREATED, body, headers);
out:
    ls_offer_release(&offer);
    return r;
}
