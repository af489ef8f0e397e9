/*
 * provider_http.c - Gemini and OpenAI-compatible providers on one libcurl
 * multi handle.
 *
 * One thread (the caller of classify) owns the multi handle and every easy
 * handle. Leads are pulled in batches; up to `limit` requests are in flight,
 * where limit starts at the configured concurrency, halves on a 429 and grows
 * back by one after every `limit` successes. Client-side token buckets keep
 * requests and estimated tokens per minute under the configured quota (each
 * refills continuously and holds one second's worth). A failed request is
 * retried after the service's own hint (Gemini's RetryInfo, Retry-After,
 * retry-after-ms) or exponential backoff with full jitter, at most
 * max_attempts times in all. Leads a batch answer leaves out or gets wrong are
 * asked again one by one. Errors no retry can fix (a bad key, an unknown
 * model, a daily quota) end the whole run with the service's message. Every
 * string from the service is scrubbed of the key (core/scrub.h) before it
 * leaves.
 *
 * Refusals of a parameter are learnt, not fatal, where another form exists:
 * json_schema -> json_object -> a plain-text instruction (no response_format),
 * max_tokens -> max_completion_tokens (tokens param auto), a reasoning_effort
 * value -> the lowest the server lists, or none; Gemini's thinkingBudget 0 ->
 * 128 -> none, thinkingLevel minimal -> low -> none. Each is learnt once; the
 * request that met it is sent again without counting as an attempt, what was
 * learnt holds for the provider's life, and the job keeps it in the store
 * for the next run (learnt_gen, ls_provider_learnt).
 *
 * A content filter or safety block (LS_LLM_BLOCKED) concerns what the
 * request carried: a batch is halved until the lead concerned is alone, and
 * only that lead is reported blocked; it is not sent again.
 */
#include "provider.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimate.h"
#include "core/llm_parse.h"
#include "core/prompt.h"
#include "core/scrub.h"
#include "core/xalloc.h"
#include "preflight.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

#define RESPONSE_MAX   (1024 * 1024)     /* bytes of a reply body kept */
#define BODY_MAX       (4 * 1024 * 1024) /* default cap on a request body */
#define BACKOFF_BASE   1000              /* ms */
#define BACKOFF_CAP    60000             /* ms */
#define HINT_MAX       600000            /* a wait hint longer than this ends the run */
#define BAD_ANSWER_MAX 2 /* tries for a single lead whose answer does not validate */
#define POLL_MAX_MS    100
/* Pace at 95% of the configured quota: network jitter would otherwise put two
 * requests closer together at the service than they left here. */
#define QUOTA_MARGIN 0.95

_Static_assert(LS_PROMPT_BATCH_MAX <= LS_LLM_ANSWER_MAX, "an answer must be checkable for a batch");

struct http_provider {
    struct ls_provider base;
    struct ls_http_provider_config cfg; /* strings owned */
    char url[1200];
    enum ls_prompt_mode mode;   /* OpenAI-compatible: how the answer's shape is asked for */
    bool max_completion_tokens; /* the output cap goes as max_completion_tokens */
    char reasoning[16];         /* reasoning_effort sent; "": none */
    char reasoning_was[16];     /* the configured reasoning_effort ("-": none) */
    int reasoning_changes;      /* refusals of reasoning_effort learnt from (at most 2) */
    int thinking_budget;        /* Gemini thinkingBudget sent; -1: none */
    char thinking_level[12];    /* Gemini thinkingLevel sent; "": none (then the budget) */
    char thinking_was[24];      /* the first thinking form ("budget:0", "-": none) */
    int thinking_changes;       /* refusals of the thinking configuration learnt from (at most 2) */
    struct ls_ai_learnt learnt; /* what the refusals taught, for the store */
    bool is_https;
    const char *secrets[1]; /* borrowed from cfg: what scrub() takes out of service text */
    size_t n_secrets;
};

struct req {
    struct ls_ai_item items[LS_PROMPT_BATCH_MAX];
    char ids[LS_PROMPT_BATCH_MAX][LS_PROMPT_ID_LEN + 1];
    size_t n;
    int attempt;     /* requests sent so far */
    int bad_answers; /* answers that did not validate (single leads only) */
    /* The form the last body was built in: a refusal of a form learnt since is no news. */
    enum ls_prompt_mode sent_mode;
    bool sent_max_completion_tokens;
    char sent_reasoning[16];
    char sent_thinking[24];
    int unavailable; /* flex "resource unavailable" answers met (not attempts) */
    int64_t not_before;
    long est_tokens;
    double est_usd; /* what the request is expected to cost (budget) */
    CURL *easy;
    struct curl_slist *headers;
    struct ls_buf body, resp;
    char errbuf[CURL_ERROR_SIZE];
    char last_error[LS_ERR_MSG_MAX];
    struct req *next;
};

struct engine {
    struct http_provider *p;
    CURLM *multi;
    const struct ls_offer *offer;
    ls_ai_next_fn next;
    ls_ai_done_fn done;
    void *ud;
    const atomic_bool *cancel;
    struct ls_ai_usage *usage;
    struct req *ready, *ready_tail; /* to send now */
    struct req *waiting;            /* retries, each with its not_before */
    struct req *inflight;           /* sent, not yet answered */
    int in_flight;
    double limit;
    int successes;
    int64_t cooldown_until;
    /* Minimum gap between request starts, learnt from 429s: concurrency alone
     * does not bound the rate when replies are fast. Decays on success. */
    double pace_ms;
    int64_t last_start;
    double rpm_tokens, tpm_tokens;
    int64_t refilled_at;
    bool exhausted;
    int fatal;
    char fatal_msg[LS_ERR_MSG_MAX];
    uint64_t rng;
    double inflight_usd; /* the most the requests in flight can cost */
    bool budget_wait;    /* the next request waits for those in flight to be answered */
    bool budget_stop;    /* the budget holds the next request back: no more are sent */
};

/* ---- small helpers --------------------------------------------------------- */

static uint64_t rnd(struct engine *e)
{
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return e->rng * 2685821657736338717ULL;
}

/* Full jitter: a uniform wait in [0, min(cap, base * 2^attempt)]. */
static int64_t backoff_ms(struct engine *e, int attempt)
{
    double ceiling = BACKOFF_BASE * pow(2.0, attempt > 16 ? 16 : attempt - 1);
    if (ceiling > BACKOFF_CAP)
        ceiling = BACKOFF_CAP;
    return (int64_t)((double)(rnd(e) % 1000001) / 1e6 * ceiling);
}

static void push_ready(struct engine *e, struct req *r)
{
    r->next = NULL;
    if (e->ready_tail)
        e->ready_tail->next = r;
    else
        e->ready = r;
    e->ready_tail = r;
}

