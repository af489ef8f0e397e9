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
 * The values of the ls_session cookies, in the order sent (RFC 6265 5.4:
 * longest path first). More than one happens when a page on another port
 * of the same host, or a sibling subdomain, planted its own: cookies are
 * not isolated by port. Up to cap are returned; the count of all of them.
 */
static size_t session_cookies(const struct ls_req *req, const char **vals, size_t *lens, size_t cap)
{
    static const char name[] = LS_SESSION_COOKIE "=";
    const size_t nl = sizeof(name) - 1;
    size_t n_found = 0;
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
                if (n_found < cap) {
                    vals[n_found] = p + nl;
                    lens[n_found] = v;
                }
                n_found++;
            }
            p += n;
        }
    }
    return n_found;
}

const char *ls_auth_session_cookie(const struct ls_req *req, size_t *len)
{
    const char *v[1];
    size_t l[1];
    if (session_cookies(req, v, l, 1) == 0)
        return NULL;
    *len = l[0];
    return v[0];
}

/*
 * Authenticates req by its session cookie, if it sends one. Returns false
 * when it replied (a cookie that is no good, on a route that needs
 * credentials). On a public route a stale cookie is ignored: the browser
 * still holds it after expiry, and must be able to sign in or out again.
 */
static bool by_session(struct ls_req *req, bool is_public)
{
    const char *vals[4];
    size_t lens[4];
    size_t n = session_cookies(req, vals, lens, LS_ARRAY_LEN(vals));
    if (n == 0)
        return true;
    if (n > LS_ARRAY_LEN(vals))
        n = LS_ARRAY_LEN(vals);
    /*
     * The cookies that verify must all be one session: a planted cookie that
     * is no good is passed over (it must not lock the user out), and one
     * that is good but another's must not make the page act in another
     * workspace, so two different good ones are refused.
     */
    struct ls_key_info k = {0};
    int64_t expires = 0;
    struct ls_err err = {0}, first_err = {0};
    int first_rc = LS_OK;
    const char *good = NULL;
    size_t good_len = 0;
    for (size_t i = 0; i < n; i++) {
        struct ls_key_info ki;
        int64_t ei = 0;
        int rc = ls_sessions_verify(req->app->sessions, vals[i], lens[i], &ki, &ei, &err);
        if (rc != LS_OK) {
            if (first_rc == LS_OK) {
                first_rc = rc;
                first_err = err;
            }
            if (rc != LS_EUNAUTHORIZED)
                break; /* a store error: no answer about the others either */
            continue;
        }
        if (good && (good_len != lens[i] || memcmp(good, vals[i], good_len) != 0)) {
            if (is_public)
                return true;
            return unauthorized(req, "the request carries two different ls_session cookies "
                                     "(one was set by another page on this host): sign out "
                                     "and sign in again");
        }
        good = vals[i];
        good_len = lens[i];
        req->auth.token = good;
        req->auth.token_len = good_len;
        k = ki;
        expires = ei;
    }
    if (good && (first_rc == LS_OK || first_rc == LS_EUNAUTHORIZED)) {
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
    if (first_rc == LS_EUNAUTHORIZED)
        return unauthorized(req, first_err.msg);
    ls_reply_err(req, &first_err, NULL);
    return false;
}

void ls_auth_cred_of(const struct ls_req *req, struct ls_auth_cred *out)
{
    memset(out, 0, sizeof(*out));
    out->workspace = req->auth.workspace;
    out->kind = req->auth.open ? LS_CRED_OPEN : req->auth.session ? LS_CRED_SESSION : LS_CRED_KEY;
    const char *t = req->auth.token; /* the cookie that verified, or the bearer key */
    size_t len = req->auth.token_len;
    if (t && len < sizeof(out->token)) {
        memcpy(out->token, t, len);
        out->len = len;
    }
}

bool ls_auth_cred_valid(struct ls_app *app, const struct ls_auth_cred *cred)
{
    struct ls_key_info k;
    struct ls_err err = {0};
    int64_t expires = 0;
    switch (cred->kind) {
    case LS_CRED_OPEN:
        return ls_keys_open(app->keys); /* the first key closes the server, streams too */
    case LS_CRED_KEY:
        return ls_keys_verify(app->keys, cred->token, cred->len, &k, &err) == LS_OK &&
               k.workspace == cred->workspace;
    case LS_CRED_SESSION:
        return ls_sessions_verify(app->sessions, cred->token, cred->len, &k, &expires, &err) ==
                   LS_OK &&
               k.workspace == cred->workspace;
    }
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
        req->auth.token = token;
        req->auth.token_len = len;
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
