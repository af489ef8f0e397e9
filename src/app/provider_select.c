/*
 * provider_select.c - which AI provider the configuration asks for.
 *
 * auto: gemini when GEMINI_API_KEY is set, else openai when OPENAI_BASE_URL
 * or OPENAI_API_KEY is set, else the offline judge. A provider chosen by name
 * whose settings are missing is a start-up error, not a run of failed leads.
 */
#include <stdio.h>
#include <string.h>

#include "app/app.h"

#define GEMINI_DEFAULT_BASE  "https://generativelanguage.googleapis.com"
#define GEMINI_DEFAULT_MODEL "gemini-2.5-flash-lite"
#define OPENAI_DEFAULT_BASE  "https://api.openai.com/v1"

static struct ls_http_provider_config http_config(const struct ls_config *cfg)
{
    struct ls_http_provider_config h = {0};
    h.batch = cfg->ai_batch;
    h.concurrency = cfg->ai_concurrency;
    h.rpm = cfg->ai_rpm;
    h.tpm = cfg->ai_tpm;
    h.max_attempts = cfg->ai_max_retries;
    h.timeout_ms = cfg->ai_timeout_ms;
    h.connect_timeout_ms = cfg->ai_timeout_ms < 10000 ? cfg->ai_timeout_ms : 10000;
    h.tokens_param = strcmp(cfg->ai_tokens_param, "max_tokens") == 0 ? LS_TOKENS_MAX_TOKENS
                     : strcmp(cfg->ai_tokens_param, "max_completion_tokens") == 0
                         ? LS_TOKENS_MAX_COMPLETION
                         : LS_TOKENS_AUTO;
    h.reasoning = cfg->ai_reasoning; /* borrowed: ls_provider_http_new copies what it keeps */
    h.tier = strcmp(cfg->ai_service_tier, "flex") == 0 ? LS_PRICE_FLEX : LS_PRICE_STANDARD;
    h.flex_timeout_ms = cfg->ai_flex_timeout_ms;
    h.preflight = cfg->ai_preflight;
    return h;
}

/* Issue #10: the tier sent and the rates it is billed at (the table, then the overrides). */
static struct ls_provider *priced(struct ls_provider *p, const struct ls_config *cfg,
                                  enum ls_price_tier tier)
{
    if (p == NULL)
        return NULL;
    struct ls_price_override ov = {cfg->ai_price_in, cfg->ai_price_out, cfg->ai_price_cached};
    p->tier = tier;
    p->pace.latency_ms = cfg->ai_latency_ms;
    p->default_budget_usd = cfg->ai_budget_usd;
    p->priced = ls_price_rates_of(p->name, p->model, tier, &ov, &p->rates, NULL);
    p->batch_priced =
        ls_price_rates_of(p->name, p->model, LS_PRICE_BATCH, &ov, &p->batch_rates, NULL);
    return p;
}

struct ls_provider *ls_app_provider(const struct ls_config *cfg, const struct ls_rules *rules,
                                    struct ls_err *err)
{
    const char *p = cfg->provider;
    const char *gemini_key = ls_env("GEMINI_API_KEY");
    const char *openai_key = ls_env("OPENAI_API_KEY");
    const char *openai_base = ls_env("OPENAI_BASE_URL");
    if (strcmp(p, "auto") == 0)
        p = gemini_key ? "gemini" : (openai_base || openai_key) ? "openai" : "offline";

    if (strcmp(p, "offline") == 0) {
        struct ls_provider *off = ls_provider_offline_new(rules);
        off->priced = true; /* no model, nothing to pay */
        return off;
    }
    struct ls_http_provider_config h = http_config(cfg);
    if (strcmp(p, "gemini") == 0) {
        if (gemini_key == NULL) {
            ls_err_set(err, LS_EINVAL,
                       "the gemini provider needs GEMINI_API_KEY (in the environment or .env)");
            return NULL;
        }
        const char *base = ls_env("GEMINI_BASE_URL");
        const char *model = cfg->model[0] ? cfg->model : ls_env("GEMINI_MODEL");
        h.wire = LS_WIRE_GEMINI;
        h.base_url = base ? base : GEMINI_DEFAULT_BASE;
        h.model = model ? model : GEMINI_DEFAULT_MODEL;
        h.api_key = gemini_key;
        return priced(ls_provider_http_new(&h, err), cfg, h.tier);
    }
    if (strcmp(p, "openai") == 0) {
        const char *model = cfg->model[0] ? cfg->model : ls_env("OPENAI_MODEL");
        if (model == NULL) {
            ls_err_set(err, LS_EINVAL,
                       "the openai provider needs OPENAI_MODEL (e.g. gpt-4o-mini, or llama3.1 on "
                       "Ollama)");
            return NULL;
        }
        h.wire = LS_WIRE_OPENAI;
        h.base_url = openai_base ? openai_base : OPENAI_DEFAULT_BASE;
        h.model = model;
        h.api_key = openai_key ? openai_key : "";
        return priced(ls_provider_http_new(&h, err), cfg, h.tier);
    }
    ls_err_set(err, LS_EINVAL,
               "LEADSCORE_AI_PROVIDER must be auto, offline, gemini or openai (got \"%s\")",
               cfg->provider);
    return NULL;
}