static struct req *pop_ready(struct engine *e)
{
    struct req *r = e->ready;
    if (r) {
        e->ready = r->next;
        if (e->ready == NULL)
            e->ready_tail = NULL;
    }
    return r;
}

static struct req *req_new(const struct engine *e)
{
    struct req *r = ls_xcalloc(1, sizeof(*r));
    ls_buf_init(&r->body, e->p->cfg.max_body);
    ls_buf_init(&r->resp, RESPONSE_MAX);
    return r;
}

static void req_free(struct req *r)
{
    ls_buf_release(&r->body);
    ls_buf_release(&r->resp);
    curl_slist_free_all(r->headers);
    free(r);
}

/*
 * REQ-SEC-SCRUB: text that came from the service (its error messages, the
 * model's reasonings) may echo the key it was sent, whole or in part. It is
 * scrubbed where it enters (reply errors, transport errors) and again where it
 * leaves (every outcome, the run's fatal message), so that no key reaches a
 * stored error, a result, an export, a response or a log.
 */
static void scrub(const struct http_provider *p, char *s, size_t cap)
{
    ls_scrub_cstr(s, cap, p->secrets, p->n_secrets);
}

/* Reports one item's outcome to the caller. */
static void report_as(struct engine *e, const struct ls_ai_item *it, int status, bool is_blocked,
                      const struct ls_verdict *v, const char *why)
{
    struct ls_ai_outcome o;
    o.status = status;
    o.is_blocked = is_blocked;
    if (v)
        o.verdict = *v;
    else
        memset(&o.verdict, 0, sizeof(o.verdict));
    snprintf(o.error, sizeof(o.error), "%s", why ? why : "");
    scrub(e->p, o.error, sizeof(o.error));
    scrub(e->p, o.verdict.reasoning, sizeof(o.verdict.reasoning));
    e->done(e->ud, it, &o);
}

static void report(struct engine *e, const struct ls_ai_item *it, int status,
                   const struct ls_verdict *v, const char *why)
{
    report_as(e, it, status, false, v, why);
}

/* "budget:0", "level:minimal" or "-": the thinking form p sends, for logs and the store. */
static void thinking_form(const struct http_provider *p, char *out, size_t cap)
{
    if (p->thinking_level[0])
        snprintf(out, cap, "level:%s", p->thinking_level);
    else if (p->thinking_budget >= 0)
        snprintf(out, cap, "budget:%d", p->thinking_budget);
    else
        snprintf(out, cap, "-");
}

static void fail_req(struct engine *e, struct req *r, int status, const char *why)
{
    for (size_t i = 0; i < r->n; i++)
        report(e, &r->items[i], status, NULL, why);
    req_free(r);
}

/* ---- building and sending -------------------------------------------------- */

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    struct req *r = ud;
    if (ls_buf_add(&r->resp, p, size * n) != LS_OK)
        return CURL_WRITEFUNC_ERROR; /* over RESPONSE_MAX: abort the transfer */
    return size * n;
}

/*
 * The flex tier, as each service documents it: OpenAI service_tier "flex" in
 * the chat body; Gemini "service_tier": "FLEX" in the generateContent body.
 * Added at the end of the body the prompt builder made (a JSON object).
 */
static int add_service_tier(const struct http_provider *p, struct ls_buf *body)
{
    if (body->len == 0 || body->data[body->len - 1] != '}')
        return LS_EINTERNAL;
    body->len--;
    return ls_buf_adds(body, p->cfg.wire == LS_WIRE_GEMINI ? ",\"service_tier\":\"FLEX\"}"
                                                           : ",\"service_tier\":\"flex\"}");
}

static int build(struct engine *e, struct req *r)
{
    struct http_provider *p = e->p;
    struct ls_prompt_lead pl[LS_PROMPT_BATCH_MAX];
    unsigned char raw[LS_PROMPT_BATCH_MAX][LS_PROMPT_ID_LEN];
    char nonce[33];
    ls_random_bytes(raw, sizeof(raw));
    ls_random_hex(nonce, 16);
    for (size_t i = 0; i < r->n; i++) {
        /* Fresh random ids per request: lead text cannot aim at another lead's id. */
        ls_prompt_make_id(raw[i], LS_PROMPT_ID_LEN, r->ids[i]);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(r->ids[k], r->ids[i]) == 0)
                r->ids[i][0] = (char)('a' + (i % 26)); /* vanishingly rare clash */
        }
        memcpy(pl[i].id, r->ids[i], sizeof(pl[i].id));
        pl[i].lead = r->items[i].lead;
    }
    struct ls_prompt prompt = {e->offer, pl, r->n, nonce};
    ls_buf_reset(&r->body);
    r->sent_mode = p->mode;
    r->sent_max_completion_tokens = p->max_completion_tokens;
    snprintf(r->sent_reasoning, sizeof(r->sent_reasoning), "%s", p->reasoning);
    thinking_form(p, r->sent_thinking, sizeof(r->sent_thinking));
    int rc = ls_provider_http_body(&p->base, &prompt, &r->body);
    if (rc == LS_OK && p->cfg.tier == LS_PRICE_FLEX)
        rc = add_service_tier(p, &r->body);
    r->est_tokens = ls_prompt_estimate_tokens(r->body.len, r->n);
    if (e->usage->priced) {
        /* The most it can cost: the output is capped at max tokens (thoughts included). */
        struct ls_price_tokens t = {ls_estimate_input_tokens(r->body.len), 0,
                                    ls_prompt_max_tokens(r->n)};
        r->est_usd = ls_price_cost(&e->usage->rates, &t);
    }
    return rc;
}

#define SETOPT(h, opt, val)                                                                        \
    do {                                                                                           \
        if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK)                                       \
            goto fail;                                                                             \
    } while (0)

/*
 * REQ-AI-SPLIT: a batch whose request would be over the body cap is halved and
 * both halves queued, down to single leads; only a lead that cannot be sent
 * on its own falls back. One lead's large field never costs its neighbours
 * the model's verdict.
 */
static void halve(struct engine *e, struct req *r, const char *why)
{
    struct req *second = req_new(e);
    size_t keep = r->n / 2;
    second->n = r->n - keep;
    memcpy(second->items, r->items + keep, second->n * sizeof(r->items[0]));
    r->n = keep;
    ls_log(LS_LOG_DEBUG, "llm.halve", "provider=%s leads=%zu+%zu reason=%s", e->p->base.name, r->n,
           second->n, why);
    push_ready(e, r);
    push_ready(e, second);
}

