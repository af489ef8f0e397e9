/*
 * job_batch.c - a batch-mode job's batch phase (see job_batch.h).
 *
 * The store is the memory between runs: a batch row is written (state
 * "submitting", with its items) before the service hears of it, updated to
 * "pending" with the service's ids once created, "ended" when the service
 * says it is final, and "applied" once its verdicts are stored. A run that
 * finds a "submitting" row was stopped between the two writes - maybe after
 * the service created (and will bill) the batch. Each batch is sent under a
 * name of its own ("leadscore job J batch B at T": the row's id and the
 * millisecond it was stored, so that neither a reused row id nor another
 * database's job J batch B has the same name), so the run
 * looks for that name in the service's list: found, the batch is polled like
 * any pending one; not there, the row is dropped and its leads, in no other
 * batch, are sent again. Leads already in a stored batch are never put in
 * another one: whatever a batch leaves unanswered goes through the normal
 * passes.
 */
#include "job_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/llm_parse.h"
#include "core/prompt.h"
#include "core/xalloc.h"
#include "llm/batch.h"
#include "sys/log.h"
#include "sys/sys.h"

#define POLL_SLICE_MS   100 /* how often a wait looks at the stop flag */
#define POLL_ERRORS_MAX 8   /* failed polls in a row before the job fails */
#define APPLY_WALK      64  /* leads asked of next() at a time when applying */
#define BATCHES_MAX     1000

struct vmap_entry {
    int64_t idx;
    struct ls_verdict v;
};

