/*
 * price.h - what model tokens cost, and when a model goes away. Pure.
 *
 * A built-in table per provider and model: USD per 1M input, cached input
 * and output tokens, at the standard, flex and batch tiers, each row with
 * the date its figures were read from the provider's pricing page. Output
 * prices cover thought (reasoning) tokens, which both services bill as
 * output. Overrides (LEADSCORE_AI_PRICE_IN/_OUT/_CACHED, read by the app)
 * replace the standard figures of whatever model runs, known or not.
 *
 * Token counting follows the wire: input includes the cached input (OpenAI
 * prompt_tokens includes prompt_tokens_details.cached_tokens; Gemini
 * promptTokenCount includes cachedContentTokenCount), and output includes
 * thought tokens.
 */
#ifndef LS_CORE_PRICE_H
#define LS_CORE_PRICE_H

#include <stdbool.h>
#include <stdint.h>

enum ls_price_tier { LS_PRICE_STANDARD, LS_PRICE_FLEX, LS_PRICE_BATCH };

/* USD per 1M tokens. */
struct ls_price_rates {
    double in, cached, out;
};

struct ls_price_tokens {
    int64_t input;  /* all prompt tokens, cached ones included */
    int64_t cached; /* of input, those billed at the cached rate */
    int64_t output; /* thought tokens included */
};

/* Overrides of the standard rates; a negative value overrides nothing. */
struct ls_price_override {
    double in, out, cached;
};

#define LS_PRICE_NO_OVERRIDE ((struct ls_price_override){-1, -1, -1})

/*
 * The rates of provider ("gemini", "openai") and model at tier, with
 * overrides applied. A model matches its row exactly or with a version suffix
 * ("gpt-4o-mini-2024-07-18", "gemini-2.5-flash-001", "models/..." prefix
 * ignored). Returns false (*out zeroed) when the price is unknown: no row and
 * not every rate overridden, or a tier the model does not offer. *source_date
 * (may be NULL) gets the row's date, "override" or "". Static strings.
 */
bool ls_price_rates_of(const char *provider, const char *model, enum ls_price_tier tier,
                       const struct ls_price_override *ov, struct ls_price_rates *out,
                       const char **source_date);

/* USD for t at rates r. */
double ls_price_cost(const struct ls_price_rates *r, const struct ls_price_tokens *t);

/*
 * The cost of t for provider, model and tier (for the batch mode and the
 * estimate): true with *usd set, false when the price is unknown. ov may be
 * NULL.
 */
bool ls_price_cost_for(const char *provider, const char *model, enum ls_price_tier tier,
                       const struct ls_price_override *ov, const struct ls_price_tokens *t,
                       double *usd);

/* "standard", "flex", "batch". Static. */
const char *ls_price_tier_name(enum ls_price_tier tier);
/* Inverse of ls_price_tier_name; -1 when unknown. */
int ls_price_tier_parse(const char *s);

/*
 * The announced shutdown (or deprecation) of a model, from the providers'
 * deprecation pages: the date as "YYYY-MM-DD" and a sentence, or false when
 * none is known. The model metadata routes carry no such date (OpenAI's model
 * object is id, object, created, owned_by; Gemini's Model resource has no
 * lifecycle field), so this table is the only source. Static strings.
 */
bool ls_price_retirement(const char *provider, const char *model, const char **date,
                         const char **note);

#endif
