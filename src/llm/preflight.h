/*
 * preflight.h - issue #10: before a job's first request, one GET of the
 * model's metadata (OpenAI-compatible GET {base}/models/{model}, Gemini GET
 * {base}/v1beta/models/{model}) says whether the model exists and the key
 * works. A server without that route (a plain 404 that does not name the
 * model, 405, 501, or a body that is not JSON: some local servers) is
 * skipped, never a false failure; so are 429, 5xx and transport errors,
 * which the run's own retries handle. A model with an announced shutdown
 * (the built-in table, core/price.h, or a date field the metadata carries)
 * gets a warning.
 */
#ifndef LS_LLM_PREFLIGHT_H
#define LS_LLM_PREFLIGHT_H

#include <stddef.h>

#include "llm/provider.h"

/*
 * Checks cfg's model (cfg borrowed; secrets: what to scrub from the
 * service's text). LS_OK, with warning ("" or a sentence, cap bytes), or
 * LS_EUPSTREAM with the service's message (model unknown, key refused).
 */
int ls_llm_preflight(const struct ls_http_provider_config *cfg, const char *const *secrets,
                     size_t n_secrets, char *warning, size_t cap, struct ls_err *err);

/* The announced-shutdown warning for provider and model from the table, or "" (cap bytes). */
void ls_llm_retirement_warning(const char *provider, const char *model, char *out, size_t cap);

#endif
