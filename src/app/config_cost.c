/* config_cost.c - issue #10's settings: prices, budget, service tier, model check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"

/* A non-negative number (a price, a budget); *out keeps its default when unset. */
static int env_usd(const char *name, double *out, struct ls_err *err)
{
    const char *v = ls_env(name);
    if (v == NULL)
        return LS_OK;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(d) || d < 0 || d > 1e9)
        return ls_err_set(err, LS_EINVAL,
                          "%s must be a number of US dollars, 0 or more (got \"%.40s\")", name, v);
    *out = d;
    return LS_OK;
}

static int env_long(const char *name, long min, long max, long *out, struct ls_err *err)
{
    const char *v = ls_env(name);
    if (v == NULL)
        return LS_OK;
    long long n = 0;
    if (!ls_parse_int(v, min, max, &n))
        return ls_err_set(err, LS_EINVAL, "%s must be an integer from %ld to %ld (got \"%.40s\")",
                          name, min, max, v);
    *out = (long)n;
    return LS_OK;
}

int ls_config_cost_load(struct ls_config *c, struct ls_err *err)
{
    int rc;
    c->ai_price_in = c->ai_price_out = c->ai_price_cached = -1;
    c->ai_budget_usd = 0;
    snprintf(c->ai_service_tier, sizeof(c->ai_service_tier), "standard");
    c->ai_flex_timeout_ms = 15 * 60 * 1000;
    c->ai_latency_ms = 2000;
    c->ai_preflight = true;
    if ((rc = env_usd("LEADSCORE_AI_PRICE_IN", &c->ai_price_in, err)) ||
        (rc = env_usd("LEADSCORE_AI_PRICE_OUT", &c->ai_price_out, err)) ||
        (rc = env_usd("LEADSCORE_AI_PRICE_CACHED", &c->ai_price_cached, err)) ||
        (rc = env_usd("LEADSCORE_AI_BUDGET_USD", &c->ai_budget_usd, err)) ||
        (rc = env_long("LEADSCORE_AI_FLEX_TIMEOUT_MS", 1000, 3600000, &c->ai_flex_timeout_ms,
                       err)) ||
        (rc = env_long("LEADSCORE_AI_LATENCY_MS", 1, 3600000, &c->ai_latency_ms, err)))
        return rc;
    const char *v = ls_env("LEADSCORE_AI_SERVICE_TIER");
    if (v) {
        if (strcmp(v, "standard") != 0 && strcmp(v, "flex") != 0)
            return ls_err_set(err, LS_EINVAL,
                              "LEADSCORE_AI_SERVICE_TIER must be standard or flex (got \"%.40s\")",
                              v);
        snprintf(c->ai_service_tier, sizeof(c->ai_service_tier), "%s", v);
    }
    v = ls_env("LEADSCORE_AI_PREFLIGHT");
    if (v) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
            return ls_err_set(err, LS_EINVAL,
                              "LEADSCORE_AI_PREFLIGHT must be 0 or 1 (got \"%.40s\")", v);
        c->ai_preflight = v[0] == '1';
    }
    return LS_OK;
}
