/*
 * h_keys.c - GET /keys, POST /keys, DELETE /keys/{id}: an admin manages the
 * keys of their own workspace. A new key's secret is in the POST reply and
 * nowhere else, ever; listings show its prefix only.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

#include "auth/keys.h"
#include "core/jsonx.h"
#include "sys/sys.h"

static json_t *key_json(const struct ls_key_info *k)
{
    return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)k->id, "role",
                     ls_role_name((enum ls_role)k->role), "name",
                     ls_json_text(k->name, strlen(k->name)), "prefix", k->prefix, "workspace",
                     ls_json_text(k->workspace_name, strlen(k->workspace_name)), "created_at",
                     ls_view_time(k->created_ms), "last_used_at", ls_view_time(k->last_used_ms),
                     "revoked_at", ls_view_time(k->revoked_ms));
}

static int add_key(void *ud, const struct ls_key_info *k, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, key_json(k));
    return LS_OK;
}

int ls_h_keys_list(struct ls_req *req)
{
    struct ls_err err = {0};
    json_t *items = json_array();
    if (ls_store_keys_list(req->app->store, req->auth.workspace, add_key, items, &err) != LS_OK) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(
        req, LS_HTTP_OK,
        json_pack("{s:I, s:o}", "total", (json_int_t)json_array_size(items), "items", items));
}

/*
 * True when s[0..len) holds a control character (NUL included): a key's name
 * is printed by `leadscore keys list`, and must not rewrite the terminal or
 * forge a line of the listing.
 */
static bool has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    }
    return false;
}

static int bad_field(struct ls_req *req, const char *field, const char *msg)
{
    return ls_reply_error(req, LS_HTTP_UNPROCESSABLE_CONTENT, "validation_error", msg,
                          json_pack("{s:s}", "field", field));
}

int ls_h_key_create(struct ls_req *req)
{
    struct ls_err err = {0};
    if (!ls_req_content_type_is(req, "application/json"))
        return ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "Content-Type must be application/json", NULL);
    json_t *body = NULL;
    if (ls_json_parse(req->body.data ? req->body.data : "", req->body.len, &body, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    int r = LS_OK;
    const char *key;
    json_t *v;
    const json_t *role_v = json_object_get(body, "role");
    const json_t *name_v = json_object_get(body, "name");
    enum ls_role role =
        json_is_string(role_v) ? ls_role_parse(json_string_value(role_v)) : LS_ROLE_NONE;
    if (!json_is_object(body)) {
        r = bad_field(req, "body", "the body must be a JSON object {\"role\", \"name\"}");
        goto out;
    }
    json_object_foreach(body, key, v)
    {
        (void)v;
        if (strcmp(key, "role") != 0 && strcmp(key, "name") != 0) {
            char msg[120];
            snprintf(msg, sizeof(msg), "unknown field \"%.40s\" (the body takes role and name)",
                     key);
            r = bad_field(req, key, msg);
            goto out;
        }
    }
    if (role == LS_ROLE_NONE) {
        r = bad_field(req, "role", "role must be \"admin\", \"member\" or \"viewer\"");
        goto out;
    }
    if (name_v && (!json_is_string(name_v) || json_string_length(name_v) > 100 ||
                   has_control(json_string_value(name_v), json_string_length(name_v)))) {
        r = bad_field(req, "name",
                      "name must be a string of at most 100 bytes without control characters");
        goto out;
    }
    char secret[LS_KEY_LEN + 1];
    struct ls_key_info info;
    if (ls_keys_issue(req->app->store, req->auth.workspace, (int)role,
                      name_v ? json_string_value(name_v) : "", ls_now_ms(), secret, &info,
                      &err) != LS_OK) {
        r = ls_reply_err(req, &err, NULL);
        goto out;
    }
    ls_keys_changed(req->app->keys); /* the first key ends open mode at once */
    json_t *reply =
        json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:s}", "id", (json_int_t)info.id, "key", secret,
                  "role", ls_role_name(role), "name", ls_json_text(info.name, strlen(info.name)),
                  "prefix", info.prefix, "created_at", ls_view_time(info.created_ms), "message",
                  "store this key now: it is not shown again");
    char loc[48];
    snprintf(loc, sizeof(loc), "/keys/%lld", (long long)info.id);
    const char *headers[] = {"Location", loc, "Cache-Control", "no-store", NULL};
    r = ls_reply_json_hdr(req, LS_HTTP_CREATED, reply, headers);
    memset(secret, 0, sizeof(secret));
out:
    json_decref(body);
    return r;
}

int ls_h_key_delete(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "key id", &id, &r))
        return r;
    struct ls_err err = {0};
    if (ls_store_key_revoke(req->app->store, req->auth.workspace, id, ls_now_ms(), &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    ls_keys_changed(req->app->keys);
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:s, s:I}", "message", "key revoked", "id", (json_int_t)id));
}
