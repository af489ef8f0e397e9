/* keys.c - issuing API keys and checking them through a small cache. */
#include "keys.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/xalloc.h"
#include "sys/sys.h"

#define CACHE_SLOTS 64
#define LOCAL_SLOTS 8 /* per thread: a hit costs a hash and no lock */

struct slot {
    unsigned char hash[LS_SHA256_LEN];
    bool used;
    bool valid;
    int64_t checked_ms;
    struct ls_key_info info;
};

struct ls_keys {
    struct ls_store *store;
    bool open_allowed;
    pthread_mutex_t mu;
    _Atomic int64_t any_checked_ms; /* read without the lock on the hot path */
    atomic_bool any;
    _Atomic uint64_t generation; /* bumped by ls_keys_changed: every cached answer is void */
    struct slot slots[CACHE_SLOTS];
    unsigned next; /* round-robin replacement */
};

/*
 * The last answers each thread saw (the I/O threads serve the same few keys
 * again and again). Valid for the keys object and generation they came from.
 */
struct local_slot {
    const struct ls_keys *owner;
    uint64_t generation;
    char token[LS_KEY_LEN]; /* the key itself: a hit needs no hash */
    struct slot s;
};
static _Thread_local struct local_slot local[LOCAL_SLOTS];
static _Thread_local unsigned local_next;