struct phase {
    const struct ls_job_env *env;
    const struct ls_job *job;
    const struct ls_offer *offer;
    const struct ls_job_batch_hooks *h;
    struct ls_ai_usage *usage;
    struct ls_batch_client *client;
    struct ls_batch *batches; /* stored, oldest first */
    size_t n_batches;
    int64_t *in_batch; /* idx of every lead in a stored batch, sorted */
    size_t n_in_batch, cap_in_batch;
    struct ls_batch_item *items; /* of the file being built */
    size_t n_items, cap_items;
    int64_t next_request;
    struct vmap_entry *map; /* verdicts from ended batches */
    size_t n_map, cap_map;
    /* the batch whose results are being read */
    struct ls_batch_item *b_items;
    size_t n_b_items, cap_b_items;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_entry(const void *a, const void *b)
{
    return cmp_i64(&((const struct vmap_entry *)a)->idx, &((const struct vmap_entry *)b)->idx);
}

static bool stopping(const struct phase *ph)
{
    return atomic_load(ph->env->stop) || ph->h->halted(ph->h->ud);
}

/* ---- what is stored ------------------------------------------------------- */

static int take_batch(void *ud, const struct ls_batch *b, struct ls_err *err)
{
    struct phase *ph = ud;
    if (ph->n_batches == BATCHES_MAX)
        return ls_err_set(err, LS_ELIMIT, "a job has at most %d batches", BATCHES_MAX);
    ph->batches = ls_xrealloc(ph->batches, (ph->n_batches + 1) * sizeof(*ph->batches));
    ph->batches[ph->n_batches++] = *b;
    return LS_OK;
}

static int take_idx(void *ud, const struct ls_batch_item *it, struct ls_err *err)
{
    (void)err;
    struct phase *ph = ud;
    if (ph->n_in_batch == ph->cap_in_batch) {
        ph->cap_in_batch = ph->cap_in_batch ? ph->cap_in_batch * 2 : 1024;
        ph->in_batch = ls_xrealloc(ph->in_batch, ph->cap_in_batch * sizeof(*ph->in_batch));
    }
    ph->in_batch[ph->n_in_batch++] = it->idx;
    return LS_OK;
}

static int take_item(void *ud, const struct ls_batch_item *it, struct ls_err *err)
{
    (void)err;
    struct phase *ph = ud;
    if (ph->n_b_items == ph->cap_b_items) {
        ph->cap_b_items = ph->cap_b_items ? ph->cap_b_items * 2 : 1024;
        ph->b_items = ls_xrealloc(ph->b_items, ph->cap_b_items * sizeof(*ph->b_items));
    }
    ph->b_items[ph->n_b_items++] = *it;
    return LS_OK;
}

#define DISPLAY_MAX 96

/* The name stored batch b is sent under, and looked for after a restart. */
static void batch_display(const struct ls_batch *b, char out[DISPLAY_MAX])
{
    snprintf(out, DISPLAY_MAX, "leadscore job %lld batch %lld at %lld", (long long)b->job_id,
             (long long)b->id, (long long)b->created_ms);
}

/* Is stored batch b (one stopped while being sent) at the service? See ls_batch_find. */
static int find_sent(struct ls_batch_client *c, struct ls_batch *b, bool *found, struct ls_err *err)
{
    char display[DISPLAY_MAX];
    batch_display(b, display);
    return ls_batch_find(c, display, b, found, err);
}

/*
 * A "submitting" row: did the service create the batch before the process
 * stopped? *found when it did (b then "pending", stored). Tries a few times;
 * a service whose list cannot be read is taken not to have it (logged).
 */
static int recover(struct phase *ph, struct ls_batch *b, bool *found, struct ls_err *err)
{
    struct ls_err ferr = {0};
    int frc = LS_OK;
    *found = false;
    for (int attempt = 1; !stopping(ph); attempt++) {
        ferr = (struct ls_err){0};
        frc = find_sent(ph->client, b, found, &ferr);
        if (frc == LS_OK || attempt == 3)
            break;
        for (int w = 0; w < 1000 / POLL_SLICE_MS && !stopping(ph); w++)
            ls_sleep_ms(POLL_SLICE_MS);
    }
    if (stopping(ph))
        return ls_err_set(err, LS_ECANCELLED, "stopped");
    if (frc != LS_OK) {
        ls_log(LS_LOG_WARN, "batch.unknown",
               "job=%lld batch=%lld: %s; its leads are sent again (the service may bill both)",
               (long long)ph->job->id, (long long)b->id, ferr.msg);
        return LS_OK;
    }
    if (!*found)
        return LS_OK;
    snprintf(b->state, sizeof(b->state), "pending");
    ls_log(LS_LOG_INFO, "batch.recovered", "job=%lld batch=%lld remote=%s", (long long)ph->job->id,
           (long long)b->id, b->remote_id);
    return ls_store_batch_update(ph->env->store, b, err);
}

/* Reads the job's batches; recovers or drops those not confirmed sent; collects their leads. */
static int load(struct phase *ph, struct ls_err *err)
{
    struct ls_store *st = ph->env->store;
    int rc = ls_store_batches_list(st, ph->job->id, take_batch, ph, err);
    size_t keep = 0;
    for (size_t i = 0; rc == LS_OK && i < ph->n_batches; i++) {
        struct ls_batch *b = &ph->batches[i];
        bool found = false;
        if (strcmp(b->state, "submitting") == 0 && (rc = recover(ph, b, &found, err)) != LS_OK)
            break;
        if (strcmp(b->state, "submitting") == 0) {
            ls_log(LS_LOG_WARN, "batch.dropped", "job=%lld batch=%lld", (long long)ph->job->id,
                   (long long)b->id);
            rc = ls_store_batch_delete(st, b->id, err);
            continue;
        }
        rc = ls_store_batch_items(st, b->id, take_idx, ph, err);
        ph->batches[keep++] = *b;
        ph->next_request += b->requests;
    }
    ph->n_batches = keep;
    if (rc == LS_OK && ph->n_in_batch)
        qsort(ph->in_batch, ph->n_in_batch, sizeof(*ph->in_batch), cmp_i64);
    return rc;
}

static bool is_in_batch(const struct phase *ph, int64_t idx)
{
    return ph->n_in_batch &&
           bsearch(&idx, ph->in_batch, ph->n_in_batch, sizeof(idx), cmp_i64) != NULL;
}

/* ---- submitting ----------------------------------------------------------- */

/* Stores the file being built as a batch, sends it, and records the service's ids. */
static int send_file(struct phase *ph, struct ls_err *err)
{
    struct ls_store *st = ph->env->store;
    struct ls_batch b;
    memset(&b, 0, sizeof(b));
    b.job_id = ph->job->id;
    snprintf(b.provider, sizeof(b.provider), "%s", ph->env->provider->name);
    snprintf(b.state, sizeof(b.state), "submitting");
    b.requests = (int64_t)ls_batch_size(ph->client);
    if (ph->n_batches == BATCHES_MAX)
        return ls_err_set(err, LS_ELIMIT, "a job has at most %d batches", BATCHES_MAX);
    int rc = ls_store_batch_create(st, &b, ph->items, ph->n_items, err);
    if (rc)
        return rc;
    char display[DISPLAY_MAX];
    batch_display(&b, display);
    rc = ls_batch_submit(ph->client, display, &b, err);
    if (rc) {
        ls_store_batch_delete(st, b.id, NULL); /* never sent: nothing to resume */
        return rc;
    }
    snprintf(b.state, sizeof(b.state), "pending");
    rc = ls_store_batch_update(st, &b, err);
    if (rc)
        return rc;
    ls_log(LS_LOG_INFO, "batch.submitted", "job=%lld batch=%lld remote=%s requests=%lld leads=%zu",
           (long long)ph->job->id, (long long)b.id, b.remote_id, (long long)b.requests,
           ph->n_items);
    ph->batches = ls_xrealloc(ph->batches, (ph->n_batches + 1) * sizeof(*ph->batches));
    ph->batches[ph->n_batches++] = b;
    ph->n_items = 0;
    return LS_OK;
}

/* Adds one request for n leads; LS_ELIMIT leaves them to the normal passes. */
static int add_request(struct phase *ph, const struct ls_ai_item *items, size_t n,
                       struct ls_err *err)
{
    struct ls_prompt_lead pl[LS_PROMPT_BATCH_MAX];
    unsigned char raw[LS_PROMPT_BATCH_MAX][LS_PROMPT_ID_LEN];
    char nonce[33];
    ls_random_bytes(raw, sizeof(raw));
    ls_random_hex(nonce, 16);
    for (size_t i = 0; i < n; i++) {
        /* Fresh random ids per request, as on the synchronous path. */
        ls_prompt_make_id(raw[i], LS_PROMPT_ID_LEN, pl[i].id);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(pl[k].id, pl[i].id) == 0)
                pl[i].id[0] = (char)('a' + (i % 26));
        }
        pl[i].lead = items[i].lead;
    }
    struct ls_prompt prompt = {ph->offer, pl, n, nonce};
    char custom_id[64];
    snprintf(custom_id, sizeof(custom_id), "job%lld-r%08lld", (long long)ph->job->id,
             (long long)ph->next_request);
    int rc = ls_batch_add(ph->client, custom_id, &prompt, err);
    if (rc == LS_BATCH_FULL) {
        rc = send_file(ph, err);
        if (rc == LS_OK)
            rc = ls_batch_add(ph->client, custom_id, &prompt, err);
    }
    if (rc != LS_OK)
        return rc;
    ph->next_request++;
    if (ph->n_items + n > ph->cap_items) {
        ph->cap_items = (ph->n_items + n) * 2;
        ph->items = ls_xrealloc(ph->items, ph->cap_items * sizeof(*ph->items));
    }
    for (size_t i = 0; i < n; i++) {
        struct ls_batch_item *it = &ph->items[ph->n_items++];
        it->idx = items[i].id;
        snprintf(it->custom_id, sizeof(it->custom_id), "%s", custom_id);
        snprintf(it->prompt_id, sizeof(it->prompt_id), "%s", pl[i].id);
    }
    return LS_OK;
}

