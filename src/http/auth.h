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

/* "open" (no keys: every request acts in the default workspace) or "keys". Static. */
const char *ls_auth_mode(struct ls_app *app);

#endif
