/*
 * job.c - one scoring job, start to finish.
 *
 * Memory stays bounded whatever the upload size: leads are read PAGE at a
 * time, each lead the provider holds is one heap block freed when its verdict
 * arrives, and results are stored FLUSH_ROWS at a time (or every FLUSH_MS).
 * A lead the model fails on for good gets the offline judge's verdict with
 * ai.status "fallback" and the reason, never a silent zero.
 */
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/offline.h"
#include "core/prompt.h"
#include "core/sha256.h"
#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/sys.h"

#define PAGE       512
#define FLUSH_ROWS 512
#define FLUSH_MS   500

/* A lead handed to the provider: its fields, rule score and cache key in one block. */
struct held {
    int64_t idx; /* position in the upload */
    struct ls_lead lead;
    struct ls_rule_score rs;
    unsigned char key[LS_SHA256_LEN];
    char text[]; /* the six NUL-terminated fields */
};

struct pending {
    struct ls_result r;
    char reasoning[LS_REASON_MAX + 1];
    char error[LS_ERR_MSG_MAX];
    unsigned char key[LS_SHA256_LEN];
};

struct run {
    const struct ls_job_env *env;
    struct ls_job *job;
    struct ls_rules_offer *ro;
    struct ls_offline *fallback;
    /* source */
    int64_t after_idx;
    struct held *page[PAGE];
    size_t page_n, page_pos;
    bool exhausted;
    /* verdict cache (for providers whose verdicts are worth keeping) */
    bool use_cache;
    struct ls_sha256 key_base;            /* provider, model, prompt version and offer hashed */
    unsigned char (*keys)[LS_SHA256_LEN]; /* PAGE entries */
    struct ls_verdict *hits;              /* PAGE entries */
    bool found[PAGE];
    /* sink */
    struct pending *flush; /* FLUSH_ROWS entries */
    size_t n_flush;
    int64_t last_flush_ms;
    /* Counters of the results waiting in flush[]: they reach the job only when
     * their batch is stored, so the job never counts what the store does not hold. */
    struct {
        int64_t done, failed, fallbacks, cache_hits, counts[4];
    } pending_counts;
    struct ls_ai_usage usage;
    int fatal;
    struct ls_err fatal_err;
};

static int take_lead(void *ud, int64_t idx, const struct ls_lead *lead, struct ls_err *err)
{
    (void)err;
    struct run *run = ud;
    size_t total = 0;
    for (int f = 0; f < LS_F_COUNT; f++)
        total += lead->len[f] + 1;
    struct held *h = ls_xmalloc(sizeof(*h) + total);
    char *w = h->text;
    for (int f = 0; f < LS_F_COUNT; f++) {
        memcpy(w, lead->f[f], lead->len[f]);
        w[lead->len[f]] = '\0';
        h->lead.f[f] = w;
        h->lead.len[f] = lead->len[f];
        w += lead->len[f] + 1;
    }
    h->idx = idx;
    ls_rules_eval(run->ro, &h->lead, &h->rs);
    if (run->use_cache) {
        struct ls_sha256 c = run->key_base;
        for (int f = 0; f < LS_F_COUNT; f++)
            ls_sha256_field(&c, h->lead.f[f], h->lead.len[f]);
        ls_sha256_final(&c, h->key);
        memcpy(run->keys[run->page_n], h->key, LS_SHA256_LEN);
    }
    run->page[run->page_n++] = h;
    run->after_idx = idx;
    return LS_OK;
}

/* The cache key's fixed part: everything but the lead. */
static void key_base(struct run *run, const struct ls_offer *offer)
{
    unsigned char offer_id[LS_OFFER_DIGEST_LEN];
    ls_offer_digest(offer, offer_id);
    const char *name = run->env->provider->name, *model = run->env->provider->model;
    ls_sha256_init(&run->key_base);
    ls_sha256_field(&run->key_base, name, strlen(name));
    ls_sha256_field(&run->key_base, model, strlen(model));
    ls_sha256_field(&run->key_base, LS_PROMPT_VERSION, strlen(LS_PROMPT_VERSION));
    ls_sha256_field(&run->key_base, offer_id, sizeof(offer_id));
}