/* Walks the pending leads in no batch yet and sends them in batches. */
static int submit(struct phase *ph, struct ls_err *err)
{
    const struct ls_job_batch_hooks *h = ph->h;
    struct ls_ai_item items[LS_PROMPT_BATCH_MAX];
    struct ls_ai_outcome later = {.status = LS_ECANCELLED};
    size_t per = ls_batch_leads(ph->client);
    if (per > LS_PROMPT_BATCH_MAX)
        per = LS_PROMPT_BATCH_MAX;
    int rc = LS_OK;
    h->walk_begin(h->ud);
    while (rc == LS_OK && !stopping(ph)) {
        size_t n = 0;
        /* Fill one request with leads no stored batch holds. */
        while (n < per && h->next(h->ud, items + n, 1) == 1) {
            if (is_in_batch(ph, items[n].id))
                h->done(h->ud, &items[n], &later);
            else
                n++;
        }
        if (n == 0)
            break;
        struct ls_err aerr = {0};
        int arc = add_request(ph, items, n, &aerr);
        if (arc == LS_ELIMIT)
            ls_log(LS_LOG_WARN, "batch.too_big", "job=%lld leads=%zu: %s", (long long)ph->job->id,
                   n, aerr.msg); /* the normal passes take them (halving as they need) */
        else if (arc != LS_OK)
            rc = ls_err_set(err, arc, "%s", aerr.msg);
        /* The leads stay pending in the store either way: results come later. */
        for (size_t i = 0; i < n; i++)
            h->done(h->ud, &items[i], &later);
    }
    if (rc == LS_OK && !stopping(ph) && ls_batch_size(ph->client) > 0)
        rc = send_file(ph, err);
    h->walk_end(h->ud);
    return rc;
}

