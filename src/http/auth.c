/*
 * auth.c - access decisions for requests: the Bearer key, its workspace and
 * role, the ls_session cookie of a signed-in browser (it acts as its key;
 * Authorization wins when both are sent), and the open mode (no key exists
 * and the server listens on loopback only, or runs with --no-auth), in which
 * every request acts as an admin of the "default" workspace.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/keys.h"
#include "auth/sessions.h"

#define DEFAULT_WORKSPACE 1

static const char *const role_names[] = {"none", "viewer", "member", "admin"};

const char *ls_role_name(enum ls_role r)
{
    return (unsigned)r < LS_ARRAY_LEN(role_names) ? role_names[r] : "none";
}

enum ls_role ls_role_parse(const char *s)
{
    for (size_t i = 1; s && i < LS_ARRAY_LEN(role_names); i++) {
        if (strcmp(s, role_names[i]) == 0)
            return (enum ls_role)i;
    }
    return LS_ROLE_NONE;
}

const char *ls_auth_mode(struct ls_app *app)
{
    return ls_keys_open(app->keys) ? "open" : "keys";
}

static bool unauthorized(struct ls_req *req, const char *msg)
{
    ls_reply_error(req, LS_HTTP_UNAUTHORIZED, "unauthorized", msg, NULL);
    return false;
}

/*
 * The token of "Authorization: Bearer <token>"; NULL when absent. Two
 * Authorization headers are malformed: whichever one were used, the other
 * would be a key sent and never checked.
 */
static const char *bearer(const struct ls_req *req, size_t *len, bool *malformed)
{
    const char *h = ls_req_header(req, "Authorization");
    *malformed = false;
    if (h == NULL)
        return NULL;
    if (ls_http_field_count(&req->head, "Authorization") > 1 || strncasecmp(h, "Bearer ", 7) != 0) {
        *malformed = true;
        return NULL;
    }
    h += 7;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && h[n - 1] == ' ')
        n--;
    *len = n;
    return h;
}

/*
 * The value of the ls_session cookie (the first one; RFC 6265 section 5.4
 * puts the longest path first, and the server only ever sets Path=/), or
 * NULL. A client may split cookies over several Cookie fields.
 */
const char *ls_auth_session_cookie(const struct ls_req *req, size_t *len)
{
    static const char name[] = LS_SESSION_COOKIE "=";
    const size_t nl = sizeof(name) - 1;
    for (size_t i = 0; i < req->head.n_fields; i++) {
        const struct ls_http_field *f = &req->head.fields[i];
        if (f->name_len != 6 || strncasecmp(f->name, "Cookie", 6) != 0)
            continue;
        for (const char *p = f->value; *p;) {
            while (*p == ' ' || *p == ';')
                p++;
            size_t n = strcspn(p, ";");
            if (n >= nl && strncmp(p, name, nl) == 0) {
                size_t v = n - nl;
                while (v && p[nl + v - 1] == ' ')
                    v--;
                *len = v;
                return p + nl;
            }
            p += n;
        }
    }
    return NULL;
}

/*
 * Authenticates req by its session cookie, if it sends one. Returns false
 * when it replied (a cookie that is no good, on a route that needs
 * credentials). On a public route a stale cookie is ignored: the browser
 * still holds it after expiry, and must be able to sign in or out again.
 */
static bool by_session(struct ls_req *req, bool is_public)
{
    size_t len = 0;
    const char *token = ls_auth_session_cookie(req, &len);
    if (token == NULL)
        return true;
    struct ls_key_info k;
    int64_t expires = 0;
    struct ls_err err = {0};
    int rc = ls_sessions_verify(req->app->sessions, token, len, &k, &expires, &err);
    if (rc == LS_OK) {
        req->auth.workspace = k.workspace;
        req->auth.role = (enum ls_role)k.role;
        req->auth.key_id = k.id;
        req->auth.key = k;
        req->auth.session = true;
        req->auth.expires_ms = expires;
        return true;
    }
    if (is_public)
        return true;
    if (rc == LS_EUNAUTHORIZED)
        return unauthorized(req, err.msg);
    ls_reply_err(req, &err, NULL);
    return false;
}

bool ls_auth_request(struct ls_req *req)
{
    struct ls_app *app = req->app;
    const struct ls_route *rt = req->route;
    size_t len = 0;
    bool malformed;
    const char *token = bearer(req, &len, &malformed);
    if (malformed)
        return unauthorized(req, "send one Authorization header: \"Bearer <key>\"");
    req->auth.workspace = DEFAULT_WORKSPACE;
    req->auth.role = LS_ROLE_NONE;
    bool is_public = rt->role == LS_ROLE_NONE ||
                     (app->cfg.metrics_public && strcmp(rt->pattern, "/metrics") == 0);
    /* Signing in authenticates by the key in the body, never by a cookie already held. */
    bool is_sign_in = strcmp(rt->pattern, "/session") == 0 && strcmp(rt->method, "POST") == 0;
    if (token) {
        struct ls_key_info k;
        struct ls_err err = {0};
        int rc = ls_keys_verify(app->keys, token, len, &k, &err);
        if (rc == LS_EUNAUTHORIZED)
            return unauthorized(req, err.msg);
        if (rc != LS_OK) {
            ls_reply_err(req, &err, NULL);
            return false;
        }
        req->auth.workspace = k.workspace;
        req->auth.role = (enum ls_role)k.role;
        req->auth.key_id = k.id;
        req->auth.key = k;
    } else if (ls_keys_open(app->keys)) {
        req->auth.role = LS_ROLE_ADMIN;
        req->auth.open = true;
    } else if (!is_sign_in && !by_session(req, is_public)) {
        return false;
    }
    if (is_public || req->auth.role >= rt->role)
        return true;
    if (req->auth.role == LS_ROLE_NONE)
        return unauthorized(req, "this server requires an API key: send Authorization: Bearer "
                                 "<key> (create one with: leadscore keys create), or sign in "
                                 "with POST /session");
    char msg[200];
    snprintf(msg, sizeof(msg), "a %s key cannot %s %s: it needs the %s role",
             ls_role_name(req->auth.role), req->method, rt->pattern, ls_role_name(rt->role));
    ls_reply_error(req, LS_HTTP_FORBIDDEN, "forbidden", msg,
                   json_pack("{s:s, s:s}", "role", ls_role_name(req->auth.role), "required",
                             ls_role_name(rt->role)));
    return false;
}