static void flush(struct run *run)
{
    if (run->n_flush == 0 || run->fatal)
        return;
    struct ls_job next = *run->job;
    next.model_calls = run->usage.model_calls;
    next.retries = run->usage.retries;
    next.prompt_tokens = run->usage.prompt_tokens;
    next.output_tokens = run->usage.output_tokens;
    next.done += run->pending_counts.done;
    next.failed += run->pending_counts.failed;
    next.fallbacks += run->pending_counts.fallbacks;
    next.cache_hits += run->pending_counts.cache_hits;
    for (int i = 0; i < 4; i++)
        next.counts[i] += run->pending_counts.counts[i];
    struct ls_result rows[FLUSH_ROWS];
    for (size_t i = 0; i < run->n_flush; i++)
        rows[i] = run->flush[i].r;
    int rc = ls_store_results_put(run->env->store, &next, rows, run->n_flush, &run->fatal_err);
    if (rc) {
        run->fatal = rc;
        return;
    }
    *run->job = next; /* the batch and its counts are stored together */
    memset(&run->pending_counts, 0, sizeof(run->pending_counts));
    run->n_flush = 0;
    struct ls_job *job = run->job;
    run->last_flush_ms = ls_mono_ms();
    if (run->env->progress)
        run->env->progress(run->env->progress_ud, job);
}

/* Turns a lead and its verdict into a pending result; frees the lead. */
static void finish(struct run *run, struct held *h, const struct ls_verdict *v,
                   enum ls_ai_status status, const char *error)
{
    if (run->fatal) {
        /* The store failed and the job will fail: verdicts still arriving from
         * requests in flight have nowhere to go (and the buffer is full). */
        free(h);
        return;
    }
    struct pending *p = &run->flush[run->n_flush++];
    memset(&p->r, 0, sizeof(p->r));
    p->r.status = status;
    p->r.provider = run->env->provider->name;
    p->r.model = run->env->provider->model;
    ls_result_combine(&p->r, &h->rs, v);
    memcpy(p->reasoning, v->reasoning, sizeof(p->reasoning));
    snprintf(p->error, sizeof(p->error), "%s", error ? error : "");
    p->r.reasoning = p->reasoning;
    p->r.ai_error = p->error;
    p->r.idx = h->idx;
    if (status == LS_AI_OK && run->use_cache) {
        memcpy(p->key, h->key, LS_SHA256_LEN);
        p->r.cache_key = p->key;
    }
    run->pending_counts.done++;
    run->pending_counts.counts[v->intent]++;
    free(h);
    if (run->n_flush == FLUSH_ROWS || ls_mono_ms() - run->last_flush_ms >= FLUSH_MS)
        flush(run);
}

static size_t next_leads(void *ud, struct ls_ai_item *items, size_t max)
{
    struct run *run = ud;
    size_t n = 0;
    while (n < max && !run->fatal) {
        if (run->page_pos == run->page_n) {
            if (run->exhausted)
                break;
            run->page_n = run->page_pos = 0;
            int rc = ls_store_leads_pending(run->env->store, run->job->id, run->job->upload_id,
                                            run->after_idx, PAGE, take_lead, run, &run->fatal_err);
            if (rc) {
                run->fatal = rc;
                break;
            }
            if (run->page_n == 0) {
                run->exhausted = true;
                break;
            }
            memset(run->found, 0, sizeof(run->found));
            if (run->use_cache) {
                rc = ls_store_verdicts_get(run->env->store, (const unsigned char(*)[32])run->keys,
                                           run->page_n, run->hits, run->found, &run->fatal_err);
                if (rc) {
                    run->fatal = rc;
                    break;
                }
            }
        }
        struct held *h = run->page[run->page_pos];
        if (run->found[run->page_pos]) {
            /* REQ-AI-CACHE: a verdict already paid for; the provider never sees this lead. */
            run->pending_counts.cache_hits++;
            finish(run, h, &run->hits[run->page_pos], LS_AI_CACHED, NULL);
            run->page_pos++;
            continue;
        }
        items[n].id = h->idx;
        items[n].lead = &h->lead;
        items[n].ctx = h;
        run->page_pos++;
        n++;
    }
    return n;
}

static void lead_done(void *ud, const struct ls_ai_item *item, const struct ls_ai_outcome *o)
{
    struct run *run = ud;
    struct held *h = item->ctx;
    if (o->status == LS_ECANCELLED) {
        free(h); /* never judged: it stays pending and a later run takes it up */
        return;
    }
    if (o->status != LS_OK) {
        /* REQ-AI-FALLBACK: never a silent zero; the offline verdict, marked as such. */
        struct ls_verdict fallback;
        ls_offline_judge(run->fallback, &h->lead, &fallback);
        run->pending_counts.failed++;
        run->pending_counts.fallbacks++;
        finish(run, h, &fallback, LS_AI_FALLBACK, o->error);
        return;
    }
    finish(run, h, &o->verdict, LS_AI_OK, NULL);
}