/* ---- polling -------------------------------------------------------------- */

static bool is_pending(const struct ls_batch *b)
{
    return strcmp(b->state, "pending") == 0;
}

/* Asks the service to cancel every batch still pending (a cancel of the job). */
static void cancel_all(struct phase *ph)
{
    for (size_t i = 0; i < ph->n_batches; i++) {
        struct ls_batch *b = &ph->batches[i];
        if (!is_pending(b))
            continue;
        struct ls_err cerr = {0};
        if (ls_batch_cancel(ph->client, b, &cerr) != LS_OK)
            ls_log(LS_LOG_WARN, "batch.cancel_failed", "job=%lld remote=%s error=%s",
                   (long long)ph->job->id, b->remote_id, cerr.msg);
        snprintf(b->state, sizeof(b->state), "cancelled");
        ls_store_batch_update(ph->env->store, b, NULL);
        ls_log(LS_LOG_INFO, "batch.cancelled", "job=%lld remote=%s", (long long)ph->job->id,
               b->remote_id);
    }
}

/* Sleeps ms, looking at the stop flag; false when stopped. */
static bool wait_ms(struct phase *ph, long ms)
{
    int64_t until = ls_mono_ms() + ms;
    while (!stopping(ph)) {
        int64_t left = until - ls_mono_ms();
        if (left <= 0)
            return true;
        ls_sleep_ms(left < POLL_SLICE_MS ? left : POLL_SLICE_MS);
    }
    return false;
}