static int start(struct engine *e, struct req *r)
{
    struct http_provider *p = e->p;
    if (build(e, r) != LS_OK) {
        if (r->n > 1) {
            halve(e, r, "max_body");
            return LS_OK;
        }
        char why[LS_ERR_MSG_MAX];
        snprintf(why, sizeof(why), "the request for this lead would be over %zu bytes",
                 p->cfg.max_body);
        fail_req(e, r, LS_ELIMIT, why);
        return LS_OK;
    }
    struct ls_ai_usage *u = e->usage;
    if (u->has_budget && u->cost_usd + e->inflight_usd + r->est_usd > u->budget_usd &&
        e->in_flight > 0) {
        /* What those in flight really cost may leave room: ask again once they are answered. */
        r->next = e->ready;
        e->ready = r;
        if (e->ready_tail == NULL)
            e->ready_tail = r;
        e->budget_wait = true;
        return LS_OK;
    }
    if (u->has_budget && u->cost_usd + r->est_usd > u->budget_usd) {
        /* Issue #10: never the request that could go past the budget. */
        ls_log(LS_LOG_INFO, "llm.budget",
               "provider=%s spent_usd=%.6f in_flight_usd=%.6f next_usd=%.6f budget_usd=%.6f",
               p->base.name, u->cost_usd, e->inflight_usd, r->est_usd, u->budget_usd);
        e->budget_stop = true;
        u->budget_hit = true;
        fail_req(e, r, LS_ECANCELLED, "the budget is spent");
        return LS_OK;
    }
    ls_buf_reset(&r->resp);
    r->errbuf[0] = '\0';
    curl_slist_free_all(r->headers);
    r->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (p->cfg.api_key[0]) {
        char auth[600];
        /* The key goes in a header only: never in the URL, never in a log. */
        if (p->cfg.wire == LS_WIRE_GEMINI)
            snprintf(auth, sizeof(auth), "x-goog-api-key: %s", p->cfg.api_key);
        else
            snprintf(auth, sizeof(auth), "Authorization: Bearer %s", p->cfg.api_key);
        r->headers = curl_slist_append(r->headers, auth);
    }
    r->headers = curl_slist_append(r->headers, "Expect:");
    r->easy = curl_easy_init();
    if (r->easy == NULL)
        goto fail;
    SETOPT(r->easy, CURLOPT_URL, p->url);
    SETOPT(r->easy, CURLOPT_POST, 1L);
    SETOPT(r->easy, CURLOPT_POSTFIELDS, r->body.data); /* r outlives the transfer */
    SETOPT(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body.len);
    SETOPT(r->easy, CURLOPT_HTTPHEADER, r->headers);
    SETOPT(r->easy, CURLOPT_WRITEFUNCTION, on_write);
    SETOPT(r->easy, CURLOPT_WRITEDATA, r);
    SETOPT(r->easy, CURLOPT_PRIVATE, r);
    SETOPT(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
    SETOPT(r->easy, CURLOPT_TIMEOUT_MS,
           p->cfg.tier == LS_PRICE_FLEX ? p->cfg.flex_timeout_ms : p->cfg.timeout_ms);
    SETOPT(r->easy, CURLOPT_CONNECTTIMEOUT_MS, p->cfg.connect_timeout_ms);
    SETOPT(r->easy, CURLOPT_NOSIGNAL, 1L);
    SETOPT(r->easy, CURLOPT_ACCEPT_ENCODING, "");
    SETOPT(r->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Over TLS, ALPN settles HTTP/2 during the handshake and waiting saves connections;
     * over plain HTTP curl would only learn after the first reply, serialising the start. */
    if (p->is_https)
        SETOPT(r->easy, CURLOPT_PIPEWAIT, 1L);
    SETOPT(r->easy, CURLOPT_USERAGENT, "leadscore/" LS_VERSION);
    if (curl_multi_add_handle(e->multi, r->easy) != CURLM_OK)
        goto fail;
    r->next = e->inflight;
    e->inflight = r;
    r->attempt++;
    e->in_flight++;
    e->inflight_usd += r->est_usd;
    ls_log(LS_LOG_DEBUG, "llm.send", "provider=%s leads=%zu attempt=%d in_flight=%d limit=%.0f",
           p->base.name, r->n, r->attempt, e->in_flight, e->limit);
    e->usage->model_calls++;
    if (r->attempt > 1)
        e->usage->retries++;
    e->rpm_tokens -= 1.0;
    e->tpm_tokens -= (double)r->est_tokens;
    return LS_OK;
fail:
    curl_easy_cleanup(r->easy);
    r->easy = NULL;
    e->fatal = LS_EINTERNAL;
    snprintf(e->fatal_msg, sizeof(e->fatal_msg), "cannot set up an HTTP request (libcurl)");
    fail_req(e, r, LS_ECANCELLED, e->fatal_msg);
    return LS_EINTERNAL;
}

/* ---- outcomes ---------------------------------------------------------------- */

static void schedule_retry(struct engine *e, struct req *r, int64_t hint_ms, bool rate_limited)
{
    int64_t now = ls_mono_ms();
    if (r->attempt >= e->p->cfg.max_attempts) {
        char why[LS_ERR_MSG_MAX];
        snprintf(why, sizeof(why), "%.200s (gave up after %d attempts)", r->last_error, r->attempt);
        fail_req(e, r, LS_EUPSTREAM, why);
        return;
    }
    if (hint_ms > HINT_MAX) /* callers end the run before this; keep the sums below bounded */
        hint_ms = HINT_MAX;
    int64_t wait = hint_ms >= 0 ? hint_ms + (int64_t)(rnd(e) % (uint64_t)(hint_ms / 10 + 1))
                                : backoff_ms(e, r->attempt);
    if (rate_limited) {
        /* Quotas are per project: every request backs off, and fewer run at once.
         * Several 429s from one burst count as one signal: halve once per window. */
        if (now >= e->cooldown_until) {
            e->limit = e->limit / 2 < 1 ? 1 : e->limit / 2;
            e->successes = 0;
        }
        double gap = hint_ms >= 0 ? (double)hint_ms : 1000.0;
        if (e->pace_ms * 1.5 > gap)
            gap = e->pace_ms * 1.5;
        e->pace_ms = gap < 10 ? 10 : gap > 5000 ? 5000 : gap;
        int64_t until = now + (hint_ms >= 0 ? hint_ms : wait);
        if (until > e->cooldown_until)
            e->cooldown_until = until;
    }
    r->not_before = now + wait;
    /* Oldest first: append, so that the request waiting longest goes first. */
    r->next = NULL;
    struct req **pp = &e->waiting;
    while (*pp)
        pp = &(*pp)->next;
    *pp = r;
}

/* Re-asks each of r's items in a request of its own. */
static void split(struct engine *e, struct req *r, const int *status)
{
    for (size_t i = 0; i < r->n; i++) {
        if (status && status[i] == LS_OK)
            continue;
        struct req *one = req_new(e);
        one->items[0] = r->items[i];
        one->n = 1;
        snprintf(one->last_error, sizeof(one->last_error), "%s", r->last_error);
        push_ready(e, one);
    }
    req_free(r);
}

/* An answer for a single lead that did not validate: ask once more, then give up. */
static void bad_single(struct engine *e, struct req *r)
{
    r->bad_answers++;
    if (r->bad_answers >= BAD_ANSWER_MAX || r->attempt >= e->p->cfg.max_attempts) {
        fail_req(e, r, LS_EUPSTREAM, r->last_error);
        return;
    }
    push_ready(e, r);
}

static void succeeded(struct engine *e)
{
    e->pace_ms *= 0.97; /* probe back up towards the quota */
    if (e->pace_ms < 1)
        e->pace_ms = 0;
    /* Additive increase: one more request in flight after `limit` successes. */
    if (++e->successes >= (int)e->limit && e->limit < e->p->cfg.concurrency) {
        e->limit += 1;
        e->successes = 0;
    }
}

static bool learn_mode(struct http_provider *p, const struct req *r, const char *why);

static void answered(struct engine *e, struct req *r, const struct ls_llm_reply *reply)
{
    struct ls_verdict v[LS_PROMPT_BATCH_MAX];
    int status[LS_PROMPT_BATCH_MAX];
    char why[LS_PROMPT_BATCH_MAX][128];
    const char *ids[LS_PROMPT_BATCH_MAX];
    struct ls_err err = {0};
    for (size_t i = 0; i < r->n; i++)
        ids[i] = r->ids[i];
    succeeded(e);
    int rc = ls_llm_parse_answer(ls_buf_str(&reply->text), reply->text.len, ids, r->n, v, status,
                                 why, &err);
    if (rc != LS_OK) {
        snprintf(r->last_error, sizeof(r->last_error), "invalid answer: %.200s", err.msg);
        /* JSON mode that answers no JSON: the server ignores response_format; ask in words. */
        if (rc == LS_EPARSE && r->sent_mode == LS_PROMPT_JSON_OBJECT &&
            (e->p->mode != LS_PROMPT_JSON_OBJECT || learn_mode(e->p, r, "json_object not kept"))) {
            r->attempt--;
            e->usage->retries++;
            push_ready(e, r);
            return;
        }
        if (r->n > 1)
            split(e, r, NULL);
        else
            bad_single(e, r);
        return;
    }
    size_t failed = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (status[i] == LS_OK)
            report(e, &r->items[i], LS_OK, &v[i], NULL);
        else
            failed++;
    }
    if (failed == 0) {
        req_free(r);
        return;
    }
    if (r->n > 1) {
        snprintf(r->last_error, sizeof(r->last_error), "invalid answer in a batch");
        split(e, r, status);
        return;
    }
    snprintf(r->last_error, sizeof(r->last_error), "invalid answer: %s", why[0]);
    bad_single(e, r);
}

/* Something was learnt: kept for the store (the job writes it with its next batch). */
static void learnt(struct http_provider *p, char *field, const char *was, const char *now)
{
    snprintf(field, LS_AI_LEARNT_MAX, "%s%s%s", was ? was : "", was ? ">" : "", now);
    p->base.learnt_gen++;
}

/* REQ-AI-MODE: json_schema -> json_object -> plain text; false when text was refused too. */
static bool learn_mode(struct http_provider *p, const struct req *r, const char *why)
{
    if (r->sent_mode != p->mode)
        return true; /* sent before another request taught it */
    if (p->mode == LS_PROMPT_TEXT)
        return false;
    p->mode = p->mode == LS_PROMPT_JSON_SCHEMA ? LS_PROMPT_JSON_OBJECT : LS_PROMPT_TEXT;
    ls_log(LS_LOG_WARN, "llm.mode", "provider=openai model=%s mode=%s reason=\"%s\"", p->cfg.model,
           ls_prompt_mode_name(p->mode), why);
    learnt(p, p->learnt.mode, NULL, ls_prompt_mode_name(p->mode));
    return true;
}

/* Gemini: budget 0 -> 128 (2.5 Pro's least) -> none; level minimal -> low -> none. */
static bool learn_thinking(struct http_provider *p, const struct req *r)
{
    char now[24];
    thinking_form(p, now, sizeof(now));
    if (strcmp(r->sent_thinking, now) != 0)
        return true;
    if (p->thinking_changes >= 2 || strcmp(now, "-") == 0)
        return false;
    if (strcmp(p->thinking_level, "minimal") == 0) {
        snprintf(p->thinking_level, sizeof(p->thinking_level), "low");
    } else if (p->thinking_budget == 0 && p->thinking_changes == 0) {
        p->thinking_budget = 128;
    } else {
        p->thinking_level[0] = '\0';
        p->thinking_budget = -1;
    }
    p->thinking_changes++;
    thinking_form(p, now, sizeof(now));
    ls_log(LS_LOG_WARN, "llm.thinking", "provider=gemini model=%s thinking=%s was=%s", p->cfg.model,
           now, r->sent_thinking);
    learnt(p, p->learnt.thinking, p->thinking_was, now);
    return true;
}

/*
 * REQ-AI-OPENAI: a refused parameter that has another form. Returns true when
 * p now sends that form (the request is worth sending again), false when
 * there is none or it was tried already (the refusal ends the run).
 */
static bool learn_refusal(struct http_provider *p, const struct req *r,
                          const struct ls_llm_reply *reply)
{
    bool openai = p->cfg.wire == LS_WIRE_OPENAI;
    switch (reply->klass) {
    case LS_LLM_CLASS_SCHEMA:
        return openai && learn_mode(p, r, "response_format refused");
    case LS_LLM_CLASS_THINKING:
        return !openai && learn_thinking(p, r);
    case LS_LLM_CLASS_TOKENS_PARAM:
        if (!openai)
            return false;
        if (!r->sent_max_completion_tokens && p->max_completion_tokens)
            return true;
        if (p->cfg.tokens_param != LS_TOKENS_AUTO || p->max_completion_tokens)
            return false;
        ls_log(LS_LOG_WARN, "llm.tokens_param",
               "provider=openai model=%s param=max_completion_tokens reason=\"max_tokens "
               "rejected\"",
               p->cfg.model);
        p->max_completion_tokens = true;
        learnt(p, p->learnt.tokens_param, NULL, "max_completion_tokens");
        return true;
    case LS_LLM_CLASS_REASONING: {
        char next[sizeof(p->reasoning)];
        if (!openai)
            return false;
        if (strcmp(r->sent_reasoning, p->reasoning) != 0)
            return true;
        /* Lower to what the server lists, then (if that is refused too) drop it: twice at
         * most, so that a server that refuses every form cannot keep the run going. */
        bool changed = ls_llm_reasoning_fallback(p->reasoning, reply->error, next, sizeof(next));
        if (p->reasoning_changes == 1) {
            next[0] = '\0';
            changed = p->reasoning[0] != '\0';
        }
        if (!changed || p->reasoning_changes >= 2)
            return false;
        ls_log(LS_LOG_WARN, "llm.reasoning",
               "provider=openai model=%s reasoning_effort=%s was=%s reason=\"refused\"",
               p->cfg.model, next[0] ? next : "(none)", p->reasoning[0] ? p->reasoning : "(none)");
        snprintf(p->reasoning, sizeof(p->reasoning), "%s", next);
        p->reasoning_changes++;
        learnt(p, p->learnt.reasoning, p->reasoning_was, next[0] ? next : "-");
        return true;
    }
    default:
        return false;
    }
}

/*
 * REQ-AI-BLOCKED: a content filter or safety block refused what r carried.
 * It concerns one lead's text, not the request: a batch is halved, down to
 * single leads, so that its neighbours still get the model's verdict; the
 * lead found alone is reported blocked with the provider's reason, and is
 * never sent again.
 */
static void blocked(struct engine *e, struct req *r)
{
    if (r->n > 1) {
        /* New requests, not retries: what was refused is known, which lead is not. */
        r->attempt = 0;
        r->bad_answers = 0;
        halve(e, r, "blocked");
        return;
    }
    ls_log(LS_LOG_INFO, "llm.blocked", "provider=%s lead=%lld reason=\"%s\"", e->p->base.name,
           (long long)r->items[0].id, r->last_error);
    report_as(e, &r->items[0], LS_EFORBIDDEN, true, NULL, r->last_error);
    req_free(r);
}

/* A response header's value (borrowed from easy), or NULL. */
static const char *header_value(CURL *easy, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
        return NULL;
    return h->value;
}

/*
 * The wait the headers ask for: retry-after-ms, then Retry-After, each parsed
 * in core (clamped; unreadable values are no hint). Not CURLINFO_RETRY_AFTER:
 * its seconds can be anything up to INT64_MAX, and converting them to
 * milliseconds overflowed.
 */
static int64_t header_hint(CURL *easy)
{
    const char *ms = header_value(easy, "retry-after-ms");
    int64_t hint = ms ? ls_llm_retry_after_ms(ms, strlen(ms)) : -1;
    const char *ra = header_value(easy, "retry-after");
    if (hint < 0 && ra)
        hint = ls_llm_retry_after(ra, strlen(ra), ls_now_ms());
    return hint;
}

static void transport_error(struct engine *e, struct req *r, CURLcode res)
{
    const char *what = r->errbuf[0] ? r->errbuf : curl_easy_strerror(res);
    if (res == CURLE_WRITE_ERROR) {
        snprintf(r->last_error, sizeof(r->last_error), "the reply is larger than %d bytes",
                 RESPONSE_MAX);
        if (r->n > 1)
            split(e, r, NULL);
        else
            bad_single(e, r);
        return;
    }
    if (res == CURLE_URL_MALFORMAT || res == CURLE_UNSUPPORTED_PROTOCOL) {
        e->fatal = LS_EINVAL;
        snprintf(e->fatal_msg, sizeof(e->fatal_msg), "%s: bad URL %.120s: %.100s", e->p->base.name,
                 e->p->url, what);
        scrub(e->p, e->fatal_msg, sizeof(e->fatal_msg));
        fail_req(e, r, LS_ECANCELLED, e->fatal_msg);
        return;
    }
    snprintf(r->last_error, sizeof(r->last_error), "%s: %.200s", e->p->base.name, what);
    scrub(e->p, r->last_error, sizeof(r->last_error));
    schedule_retry(e, r, -1, false);
}

void ls_ai_usage_account(struct ls_ai_usage *u, const struct ls_llm_reply *reply)
{
    struct ls_price_tokens t = {reply->prompt_tokens > 0 ? reply->prompt_tokens : 0,
                                reply->cached_tokens > 0 ? reply->cached_tokens : 0,
                                reply->output_tokens > 0 ? reply->output_tokens : 0};
    if (t.cached > t.input)
        t.cached = t.input;
    u->prompt_tokens += t.input;
    u->output_tokens += t.output;
    u->cached_tokens += t.cached;
    u->thought_tokens += reply->reasoning_tokens > 0 ? reply->reasoning_tokens : 0;
    if (u->priced)
        u->cost_usd += ls_price_cost(&u->rates, &t);
}

/*
 * Issue #10: the flex tier sheds load with "resource unavailable" (OpenAI:
 * 429 "Resource Unavailable"; either service: 503). Such an answer is waited
 * out with backoff and never counts as an attempt, so it never ends the run.
 */
static bool flex_unavailable(const struct http_provider *p, long status,
                             const struct ls_llm_reply *reply)
{
    if (p->cfg.tier != LS_PRICE_FLEX)
        return false;
    if (status == 503)
        return true;
    if (status != 429)
        return false;
    /* Case-insensitive: the message says "Resource Unavailable", a code says resource_unavailable.
     */
    char low[sizeof(reply->error)];
    size_t i = 0;
    for (; reply->error[i] && i + 1 < sizeof(low); i++)
        low[i] = (char)((reply->error[i] >= 'A' && reply->error[i] <= 'Z') ? reply->error[i] + 32
                                                                           : reply->error[i]);
    low[i] = '\0';
    return strstr(low, "resource unavailable") || strstr(low, "resource_unavailable");
}

static void finished(struct engine *e, CURL *easy, CURLcode res)
{
    struct req *r = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
    curl_multi_remove_handle(e->multi, easy);
    for (struct req **pp = &e->inflight; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    e->in_flight--;
    e->inflight_usd -= r->est_usd;
    if (e->inflight_usd < 0)
        e->inflight_usd = 0;
    e->budget_wait = false;
    curl_off_t us = 0;
    curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &us);
    long status = 0;
    if (res == CURLE_OK)
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    ls_metrics_model_request(e->p->base.name, status, (double)us / 1e6, r->attempt > 1);
    if (res != CURLE_OK) {
        r->easy = NULL;
        curl_easy_cleanup(easy);
        transport_error(e, r, res);
        return;
    }
    struct ls_llm_reply reply;
    ls_llm_reply_init(&reply, RESPONSE_MAX);
    if (e->p->cfg.wire == LS_WIRE_GEMINI)
        ls_llm_gemini_reply(status, ls_buf_str(&r->resp), r->resp.len, &reply);
    else
        ls_llm_openai_reply(status, ls_buf_str(&r->resp), r->resp.len, &reply);
    scrub(e->p, reply.error, sizeof(reply.error));
    int64_t hint = reply.retry_after_ms >= 0 ? reply.retry_after_ms : header_hint(easy);
    r->easy = NULL;
    curl_easy_cleanup(easy);
    ls_ai_usage_account(e->usage, &reply);
    ls_metrics_model_tokens(e->p->base.name, (uint64_t)reply.prompt_tokens,
                            (uint64_t)reply.output_tokens);
    snprintf(r->last_error, sizeof(r->last_error), "%s", reply.error);
    ls_log(LS_LOG_DEBUG, "llm.reply", "provider=%s status=%ld kind=%d leads=%zu attempt=%d",
           e->p->base.name, status, reply.kind, r->n, r->attempt);

    switch (reply.kind) {
    case LS_LLM_OK:
        answered(e, r, &reply);
        break;
    case LS_LLM_BAD_ANSWER:
        if (r->n > 1)
            split(e, r, NULL);
        else
            bad_single(e, r);
        break;
    case LS_LLM_BLOCKED:
        blocked(e, r);
        break;
    case LS_LLM_RETRY:
        if (hint > HINT_MAX) {
            /* hint is at most LS_LLM_HINT_CEIL_MS: a day or more reads as a day. */
            e->fatal = LS_EUPSTREAM;
            snprintf(e->fatal_msg, sizeof(e->fatal_msg),
                     "%.150s (asked to wait %s%lld s, more than the %d s leadscore waits)",
                     reply.error, hint >= LS_LLM_HINT_CEIL_MS ? "at least " : "",
                     (long long)(hint / 1000), HINT_MAX / 1000);
            fail_req(e, r, LS_ECANCELLED, e->fatal_msg);
            break;
        }
        if (flex_unavailable(e->p, status, &reply)) {
            r->attempt--;
            r->unavailable++;
            e->usage->retries++;
            int64_t wait = backoff_ms(e, r->unavailable);
            schedule_retry(e, r, hint >= 0 && hint > wait ? hint : wait, false);
            break;
        }
        schedule_retry(e, r, hint, status == 429);
        break;
    case LS_LLM_FATAL:
        if (learn_refusal(e->p, r, &reply)) {
            /* The same request again, in the form the server takes: not an attempt. */
            r->attempt--;
            e->usage->retries++;
            push_ready(e, r);
            break;
        }
        e->fatal = LS_EUPSTREAM;
        snprintf(e->fatal_msg, sizeof(e->fatal_msg), "%s", reply.error);
        fail_req(e, r, LS_ECANCELLED, e->fatal_msg);
        break;
    }
    ls_llm_reply_release(&reply);
}

/* ---- the loop ---------------------------------------------------------------- */

static double rpm_of(const struct ls_http_provider_config *c)
{
    return c->rpm * QUOTA_MARGIN;
}

static double tpm_of(const struct ls_http_provider_config *c)
{
    return (double)c->tpm * QUOTA_MARGIN;
}

/* Each bucket refills continuously and holds one second's worth. */
static void refill(struct engine *e, int64_t now)
{
    const struct ls_http_provider_config *c = &e->p->cfg;
    double dt = (double)(now - e->refilled_at);
    e->refilled_at = now;
    if (c->rpm > 0) {
        double cap = rpm_of(c) / 60.0 < 1 ? 1 : rpm_of(c) / 60.0;
        e->rpm_tokens += dt * rpm_of(c) / 60000.0;
        if (e->rpm_tokens > cap)
            e->rpm_tokens = cap;
    }
    if (c->tpm > 0) {
        double cap = tpm_of(c) / 60.0;
        e->tpm_tokens += dt * tpm_of(c) / 60000.0;
        if (e->tpm_tokens > cap)
            e->tpm_tokens = cap;
    }
}

/* Milliseconds until the quota lets one more request start (0: now). */
static int64_t quota_wait(struct engine *e)
{
    const struct ls_http_provider_config *c = &e->p->cfg;
    double wait = 0;
    if (c->rpm > 0 && e->rpm_tokens < 1.0)
        wait = (1.0 - e->rpm_tokens) * 60000.0 / rpm_of(c);
    if (c->tpm > 0 && e->tpm_tokens < 0) {
        double w = -e->tpm_tokens * 60000.0 / tpm_of(c);
        if (w > wait)
            wait = w;
    }
    return (int64_t)ceil(wait);
}

static void promote_due(struct engine *e, int64_t now)
{
    struct req **pp = &e->waiting;
    while (*pp) {
        struct req *r = *pp;
        if (r->not_before <= now) {
            *pp = r->next;
            push_ready(e, r);
        } else {
            pp = &r->next;
        }
    }
}

/* The next request to send: a queued one, or a new batch from the caller. */
static struct req *next_req(struct engine *e)
{
    struct req *r = pop_ready(e);
    if (r || e->exhausted)
        return r;
    r = req_new(e);
    r->n = e->next(e->ud, r->items, (size_t)e->p->cfg.batch);
    if (r->n == 0) {
        e->exhausted = true;
        req_free(r);
        return NULL;
    }
    return r;
}

/* Milliseconds until the learnt pace lets the next request start. */
static int64_t pace_wait(const struct engine *e, int64_t now)
{
    int64_t due = e->last_start + (int64_t)e->pace_ms;
    return e->pace_ms > 0 && due > now ? due - now : 0;
}

static void fill(struct engine *e, int64_t now)
{
    while (!e->fatal && !e->budget_stop && !e->budget_wait && e->in_flight < (int)e->limit &&
           now >= e->cooldown_until && quota_wait(e) == 0 && pace_wait(e, now) == 0) {
        struct req *r = next_req(e);
        if (r == NULL)
            break;
        e->last_start = now;
        start(e, r);
    }
}

static int poll_timeout(struct engine *e, int64_t now)
{
    int64_t t = POLL_MAX_MS;
    for (struct req *r = e->waiting; r; r = r->next) {
        if (r->not_before - now < t)
            t = r->not_before - now;
    }
    if (e->ready || !e->exhausted) {
        int64_t q = quota_wait(e);
        if (e->cooldown_until > now && e->cooldown_until - now > q)
            q = e->cooldown_until - now;
        if (pace_wait(e, now) > q)
            q = pace_wait(e, now);
        if (q < t)
            t = q;
    }
    return t < 0 ? 0 : (int)t;
}

/* Ends every request still held with status (after a cancel or a fatal error). */
static void drain(struct engine *e, int status, const char *why)
{
    struct req *r;
    while ((r = e->inflight) != NULL) {
        e->inflight = r->next;
        curl_multi_remove_handle(e->multi, r->easy); /* aborts the transfer */
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        fail_req(e, r, status, why);
    }
    e->in_flight = 0;
    e->inflight_usd = 0;
    while ((r = pop_ready(e)) != NULL)
        fail_req(e, r, status, why);
    while ((r = e->waiting) != NULL) {
        e->waiting = r->next;
        fail_req(e, r, status, why);
    }
}

static int http_classify(struct ls_provider *base, const struct ls_offer *offer, ls_ai_next_fn next,
                         ls_ai_done_fn done, void *ud, const atomic_bool *cancel,
                         struct ls_ai_usage *usage, struct ls_err *err)
{
    struct http_provider *p = (struct http_provider *)base;
    struct engine e = {0};
    e.p = p;
    e.offer = offer;
    e.next = next;
    e.done = done;
    e.ud = ud;
    e.cancel = cancel;
    e.usage = usage;
    e.limit = p->cfg.concurrency;
    e.refilled_at = ls_mono_ms();
    e.rpm_tokens = p->cfg.rpm > 0 ? (rpm_of(&p->cfg) / 60.0 < 1 ? 1 : rpm_of(&p->cfg) / 60.0) : 0;
    e.tpm_tokens = p->cfg.tpm > 0 ? tpm_of(&p->cfg) / 60.0 : 0;
    ls_random_bytes(&e.rng, sizeof(e.rng));
    e.rng |= 1;
    e.multi = curl_multi_init();
    if (e.multi == NULL)
        return ls_err_set(err, LS_EINTERNAL, "cannot create a libcurl multi handle");
    curl_multi_setopt(e.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)p->cfg.concurrency);
    curl_multi_setopt(e.multi, CURLMOPT_MAXCONNECTS, (long)p->cfg.concurrency);

    int rc = LS_OK;
    for (;;) {
        if (cancel && atomic_load(cancel)) {
            drain(&e, LS_ECANCELLED, "cancelled");
            rc = ls_err_set(err, LS_ECANCELLED, "scoring was cancelled");
            break;
        }
        int64_t now = ls_mono_ms();
        refill(&e, now);
        promote_due(&e, now);
        fill(&e, now);
        if (e.fatal) {
            scrub(p, e.fatal_msg, sizeof(e.fatal_msg));
            drain(&e, LS_ECANCELLED, e.fatal_msg);
            rc = ls_err_set(err, e.fatal, "%s", e.fatal_msg);
            break;
        }
        if (e.budget_stop && e.in_flight == 0) {
            /* What was in flight is answered and paid for; the rest stays pending. */
            drain(&e, LS_ECANCELLED, "the budget is spent");
            rc = ls_err_set(err, LS_ECANCELLED, "the budget is spent");
            break;
        }
        if (e.in_flight == 0 && e.ready == NULL && e.waiting == NULL && e.exhausted)
            break;
        int running = 0;
        curl_multi_perform(e.multi, &running);
        CURLMsg *msg;
        int left;
        while (!e.fatal && (msg = curl_multi_info_read(e.multi, &left)) != NULL) {
            if (msg->msg == CURLMSG_DONE)
                finished(&e, msg->easy_handle, msg->data.result);
        }
        if (e.fatal)
            continue;
        curl_multi_poll(e.multi, NULL, 0, poll_timeout(&e, ls_mono_ms()), NULL);
    }
    curl_multi_cleanup(e.multi);
    return rc;
}

