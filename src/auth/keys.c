/*
 * keys.c - issuing API keys and checking them through two caches: a shared
 * one (hash -> answer) and, in front of it, a few answers per thread keyed
 * by the key itself, so that a hit costs neither a hash nor a lock.
 *
 * Every change this process makes (ls_keys_changed) bumps a generation: an
 * answer read from the store before a change is returned to its caller but
 * never cached, and per-thread answers of an older generation are void, so a
 * revocation or a first key made here takes effect at once even for requests
 * that were checking a key at that moment.
 */
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
#define LOCAL_SLOTS 8 /* per thread */

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
    atomic_bool seen_key;        /* the store held a key once: protected for good */
    _Atomic uint64_t generation; /* bumped by ls_keys_changed */
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

static void hash_of(const char *s, size_t len, unsigned char out[LS_SHA256_LEN])
{
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, s, len);
    ls_sha256_final(&c, out);
}

/* Compares without an early exit, so the time taken says nothing about the bytes. */
static bool same_token(const char *a, const char *b)
{
    unsigned char d = 0;
    for (size_t i = 0; i < LS_KEY_LEN; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static uint64_t generation(const struct ls_keys *k)
{
    return atomic_load_explicit(&((struct ls_keys *)(uintptr_t)k)->generation,
                                memory_order_acquire);
}

uint64_t ls_keys_generation(const struct ls_keys *k)
{
    return generation(k);
}

static const struct slot *local_find(const struct ls_keys *k, const char *token, int64_t now)
{
    uint64_t gen = generation(k);
    for (int i = 0; i < LOCAL_SLOTS; i++) {
        const struct local_slot *l = &local[i];
        if (l->owner == k && l->generation == gen && l->s.used &&
            now - l->s.checked_ms < LS_KEYS_CACHE_MS && same_token(l->token, token))
            return &l->s;
    }
    return NULL;
}

/* Keeps an answer of generation gen for this thread (void at once if gen is old). */
static void local_put(const struct ls_keys *k, uint64_t gen, const char *token,
                      const struct slot *s)
{
    struct local_slot *l = &local[local_next++ % LOCAL_SLOTS];
    l->owner = k;
    l->generation = gen;
    memcpy(l->token, token, LS_KEY_LEN);
    l->s = *s;
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

bool ls_keys_well_formed(const char *t, size_t len)
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

static int answer(const struct slot *s, struct ls_key_info *info, struct ls_err *err)
{
    if (!s->valid)
        return ls_err_set(err, LS_EUNAUTHORIZED,
                          s->info.id ? "the API key has been revoked" : "the API key is not valid");
    *info = s->info;
    return LS_OK;
}

int ls_keys_verify(struct ls_keys *k, const char *token, size_t len, struct ls_key_info *info,
                   struct ls_err *err)
{
    if (!ls_keys_well_formed(token, len))
        return ls_err_set(err, LS_EUNAUTHORIZED, "the API key is not valid");
    int64_t now = ls_mono_ms();
    const struct slot *ls = local_find(k, token, now);
    if (ls)
        return answer(ls, info, err);

    unsigned char hash[LS_SHA256_LEN];
    hash_of(token, len, hash);
    struct slot copy;
    pthread_mutex_lock(&k->mu);
    uint64_t gen = generation(k);
    struct slot *s = find_slot(k, hash, now);
    if (s)
        copy = *s;
    pthread_mutex_unlock(&k->mu);
    if (s) {
        local_put(k, gen, token, &copy);
        return answer(&copy, info, err);
    }

    memset(&copy, 0, sizeof(copy));
    struct ls_err e = {0};
    int rc = ls_store_key_lookup(k->store, hash, &copy.info, &e);
    if (rc != LS_OK && rc != LS_ENOTFOUND) {
        if (err)
            *err = e;
        return rc;
    }
    if (rc == LS_ENOTFOUND)
        memset(&copy.info, 0, sizeof(copy.info));
    memcpy(copy.hash, hash, LS_SHA256_LEN);
    copy.used = true;
    copy.valid = rc == LS_OK && copy.info.revoked_ms == 0;
    copy.checked_ms = now;
    int64_t wall = ls_now_ms();
    bool touch = copy.valid && wall - copy.info.last_used_ms >= LS_KEY_TOUCH_MS;
    pthread_mutex_lock(&k->mu);
    bool current = generation(k) == gen; /* else a key changed while we read: do not keep it */
    if (current)
        k->slots[k->next++ % CACHE_SLOTS] = copy;
    pthread_mutex_unlock(&k->mu);
    if (current)
        local_put(k, gen, token, &copy);
    if (touch)
        ls_store_key_touch(k->store, copy.info.id, wall, NULL);
    return answer(&copy, info, err);
}

static int count_key(void *ud, const struct ls_key_info *key, struct ls_err *err)
{
    (void)key;
    (void)err;
    (*(int64_t *)ud)++;
    return LS_OK;
}

bool ls_keys_any(struct ls_keys *k)
{
    if (atomic_load_explicit(&k->seen_key, memory_order_acquire))
        return true;
    int64_t now = ls_mono_ms();
    int64_t checked = atomic_load_explicit(&k->any_checked_ms, memory_order_acquire);
    if (checked && now - checked < LS_KEYS_CACHE_MS)
        return atomic_load_explicit(&k->any, memory_order_relaxed);
    /*
     * Revoked keys count: revoking the last key must not reopen the server,
     * where anyone on the machine could then mint an admin key with POST
     * /keys. Keys are never deleted, so once one is seen the answer is final.
     */
    uint64_t gen = generation(k);
    int64_t n = 0;
    int rc = ls_store_keys_list(k->store, 0, count_key, &n, NULL);
    /* A store that cannot answer counts as "keys exist": never fail open. */
    bool any = rc != LS_OK || n > 0;
    pthread_mutex_lock(&k->mu);
    if (rc == LS_OK && n > 0)
        atomic_store_explicit(&k->seen_key, true, memory_order_release);
    if (generation(k) == gen) {
        atomic_store_explicit(&k->any, any, memory_order_relaxed);
        atomic_store_explicit(&k->any_checked_ms, now, memory_order_release);
    }
    pthread_mutex_unlock(&k->mu);
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
