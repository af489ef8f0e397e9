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

/* One batch API request as fake_llm.c read it; every string may be NULL but url, method. */
struct fake_batch_req {
    const char *url, *method, *ctype, *auth, *host;
    const char *upload_cmd, *upload_id; /* X-Goog-Upload-Command, ?upload_id= */
    const char *limit, *after;          /* OpenAI's list: ?limit=, ?after= */
    const char *page_size, *page_token; /* Gemini's list: ?pageSize=, ?pageToken= */
    const char *body;
    size_t len;
};

/*
 * Answers one batch API request. Returns the reply body (owned: free) with
 * *status, *ctype_out (static) and one extra header into hdr_name/hdr_value
 * ("" when none; 64 and 512 bytes).
 */
char *fake_batch_serve(const struct fake_batch_req *q, unsigned *status, const char **ctype_out,
                       char *hdr_name, char *hdr_value);

/* Merges the batch keys of a /_fake/config body; forgets everything on reset. */
void fake_batch_configure(json_t *c);
void fake_batch_reset(void);

#endif