static void http_free(struct ls_provider *base)
{
    struct http_provider *p = (struct http_provider *)base;
    free((void *)(uintptr_t)p->cfg.base_url);
    free((void *)(uintptr_t)p->cfg.model);
    if (p->cfg.api_key) {
        /* Do not leave the key in freed memory. */
        volatile char *k = (volatile char *)(uintptr_t)p->cfg.api_key;
        while (*k)
            *k++ = '\0';
    }
    free((void *)(uintptr_t)p->cfg.api_key);
    free(p);
}

static void http_learnt(struct ls_provider *base, struct ls_ai_learnt *out)
{
    *out = ((struct http_provider *)base)->learnt;
}

/* "was>now" applies when was is where this provider starts: now, else NULL. */
static const char *learnt_now(const char *rec, const char *was)
{
    const char *gt = strchr(rec, '>');
    if (gt == NULL || (size_t)(gt - rec) != strlen(was) || strncmp(rec, was, strlen(was)) != 0)
        return NULL;
    return gt + 1;
}

static void http_apply(struct ls_provider *base, const struct ls_ai_learnt *in)
{
    struct http_provider *p = (struct http_provider *)base;
    const char *now;
    if (p->cfg.wire == LS_WIRE_OPENAI) {
        int mode = ls_prompt_mode_parse(in->mode);
        if (mode > (int)p->mode)
            p->mode = (enum ls_prompt_mode)mode;
        if (p->cfg.tokens_param == LS_TOKENS_AUTO &&
            strcmp(in->tokens_param, "max_completion_tokens") == 0)
            p->max_completion_tokens = true;
        if ((now = learnt_now(in->reasoning, p->reasoning_was)) != NULL && strlen(now) < 16) {
            snprintf(p->reasoning, sizeof(p->reasoning), "%s", strcmp(now, "-") ? now : "");
            p->reasoning_changes = p->reasoning[0] ? 1 : 2;
        }
    } else if ((now = learnt_now(in->thinking, p->thinking_was)) != NULL) {
        int budget;
        char level[12];
        if (sscanf(now, "budget:%d", &budget) == 1 && budget >= 0) {
            p->thinking_budget = budget;
            p->thinking_level[0] = '\0';
        } else if (sscanf(now, "level:%11[a-z]", level) == 1) {
            snprintf(p->thinking_level, sizeof(p->thinking_level), "%s", level);
        } else if (strcmp(now, "-") == 0) {
            p->thinking_budget = -1;
            p->thinking_level[0] = '\0';
        }
        p->thinking_changes = strcmp(now, "-") ? 1 : 2;
    }
    p->learnt = *in; /* what the store holds stays what it holds, and grows from there */
    char thinking[24];
    thinking_form(p, thinking, sizeof(thinking));
    ls_log(LS_LOG_INFO, "llm.learnt",
           "provider=%s model=%s mode=%s tokens=%s reasoning=%s thinking=%s", p->base.name,
           p->cfg.model, ls_prompt_mode_name(p->mode),
           p->max_completion_tokens ? "max_completion_tokens" : "max_tokens",
           p->reasoning[0] ? p->reasoning : "-", thinking);
}

