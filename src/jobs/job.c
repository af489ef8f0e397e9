/*
 * job.c - one scoring job, start to finish.
 *
 * Memory stays bounded whatever the upload size: leads are read PAGE at a
 * time, each lead the provider holds is one heap block freed when its verdict
 * arrives, and results are stored FLUSH_ROWS at a time (or every FLUSH_MS).
 * A lead the model fails on for good gets the offline judge's verdict with
 * ai.status "fallback" and the reason, never a silent zero.
 *
 * The job's counters are written as increments together with each result
 * batch, and each batch reads the job's status back: a cancel (or a delete)
 * written by another request or another process stops the run at the next
 * batch, and the run's final status is written only if the job is still
 * running, so nobody's cancel is overwritten.
 */
#include "job.h"
#include "job_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/offline.h"
#include "core/prompt.h"
#include "core/sha256.h"
#include "core/xalloc.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

#define PAGE       512
#define FLUSH_ROWS 512
#define FLUSH_MS   500
#define PASSES_MAX 3 /* walks over the pending leads before a job with gaps fails */
#define END_TRIES  5 /* writes of a job's end before its claim is given back */

/* A lead handed to the provider: its fields, rule score and cache key in one block. */
struct held {
    int64_t idx; /* position in the upload */
    /* Issue #9: the lead repeats an earlier one of its upload, whose verdict it takes. */
    bool is_dup;
    struct ls_verdict dup_verdict;
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
    size_t page_seen; /* leads the store returned for the page, deferred ones included */
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
    /* What the results waiting in flush[] add to the job's counters: they reach
     * the store (and the job) only with their batch. */
    struct ls_job_counts pending_counts;
    int64_t by_status[LS_AI_STATUS_COUNT]; /* results waiting, by enum ls_ai_status */
    struct ls_ai_usage usage, usage_flushed;
    unsigned learnt_gen; /* the provider's learnt_gen last stored */
    bool halted;         /* someone cancelled or deleted the job */
    int fatal;
    struct ls_err fatal_err;
};

static int take_lead(void *ud, int64_t idx, const struct ls_lead *lead,
                     const struct ls_store_dup *dup, struct ls_err *err)
{
    (void)err;
    struct run *run = ud;
    run->page_seen++;
    run->after_idx = idx;
    if (dup && !dup->has_verdict) {
        /*
         * Its original (an earlier idx) is in flight in this pass, or was
         * cancelled: the lead stays pending, and the next pass finds the
         * original's result and reuses it. Never a second model call.
         */
        return LS_OK;
    }
    size_t total = 0;
    for (int f = 0; f < LS_F_COUNT; f++)
        total += lead->len[f] + 1;
    struct held *h = ls_xmalloc(sizeof(*h) + total);
    char *w = h->text;
    ls_lead_clear(&h->lead); /* scoring reads the six scored fields only */
    for (int f = 0; f < LS_F_COUNT; f++) {
        memcpy(w, lead->f[f], lead->len[f]);
        w[lead->len[f]] = '\0';
        h->lead.f[f] = w;
        h->lead.len[f] = lead->len[f];
        w += lead->len[f] + 1;
    }
    h->idx = idx;
    h->is_dup = dup != NULL;
    if (dup)
        h->dup_verdict = dup->verdict;
    ls_rules_eval(run->ro, &h->lead, &h->rs);
    if (run->use_cache && !h->is_dup) {
        struct ls_sha256 c = run->key_base;
        for (int f = 0; f < LS_F_COUNT; f++)
            ls_sha256_field(&c, h->lead.f[f], h->lead.len[f]);
        ls_sha256_final(&c, h->key);
        memcpy(run->keys[run->page_n], h->key, LS_SHA256_LEN);
    }
    if (h->is_dup)
        memset(run->keys[run->page_n], 0, LS_SHA256_LEN); /* never looked up: see next_leads */
    run->page[run->page_n++] = h;
    return LS_OK;
}

void ls_job_key_base(const struct ls_provider *p, const struct ls_offer *offer,
                     struct ls_sha256 *out)
{
    unsigned char offer_id[LS_OFFER_DIGEST_LEN];
    ls_offer_digest(offer, offer_id);
    ls_sha256_init(out);
    ls_sha256_field(out, p->name, strlen(p->name));
    ls_sha256_field(out, p->model, strlen(p->model));
    ls_sha256_field(out, LS_PROMPT_VERSION, strlen(LS_PROMPT_VERSION));
    ls_sha256_field(out, offer_id, sizeof(offer_id));
}