/* Polls until no batch is pending. LS_ECANCELLED when stopped. */
static int poll_all(struct phase *ph, struct ls_err *err)
{
    const struct ls_batch_cfg *cfg = ph->env->batch;
    long wait = cfg->poll_ms > 0 ? cfg->poll_ms : 10000;
    long wait_max = cfg->poll_max_ms >= wait ? cfg->poll_max_ms : wait;
    int errors = 0;
    for (;;) {
        if (stopping(ph))
            return ls_err_set(err, LS_ECANCELLED, "scoring was cancelled");
        size_t pending = 0;
        for (size_t i = 0; i < ph->n_batches; i++) {
            struct ls_batch *b = &ph->batches[i];
            if (!is_pending(b))
                continue;
            bool ended = false;
            struct ls_err perr = {0};
            if (ls_batch_poll(ph->client, b, &ended, &perr) != LS_OK) {
                /* A poll is free and the batch runs on regardless: ask again later. */
                ls_log(LS_LOG_WARN, "batch.poll_failed", "job=%lld remote=%s error=%s",
                       (long long)ph->job->id, b->remote_id, perr.msg);
                if (++errors >= POLL_ERRORS_MAX)
                    return ls_err_set(err, perr.code ? perr.code : LS_EUPSTREAM, "%s", perr.msg);
                pending++;
                continue;
            }
            errors = 0;
            if (ended)
                snprintf(b->state, sizeof(b->state), "ended");
            else
                pending++;
            int rc = ls_store_batch_update(ph->env->store, b, err);
            if (rc)
                return rc;
            ls_log(LS_LOG_DEBUG, "batch.poll", "job=%lld remote=%s state=%s done=%lld/%lld",
                   (long long)ph->job->id, b->remote_id, b->remote_state, (long long)b->n_completed,
                   (long long)b->n_total);
        }
        if (pending == 0)
            return LS_OK;
        if (!wait_ms(ph, wait))
            return ls_err_set(err, LS_ECANCELLED, "scoring was cancelled");
        wait = wait + wait / 2 > wait_max ? wait_max : wait + wait / 2;
    }
}

/* ---- applying ------------------------------------------------------------- */

static int on_result(void *ud, const char *custom_id, const struct ls_llm_reply *reply,
                     struct ls_err *err)
{
    (void)err;
    struct phase *ph = ud;
    /* The line's leads: b_items is sorted by custom_id (the store's order). */
    size_t lo = 0, hi = ph->n_b_items;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ph->b_items[mid].custom_id, custom_id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < ph->n_b_items && strcmp(ph->b_items[lo + n].custom_id, custom_id) == 0 &&
           n < LS_LLM_ANSWER_MAX)
        n++;
    if (n == 0)
        return LS_OK; /* a line we never sent: ignored */
    ph->usage->model_calls++;
    ls_ai_usage_account(ph->usage, reply); /* at the batch rates the job set */
    if (reply->kind != LS_LLM_OK) {
        ls_log(LS_LOG_DEBUG, "batch.item_failed", "job=%lld custom_id=%s leads=%zu error=%s",
               (long long)ph->job->id, custom_id, n, reply->error);
        return LS_OK; /* its leads stay pending: the normal passes send them */
    }
    const char *ids[LS_LLM_ANSWER_MAX];
    struct ls_verdict out[LS_LLM_ANSWER_MAX];
    int status[LS_LLM_ANSWER_MAX];
    char why[LS_LLM_ANSWER_MAX][128];
    for (size_t i = 0; i < n; i++)
        ids[i] = ph->b_items[lo + i].prompt_id;
    ls_llm_parse_answer(reply->text.data ? reply->text.data : "", reply->text.len, ids, n, out,
                        status, why, NULL);
    for (size_t i = 0; i < n; i++) {
        if (status[i] != LS_OK)
            continue;
        if (ph->n_map == ph->cap_map) {
            ph->cap_map = ph->cap_map ? ph->cap_map * 2 : 1024;
            ph->map = ls_xrealloc(ph->map, ph->cap_map * sizeof(*ph->map));
        }
        ph->map[ph->n_map].idx = ph->b_items[lo + i].idx;
        ph->map[ph->n_map].v = out[i];
        ph->n_map++;
    }
    return LS_OK;
}