static void set_terminal(struct ls_job *job, enum ls_job_status status, const char *error)
{
    job->status = status;
    job->finished_ms = ls_now_ms();
    snprintf(job->error, sizeof(job->error), "%s", error ? error : "");
}

int ls_job_run(const struct ls_job_env *env, int64_t id, struct ls_job *out, struct ls_err *err)
{
    struct ls_offer offer = {0};
    struct run run = {0};
    int rc = ls_store_job_get(env->store, id, out, err);
    if (rc)
        return rc;
    if (out->status != LS_JOB_QUEUED && out->status != LS_JOB_RUNNING)
        return LS_OK;

    run.env = env;
    run.job = out;
    run.after_idx = -1;
    run.last_flush_ms = ls_mono_ms();
    run.flush = ls_xmalloc(FLUSH_ROWS * sizeof(*run.flush));
    run.use_cache = env->provider->cacheable;
    run.keys = ls_xmalloc(PAGE * sizeof(*run.keys));
    run.hits = ls_xmalloc(PAGE * sizeof(*run.hits));
    run.usage.model_calls = out->model_calls;
    run.usage.retries = out->retries;
    run.usage.prompt_tokens = out->prompt_tokens;
    run.usage.output_tokens = out->output_tokens;

    rc = ls_store_offer_get(env->store, out->offer_id, &offer, err);
    if (rc) {
        set_terminal(out, LS_JOB_FAILED, err->msg);
        rc = ls_store_job_update(env->store, out, err);
        goto out;
    }
    run.ro = ls_rules_offer_new(env->rules, &offer);
    run.fallback = ls_offline_new(env->rules, &offer);
    if (run.use_cache)
        key_base(&run, &offer);
    bool resumed = out->status == LS_JOB_RUNNING;
    out->status = LS_JOB_RUNNING;
    if (out->started_ms == 0)
        out->started_ms = ls_now_ms();
    snprintf(out->provider, sizeof(out->provider), "%s", env->provider->name);
    snprintf(out->model, sizeof(out->model), "%s", env->provider->model);
    rc = ls_store_job_update(env->store, out, err);
    if (rc)
        goto out;
    ls_log(LS_LOG_INFO, "job.start", "job=%lld leads=%lld done=%lld resumed=%d provider=%s",
           (long long)id, (long long)out->total, (long long)out->done, resumed,
           env->provider->name);

    struct ls_err perr = {0};
    int prc = ls_provider_classify(env->provider, &offer, next_leads, lead_done, &run, env->stop,
                                   &run.usage, &perr);
    /* Leads still held in the current page were never handed out. */
    for (size_t i = run.page_pos; i < run.page_n; i++)
        free(run.page[i]);
    flush(&run);
    out->model_calls = run.usage.model_calls;
    out->retries = run.usage.retries;
    out->prompt_tokens = run.usage.prompt_tokens;
    out->output_tokens = run.usage.output_tokens;

    if (run.fatal) {
        set_terminal(out, LS_JOB_FAILED, run.fatal_err.msg);
    } else if (prc == LS_ECANCELLED) {
        /* What classify returned decides: a stop that comes after the last lead was
         * judged does not turn a finished job into a cancelled one. */
        if (env->stop_is_shutdown && atomic_load(env->stop_is_shutdown))
            out->status = LS_JOB_RUNNING; /* resumes at the next start */
        else
            set_terminal(out, LS_JOB_CANCELLED, "cancelled on request");
    } else if (prc != LS_OK) {
        set_terminal(out, LS_JOB_FAILED, perr.msg);
    } else {
        set_terminal(out, LS_JOB_SUCCEEDED, NULL);
    }
    /* FULL durability: this commit also persists the result batches before it. */
    rc = ls_store_job_update(env->store, out, err);
    if (rc == LS_OK)
        rc = ls_store_job_get(env->store, id, out, err);
    ls_log(LS_LOG_INFO, "job.end",
           "job=%lld status=%s done=%lld fallbacks=%lld model_calls=%lld ms=%lld", (long long)id,
           ls_job_status_name(out->status), (long long)out->done, (long long)out->fallbacks,
           (long long)out->model_calls,
           (long long)(out->finished_ms ? out->finished_ms - out->started_ms : 0));
out:
    ls_rules_offer_free(run.ro);
    ls_offline_free(run.fallback);
    ls_offer_release(&offer);
    free(run.flush);
    free(run.keys);
    free(run.hits);
    return rc;
}
