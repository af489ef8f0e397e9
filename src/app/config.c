/* config.c - environment, .env and defaults. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/xalloc.h"
#include "sys/log.h"

#define DOTENV_MAX 256 /* variables kept from .env */

static struct {
    char *key;   /* owned */
    char *value; /* owned */
} dotenv[DOTENV_MAX];
static size_t n_dotenv;

/* Parses one KEY=value line: optional "export ", quotes, trailing comments. */
static void dotenv_line(char *line)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '#' || *p == '\0')
        return;
    if (strncmp(p, "export ", 7) == 0)
        p += 7;
    char *eq = strchr(p, '=');
    if (eq == NULL)
        return;
    char *kend = eq;
    while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
        kend--;
    *kend = '\0';
    char *v = eq + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == '\n' || v[vl - 1] == '\r'))
        v[--vl] = '\0';
    if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && strchr(v + 1, v[0])) {
        char q = v[0];
        v++;
        *strchr(v, q) = '\0';
    } else {
        char *hash = strstr(v, " #");
        if (hash)
            *hash = '\0';
        vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
    }
    if (*p == '\0' || n_dotenv == DOTENV_MAX)
        return;
    dotenv[n_dotenv].key = ls_xstrdup(p);
    dotenv[n_dotenv].value = ls_xstrdup(v);
    n_dotenv++;
}

int ls_env_load_file(const char *path, struct ls_err *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return LS_OK;
        return ls_err_set(err, LS_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    char line[4096];
    while (fgets(line, sizeof(line), f))
        dotenv_line(line);
    fclose(f);
    return LS_OK;
}

const char *ls_env(const char *name)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    for (size_t i = n_dotenv; i-- > 0;) {
        if (strcmp(dotenv[i].key, name) == 0)
            return dotenv[i].value[0] ? dotenv[i].value : NULL;
    }
    return NULL;
}