/* Reads one ended batch's answers into the verdict map. */
static int read_answers(struct phase *ph, const struct ls_batch *b, struct ls_err *err)
{
    ph->n_b_items = 0;
    ph->n_map = 0;
    int rc = ls_store_batch_items(ph->env->store, b->id, take_item, ph, err);
    /* The batch's custom_ids in request order (zero-padded: sorted is sent order). */
    const char **keys = ls_xmalloc((ph->n_b_items + 1) * sizeof(*keys));
    size_t n_keys = 0;
    for (size_t k = 0; k < ph->n_b_items; k++) {
        if (n_keys == 0 || strcmp(keys[n_keys - 1], ph->b_items[k].custom_id) != 0)
            keys[n_keys++] = ph->b_items[k].custom_id;
    }
    if (rc == LS_OK)
        rc = ls_batch_results(ph->client, b, on_result, ph, keys, n_keys, err);
    free(keys);
    if (rc == LS_OK && ph->n_map)
        qsort(ph->map, ph->n_map, sizeof(*ph->map), cmp_entry);
    return rc;
}

/* Walks the pending leads and stores the verdicts in the map; the rest stay pending. */
static size_t store_answers(struct phase *ph)
{
    const struct ls_job_batch_hooks *h = ph->h;
    struct ls_ai_item items[APPLY_WALK];
    struct ls_ai_outcome later = {.status = LS_ECANCELLED};
    size_t answered = 0;
    h->walk_begin(h->ud);
    for (;;) {
        size_t n = h->next(h->ud, items, APPLY_WALK);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++) {
            struct vmap_entry key = {.idx = items[i].id};
            const struct vmap_entry *e =
                ph->n_map ? bsearch(&key, ph->map, ph->n_map, sizeof(key), cmp_entry) : NULL;
            if (e == NULL) {
                h->done(h->ud, &items[i], &later);
                continue;
            }
            struct ls_ai_outcome o = {.status = LS_OK, .verdict = e->v};
            h->done(h->ud, &items[i], &o);
            answered++;
        }
    }
    h->walk_end(h->ud);
    return answered;
}

/*
 * Stores the verdicts of each ended batch, one batch at a time (memory holds
 * one batch's answers, not the job's), and marks it applied.
 */
static int apply(struct phase *ph, struct ls_err *err)
{
    for (size_t i = 0; i < ph->n_batches; i++) {
        struct ls_batch *b = &ph->batches[i];
        if (strcmp(b->state, "ended") != 0)
            continue;
        int rc = read_answers(ph, b, err);
        if (rc)
            return rc;
        size_t answered = store_answers(ph);
        if (ph->h->halted(ph->h->ud))
            return LS_OK; /* the store failed or the job was cancelled: the caller decides */
        snprintf(b->state, sizeof(b->state), "applied");
        rc = ls_store_batch_update(ph->env->store, b, err);
        if (rc)
            return rc;
        ls_log(LS_LOG_INFO, "batch.applied",
               "job=%lld remote=%s state=%s leads=%zu answered=%zu resend=%zu",
               (long long)ph->job->id, b->remote_id, b->remote_state, ph->n_b_items, answered,
               ph->n_b_items - answered);
    }
    return LS_OK;
}

int ls_job_batch_phase(const struct ls_job_env *env, const struct ls_job *job,
                       const struct ls_offer *offer, const struct ls_job_batch_hooks *hooks,
                       struct ls_ai_usage *usage, struct ls_err *err)
{
    struct phase ph = {.env = env, .job = job, .offer = offer, .h = hooks, .usage = usage};
    struct ls_err cerr = {0};
    int rc = LS_OK;
    ph.client = ls_batch_client_new(env->provider, env->batch, &cerr);
    if (ph.client == NULL) {
        /* The offline judge has no batch API (nor any cost): the normal passes score. */
        ls_log(LS_LOG_WARN, "batch.unavailable", "job=%lld: %s", (long long)job->id, cerr.msg);
        return LS_OK;
    }
    rc = load(&ph, err);
    if (rc == LS_OK)
        rc = submit(&ph, err);
    if (rc == LS_OK)
        rc = poll_all(&ph, err);
    if (rc == LS_ECANCELLED && !(env->stop_is_shutdown && atomic_load(env->stop_is_shutdown)) &&
        atomic_load(env->stop))
        cancel_all(&ph); /* a cancel, not a shutdown: the service stops (and bills no more) */
    if (rc == LS_OK)
        rc = apply(&ph, err);
    ls_batch_client_free(ph.client);
    free(ph.batches);
    free(ph.in_batch);
    free(ph.items);
    free(ph.map);
    free(ph.b_items);
    return rc;
}

