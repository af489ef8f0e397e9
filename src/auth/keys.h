/*
 * keys.h - API keys: issuing them, and checking a presented key fast.
 *
 * A key is "lsk_" and 48 hex digits (192 random bits from the kernel). It is
 * shown once, when issued; the store keeps only its SHA-256 (a slow hash buys
 * nothing for a secret this long) and its first 12 characters, to tell keys
 * apart in listings. Checking a key costs one SHA-256 and a lookup in a small
 * cache of recent answers, so access control stays off the hot path; a key
 * revoked by another process stops working within LS_KEYS_CACHE_MS, one
 * revoked through this process at once. Once a key has been issued the
 * server is protected for good: revoking every key does not reopen it.
 * Thread-safe.
 */
#ifndef LS_AUTH_KEYS_H
#define LS_AUTH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define LS_KEY_PREFIX    "lsk_"
#define LS_KEY_LEN       (4 + 48) /* characters of a key */
#define LS_KEYS_CACHE_MS 1000     /* how long an answer about a key is reused */
#define LS_KEY_TOUCH_MS  60000    /* last_used is written at most this often per key */

struct ls_keys;

/*
 * Owned: ls_keys_free. store is borrowed. open_allowed: the server may run
 * without keys while none exists (a loopback bind, or --no-auth).
 */
struct ls_keys *ls_keys_new(struct ls_store *store, bool open_allowed);
void ls_keys_free(struct ls_keys *k);

/*
 * Issues a key in workspace ws with role (enum ls_key_role) and a label.
 * key gets the secret (LS_KEY_LEN + 1 bytes), *info what is stored.
 */
int ls_keys_issue(struct ls_store *store, int64_t ws, int role, const char *name, int64_t now_ms,
                  char *key, struct ls_key_info *info, struct ls_err *err);

/*
 * Checks a presented key (token[0..len), not NUL-terminated): LS_OK with
 * *info, LS_EUNAUTHORIZED when it is unknown, malformed or revoked, or a
 * store error.
 */
int ls_keys_verify(struct ls_keys *k, const char *token, size_t len, struct ls_key_info *info,
                   struct ls_err *err);

/* True while requests need no key: no key was ever issued and open mode is allowed. */
bool ls_keys_open(struct ls_keys *k);

/*
 * True when the store holds a key, revoked ones included (read at most once
 * per LS_KEYS_CACHE_MS, and never again once true), or cannot say.
 */
bool ls_keys_any(struct ls_keys *k);

/* Forgets every cached answer (after this process created or revoked a key). */
void ls_keys_changed(struct ls_keys *k);

/*
 * A counter bumped by every ls_keys_changed: an answer about a key read
 * while it held another value may be used once but must not be kept (the
 * session cache follows it, so a revocation here ends sessions at once).
 */
uint64_t ls_keys_generation(const struct ls_keys *k);

/* True when token[0..len) has the shape of a key ("lsk_" and 48 lowercase hex digits). */
bool ls_keys_well_formed(const char *token, size_t len);

#endif