bool ls_parse_int(const char *s, long long min, long long max, long long *out)
{
    if (s == NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int ls_config_set_text(char *dst, size_t cap, const char *what, const char *v, struct ls_err *err)
{
    size_t len = strlen(v);
    if (len >= cap)
        return ls_err_set(err, LS_EINVAL, "%s takes at most %zu bytes (got %zu)", what, cap - 1,
                          len);
    memcpy(dst, v, len + 1);
    return LS_OK;
}

static int env_int(const char *name, long long min, long long max, long long *out,
                   struct ls_err *err)
{
    const char *v = ls_env(name);
    if (v == NULL)
        return LS_OK;
    if (!ls_parse_int(v, min, max, out))
        return ls_err_set(err, LS_EINVAL, "%s must be an integer from %lld to %lld (got \"%s\")",
                          name, min, max, v);
    return LS_OK;
}

/* True when v is one of the NULL-terminated names. */
static bool one_of(const char *v, const char *const *names)
{
    for (; *names; names++) {
        if (strcmp(v, *names) == 0)
            return true;
    }
    return false;
}

/* LEADSCORE_AI_TOKENS_PARAM and LEADSCORE_AI_REASONING: a bad value is a start-up error. */
static int ai_params(struct ls_config *c, struct ls_err *err)
{
    static const char *const tokens[] = {"auto", "max_tokens", "max_completion_tokens", NULL};
    static const char *const efforts[] = {"none", "minimal", "low", "medium", "high", NULL};
    const char *v;
    snprintf(c->ai_tokens_param, sizeof(c->ai_tokens_param), "auto");
    c->ai_reasoning[0] = '\0';
    if ((v = ls_env("LEADSCORE_AI_TOKENS_PARAM"))) {
        if (!one_of(v, tokens))
            return ls_err_set(err, LS_EINVAL,
                              "LEADSCORE_AI_TOKENS_PARAM must be auto, max_tokens or "
                              "max_completion_tokens (got \"%.64s\")",
                              v);
        snprintf(c->ai_tokens_param, sizeof(c->ai_tokens_param), "%s", v);
    }
    if ((v = ls_env("LEADSCORE_AI_REASONING"))) {
        if (!one_of(v, efforts))
            return ls_err_set(err, LS_EINVAL,
                              "LEADSCORE_AI_REASONING must be none, minimal, low, medium or high "
                              "(got \"%.64s\")",
                              v);
        snprintf(c->ai_reasoning, sizeof(c->ai_reasoning), "%s", v);
    }
    return LS_OK;
}

/* Issue #10: batch mode's settings. A bad value is a start-up error. */
static int batch_params(struct ls_config *c, struct ls_err *err)
{
    static const char *const modes[] = {"standard", "batch", NULL};
    const char *v = ls_env("LEADSCORE_AI_MODE");
    if (v && !one_of(v, modes))
        return ls_err_set(err, LS_EINVAL,
                          "LEADSCORE_AI_MODE must be standard or batch (got \"%.64s\")", v);
    c->batch.is_default = v && strcmp(v, "batch") == 0;
    static const struct {
        const char *name;
        long long min, max, dflt;
        size_t off;
    } lim[] = {
        {"LEADSCORE_AI_BATCH_POLL_MS", 10, 3600000, 10000, offsetof(struct ls_batch_cfg, poll_ms)},
        {"LEADSCORE_AI_BATCH_POLL_MAX_MS", 10, 3600000, 300000,
         offsetof(struct ls_batch_cfg, poll_max_ms)},
        {"LEADSCORE_AI_BATCH_MAX_REQUESTS", 0, 1000000, 0,
         offsetof(struct ls_batch_cfg, max_requests)},
        {"LEADSCORE_AI_BATCH_MAX_BYTES", 0, 4000000000LL, 0,
         offsetof(struct ls_batch_cfg, max_bytes)},
        {"LEADSCORE_AI_BATCH_INLINE_MAX", 0, 20000000, 0,
         offsetof(struct ls_batch_cfg, inline_max)},
    };
    for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
        long long n = lim[i].dflt;
        int rc = env_int(lim[i].name, lim[i].min, lim[i].max, &n, err);
        if (rc)
            return rc;
        *(long *)(void *)((char *)&c->batch + lim[i].off) = (long)n;
    }
    return LS_OK;
}

int ls_config_load(struct ls_config *c, struct ls_err *err)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->host, sizeof(c->host), "127.0.0.1");
    c->port = 5000;
    snprintf(c->db, sizeof(c->db), "./leadscore.db");
    c->threads = 4;
    c->max_json = 1024 * 1024;
    c->max_upload = 512 * 1024 * 1024; /* a 1,000,000-row file of ordinary rows is ~150-300 MiB */
    c->cache_max_rows = 1000000;
    ls_csv_limits_default(&c->csv);
    c->log_level = LS_LOG_INFO;
    snprintf(c->provider, sizeof(c->provider), "auto");

    const char *v;
    long long n;
    int rc;
    if ((v = ls_env("LEADSCORE_HOST")) &&
        (rc = ls_config_set_text(c->host, sizeof(c->host), "LEADSCORE_HOST", v, err)))
        return rc;
    if ((v = ls_env("LEADSCORE_DB")) &&
        (rc = ls_config_set_text(c->db, sizeof(c->db), "LEADSCORE_DB", v, err)))
        return rc;
    n = c->port;
    if ((rc = env_int("LEADSCORE_PORT", 0, 65535, &n, err)))
        return rc;
    c->port = (int)n;
    n = c->threads;
    if ((rc = env_int("LEADSCORE_THREADS", 1, 256, &n, err)))
        return rc;
    c->threads = (int)n;
    n = (long long)(c->max_upload / (1024 * 1024));
    if ((rc = env_int("LEADSCORE_MAX_UPLOAD_MB", 1, 1 << 20, &n, err)))
        return rc;
    c->max_upload = (size_t)n * 1024 * 1024;
    n = (long long)c->csv.max_rows;
    if ((rc = env_int("LEADSCORE_MAX_ROWS", 1, 1000000000LL, &n, err)))
        return rc;
    c->csv.max_rows = (uint64_t)n;
    n = (long long)c->csv.max_field;
    if ((rc = env_int("LEADSCORE_MAX_FIELD_BYTES", 16, 1 << 20, &n, err)))
        return rc;
    c->csv.max_field = (size_t)n;
    if (c->csv.max_row < 8 * c->csv.max_field)
        c->csv.max_row = 8 * c->csv.max_field;
    if ((v = ls_env("LEADSCORE_LOG_LEVEL"))) {
        int lvl = ls_log_level_parse(v);
        if (lvl < 0)
            return ls_err_set(err, LS_EINVAL,
                              "LEADSCORE_LOG_LEVEL must be error, warn, info or debug (got \"%s\")",
                              v);
        c->log_level = lvl;
    }
    if ((v = ls_env("LEADSCORE_CORS_ORIGINS")) &&
        (rc = ls_config_set_text(c->cors_origins, sizeof(c->cors_origins), "LEADSCORE_CORS_ORIGINS",
                                 v, err)))
        return rc;
    if ((v = ls_env("LEADSCORE_ALLOWED_HOSTS")) &&
        (rc = ls_config_set_text(c->allowed_hosts, sizeof(c->allowed_hosts),
                                 "LEADSCORE_ALLOWED_HOSTS", v, err)))
        return rc;
    if ((v = ls_env("LEADSCORE_METRICS_PUBLIC")))
        c->metrics_public = strcmp(v, "1") == 0 || strcmp(v, "true") == 0;
    if ((v = ls_env("LEADSCORE_COOKIE_SECURE"))) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
            return ls_err_set(err, LS_EINVAL, "LEADSCORE_COOKIE_SECURE must be 0 or 1 (got \"%s\")",
                              v);
        c->cookie_secure = v[0] == '1';
    }
    static const struct {
        const char *name;
        long long min, max, dflt;
        size_t off;
        char kind; /* 'i' int, 'l' long, 'z' size_t */
    } limits[] = {
        {"LEADSCORE_MAX_HEADER_BYTES", 1024, 1 << 20, 16384, offsetof(struct ls_config, max_head),
         'z'},
        {"LEADSCORE_HEADER_TIMEOUT_MS", 100, 600000, 10000,
         offsetof(struct ls_config, header_timeout_ms), 'i'},
        {"LEADSCORE_IDLE_TIMEOUT_MS", 100, 3600000, 30000,
         offsetof(struct ls_config, idle_timeout_ms), 'i'},
        {"LEADSCORE_IO_TIMEOUT_MS", 100, 3600000, 60000, offsetof(struct ls_config, io_timeout_ms),
         'i'},
        {"LEADSCORE_MAX_CONNECTIONS", 1, 1000000, 1024, offsetof(struct ls_config, max_connections),
         'i'},
        {"LEADSCORE_MAX_CONNECTIONS_PER_IP", 1, 1000000, 256,
         offsetof(struct ls_config, max_connections_ip), 'i'},
        {"LEADSCORE_MAX_QUEUED_JOBS", 1, 1000000, 100, offsetof(struct ls_config, max_queued_jobs),
         'i'},
        {"LEADSCORE_RETENTION_DAYS", 0, 100000, 0, offsetof(struct ls_config, retention_days), 'i'},
        {"LEADSCORE_CACHE_MAX_ROWS", 0, 1000000000, 1000000,
         offsetof(struct ls_config, cache_max_rows), 'l'},
        {"LEADSCORE_DB_MAX_MB", 0, 100000000, 0, offsetof(struct ls_config, db_max_mb), 'l'},
        {"LEADSCORE_RESULTS_CACHE_MB", 0, 1000000, 64, offsetof(struct ls_config, results_cache_mb),
         'l'},
        {"LEADSCORE_SEARCH_CACHE_MB", 0, 1000000, 256, offsetof(struct ls_config, search_cache_mb),
         'l'},
        {"LEADSCORE_SESSION_HOURS", 1, 8760, 12, offsetof(struct ls_config, session_hours), 'i'},
    };
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        n = limits[i].dflt;
        if ((rc = env_int(limits[i].name, limits[i].min, limits[i].max, &n, err)))
            return rc;
        char *field = (char *)c + limits[i].off;
        if (limits[i].kind == 'z')
            *(size_t *)(void *)field = (size_t)n;
        else if (limits[i].kind == 'l')
            *(long *)(void *)field = (long)n;
        else
            *(int *)(void *)field = (int)n;
    }
    if ((v = ls_env("LEADSCORE_AI_PROVIDER")) &&
        (rc =
             ls_config_set_text(c->provider, sizeof(c->provider), "LEADSCORE_AI_PROVIDER", v, err)))
        return rc;
    if ((rc = ai_params(c, err)))
        return rc;
    if ((rc = batch_params(c, err)))
        return rc;
    static const struct {
        const char *name;
        long long min, max, dflt;
        size_t off;
        bool is_long;
    } ai[] = {
        {"LEADSCORE_AI_BATCH", 1, 50, 10, offsetof(struct ls_config, ai_batch), false},
        {"LEADSCORE_AI_CONCURRENCY", 1, 64, 8, offsetof(struct ls_config, ai_concurrency), false},
        {"LEADSCORE_AI_RPM", 0, 1000000, 0, offsetof(struct ls_config, ai_rpm), false},
        {"LEADSCORE_AI_TPM", 0, 1000000000, 0, offsetof(struct ls_config, ai_tpm), true},
        {"LEADSCORE_AI_MAX_RETRIES", 1, 20, 5, offsetof(struct ls_config, ai_max_retries), false},
        {"LEADSCORE_AI_TIMEOUT_MS", 100, 600000, 30000, offsetof(struct ls_config, ai_timeout_ms),
         true},
    };
    for (size_t i = 0; i < sizeof(ai) / sizeof(ai[0]); i++) {
        n = ai[i].dflt;
        if ((rc = env_int(ai[i].name, ai[i].min, ai[i].max, &n, err)))
            return rc;
        if (ai[i].is_long)
            *(long *)((char *)c + ai[i].off) = (long)n;
        else
            *(int *)((char *)c + ai[i].off) = (int)n;
    }
    return ls_config_cost_load(c, err);
}

void ls_config_export_dir(const struct ls_config *c, char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    const char *slash = strrchr(c->db, '/');
    if (tmp && *tmp)
        snprintf(out, cap, "%s", tmp);
    else if (slash == NULL)
        snprintf(out, cap, ".");
    else if (slash == c->db)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - c->db), c->db);
}