/* ---- orphaned batches --------------------------------------------------- */

struct orphans {
    struct ls_batch *b;
    size_t n, cap;
};

static int take_orphan(void *ud, const struct ls_batch *b, struct ls_err *err)
{
    (void)err;
    struct orphans *o = ud;
    if (o->n == BATCHES_MAX)
        return LS_OK; /* the rest waits for the next sweep */
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 8;
        o->b = ls_xrealloc(o->b, o->cap * sizeof(*o->b));
    }
    o->b[o->n++] = *b;
    return LS_OK;
}

/*
 * Cancels b at the service. A refused cancel is done when a poll says the
 * batch has ended (nothing runs on to bill); when the service cannot be
 * reached, b stays pending for the next sweep. true: b is done.
 */
static bool cancel_orphan(struct ls_batch_client *c, struct ls_batch *b)
{
    struct ls_err cerr = {0};
    if (ls_batch_cancel(c, b, &cerr) == LS_OK)
        return true;
    bool ended = false;
    struct ls_err perr = {0};
    if (ls_batch_poll(c, b, &ended, &perr) == LS_OK && ended)
        return true;
    ls_log(LS_LOG_WARN, "batch.orphan_cancel_failed", "job=%lld batch=%lld remote=%s error=%s",
           (long long)b->job_id, (long long)b->id, b->remote_id, cerr.msg);
    return false;
}

int ls_job_batch_sweep(const struct ls_job_env *env, struct ls_err *err)
{
    struct orphans o = {0};
    struct ls_batch_client *c = NULL;
    struct ls_batch_cfg none = {0};
    int rc = ls_store_batches_orphaned(env->store, env->provider->name, take_orphan, &o, err);
    if (rc || o.n == 0)
        goto out;
    c = ls_batch_client_new(env->provider, env->batch ? env->batch : &none, err);
    if (c == NULL) { /* the offline judge stores no batches of its own name */
        rc = err ? err->code : LS_EINVAL;
        goto out;
    }
    /* Outside the store's callback: a cancel is a network call and holds no connection. */
    for (size_t i = 0; i < o.n; i++) {
        struct ls_batch *b = &o.b[i];
        if (strcmp(b->state, "submitting") == 0) {
            /* Stopped while being sent: is it at the service? (see recover) */
            bool found = false;
            struct ls_err ferr = {0};
            if (find_sent(c, b, &found, &ferr) != LS_OK) {
                ls_log(LS_LOG_WARN, "batch.orphan_cancel_failed", "job=%lld batch=%lld error=%s",
                       (long long)b->job_id, (long long)b->id, ferr.msg);
                continue; /* the next sweep asks again */
            }
            if (!found) { /* never created: nothing runs, nothing to cancel */
                rc = ls_store_batch_delete(env->store, b->id, err);
                if (rc == LS_ENOTFOUND)
                    rc = LS_OK;
                if (rc)
                    goto out;
                ls_log(LS_LOG_INFO, "batch.orphan_dropped", "job=%lld batch=%lld",
                       (long long)b->job_id, (long long)b->id);
                continue;
            }
        }
        if (!cancel_orphan(c, b))
            continue;
        snprintf(b->state, sizeof(b->state), "cancelled");
        rc = ls_store_batch_update(env->store, b, err);
        if (rc == LS_ENOTFOUND) { /* the job was deleted meanwhile */
            rc = LS_OK;
            continue;
        }
        if (rc)
            goto out;
        ls_log(LS_LOG_INFO, "batch.orphan_cancelled", "job=%lld batch=%lld remote=%s",
               (long long)b->job_id, (long long)b->id, b->remote_id);
    }
out:
    ls_batch_client_free(c);
    free(o.b);
    return rc;
}
