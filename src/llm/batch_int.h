/*
 * batch_int.h - what the batch wires (batch_openai.c, batch_gemini.c) share
 * with batch.c: the client, and blocking HTTP calls with capped replies.
 */
#ifndef LS_LLM_BATCH_INT_H
#define LS_LLM_BATCH_INT_H

#include <curl/curl.h>

#include "batch.h"

struct ls_batch_client {
    struct ls_batch_cfg cfg;
    struct ls_http_provider_config pc;  /* strings borrowed from the provider */
    const struct ls_provider *provider; /* borrowed: builds each request body as it sends them */
    char base[1024];                    /* base_url without trailing '/' */
    struct ls_buf file; /* the input being built: JSONL (OpenAI) or inline requests (Gemini) */
    size_t n_lines;
    struct ls_buf body; /* scratch: one request body */
    const char *secrets[1];
    size_t n_secrets;
};

struct ls_batch_http {
    long status;
    struct ls_buf body;    /* the reply, capped */
    char upload_url[2048]; /* its X-Goog-Upload-URL header, "" when none */
};

/*
 * One request: method on url (borrowed), with a JSON body (body may be NULL)
 * or a multipart form (mime, borrowed), headers the wire's auth plus extra
 * (NULL-terminated, may be NULL). out->body is initialised with cap and
 * owned by the caller (ls_buf_release) whatever the result. LS_EUPSTREAM
 * with a scrubbed message on a transport failure; any HTTP status is LS_OK.
 */
int ls_batch_http(struct ls_batch_client *c, const char *method, const char *url, const char *body,
                  size_t len, curl_mime *mime, const char *const *extra, size_t cap,
                  struct ls_batch_http *out, struct ls_err *err);

/* An error reply as "<what>: <the service's message>", scrubbed, into err. */
int ls_batch_http_fail(struct ls_batch_client *c, const struct ls_batch_http *r, const char *what,
                       struct ls_err *err);

/*
 * A 2xx reply read by parse (core/batch_out.h) into dst, or fails with the
 * service's message, or LS_EUPSTREAM when it is not a JSON object. Both wires.
 */
int ls_batch_object_reply(struct ls_batch_client *c, struct ls_batch_http *r, const char *what,
                          int (*parse)(const char *, size_t, struct ls_batch *, struct ls_err *),
                          struct ls_batch *dst, struct ls_err *err);

/*
 * Each answer of a results file on its way to the caller's cb: its error scrubbed of the
 * key first (a service may echo a request header). Both wires.
 */
struct ls_batch_scrub {
    const struct ls_batch_client *c; /* borrowed */
    ls_batch_result_fn cb;
    void *ud;        /* borrowed: cb's */
    bool has_failed; /* cb returned an error: it is the caller's, passed on as is */
};

/* An ls_batch_out_fn (core/batch_out.h) over ud, a struct ls_batch_scrub. */
int ls_batch_scrub_and_call(void *ud, const char *custom_id, struct ls_llm_reply *reply,
                            struct ls_err *err);

/* The OpenAI wire (batch_openai.c). */
int ls_batch_openai_add(struct ls_batch_client *c, const char *custom_id,
                        const struct ls_prompt *prompt, struct ls_err *err);
int ls_batch_openai_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err);
int ls_batch_openai_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err);
int ls_batch_openai_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err);
int ls_batch_openai_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, struct ls_err *err);

/* The Gemini wire, inline requests (batch_gemini.c). */
int ls_batch_gemini_add(struct ls_batch_client *c, const char *custom_id,
                        const struct ls_prompt *prompt, struct ls_err *err);
int ls_batch_gemini_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                           struct ls_err *err);
int ls_batch_gemini_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended,
                         struct ls_err *err);
int ls_batch_gemini_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err);
int ls_batch_gemini_results(struct ls_batch_client *c, const struct ls_batch *b,
                            ls_batch_result_fn cb, void *ud, const char *const *keys, size_t n_keys,
                            struct ls_err *err);

#endif
