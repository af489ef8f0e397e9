/* estimate.c - a job's requests, tokens, cost and wall time before it runs (see estimate.h). */
#include "estimate.h"

#include <stdlib.h>
#include <string.h>

#include "core/estimate.h"
#include "core/prompt.h"
#include "core/xalloc.h"
#include "jobs/job.h"

#define PAGE 512

struct walk {
    struct ls_provider *p;
    const struct ls_offer *offer;
    bool use_cache;
    struct ls_sha256 key_base;
    int64_t after_idx;
    size_t seen;
    /* the page: copies of the leads that are not duplicates */
    struct ls_lead leads[PAGE];
    char *text[PAGE];
    unsigned char keys[PAGE][LS_SHA256_LEN];
    size_t n;
    /* the batch being filled; leads left over at a page's end are carried (copied) */
    const struct ls_lead *batch[LS_PROMPT_BATCH_MAX];
    size_t n_batch;
    struct ls_lead carry[LS_PROMPT_BATCH_MAX];
    char *carry_text[LS_PROMPT_BATCH_MAX];
    size_t n_carry;
    int64_t tpm_tokens;
    struct ls_job_estimate *out;
};

/* A copy of lead's six fields in one block (owned by the caller), pointed to by out. */
static char *copy_lead(const struct ls_lead *lead, struct ls_lead *out)
{
    size_t total = 0;
    for (int f = 0; f < LS_F_COUNT; f++)
        total += lead->len[f] + 1;
    char *t = ls_xmalloc(total ? total : 1);
    ls_lead_clear(out);
    char *c = t;
    for (int f = 0; f < LS_F_COUNT; f++) {
        memcpy(c, lead->f[f], lead->len[f]);
        c[lead->len[f]] = '\0';
        out->f[f] = c;
        out->len[f] = lead->len[f];
        c += lead->len[f] + 1;
    }
    return t;
}

static void drop_carry(struct walk *w)
{
    for (size_t i = 0; i < w->n_carry; i++)
        free(w->carry_text[i]);
    w->n_carry = 0;
}

static int take(void *ud, int64_t idx, const struct ls_lead *lead, const struct ls_store_dup *dup,
                struct ls_err *err)
{
    (void)err;
    struct walk *w = ud;
    w->seen++;
    w->after_idx = idx;
    w->out->leads++;
    if (dup) { /* Issue #9: scored once, by its original */
        w->out->duplicates++;
        return LS_OK;
    }
    struct ls_lead *l = &w->leads[w->n];
    w->text[w->n] = copy_lead(lead, l);
    if (w->use_cache) { /* the key job.c looks the verdict up by */
        struct ls_sha256 k = w->key_base;
        for (int f = 0; f < LS_F_COUNT; f++)
            ls_sha256_field(&k, l->f[f], l->len[f]);
        ls_sha256_final(&k, w->keys[w->n]);
    }
    w->n++;
    return LS_OK;
}

static int send_batch(struct walk *w, struct ls_err *err)
{
    if (w->n_batch == 0)
        return LS_OK;
    size_t len = 0;
    int rc = w->p->ops->measure(w->p, w->offer, w->batch, w->n_batch, &len);
    if (rc != LS_OK)
        return ls_err_set(err, rc, "cannot build a request to measure it");
    w->out->requests++;
    w->out->input_tokens += ls_estimate_input_tokens(len);
    w->out->output_tokens += ls_estimate_output_tokens(w->n_batch);
    w->tpm_tokens += ls_prompt_estimate_tokens(len, w->n_batch); /* what the TPM bucket counts */
    w->n_batch = 0;
    drop_carry(w);
    return LS_OK;
}