/* Compares without an early exit, so the time taken says nothing about the bytes. */
static bool same_token(const char *a, const char *b)
{
    unsigned char d = 0;
    for (size_t i = 0; i < LS_KEY_LEN; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static const struct slot *local_find(const struct ls_keys *k, const char *token, int64_t now)
{
    uint64_t gen = atomic_load_explicit(&k->generation, memory_order_acquire);
    for (int i = 0; i < LOCAL_SLOTS; i++) {
        const struct local_slot *l = &local[i];
        if (l->owner == k && l->generation == gen && l->s.used &&
            now - l->s.checked_ms < LS_KEYS_CACHE_MS && same_token(l->token, token))
            return &l->s;
    }
    return NULL;
}

static void local_put(const struct ls_keys *k, const char *token, const struct slot *s)
{
    struct local_slot *l = &local[local_next++ % LOCAL_SLOTS];
    l->owner = k;
    l->generation = atomic_load_explicit(&k->generation, memory_order_acquire);
    memcpy(l->token, token, LS_KEY_LEN);
    l->s = *s;
}

static void hash_of(const char *s, size_t len, unsigned char out[LS_SHA256_LEN])
{
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, s, len);
    ls_sha256_final(&c, out);
}

struct ls_keys *ls_keys_new(struct ls_store *store, bool open_allowed)
{
    struct ls_keys *k = ls_xcalloc(1, sizeof(*k));
    k->store = store;
    k->open_allowed = open_allowed;
    pthread_mutex_init(&k->mu, NULL);
    return k;
}

void ls_keys_free(struct ls_keys *k)
{
    if (k == NULL)
        return;
    pthread_mutex_destroy(&k->mu);
    free(k);
}

int ls_keys_issue(struct ls_store *store, int64_t ws, int role, const char *name, int64_t now_ms,
                  char *key, struct ls_key_info *info, struct ls_err *err)
{
    memcpy(key, LS_KEY_PREFIX, 4);
    ls_random_hex(key + 4, 24);
    unsigned char hash[LS_SHA256_LEN];
    hash_of(key, LS_KEY_LEN, hash);
    memset(info, 0, sizeof(*info));
    info->workspace = ws;
    info->role = role;
    info->created_ms = now_ms;
    snprintf(info->name, sizeof(info->name), "%s", name ? name : "");
    snprintf(info->prefix, sizeof(info->prefix), "%.12s", key);
    return ls_store_key_create(store, info, hash, &info->id, err);
}

static bool well_formed(const char *t, size_t len)
{
    if (len != LS_KEY_LEN || memcmp(t, LS_KEY_PREFIX, 4) != 0)
        return false;
    for (size_t i = 4; i < len; i++) {
        char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static struct slot *find_slot(struct ls_keys *k, const unsigned char *hash, int64_t now)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct slot *s = &k->slots[i];
        if (s->used && now - s->checked_ms < LS_KEYS_CACHE_MS &&
            memcmp(s->hash, hash, LS_SHA256_LEN) == 0)
            return s;
    }
    return NULL;
}

int ls_keys_verify(struct ls_keys *k, const char *token, size_t len, struct ls_key_info *info,
                   struct ls_err *err)
{
    if (!well_formed(token, len))
        return ls_err_set(err, LS_EUNAUTHORIZED, "the API key is not valid");
    int64_t now = ls_mono_ms();
    const struct slot *ls = local_find(k, token, now);
    if (ls) {
        if (!ls->valid)
            return ls_err_set(err, LS_EUNAUTHORIZED, "the API key is not valid");
        *info = ls->info;
        return LS_OK;
    }
    unsigned char hash[LS_SHA256_LEN];
    hash_of(token, len, hash);
    pthread_mutex_lock(&k->mu);
    struct slot *s = find_slot(k, hash, now);
    bool valid = s && s->valid;
    struct slot copy;
    if (s)
        copy = *s;
    pthread_mutex_unlock(&k->mu);
    if (s) {
        local_put(k, token, &copy);
        if (!valid)
            return ls_err_set(err, LS_EUNAUTHORIZED, "the API key is not valid");
        *info = copy.info;
        return LS_OK;
    }

    struct ls_key_info found;
    struct ls_err e = {0};
    int rc = ls_store_key_lookup(k->store, hash, &found, &e);
    if (rc != LS_OK && rc != LS_ENOTFOUND) {
        if (err)
            *err = e;
        return rc;
    }
    valid = rc == LS_OK && found.revoked_ms == 0;
    int64_t wall = ls_now_ms();
    bool touch = valid && wall - found.last_used_ms >= LS_KEY_TOUCH_MS;
    pthread_mutex_lock(&k->mu);
    s = &k->slots[k->next++ % CACHE_SLOTS];
    memcpy(s->hash, hash, LS_SHA256_LEN);
    s->used = true;
    s->valid = valid;
    s->checked_ms = now;
    s->info = found;
    copy = *s;
    pthread_mutex_unlock(&k->mu);
    local_put(k, token, &copy);
    if (!valid)
        return ls_err_set(err, LS_EUNAUTHORIZED,
                          rc == LS_OK ? "the API key has been revoked"
                                      : "the API key is not valid");
    if (touch)
        ls_store_key_touch(k->store, found.id, wall, NULL);
    *info = found;
    return LS_OK;
}

bool ls_keys_any(struct ls_keys *k)
{
    int64_t now = ls_mono_ms();
    int64_t checked = atomic_load_explicit(&k->any_checked_ms, memory_order_acquire);
    if (checked && now - checked < LS_KEYS_CACHE_MS)
        return atomic_load_explicit(&k->any, memory_order_relaxed);
    int64_t n = 0;
    /* A store that cannot answer counts as "keys exist": never fail open. */
    bool any = ls_store_keys_active(k->store, &n, NULL) != LS_OK || n > 0;
    atomic_store_explicit(&k->any, any, memory_order_relaxed);
    atomic_store_explicit(&k->any_checked_ms, now, memory_order_release);
    return any;
}

bool ls_keys_open(struct ls_keys *k)
{
    return k->open_allowed && !ls_keys_any(k);
}

void ls_keys_changed(struct ls_keys *k)
{
    pthread_mutex_lock(&k->mu);
    memset(k->slots, 0, sizeof(k->slots));
    atomic_store(&k->any_checked_ms, 0);
    atomic_fetch_add(&k->generation, 1);
    pthread_mutex_unlock(&k->mu);
}