static void http_form(struct ls_provider *base, struct ls_ai_form *out)
{
    struct http_provider *p = (struct http_provider *)base;
    snprintf(out->mode, sizeof(out->mode), "%s", ls_prompt_mode_name(p->mode));
    if (p->cfg.wire == LS_WIRE_OPENAI) {
        snprintf(out->tokens_param, sizeof(out->tokens_param), "%s",
                 p->max_completion_tokens ? "max_completion_tokens" : "max_tokens");
        snprintf(out->reasoning, sizeof(out->reasoning), "%s", p->reasoning);
    } else if (p->thinking_level[0] || p->thinking_budget >= 0) {
        thinking_form(p, out->thinking, sizeof(out->thinking));
    }
}

static int http_preflight(struct ls_provider *base, char *warning, size_t cap, struct ls_err *err)
{
    struct http_provider *p = (struct http_provider *)base;
    if (!p->cfg.preflight) {
        ls_llm_retirement_warning(base->name, p->cfg.model, warning, cap);
        return LS_OK;
    }
    return ls_llm_preflight(&p->cfg, p->secrets, p->n_secrets, warning, cap, err);
}

static int http_measure(struct ls_provider *base, const struct ls_offer *offer,
                        const struct ls_lead *const *leads, size_t n, size_t *body_len)
{
    struct http_provider *p = (struct http_provider *)base;
    struct engine e = {0};
    struct ls_ai_usage usage = {0};
    e.p = p;
    e.offer = offer;
    e.usage = &usage;
    struct req *r = req_new(&e);
    r->n = n > LS_PROMPT_BATCH_MAX ? LS_PROMPT_BATCH_MAX : n;
    for (size_t i = 0; i < r->n; i++)
        r->items[i].lead = leads[i];
    int rc = build(&e, r); /* the very bytes classify would send */
    *body_len = r->body.len;
    req_free(r);
    return rc;
}

