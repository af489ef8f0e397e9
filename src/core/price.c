/*
 * price.c - the built-in price and retirement tables.
 *
 * Figures are USD per 1M tokens, text input, prompts up to 200k tokens, paid
 * tier. A tier a model does not offer has all three rates 0 (unknown, not
 * free). Sources, each row's date the day the figures were read:
 *   Gemini: ai.google.dev/gemini-api/docs/pricing (standard, context caching;
 *     batch "50% of the standard cost") and .../flex-inference ("a 50% cost
 *     reduction compared to standard rates").
 *   OpenAI: developers.openai.com/api/docs/pricing (standard, cached, batch,
 *     flex; "Flex ... priced at Batch API rates"); flex is listed for the
 *     gpt-5 family and the o-series only.
 */
#include "price.h"

#include <stddef.h>
#include <string.h>

struct row {
    const char *provider, *model;
    struct ls_price_rates tier[3]; /* by enum ls_price_tier */
    const char *date;
};

#define NONE                                                                                       \
    {                                                                                              \
        0, 0, 0                                                                                    \
    }

static const struct row rows[] = {
    {"gemini",
     "gemini-2.5-flash-lite",
     {{0.10, 0.01, 0.40}, {0.05, 0.005, 0.20}, {0.05, 0.005, 0.20}},
     "2026-12-01"},
    {"gemini",
     "gemini-2.5-flash",
     {{0.30, 0.03, 2.50}, {0.15, 0.015, 1.25}, {0.15, 0.015, 1.25}},
     "2026-12-01"},
    {"gemini", "gemini-2.0-flash", {{0.10, 0.025, 0.40}, NONE, {0.05, 0.0125, 0.20}}, "2026-05-01"},
    {"openai", "gpt-4o-mini", {{0.15, 0.075, 0.60}, NONE, {0.075, 0.0375, 0.30}}, "2026-12-01"},
    {"openai", "gpt-4.1-nano", {{0.10, 0.025, 0.40}, NONE, {0.05, 0.0125, 0.20}}, "2026-12-01"},
    {"openai", "gpt-4.1-mini", {{0.40, 0.10, 1.60}, NONE, {0.20, 0.05, 0.80}}, "2026-12-01"},
    {"openai",
     "gpt-5-nano",
     {{0.05, 0.005, 0.40}, {0.025, 0.0025, 0.20}, {0.025, 0.0025, 0.20}},
     "2026-12-01"},
    {"openai",
     "gpt-5-mini",
     {{0.25, 0.025, 2.00}, {0.125, 0.0125, 1.00}, {0.125, 0.0125, 1.00}},
     "2026-12-01"},
    {"openai",
     "gpt-5",
     {{1.25, 0.125, 10.00}, {0.625, 0.0625, 5.00}, {0.625, 0.0625, 5.00}},
     "2026-12-01"},
};

struct retirement {
    const char *provider, *model, *date, *note;
};

/* From the providers' deprecation pages (platform.openai.com/docs/deprecations,
 * ai.google.dev/gemini-api/docs/deprecations); dates are "YYYY-MM[-DD]". */
static const struct retirement retirements[] = {
    {"openai", "gpt-4.1-nano", "2026-10", "shutdown announced for October 2026"},
    {"openai", "gpt-5-nano", "2026-12-11", "shutdown announced for 2026-12-11"},
    {"openai", "gpt-4o-mini", "2027-01-14", "shutdown announced for 2027-01-14"},
    {"gemini", "gemini-2.5-flash", "2026-06-17",
     "deprecated; shutdown announced for 2026-06-17 (replacement: gemini-3-flash-preview)"},
    {"gemini", "gemini-2.0-flash", "2026-06-01", "shut down on 2026-06-01"},
    {"gemini", "gemini-2.0-flash-lite", "2026-06-01", "shut down on 2026-06-01"},
};

/* model is name itself or name plus a version suffix ("-2024-07-18", "-001"). */
static bool model_is(const char *model, const char *name)
{
    if (strncmp(model, "models/", 7) == 0)
        model += 7;
    size_t n = strlen(name);
    if (strncmp(model, name, n) != 0)
        return false;
    return model[n] == '\0' || (model[n] == '-' && model[n + 1] >= '0' && model[n + 1] <= '9');
}

static const struct row *find(const char *provider, const char *model)
{
    if (provider == NULL || model == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (strcmp(rows[i].provider, provider) == 0 && model_is(model, rows[i].model))
            return &rows[i];
    }
    return NULL;
}

bool ls_price_rates_of(const char *provider, const char *model, enum ls_price_tier tier,
                       const struct ls_price_override *ov, struct ls_price_rates *out,
                       const char **source_date)
{
    const struct row *r = find(provider, model);
    struct ls_price_rates rates = {0, 0, 0};
    const char *date = "";
    if (r && (unsigned)tier <= LS_PRICE_BATCH) {
        rates = r->tier[tier];
        date = r->date;
    }
    bool offered = rates.in > 0 || rates.out > 0;
    if (!offered && r)
        date = ""; /* the model has no such tier: an override cannot make one up */
    bool overridden = false;
    if (ov && tier == LS_PRICE_STANDARD) {
        /* A whole set of overrides prices an unknown model; a partial one adjusts a known one. */
        bool whole = ov->in >= 0 && ov->out >= 0;
        if (offered || whole) {
            if (ov->in >= 0)
                rates.in = ov->in, overridden = true;
            if (ov->out >= 0)
                rates.out = ov->out, overridden = true;
            if (ov->cached >= 0)
                rates.cached = ov->cached, overridden = true;
            else if (!offered)
                rates.cached = rates.in; /* no cached rate known: bill cached input in full */
            offered = true;
        }
    }
    if (!offered) {
        *out = (struct ls_price_rates){0, 0, 0};
        if (source_date)
            *source_date = "";
        return false;
    }
    *out = rates;
    if (source_date)
        *source_date = overridden ? "override" : date;
    return true;
}

double ls_price_cost(const struct ls_price_rates *r, const struct ls_price_tokens *t)
{
    int64_t cached = t->cached < 0 ? 0 : t->cached > t->input ? t->input : t->cached;
    double fresh = (double)(t->input - cached);
    return (fresh * r->in + (double)cached * r->cached + (double)t->output * r->out) / 1e6;
}

bool ls_price_cost_for(const char *provider, const char *model, enum ls_price_tier tier,
                       const struct ls_price_override *ov, const struct ls_price_tokens *t,
                       double *usd)
{
    struct ls_price_rates r;
    if (!ls_price_rates_of(provider, model, tier, ov, &r, NULL)) {
        *usd = 0;
        return false;
    }
    *usd = ls_price_cost(&r, t);
    return true;
}

static const char *const tier_names[] = {"standard", "flex", "batch"};

const char *ls_price_tier_name(enum ls_price_tier tier)
{
    return (unsigned)tier <= LS_PRICE_BATCH ? tier_names[tier] : "standard";
}

int ls_price_tier_parse(const char *s)
{
    for (int i = 0; i <= LS_PRICE_BATCH; i++) {
        if (s && strcmp(s, tier_names[i]) == 0)
            return i;
    }
    return -1;
}

bool ls_price_retirement(const char *provider, const char *model, const char **date,
                         const char **note)
{
    for (size_t i = 0; provider && model && i < sizeof(retirements) / sizeof(retirements[0]); i++) {
        if (strcmp(retirements[i].provider, provider) == 0 &&
            model_is(model, retirements[i].model)) {
            *date = retirements[i].date;
            *note = retirements[i].note;
            return true;
        }
    }
    return false;
}