/* The cache key's fixed part: everything but the lead. */
static void key_base(struct run *run, const struct ls_offer *offer)
{
    ls_job_key_base(run->env->provider, offer, &run->key_base);
}

static void counts_add(struct ls_job_counts *to, const struct ls_job_counts *d)
{
    to->done += d->done;
    to->failed += d->failed;
    to->fallbacks += d->fallbacks;
    to->cache_hits += d->cache_hits;
    to->model_calls += d->model_calls;
    to->retries += d->retries;
    to->prompt_tokens += d->prompt_tokens;
    to->output_tokens += d->output_tokens;
    to->cached_tokens += d->cached_tokens;
    to->thought_tokens += d->thought_tokens;
    if (d->has_cost) {
        to->cost_usd += d->cost_usd;
        to->has_cost = true;
    }
    for (int i = 0; i < 4; i++)
        to->intents[i] += d->intents[i];
    to->blocked += d->blocked;
}

/* The model usage since the last batch, as counter increments. */
static void usage_delta(struct run *run, struct ls_job_counts *d)
{
    d->model_calls = run->usage.model_calls - run->usage_flushed.model_calls;
    d->retries = run->usage.retries - run->usage_flushed.retries;
    d->prompt_tokens = run->usage.prompt_tokens - run->usage_flushed.prompt_tokens;
    d->output_tokens = run->usage.output_tokens - run->usage_flushed.output_tokens;
    d->cached_tokens = run->usage.cached_tokens - run->usage_flushed.cached_tokens;
    d->thought_tokens = run->usage.thought_tokens - run->usage_flushed.thought_tokens;
    d->has_cost = run->usage.priced;
    d->cost_usd = run->usage.cost_usd - run->usage_flushed.cost_usd;
}

/*
 * REQ-AI-LEARN: what the provider learnt from its server's refusals is kept
 * in the store for its base URL and model, and the job records how the
 * provider asks now ("ai"). A store that cannot take it costs the next run
 * one refusal, not this run: the failure is logged only.
 */
static void job_ai_sync(struct run *run)
{
    struct ls_provider *p = run->env->provider;
    if (p->learnt_gen == run->learnt_gen)
        return;
    run->learnt_gen = p->learnt_gen;
    struct ls_ai_learnt l;
    struct ls_err err = {0};
    ls_provider_learnt(p, &l);
    if (ls_store_learnt_put(run->env->store, p->base_url, p->model, &l, ls_now_ms(), &err) ||
        (ls_provider_form(p, &run->job->ai),
         ls_store_job_ai_set(run->env->store, run->job->id, &run->job->ai, &err)))
        ls_log(LS_LOG_WARN, "job.learnt", "job=%lld error=%s", (long long)run->job->id, err.msg);
}

/* At the start: the provider starts from what earlier runs learnt. */
static void job_ai_start(struct run *run)
{
    struct ls_provider *p = run->env->provider;
    struct ls_ai_learnt l;
    struct ls_err err = {0};
    if (p->base_url && p->base_url[0] &&
        ls_store_learnt_get(run->env->store, p->base_url, p->model, &l, &err) == LS_OK)
        ls_provider_apply(p, &l);
    run->learnt_gen = p->learnt_gen;
    ls_provider_form(p, &run->job->ai);
    if (ls_store_job_ai_set(run->env->store, run->job->id, &run->job->ai, &err))
        ls_log(LS_LOG_WARN, "job.learnt", "job=%lld error=%s", (long long)run->job->id, err.msg);
}

static void flush(struct run *run)
{
    if (run->fatal)
        return;
    struct ls_job_counts delta = run->pending_counts;
    usage_delta(run, &delta);
    if (run->n_flush == 0 && delta.model_calls == 0 && delta.prompt_tokens == 0)
        return;
    struct ls_result rows[FLUSH_ROWS];
    for (size_t i = 0; i < run->n_flush; i++)
        rows[i] = run->flush[i].r;
    enum ls_job_status after = LS_JOB_RUNNING;
    int rc = ls_store_results_put(run->env->store, run->job, &delta, rows, run->n_flush, &after,
                                  &run->fatal_err);
    if (rc) {
        run->fatal = rc;
        return;
    }
    counts_add(&run->job->n, &delta); /* the batch and its counts are stored together */
    for (int i = 0; i < LS_AI_STATUS_COUNT; i++) {
        if (run->by_status[i])
            ls_metrics_leads_scored(run->env->provider->name,
                                    ls_ai_status_name((enum ls_ai_status)i),
                                    (uint64_t)run->by_status[i]);
    }
    job_ai_sync(run);
    memset(run->by_status, 0, sizeof(run->by_status));
    run->usage_flushed = run->usage;
    memset(&run->pending_counts, 0, sizeof(run->pending_counts));
    run->n_flush = 0;
    run->last_flush_ms = ls_mono_ms();
    if (after != LS_JOB_RUNNING && !run->halted) {
        /* Cancelled (or deleted) by someone else: stop asking the model. */
        run->halted = true;
        atomic_store(run->env->stop, true);
    }
    if (run->env->progress)
        run->env->progress(run->env->progress_ud, run->job);
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
    /* A refusal is cached too: the same request would be refused again, and finding
     * the lead in its batch costs a request per halving. */
    if ((status == LS_AI_OK || status == LS_AI_BLOCKED) && run->use_cache) {
        memcpy(p->key, h->key, LS_SHA256_LEN);
        p->r.cache_key = p->key;
    }
    run->pending_counts.done++;
    run->pending_counts.intents[v->intent]++;
    run->by_status[status]++;
    free(h);
    if (run->n_flush == FLUSH_ROWS || ls_mono_ms() - run->last_flush_ms >= FLUSH_MS)
        flush(run);
}

