/*
 * fake_batch.h - the fake model server's batch APIs (fake_batch.c), linked
 * into fake_llm.
 */
#ifndef LS_TEST_FAKE_BATCH_H
#define LS_TEST_FAKE_BATCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The answer fake_llm.c gives a chat/completions body: *status and a new reference. */
json_t *fake_chat_answer(json_t *req, unsigned *status);

/* The answer fake_llm.c gives a generateContent body for model: *status and a new reference. */
json_t *fake_gemini_answer(json_t *req, const char *model, unsigned *status);

/* True for the paths fake_batch_serve answers. */
bool fake_batch_match(const char *url);

/*
 * Answers one batch API request. ctype and auth are the request's headers
 * (may be NULL), body[0..len) its body. Returns the reply body (owned:
 * free) with *status and *ctype_out (static).
 */
char *fake_batch_serve(const char *url, const char *method, const char *ctype, const char *auth,
                       const char *body, size_t len, unsigned *status, const char **ctype_out);

/* Merges the batch keys of a /_fake/config body; forgets everything on reset. */
void fake_batch_configure(json_t *c);
void fake_batch_reset(void);

#endif
