/*
 * keys.c - issuing API keys and checking them through a small cache.
 *
 * Every change this process makes (ls_keys_changed) bumps a generation: an
 * answer read from the store before a change is returned to its caller but
 * never cached, so a revocation or a first key made here takes effect at
 * once even for requests that were checking a key at that moment.
 */
#include "keys.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/xalloc.h"
#include "sys/sys.h"

#define CACHE_SLOTS 64

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
    int64_t any_checked_ms;
    bool any;
    bool seen_key; /* the store held a key once: protected for this process's life */
    uint64_t gen;  /* bumped by ls_keys_changed */
    struct slot slots[CACHE_SLOTS];
    unsigned next; /* round-robin replacement */
};

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
    unsigned char hash[LS_SHA256_LEN];
    hash_of(token, len, hash);
    int64_t now = ls_mono_ms();
    pthread_mutex_lock(&k->mu);
    struct slot *s = find_slot(k, hash, now);
    bool valid = s && s->valid;
    if (s && valid)
        *info = s->info;
    uint64_t gen = k->gen;
    pthread_mutex_unlock(&k->mu);
    if (s)
        return valid ? LS_OK : ls_err_set(err, LS_EUNAUTHORIZED, "the API key is not valid");

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
    if (k->gen == gen) { /* else a key changed while we read: the answer may be stale */
        s = &k->slots[k->next++ % CACHE_SLOTS];
        memcpy(s->hash, hash, LS_SHA256_LEN);
        s->used = true;
        s->valid = valid;
        s->checked_ms = now;
        s->info = found;
    }
    pthread_mutex_unlock(&k->mu);
    if (!valid)
        return ls_err_set(err, LS_EUNAUTHORIZED,
                          rc == LS_OK ? "the API key has been revoked"
                                      : "the API key is not valid");
    if (touch)
        ls_store_key_touch(k->store, found.id, wall, NULL);
    *info = found;
    return LS_OK;
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
    int64_t now = ls_mono_ms();
    pthread_mutex_lock(&k->mu);
    bool any = k->seen_key || k->any;
    bool fresh = k->seen_key || (k->any_checked_ms && now - k->any_checked_ms < LS_KEYS_CACHE_MS);
    uint64_t gen = k->gen;
    pthread_mutex_unlock(&k->mu);
    if (fresh)
        return any;
    /*
     * Revoked keys count: revoking the last key must not reopen the server,
     * where anyone on the machine could then mint an admin key with POST
     * /keys. Keys are never deleted, so once one is seen the answer is final.
     */
    int64_t n = 0;
    int rc = ls_store_keys_list(k->store, 0, count_key, &n, NULL);
    /* A store that cannot answer counts as "keys exist": never fail open. */
    any = rc != LS_OK || n > 0;
    pthread_mutex_lock(&k->mu);
    k->seen_key = k->seen_key || (rc == LS_OK && n > 0);
    if (k->gen == gen) {
        k->any = any;
        k->any_checked_ms = now;
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
    k->any_checked_ms = 0;
    k->gen++;
    pthread_mutex_unlock(&k->mu);
}