/*
 * REQ-AI-FALLBACK: never a silent zero; the offline verdict, marked as such.
 * REQ-AI-BLOCKED: a lead the provider's filter refused (now, or as the cache
 * remembers) is flagged "blocked", error saying why.
 */
static void finish_fallback(struct run *run, struct held *h, enum ls_ai_status status,
                            const char *error)
{
    struct ls_verdict fallback;
    ls_offline_judge(run->fallback, &h->lead, &fallback);
    run->pending_counts.fallbacks++;
    run->pending_counts.blocked += status == LS_AI_BLOCKED;
    finish(run, h, &fallback, status, error);
}

/* Reads the next page of pending leads and looks their verdicts up in the cache. */
static bool next_page(struct run *run)
{
    int rc = LS_OK;
    do { /* a page of deferred duplicates only holds nothing: read on */
        run->page_n = run->page_pos = run->page_seen = 0;
        rc = ls_store_leads_pending(run->env->store, run->job->id, run->job->upload_id,
                                    run->after_idx, PAGE, take_lead, run, &run->fatal_err);
    } while (rc == LS_OK && run->page_n == 0 && run->page_seen == PAGE);
    if (rc) {
        run->fatal = rc;
        return false;
    }
    if (run->page_n == 0) {
        run->exhausted = true;
        return false;
    }
    memset(run->found, 0, sizeof(run->found));
    if (run->use_cache) {
        rc = ls_store_verdicts_get(run->env->store, run->job->workspace,
                                   (const unsigned char(*)[32])run->keys, run->page_n, run->hits,
                                   run->found, &run->fatal_err);
        if (rc) {
            run->fatal = rc;
            return false;
        }
        size_t hits = 0;
        for (size_t i = 0; i < run->page_n; i++)
            hits += run->found[i];
        ls_metrics_cache(hits, run->page_n - hits);
    }
    return true;
}

