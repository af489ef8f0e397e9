/*
 * fake_cost.h - issue #10's part of the fake model server (fake_llm.c):
 * the model metadata routes, the flex tier's "resource unavailable", and
 * what the answers cost. Every function is called with fake_llm's mutex held.
 *
 *   GET /v1/models/{model}, GET /models/{model}   OpenAI's model object
 *       {"id", "object": "model", "created", "owned_by"}
 *   GET /v1beta/models/{model}                    Gemini's Model resource
 *       {"name": "models/...", "baseModelId", "version", "displayName", "description",
 *        "inputTokenLimit", "outputTokenLimit", "supportedGenerationMethods", ...}
 *
 * Config keys (POST /_fake/config): "unknown_models": ["x", ...] - those get the
 * services' 404 (OpenAI model_not_found; Gemini NOT_FOUND); "no_models_route":
 * true - every metadata GET gets a plain-text 404 "404 page not found", as from
 * Ollama or llama.cpp builds without the route. The configured api_key is
 * checked as on the generation routes.
 *
 * Stats (GET /_fake/stats): "metadata_requests" (not in "count"), "flex_requests",
 * "tokens": {"prompt", "output"}, and "cost_usd": what the answers cost at the
 * price table (core/price.h) for the model asked and the tier it asked for.
 * Script entry "unavailable": OpenAI's flex answer when it has no capacity,
 * 429 "Resource Unavailable" (Gemini: 503 UNAVAILABLE).
 */
#ifndef LS_FAKE_COST_H
#define LS_FAKE_COST_H

#include <jansson.h>
#include <stdbool.h>

void fake_cost_reset(void);
void fake_cost_configure(const json_t *c);
/* Adds the cost figures to a stats object. */
void fake_cost_stats(json_t *out);

/* A metadata GET: true with *status and *body (owned) or *raw (static text) set. */
bool fake_cost_metadata(const char *url, const char *auth, const char *key, const char *api_key,
                        unsigned *status, json_t **body, const char **raw);

/* The tier a generation request asked for: "flex" or "standard". */
const char *fake_cost_tier(const json_t *req, bool gemini);

/* Counts what a 200 answer (reply, borrowed) used and cost. */
void fake_cost_account(const json_t *req, const json_t *reply, bool gemini, const char *model);

#endif