static int page(struct walk *w, struct ls_store *store, int64_t ws, struct ls_err *err)
{
    int rc = LS_OK;
    bool found[PAGE] = {0};
    struct ls_verdict *hits = NULL;
    if (w->use_cache && w->n) {
        hits = ls_xmalloc(w->n * sizeof(*hits));
        rc = ls_store_verdicts_get(store, ws, (const unsigned char(*)[32])w->keys, w->n, hits,
                                   found, err);
    }
    int batch = w->p->pace.batch > 0 ? w->p->pace.batch : 1;
    for (size_t i = 0; i < w->n && rc == LS_OK; i++) {
        if (found[i]) {
            w->out->cache_hits++;
            continue;
        }
        w->out->to_send++;
        w->batch[w->n_batch++] = &w->leads[i];
        if ((int)w->n_batch == batch)
            rc = send_batch(w, err);
    }
    /* As the job does, a batch goes on into the next page: carry its leads over. */
    for (size_t i = w->n_carry; rc == LS_OK && i < w->n_batch; i++) {
        w->carry_text[i] = copy_lead(w->batch[i], &w->carry[i]);
        w->batch[i] = &w->carry[i];
        w->n_carry = i + 1;
    }
    free(hits);
    for (size_t i = 0; i < w->n; i++)
        free(w->text[i]);
    w->n = 0;
    return rc;
}

/* Stops the walk between pages once *stop is set (LS_ECANCELLED). */
static int stopped(const atomic_bool *stop, struct ls_err *err)
{
    return stop && atomic_load(stop) ? ls_err_set(err, LS_ECANCELLED, "the estimate was stopped")
                                     : LS_OK;
}

int ls_job_estimate(struct ls_store *store, struct ls_provider *p, int64_t ws, int64_t offer_id,
                    int64_t upload_id, bool batch, const atomic_bool *stop,
                    struct ls_job_estimate *out, struct ls_err *err)
{
    memset(out, 0, sizeof(*out));
    struct ls_offer offer = {0};
    int rc = ls_store_offer_get(store, ws, offer_id, &offer, err);
    if (rc)
        return rc;
    struct walk *w = ls_xcalloc(1, sizeof(*w));
    w->p = p;
    w->offer = &offer;
    w->out = out;
    w->after_idx = -1;
    w->use_cache = p->cacheable;
    if (w->use_cache)
        ls_job_key_base(p, &offer, &w->key_base);
    if (p->ops->measure == NULL || p->pace.batch <= 0) {
        /* The offline judge: every lead is judged here, nothing is sent. */
        do {
            w->seen = 0;
            rc = ls_store_leads_pending(store, 0, upload_id, w->after_idx, PAGE, take, w, err);
            for (size_t i = 0; i < w->n; i++)
                free(w->text[i]);
            w->n = 0;
            if (rc == LS_OK)
                rc = stopped(stop, err);
        } while (rc == LS_OK && w->seen == PAGE);
    } else {
        do {
            w->seen = 0;
            rc = ls_store_leads_pending(store, 0, upload_id, w->after_idx, PAGE, take, w, err);
            if (rc == LS_OK)
                rc = page(w, store, ws, err);
            if (rc == LS_OK)
                rc = stopped(stop, err);
        } while (rc == LS_OK && w->seen == PAGE);
        if (rc == LS_OK)
            rc = send_batch(w, err); /* the last, short batch */
        drop_carry(w);
    }
    if (rc == LS_OK) {
        out->priced = batch ? p->priced && p->batch_priced : p->priced;
        if (out->priced) {
            struct ls_price_tokens t = {out->input_tokens, 0, out->output_tokens};
            out->cost_usd = ls_price_cost(batch ? &p->batch_rates : &p->rates, &t);
        }
        struct ls_estimate_pace pace = {out->requests, w->tpm_tokens,       p->pace.rpm,
                                        p->pace.tpm,   p->pace.concurrency, p->pace.latency_ms};
        out->wall_ms = ls_estimate_wall_ms(&pace);
        if (batch && out->requests > 0)
            out->wall_ms = LS_ESTIMATE_BATCH_WINDOW_MS; /* the service decides, within it */
    }
    for (size_t i = 0; i < w->n; i++)
        free(w->text[i]);
    free(w);
    ls_offer_release(&offer);
    return rc;
}
