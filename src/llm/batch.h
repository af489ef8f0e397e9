/*
 * batch.h - the services' asynchronous batch APIs (issue #10): OpenAI's
 * Batch API (a JSONL file uploaded to /files, then /batches) and Gemini's
 * Batch Mode (batchGenerateContent).
 *
 * A client builds one input file at a time from whole request bodies - the
 * same bodies the synchronous path sends (core/prompt.h), each under a
 * custom_id (OpenAI) or key (Gemini) - and refuses a line that would take
 * the file past the service's limits on requests or bytes, so the caller
 * submits and starts the next file: big jobs are split, never refused.
 * After submit, poll reports the service's state and counts, results
 * downloads the output (and error) lines and hands each back by its id with
 * its reply envelope already read (core/llm_parse.h), and cancel asks the
 * service to stop. The client keeps no state across calls beyond the file
 * being built: everything needed to resume (ids, files) is in struct
 * ls_batch, which the caller stores. No store calls here.
 *
 * Calls block (one libcurl easy handle each, with the provider's timeouts);
 * they run on a job's worker thread, a few per minute.
 */
#ifndef LS_LLM_BATCH_H
#define LS_LLM_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/batch_rec.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/llm_parse.h"
#include "core/prompt.h"
#include "llm/provider.h"

/* OpenAI's documented limits per input file; Gemini's inline cap and file size. */
#define LS_BATCH_OPENAI_MAX_REQUESTS 50000
#define LS_BATCH_OPENAI_MAX_BYTES    (200L * 1000 * 1000)
#define LS_BATCH_GEMINI_INLINE_MAX   (20L * 1000 * 1000)
#define LS_BATCH_GEMINI_FILE_MAX     (2000L * 1000 * 1000) /* the Files API's per file */

/* Batch mode's settings (LEADSCORE_AI_MODE and LEADSCORE_AI_BATCH_*). */
struct ls_batch_cfg {
    bool is_default;   /* LEADSCORE_AI_MODE=batch: jobs without a mode run as batch jobs */
    long poll_ms;      /* the first wait between polls; it grows by half up to poll_max_ms */
    long poll_max_ms;  /* the longest wait between polls */
    long max_requests; /* request lines per batch; 0: the service's limit */
    long max_bytes;    /* bytes per batch input; 0: the service's limit */
    long inline_max;   /* Gemini: inline requests up to this many bytes, else a file; 0: 20 MB */
    long max_download; /* bytes of a results download kept; 0: 1 GiB */
};

struct ls_batch_client;

/*
 * A client for provider p (borrowed; it must outlive the client). NULL with
 * LS_EINVAL when p has no batch API (the offline judge). A Gemini batch goes
 * as inline requests when under inline_max bytes, else as an uploaded file. Owned:
 * ls_batch_client_free. cfg is copied.
 */
struct ls_batch_client *ls_batch_client_new(const struct ls_provider *p,
                                            const struct ls_batch_cfg *cfg, struct ls_err *err);
void ls_batch_client_free(struct ls_batch_client *c);

/* ls_batch_add's answer when the file is full: submit it, then add again. */
#define LS_BATCH_FULL 1

/*
 * Adds one request for prompt (borrowed) under custom_id (at most 63
 * bytes) to the file being built. LS_BATCH_FULL when the file is not empty
 * and the line would take it past a limit on requests or bytes; LS_ELIMIT
 * when the line alone is over the byte limit (its leads cannot go in a batch).
 */
int ls_batch_add(struct ls_batch_client *c, const char *custom_id, const struct ls_prompt *prompt,
                 struct ls_err *err);
/* Request lines in the file being built. */
size_t ls_batch_size(const struct ls_batch_client *c);
/* Leads per request (the provider's LEADSCORE_AI_BATCH). */
size_t ls_batch_leads(const struct ls_batch_client *c);

/*
 * Sends the file being built (uploading it when the wire wants a file) and
 * creates the batch; fills b->remote_id, input_file and remote_state, and
 * empties the file. display is a name the service shows (borrowed).
 */
int ls_batch_submit(struct ls_batch_client *c, const char *display, struct ls_batch *b,
                    struct ls_err *err);

/*
 * Looks for a batch this service already has under display (borrowed): the
 * name ls_batch_submit gave it (Gemini's displayName, OpenAI's
 * metadata.leadscore), in the service's list of batches, newest first, up to
 * 2,000 of them. When one is there, *found is set and b gets its remote_id,
 * remote_state and counts as ls_batch_poll would. For a restart that finds a
 * batch stored as being submitted: whether the service created it before the
 * process died, so that it is polled, not paid for twice.
 */
int ls_batch_find(struct ls_batch_client *c, const char *display, struct ls_batch *b, bool *found,
                  struct ls_err *err);

/* Reads the batch's state: b's remote_state, counts and files. *ended when it is final. */
int ls_batch_poll(struct ls_batch_client *c, struct ls_batch *b, bool *ended, struct ls_err *err);

/* Asks the service to cancel b (a batch already final is not an error). */
int ls_batch_cancel(struct ls_batch_client *c, struct ls_batch *b, struct ls_err *err);

/*
 * Called once per answered or failed request of an ended batch: its
 * custom_id (or key) and the reply envelope (kind LS_LLM_OK with the
 * answer text, or why it failed). Borrowed for the call.
 */
typedef int (*ls_batch_result_fn)(void *ud, const char *custom_id, const struct ls_llm_reply *reply,
                                  struct ls_err *err);

/*
 * Downloads an ended batch's results and calls cb per line. keys: the
 * batch's custom_ids in request order (borrowed), for answers that come back
 * without theirs (Gemini's inline responses are in request order).
 */
int ls_batch_results(struct ls_batch_client *c, const struct ls_batch *b, ls_batch_result_fn cb,
                     void *ud, const char *const *keys, size_t n_keys, struct ls_err *err);

#endif
