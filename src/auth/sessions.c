/*
 * sessions.c - browser sessions through a small cache of answers (hash ->
 * key and expiry), so that a dashboard's requests stay off the store.
 *
 * A cached answer is used for at most LS_KEYS_CACHE_MS, and only while two
 * generations are the ones it was read under: the key cache's (bumped when
 * this process creates or revokes a key) and this module's own (bumped at
 * every sign-out). So a revocation or a sign-out here takes effect at once,
 * even for a request that was checking the token at that moment; one in
 * another process within LS_KEYS_CACHE_MS, the bound keys already have.
 * Expiry is checked against the wall clock on every use, cached or not.
 */
#include "sessions.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/xalloc.h"
#include "sys/sys.h"

#define CACHE_SLOTS 64

struct slot {
    unsigned char hash[LS_SHA256_LEN];
    bool used;
    bool found;                /* the store had the session */
    uint64_t key_gen, own_gen; /* the generations it was read under */
    int64_t checked_ms;        /* monotonic */
    int64_t expires_ms;        /* wall clock */
    struct ls_key_info key;
};

struct ls_sessions {
    struct ls_store *store;
    struct ls_keys *keys;
    int64_t ttl_ms;
    pthread_mutex_t mu;
    _Atomic uint64_t generation; /* bumped by every sign-out */
    struct slot slots[CACHE_SLOTS];
    unsigned next; /* round-robin replacement */
};

struct ls_sessions *ls_sessions_new(struct ls_store *store, struct ls_keys *keys, int64_t ttl_ms)
{
    struct ls_sessions *s = ls_xcalloc(1, sizeof(*s));
    s->store = store;
    s->keys = keys;
    s->ttl_ms = ttl_ms;
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

void ls_sessions_free(struct ls_sessions *s)
{
    if (s == NULL)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int64_t ls_sessions_ttl_ms(const struct ls_sessions *s)
{
    return s->ttl_ms;
}

static void hash_of(const char *t, size_t len, unsigned char out[LS_SHA256_LEN])
{
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, t, len);
    ls_sha256_final(&c, out);
}

static bool well_formed(const char *t, size_t len)
{
    if (len != LS_SESSION_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

int ls_sessions_create(struct ls_sessions *s, int64_t key_id, int64_t now_ms, char *token,
                       int64_t *expires_ms, struct ls_err *err)
{
    char t[LS_SESSION_TOKEN_LEN + 1];
    ls_random_hex(t, LS_SESSION_TOKEN_LEN / 2); /* 32 bytes from the CSPRNG the keys use */
    unsigned char hash[LS_SHA256_LEN];
    hash_of(t, LS_SESSION_TOKEN_LEN, hash);
    int64_t end = now_ms + s->ttl_ms;
    int rc = ls_store_session_create(s->store, hash, key_id, now_ms, end, err);
    if (rc == LS_OK) {
        memcpy(token, t, sizeof(t));
        *expires_ms = end;
    }
    memset(t, 0, sizeof(t));
    return rc;
}

static uint64_t own_generation(struct ls_sessions *s)
{
    return atomic_load_explicit(&s->generation, memory_order_acquire);
}

/* The cached answer for hash, if still good (call with the lock held). */
static const struct slot *find(struct ls_sessions *s, const unsigned char *hash, int64_t now,
                               uint64_t key_gen, uint64_t own_gen)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        const struct slot *e = &s->slots[i];
        if (e->used && e->key_gen == key_gen && e->own_gen == own_gen &&
            now - e->checked_ms < LS_KEYS_CACHE_MS && memcmp(e->hash, hash, LS_SHA256_LEN) == 0)
            return e;
    }
    return NULL;
}

static int answer(struct ls_sessions *s, const struct slot *e, struct ls_key_info *key,
                  int64_t *expires_ms, struct ls_err *err)
{
    if (!e->found)
        return ls_err_set(err, LS_EUNAUTHORIZED,
                          "the session is not valid (signed out or unknown): sign in again");
    if (e->key.revoked_ms != 0)
        return ls_err_set(err, LS_EUNAUTHORIZED,
                          "the session's API key has been revoked: sign in with another key");
    if (ls_now_ms() >= e->expires_ms) {
        /* Removed lazily here, and by housekeeping for sessions nobody presents again. */
        ls_store_session_delete(s->store, e->hash, NULL);
        return ls_err_set(err, LS_EUNAUTHORIZED, "the session has expired: sign in again");
    }
    *key = e->key;
    *expires_ms = e->expires_ms;
    return LS_OK;
}

int ls_sessions_verify(struct ls_sessions *s, const char *token, size_t len,
                       struct ls_key_info *key, int64_t *expires_ms, struct ls_err *err)
{
    if (!well_formed(token, len))
        return ls_err_set(err, LS_EUNAUTHORIZED, "the session cookie is malformed: sign in again");
    unsigned char hash[LS_SHA256_LEN];
    hash_of(token, len, hash);
    int64_t now = ls_mono_ms();
    struct slot e;
    uint64_t key_gen = ls_keys_generation(s->keys);
    uint64_t own_gen = own_generation(s);
    pthread_mutex_lock(&s->mu);
    const struct slot *hit = find(s, hash, now, key_gen, own_gen);
    if (hit)
        e = *hit;
    pthread_mutex_unlock(&s->mu);
    if (hit)
        return answer(s, &e, key, expires_ms, err);

    memset(&e, 0, sizeof(e));
    struct ls_err se = {0};
    int rc = ls_store_session_lookup(s->store, hash, &e.key, &e.expires_ms, &se);
    if (rc != LS_OK && rc != LS_ENOTFOUND) {
        if (err)
            *err = se;
        return rc;
    }
    memcpy(e.hash, hash, LS_SHA256_LEN);
    e.used = true;
    e.found = rc == LS_OK;
    e.key_gen = key_gen;
    e.own_gen = own_gen;
    e.checked_ms = now;
    /* An answer read under an older generation still says "valid" once, but is not kept. */
    pthread_mutex_lock(&s->mu);
    if (ls_keys_generation(s->keys) == key_gen && own_generation(s) == own_gen)
        s->slots[s->next++ % CACHE_SLOTS] = e;
    pthread_mutex_unlock(&s->mu);
    return answer(s, &e, key, expires_ms, err);
}

int ls_sessions_end(struct ls_sessions *s, const char *token, size_t len, struct ls_err *err)
{
    if (!well_formed(token, len))
        return LS_OK;
    unsigned char hash[LS_SHA256_LEN];
    hash_of(token, len, hash);
    int rc = ls_store_session_delete(s->store, hash, err);
    /* After the delete: an answer read before it is void from now on. */
    pthread_mutex_lock(&s->mu);
    atomic_fetch_add(&s->generation, 1);
    memset(s->slots, 0, sizeof(s->slots));
    pthread_mutex_unlock(&s->mu);
    return rc;
}