static size_t next_leads(void *ud, struct ls_ai_item *items, size_t max)
{
    struct run *run = ud;
    size_t n = 0;
    while (n < max && !run->fatal && !run->halted) {
        if (run->page_pos == run->page_n && (run->exhausted || !next_page(run)))
            break;
        struct held *h = run->page[run->page_pos];
        if (h->is_dup) {
            /* Issue #9: scored once; the original's verdict, flagged as reused. */
            struct ls_verdict v = h->dup_verdict;
            finish(run, h, &v, LS_AI_DUPLICATE, NULL);
            run->page_pos++;
            continue;
        }
        if (run->found[run->page_pos]) {
            /* REQ-AI-CACHE: a verdict already paid for; the provider never sees this lead. */
            const struct ls_verdict *hit = &run->hits[run->page_pos];
            run->pending_counts.cache_hits++;
            if (hit->intent == LS_INTENT_NONE) /* refused before: flagged again, not sent */
                finish_fallback(run, h, LS_AI_BLOCKED, hit->reasoning);
            else
                finish(run, h, hit, LS_AI_CACHED, NULL);
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
        run->pending_counts.failed++;
        finish_fallback(run, h, o->is_blocked ? LS_AI_BLOCKED : LS_AI_FALLBACK, o->error);
        return;
    }
    finish(run, h, &o->verdict, LS_AI_OK, NULL);
}

/* code: why a failed job failed (an enum ls_status); LS_OK for the other endings. */
static void set_terminal(struct ls_job *job, enum ls_job_status status, int code, const char *error)
{
    job->status = status;
    job->error_code = code;
    job->finished_ms = ls_now_ms();
    snprintf(job->error, sizeof(job->error), "%s", error ? error : "");
}

static void walk_begin(void *ud)
{
    struct run *run = ud;
    run->after_idx = -1;
    run->exhausted = false;
    run->page_n = run->page_pos = 0;
}

static void walk_end(void *ud)
{
    struct run *run = ud;
    /* Leads still held in the current page were never handed out. */
    for (size_t i = run->page_pos; i < run->page_n; i++)
        free(run->page[i]);
    run->page_n = run->page_pos = 0;
    flush(run);
}

static bool walk_halted(void *ud)
{
    const struct run *run = ud;
    return run->fatal || run->halted;
}

/* One walk of the provider over every lead still without a result. */
static int classify_pass(struct run *run, const struct ls_offer *offer, struct ls_err *perr)
{
    walk_begin(run);
    int prc = ls_provider_classify(run->env->provider, offer, next_leads, lead_done, run,
                                   run->env->stop, &run->usage, perr);
    walk_end(run);
    return prc;
}

/* Decides the outcome of a run whose passes are over. */
static void decide(struct run *run, int prc, const struct ls_err *perr, bool *release)
{
    const struct ls_job_env *env = run->env;
    struct ls_job *job = run->job;
    *release = false;
    if (run->fatal) {
        set_terminal(job, LS_JOB_FAILED, run->fatal, run->fatal_err.msg);
    } else if (prc == LS_ECANCELLED && run->usage.budget_hit && !run->halted &&
               job->n.done < job->total) {
        /* Issue #10: held at the budget; everything scored so far is kept. */
        char msg[200];
        snprintf(msg, sizeof(msg),
                 "stopped at the budget of %.4f USD (%.4f USD spent); resume with a higher "
                 "budget_usd to go on",
                 job->budget_usd, job->n.cost_usd);
        set_terminal(job, LS_JOB_STOPPED, LS_OK, msg);
        snprintf(job->stop_reason, sizeof(job->stop_reason), "budget");
    } else if (prc == LS_ECANCELLED || run->halted) {
        /* What classify returned decides: a stop that comes after the last lead was
         * judged does not turn a finished job into a cancelled one. */
        if (!run->halted && env->stop_is_shutdown && atomic_load(env->stop_is_shutdown))
            *release = true; /* resumes at the next start, here or in another process */
        else
            set_terminal(job, LS_JOB_CANCELLED, LS_OK, "cancelled on request");
    } else if (prc != LS_OK) {
        set_terminal(job, LS_JOB_FAILED, prc, perr->msg);
    } else if (job->n.done < job->total) {
        /* REQ-JOB-COMPLETE: never "succeeded" with leads that have no result. */
        char msg[160];
        snprintf(msg, sizeof(msg),
                 "only %lld of %lld leads have a result; start a new job to score the rest",
                 (long long)job->n.done, (long long)job->total);
        set_terminal(job, LS_JOB_FAILED, LS_EUPSTREAM, msg); /* the model left them unanswered */
    } else {
        set_terminal(job, LS_JOB_SUCCEEDED, LS_OK, NULL);
    }
}

/*
 * Writes how the run ended: the final status, or for a job to resume
 * elsewhere, the release of its claim. A busy or full store can refuse one
 * write, so it is tried END_TRIES times, 50 ms to 0.8 s apart (not while
 * shutting down: the next start takes the job up). If it still fails, the
 * claim is given back so that the job does not stay "running" for good; if
 * even that fails, the worker claims it again (ST_JOB_CLAIMABLE).
 */
static int write_end(const struct ls_job_env *env, struct ls_job *job, bool release,
                     struct ls_err *err)
{
    int rc = LS_OK;
    for (int i = 0; i < END_TRIES; i++) {
        if (i)
            ls_sleep_ms(50 << (i - 1));
        rc = release ? ls_store_job_release(env->store, job->id, err)
                     : ls_store_job_finish(env->store, job, err); /* only if still running */
        if (rc == LS_OK || (env->stop_is_shutdown && atomic_load(env->stop_is_shutdown)))
            break;
        ls_log(LS_LOG_WARN, "job.end_retry", "job=%lld try=%d error=%s", (long long)job->id, i + 1,
               err ? err->msg : "");
    }
    if (rc != LS_OK && !release)
        ls_store_job_release(env->store, job->id, NULL);
    return rc;
}

int ls_job_run_claimed(const struct ls_job_env *env, struct ls_job *job, struct ls_err *err)
{
    struct ls_offer offer = {0};
    struct run run = {0};
    int rc = LS_OK;
    int64_t id = job->id;
    run.env = env;
    run.job = job;
    run.last_flush_ms = ls_mono_ms();
    run.flush = ls_xmalloc(FLUSH_ROWS * sizeof(*run.flush));
    run.use_cache = env->provider->cacheable;
    run.keys = ls_xmalloc(PAGE * sizeof(*run.keys));
    run.hits = ls_xmalloc(PAGE * sizeof(*run.hits));

    struct ls_err oerr = {0};
    bool release = false;
    if (job->offer_id == 0 ||
        ls_store_offer_get(env->store, job->workspace, job->offer_id, &offer, &oerr) != LS_OK) {
        set_terminal(job, LS_JOB_FAILED, job->offer_id ? oerr.code : LS_ENOTFOUND,
                     job->offer_id ? oerr.msg : "the job's offer has been deleted");
        goto end;
    }
    run.ro = ls_rules_offer_new(env->rules, &offer);
    run.fallback = ls_offline_new(env->rules, &offer);
    if (run.use_cache)
        key_base(&run, &offer);
    job_ai_start(&run);
    ls_log(LS_LOG_INFO, "job.start", "job=%lld leads=%lld done=%lld provider=%s", (long long)id,
           (long long)job->total, (long long)job->n.done, env->provider->name);

    struct ls_err perr = {0};
    int prc = LS_OK;
    {
        /* Issue #10: a missing model or a bad key fails the job within seconds. */
        char warning[sizeof(job->warning)] = "";
        prc = ls_provider_preflight(env->provider, warning, sizeof(warning), &perr);
        if (strcmp(warning, job->warning) != 0 &&
            ls_store_job_warn(env->store, job->id, warning, NULL) == LS_OK)
            snprintf(job->warning, sizeof(job->warning), "%s", warning);
        if (prc != LS_OK) {
            set_terminal(job, LS_JOB_FAILED, prc, perr.msg);
            goto end;
        }
    }
    run.usage.priced = env->provider->priced;
    run.usage.rates = env->provider->rates;
    if (run.usage.priced && job->budget_usd > 0) {
        run.usage.has_budget = true;
        run.usage.budget_usd = job->budget_usd - job->n.cost_usd; /* what is left of it */
    }
    if (strcmp(job->mode, "batch") == 0 && env->batch) {
        /* Issue #10: the provider's batch API first, billed at its rates (half price, or
         * unknown); the passes take what it left, at the provider's own. */
        const struct ls_job_batch_hooks hooks = {next_leads, lead_done,   walk_begin,
                                                 walk_end,   walk_halted, &run};
        run.usage.priced = env->provider->priced && env->provider->batch_priced;
        run.usage.rates = env->provider->batch_rates;
        prc = ls_job_batch_phase(env, job, &offer, &hooks, &run.usage, &perr);
        flush(&run);
        run.usage.priced = env->provider->priced;
        run.usage.rates = env->provider->rates;
    }
    for (int pass = 0; prc == LS_OK && !run.fatal && !run.halted && pass < PASSES_MAX; pass++) {
        prc = classify_pass(&run, &offer, &perr);
        if (prc != LS_OK || run.fatal || run.halted || job->n.done >= job->total)
            break;
    }
    job_ai_sync(&run); /* a refusal that ended the run still teaches the next one */
    decide(&run, prc, &perr, &release);
end:
    rc = write_end(env, job, release, err);
    if (rc == LS_OK)
        rc = ls_store_job_get(env->store, 0, id, job, err);
    if (rc == LS_OK && ls_job_status_at_rest(job->status) && !release)
        ls_metrics_job_finished(ls_job_status_name(job->status));
    ls_log(LS_LOG_INFO, "job.end",
           "job=%lld status=%s done=%lld fallbacks=%lld model_calls=%lld ms=%lld released=%d",
           (long long)id, ls_job_status_name(job->status), (long long)job->n.done,
           (long long)job->n.fallbacks, (long long)job->n.model_calls,
           (long long)(job->finished_ms ? job->finished_ms - job->started_ms : 0), release);
    ls_rules_offer_free(run.ro);
    ls_offline_free(run.fallback);
    ls_offer_release(&offer);
    free(run.flush);
    free(run.keys);
    free(run.hits);
    return rc;
}

int ls_job_run(const struct ls_job_env *env, int64_t id, struct ls_job *out, struct ls_err *err)
{
    memset(out, 0, sizeof(*out));
    int rc = ls_store_job_claim(env->store, id, ls_now_ms(), out, err);
    if (rc == LS_ENOTFOUND && out->id == id)
        return LS_OK; /* already finished: out holds it */
    if (rc)
        return rc;
    return ls_job_run_claimed(env, out, err);
}
