/*
 * auth.h - who is calling: API keys, session cookies, workspaces and roles,
 * and the open mode of a server that has no keys yet. Internal to src/http.
 */
#ifndef LS_HTTP_AUTH_H
#define LS_HTTP_AUTH_H

#include "http/http.h"

/*
 * Decides access for req (its route is known): fills req->auth, or replies
 * 401 (no, wrong or revoked key; with WWW-Authenticate) or 403 (a role too
 * low for the route) and returns false. A key that is sent is always
 * checked, even on public routes.
 */
bool ls_auth_request(struct ls_req *req);

/*
 * The value of the request's ls_session cookie (borrowed from req; *len
 * bytes, not NUL-terminated), or NULL when it sends none.
 */
const char *ls_auth_session_cookie(const struct ls_req *req, size_t *len);

/*
 * The credential a request was let in with, kept by a reply that outlives
 * the request (an event stream) to check it again: a sign-out, a revoked
 * key or an expired session ends such a reply as it ends new requests.
 */
struct ls_auth_cred {
    enum { LS_CRED_OPEN, LS_CRED_KEY, LS_CRED_SESSION } kind;
    char token[96]; /* a key or a session token (both shorter), NUL-terminated */
    size_t len;
    int64_t workspace;
};

/* The credential req was authenticated by (after ls_auth_request let it in). */
void ls_auth_cred_of(const struct ls_req *req, struct ls_auth_cred *out);

/* True while cred would still be let into its workspace (cheap: the caches answer). */
bool ls_auth_cred_valid(struct ls_app *app, const struct ls_auth_cred *cred);

/* "open" (no keys: every request acts in the default workspace) or "keys". Static. */
const char *ls_auth_mode(struct ls_app *app);

#endif
