/*
 * fake_refusals.h - the fake model server's refusals of content and of
 * parameters (issue #10), as the real services send them. Linked into
 * fake_llm; configured through POST /_fake/config:
 *
 *   "filter_marker": "XYZ"   a request whose body holds this text anywhere (in
 *                            a lead of the batch) is refused, as a real filter
 *                            refuses a batch that carries one hostile lead
 *   "filter_form":           how it is refused:
 *       "azure_400"          Azure OpenAI's HTTP 400 code content_filter, with
 *                            innererror.content_filter_result (violence, medium)
 *       "finish_content_filter"  a 200 whose choice has finish_reason
 *                            content_filter and content_filter_results
 *       "block_reason"       Gemini promptFeedback.blockReason PROHIBITED_CONTENT
 *                            with a blockReasonMessage
 *       "SAFETY", "PROHIBITED_CONTENT", "RECITATION"
 *                            Gemini: a candidate with that finishReason
 *   "reject_response_format": true   any response_format is refused (a server
 *                            with no structured output at all)
 *   "reject_thinking_budget_0": true  Gemini 2.5 Pro: thinkingBudget 0 is refused
 *   "reject_thinking_level": ["minimal"]  Gemini: these thinkingLevels are refused
 */
#ifndef LS_TESTS_FAKE_REFUSALS_H
#define LS_TESTS_FAKE_REFUSALS_H

#include <jansson.h>
#include <stdbool.h>

/* Reads the keys above from a config object (borrowed). Call under the fake's lock. */
void fake_refusals_configure(const json_t *c);
void fake_refusals_reset(void);

/*
 * The refusal, if any, of a request (body text and parsed req, borrowed) on
 * the Gemini or the OpenAI wire: true with *status and *out (a new JSON
 * reference) set. Call under the fake's lock.
 */
bool fake_refusals_check(const char *body, const json_t *req, bool is_gemini, unsigned *status,
                         json_t **out);

#endif