static const struct ls_provider_ops http_ops = {
    .classify = http_classify,
    .free = http_free,
    .learnt = http_learnt,
    .apply = http_apply,
    .form = http_form,
    .preflight = http_preflight,
    .measure = http_measure,
};

struct ls_provider *ls_provider_http_new(const struct ls_http_provider_config *cfg,
                                         struct ls_err *err)
{
    if (cfg->model == NULL || cfg->model[0] == '\0') {
        ls_err_set(err, LS_EINVAL, "%s: no model configured",
                   cfg->wire == LS_WIRE_GEMINI ? "gemini" : "openai");
        return NULL;
    }
    if (cfg->batch < 1 || cfg->batch > LS_PROMPT_BATCH_MAX) {
        ls_err_set(err, LS_EINVAL, "the batch size must be 1 to %d", LS_PROMPT_BATCH_MAX);
        return NULL;
    }
    if (cfg->tier == LS_PRICE_BATCH) {
        ls_err_set(err, LS_EINVAL, "the batch tier is not a synchronous service tier");
        return NULL;
    }
    struct http_provider *p = ls_xcalloc(1, sizeof(*p));
    p->cfg = *cfg;
    if (p->cfg.flex_timeout_ms <= 0)
        p->cfg.flex_timeout_ms = 15 * 60 * 1000; /* what both services advise for flex */
    p->cfg.base_url = ls_xstrdup(cfg->base_url);
    p->cfg.model = ls_xstrdup(cfg->model);
    p->cfg.api_key = ls_xstrdup(cfg->api_key ? cfg->api_key : "");
    p->secrets[0] = p->cfg.api_key;
    p->n_secrets = p->cfg.api_key[0] ? 1 : 0;
    if (p->cfg.concurrency < 1)
        p->cfg.concurrency = 1;
    if (p->cfg.max_attempts < 1)
        p->cfg.max_attempts = 1;
    if (p->cfg.max_body == 0)
        p->cfg.max_body = BODY_MAX;
    p->is_https = strncmp(p->cfg.base_url, "https://", 8) == 0;
    size_t bl = strlen(p->cfg.base_url);
    while (bl && p->cfg.base_url[bl - 1] == '/')
        bl--;
    if (cfg->wire == LS_WIRE_GEMINI) {
        snprintf(p->url, sizeof(p->url), "%.*s/v1beta/models/%s:generateContent", (int)bl,
                 p->cfg.base_url, p->cfg.model);
        /* Thinking models think by default; a classifier gains nothing from it. */
        struct ls_prompt_gemini_opts t;
        ls_prompt_gemini_thinking(p->cfg.model, &t);
        p->thinking_budget = t.thinking_budget;
        snprintf(p->thinking_level, sizeof(p->thinking_level), "%s",
                 t.thinking_level ? t.thinking_level : "");
        thinking_form(p, p->thinking_was, sizeof(p->thinking_was));
        p->base.name = "gemini";
    } else {
        snprintf(p->url, sizeof(p->url), "%.*s/chat/completions", (int)bl, p->cfg.base_url);
        p->base.name = "openai";
        p->max_completion_tokens = cfg->tokens_param == LS_TOKENS_MAX_COMPLETION;
        const char *effort = cfg->reasoning && cfg->reasoning[0]
                                 ? cfg->reasoning
                                 : ls_prompt_default_reasoning(p->cfg.model);
        snprintf(p->reasoning, sizeof(p->reasoning), "%s", effort ? effort : "");
        snprintf(p->reasoning_was, sizeof(p->reasoning_was), "%s",
                 p->reasoning[0] ? p->reasoning : "-");
    }
    p->cfg.reasoning = NULL; /* not kept: p->reasoning is the value in use */
    p->base.ops = &http_ops;
    p->base.model = p->cfg.model;
    p->base.base_url = p->cfg.base_url;
    p->base.cacheable = true;
    p->base.tier = p->cfg.tier;
    p->base.pace =
        (struct ls_provider_pace){p->cfg.batch, p->cfg.concurrency, p->cfg.rpm, p->cfg.tpm, 2000};
    return &p->base;
}

bool ls_provider_http_info(const struct ls_provider *base, struct ls_http_provider_config *cfg)
{
    if (base == NULL || base->ops != &http_ops)
        return false;
    const struct http_provider *p = (const struct http_provider *)base;
    *cfg = p->cfg;
    cfg->reasoning = p->reasoning;
    return true;
}

int ls_provider_http_body(const struct ls_provider *base, const struct ls_prompt *prompt,
                          struct ls_buf *out)
{
    const struct http_provider *p = (const struct http_provider *)base;
    struct ls_prompt_gemini_opts gopts = {p->thinking_budget, p->thinking_level};
    return p->cfg.wire == LS_WIRE_GEMINI
               ? ls_prompt_gemini_body(prompt, &gopts, out)
               : ls_prompt_openai_body(prompt, p->cfg.model,
                                       &(struct ls_prompt_openai_opts){.mode = p->mode,
                                                                       .max_completion_tokens =
                                                                           p->max_completion_tokens,
                                                                       .reasoning = p->reasoning},
                                       out);
}
