/*
 * sessions.h - browser sessions: an API key is presented once (POST
 * /session) and the browser then sends a cookie. The token is 32 random
 * bytes from the kernel as 64 hex digits; the store keeps only its SHA-256.
 * A session acts as its key (role, workspace) and ends when it expires, is
 * signed out, or its key is revoked: within LS_KEYS_CACHE_MS when that
 * happens in another process, at once when in this one. Checking a token
 * costs one SHA-256 and a lookup in a small cache. Thread-safe.
 */
#ifndef LS_AUTH_SESSIONS_H
#define LS_AUTH_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/keys.h"
#include "store/store.h"

#define LS_SESSION_COOKIE    "ls_session"
#define LS_SESSION_TOKEN_LEN 64 /* hex digits of a token */

struct ls_sessions;

/*
 * Owned: ls_sessions_free. store and keys are borrowed (keys: its
 * generation voids cached answers). ttl_ms: how long a session lasts.
 */
struct ls_sessions *ls_sessions_new(struct ls_store *store, struct ls_keys *keys, int64_t ttl_ms);
void ls_sessions_free(struct ls_sessions *s);

/* How long a new session lasts, in milliseconds. */
int64_t ls_sessions_ttl_ms(const struct ls_sessions *s);

/*
 * Starts a session of key_id at now_ms (wall clock). token gets the secret
 * (LS_SESSION_TOKEN_LEN + 1 bytes), *expires_ms its end. A store error
 * otherwise.
 */
int ls_sessions_create(struct ls_sessions *s, int64_t key_id, int64_t now_ms, char *token,
                       int64_t *expires_ms, struct ls_err *err);

/*
 * Checks a presented token (token[0..len), not NUL-terminated): LS_OK with
 * its key in *key and its end in *expires_ms; LS_EUNAUTHORIZED (the message
 * says which: malformed or unknown, expired, key revoked) or a store error.
 * An expired session is deleted on the way.
 */
int ls_sessions_verify(struct ls_sessions *s, const char *token, size_t len,
                       struct ls_key_info *key, int64_t *expires_ms, struct ls_err *err);

/* Ends the session of token[0..len) (nothing when there is none or it is malformed). */
int ls_sessions_end(struct ls_sessions *s, const char *token, size_t len, struct ls_err *err);

#endif
