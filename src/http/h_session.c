/*
 * h_session.c - POST /session, GET /session, DELETE /session: a browser
 * (the dashboard) signs in with an API key once and is then recognised by
 * the ls_session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS).
 * The token is in the Set-Cookie header of the sign-in reply and nowhere
 * else; the key sent to sign in is never echoed. GET /session says who a
 * request authenticates as, so the dashboard knows whether to ask.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "auth/keys.h"
#include "auth/sessions.h"
#include "core/jsonx.h"
#include "sys/sys.h"

#define DEFAULT_WORKSPACE_NAME "default" /* workspace 1, made by the store's migrations */

/*
 * Secure when the operator says the server is behind HTTPS, or the proxy in
 * front of it says this request came over HTTPS (X-Forwarded-Proto's first
 * entry is the client's own hop).
 */
static bool cookie_secure(const struct ls_req *req)
{
    if (req->app->cfg.cookie_secure)
        return true;
    const char *p = ls_req_header(req, "X-Forwarded-Proto");
    return p && strncasecmp(p, "https", 5) == 0 && (p[5] == '\0' || p[5] == ',' || p[5] == ' ');
}

static json_t *workspace_json(const struct ls_req *req)
{
    const char *name = req->auth.open ? DEFAULT_WORKSPACE_NAME : req->auth.key.workspace_name;
    return json_pack("{s:I, s:o}", "id", (json_int_t)req->auth.workspace, "name",
                     ls_json_text(name, strlen(name)));
}

static int bad_key_field(struct ls_req *req, const char *field, const char *msg)
{
    return ls_reply_error(req, LS_HTTP_BAD_REQUEST, "invalid", msg,
                          json_pack("{s:s}", "field", field));
}

/* The key of a {"key": "lsk_..."} body (borrowed from body), or NULL after replying 400. */
static const char *body_key(struct ls_req *req, const json_t *body, size_t *len, int *r)
{
    const char *name;
    json_t *v;
    if (!json_is_object(body)) {
        *r = bad_key_field(req, "key", "the body must be a JSON object {\"key\": \"lsk_...\"}");
        return NULL;
    }
    json_object_foreach((json_t *)(uintptr_t)body, name, v)
    {
        (void)v;
        if (strcmp(name, "key") != 0) {
            char msg[120];
            snprintf(msg, sizeof(msg), "unknown field \"%.40s\" (the body takes key only)", name);
            *r = bad_key_field(req, name, msg);
            return NULL;
        }
    }
    const json_t *k = json_object_get(body, "key");
    if (!json_is_string(k)) {
        *r = bad_key_field(req, "key",
                           k ? "key must be a string: the API key (lsk_ and 48 hex digits)"
                             : "key is missing: send {\"key\": \"lsk_...\"}");
        return NULL;
    }
    *len = json_string_length(k);
    return json_string_value(k);
}

int ls_h_session_create(struct ls_req *req)
{
    struct ls_app *app = req->app;
    if (ls_keys_open(app->keys))
        return ls_reply_error(req, LS_HTTP_CONFLICT, "open_mode",
                              "this server is open (no API keys); no sign-in is needed", NULL);
    if (!ls_req_content_type_is(req, "application/json"))
        return ls_reply_error(req, LS_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "Content-Type must be application/json", NULL);
    json_t *body = NULL;
    struct ls_err err = {0};
    /* Not err.msg: the parser quotes the text near the fault, which may be the key. */
    if (ls_json_parse(req->body.data ? req->body.data : "", req->body.len, &body, &err) != LS_OK)
        return ls_reply_error(req, LS_HTTP_BAD_REQUEST, "parse_error",
                              "the body is not well-formed JSON: send {\"key\": \"lsk_...\"}",
                              NULL);
    int r = LS_OK;
    size_t len = 0;
    struct ls_key_info k;
    char token[LS_SESSION_TOKEN_LEN + 1] = "";
    int64_t expires = 0;
    const char *key = body_key(req, body, &len, &r);
    if (key == NULL)
        goto out;
    if (!ls_keys_well_formed(key, len)) {
        r = ls_reply_error(req, LS_HTTP_UNAUTHORIZED, "unauthorized",
                           "key is not an API key: expected lsk_ and 48 lowercase hex digits",
                           NULL);
        goto out;
    }
    int rc = ls_keys_verify(app->keys, key, len, &k, &err);
    if (rc == LS_EUNAUTHORIZED) {
        r = ls_reply_error(req, LS_HTTP_UNAUTHORIZED, "unauthorized", err.msg, NULL);
        goto out;
    }
    if (rc == LS_OK)
        rc = ls_sessions_create(app->sessions, k.id, ls_now_ms(), token, &expires, &err);
    if (rc != LS_OK) {
        r = ls_reply_err(req, &err, NULL);
        goto out;
    }
    char cookie[256];
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
             LS_SESSION_COOKIE, token, (long long)(ls_sessions_ttl_ms(app->sessions) / 1000),
             cookie_secure(req) ? "; Secure" : "");
    const char *headers[] = {"Set-Cookie", cookie, "Cache-Control", "no-store", NULL};
    json_t *ws = json_pack("{s:I, s:o}", "id", (json_int_t)k.workspace, "name",
                           ls_json_text(k.workspace_name, strlen(k.workspace_name)));
    r = ls_reply_json_hdr(req, LS_HTTP_CREATED,
                          json_pack("{s:s, s:s, s:o, s:o}", "message", "signed in", "role",
                                    ls_role_name((enum ls_role)k.role), "workspace", ws,
                                    "expires_at", ls_view_time(expires)),
                          headers);
    memset(cookie, 0, sizeof(cookie));
out:
    memset(token, 0, sizeof(token));
    json_decref(body);
    return r;
}

int ls_h_session_get(struct ls_req *req)
{
    const struct ls_auth *a = &req->auth;
    json_t *key = json_null();
    if (!a->open) {
        json_decref(key);
        key = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)a->key.id, "prefix", a->key.prefix,
                        "name", ls_json_text(a->key.name, strlen(a->key.name)));
    }
    const char *headers[] = {"Cache-Control", "no-store", NULL};
    return ls_reply_json_hdr(
        req, LS_HTTP_OK,
        json_pack("{s:s, s:s, s:o, s:o, s:o}", "auth",
                  a->open      ? "open"
                  : a->session ? "session"
                               : "key",
                  "role", ls_role_name(a->role), "workspace", workspace_json(req), "expires_at",
                  a->session ? ls_view_time(a->expires_ms) : json_null(), "key", key),
        headers);
}

int ls_h_session_delete(struct ls_req *req)
{
    size_t len = 0;
    const char *token = ls_auth_session_cookie(req, &len);
    struct ls_err err = {0};
    if (token && ls_sessions_end(req->app->sessions, token, len, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    char cookie[128];
    snprintf(cookie, sizeof(cookie), "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             LS_SESSION_COOKIE, cookie_secure(req) ? "; Secure" : "");
    const char *headers[] = {"Set-Cookie", cookie, "Cache-Control", "no-store", NULL};
    return ls_reply_json_hdr(req, LS_HTTP_OK, json_pack("{s:s}", "message", "signed out"), headers);
}
