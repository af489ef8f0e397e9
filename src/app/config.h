/*
 * config.h - settings from (in order of precedence) command-line flags, the
 * process environment, a .env file in the working directory, and defaults.
 * Secrets (API keys) are read here and never logged or echoed.
 */
#ifndef LS_APP_CONFIG_H
#define LS_APP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/csv_in.h"
#include "core/err.h"
#include "llm/batch.h"

struct ls_config {
    char host[256];
    int port;
    char db[1024];
    int threads;
    size_t max_json;
    size_t max_upload;
    size_t max_head;
    int header_timeout_ms, idle_timeout_ms, io_timeout_ms;
    int max_connections, max_connections_ip;
    int max_queued_jobs;
    char cors_origins[1024];
    char allowed_hosts[1024];
    bool metrics_public;
    bool no_auth;
    int session_hours;     /* LEADSCORE_SESSION_HOURS: how long a dashboard sign-in lasts */
    bool cookie_secure;    /* LEADSCORE_COOKIE_SECURE=1: the session cookie is always Secure */
    int retention_days;    /* 0: keep everything */
    long cache_max_rows;   /* 0: no cap */
    long db_max_mb;        /* 0: no cap */
    long results_cache_mb; /* encoded result pages kept in memory; 0: none */
    long search_cache_mb;  /* finished jobs' text indexes kept in memory; 0: none */
    struct ls_csv_limits csv;
    int log_level;
    /* AI layer */
    char provider[16]; /* auto | offline | gemini | openai */
    char model[128];   /* from --ai-model, or GEMINI_MODEL / OPENAI_MODEL */
    int ai_batch, ai_concurrency, ai_rpm, ai_max_retries;
    long ai_tpm, ai_timeout_ms;
    /* OpenAI-compatible parameters, validated: LEADSCORE_AI_TOKENS_PARAM (auto, max_tokens,
     * max_completion_tokens) and LEADSCORE_AI_REASONING (none, minimal, low, medium, high;
     * "": unset) */
    char ai_tokens_param[24];
    char ai_reasoning[16];
    /* Issue #10 (config_cost.c): LEADSCORE_AI_PRICE_IN/_OUT/_CACHED (USD per 1M tokens;
     * -1: unset), LEADSCORE_AI_BUDGET_USD (a job's default budget; 0: none),
     * LEADSCORE_AI_SERVICE_TIER (standard | flex), LEADSCORE_AI_FLEX_TIMEOUT_MS,
     * LEADSCORE_AI_PREFLIGHT (0: no model check), LEADSCORE_AI_LATENCY_MS (what the
     * estimate expects one request to take). */
    double ai_price_in, ai_price_out, ai_price_cached;
    double ai_budget_usd;
    char ai_service_tier[12];
    long ai_flex_timeout_ms;
    bool ai_preflight;
    long ai_latency_ms;
    /* Issue #10: LEADSCORE_AI_MODE (standard | batch) and LEADSCORE_AI_BATCH_POLL_MS,
     * _POLL_MAX_MS, _MAX_REQUESTS, _MAX_BYTES */
    struct ls_batch_cfg batch;
};

/* Reads the issue #10 settings into c (called by ls_config_load). */
int ls_config_cost_load(struct ls_config *c, struct ls_err *err);

/* Loads ./.env (if present) so that ls_env sees it. Call once, before threads start. */
int ls_env_load_file(const char *path, struct ls_err *err);

/* A setting: the process environment first, then .env; NULL when unset or empty. Borrowed. */
const char *ls_env(const char *name);

/* Fills c from defaults, then the environment / .env. LS_EINVAL names a bad variable. */
int ls_config_load(struct ls_config *c, struct ls_err *err);

/*
 * Where the server builds XLSX exports: $TMPDIR when set, else the
 * directory of the database file (".", when its path names none) - the
 * server can write there, and that disk is the one sized for the data (a
 * /tmp on tmpfs often is not).
 */
void ls_config_export_dir(const struct ls_config *c, char *out, size_t cap);

/*
 * Copies the text setting what (its name in messages: "LEADSCORE_DB", "--db") from v
 * (borrowed) into dst, cap bytes with the NUL. A value that does not fit is LS_EINVAL and
 * leaves dst as it was: it is never cut, as a cut path opens another file and a cut entry of
 * an allowlist allows another name.
 */
int ls_config_set_text(char *dst, size_t cap, const char *what, const char *v, struct ls_err *err);

/* Parses a decimal integer in [min, max]; false when s is not one. */
bool ls_parse_int(const char *s, long long min, long long max, long long *out);

#endif
