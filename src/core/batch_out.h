/*
 * batch_out.h - reading what the batch APIs answer (issue #10): OpenAI's
 * Batch API (batch and file objects, output and error JSONL files) and
 * Gemini's Batch Mode (the batch Operation, its inline responses, the
 * responses JSONL file). Pure: JSON text in, struct ls_batch fields and one
 * callback per answer out; llm/batch_*.c do the HTTP around it.
 *
 * Every answer is handed on with its reply envelope already read
 * (core/llm_parse.h), its text capped at LS_BATCH_OUT_TEXT_MAX bytes.
 * Reentrant; no state across calls.
 */
#ifndef LS_CORE_BATCH_OUT_H
#define LS_CORE_BATCH_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "batch_rec.h"
#include "err.h"
#include "llm_parse.h"

#define LS_BATCH_OUT_TEXT_MAX (1024 * 1024) /* bytes of one answer's text kept */

/*
 * Called once per answer: its custom_id (OpenAI; "" when the line has none)
 * or key (Gemini; never ""), and its reply envelope. Both borrowed for the
 * call; the callee may rewrite reply->error in place (e.g. to scrub it). A
 * non-zero return stops the reading and is returned as is.
 */
typedef int (*ls_batch_out_fn)(void *ud, const char *custom_id, struct ls_llm_reply *reply,
                               struct ls_err *err);

/* ---- OpenAI ------------------------------------------------------------ */

/*
 * A batch object s[0..len) (borrowed) into b: id and input_file_id when
 * present, output_file_id, error_file_id, status (as remote_state) and
 * request_counts {total, completed, failed}. Strings longer than their field
 * are cut. LS_OK, or LS_EPARSE when s is not a JSON object (b unchanged).
 */
int ls_batch_out_openai_object(const char *s, size_t len, struct ls_batch *b, struct ls_err *err);

/*
 * A file object s[0..len) (borrowed): its id into id[0..cap) (cut to fit;
 * "" when it has none). LS_OK, or LS_EPARSE when s is not a JSON object (id
 * unchanged).
 */
int ls_batch_out_openai_upload(const char *s, size_t len, char *id, size_t cap, struct ls_err *err);

/*
 * One page of GET /batches {"data": [batch objects], "has_more", "last_id"}
 * s[0..len) (borrowed): the first batch whose metadata.leadscore is display
 * (borrowed) goes into b as ls_batch_out_openai_object reads it, and *found
 * says whether one did. next[0..cap) gets the id the next page starts after
 * ("after="), "" when has_more is not true. LS_OK, or LS_EPARSE when s is not
 * a JSON object (b, *found and next unchanged).
 */
int ls_batch_out_openai_find(const char *s, size_t len, const char *display, struct ls_batch *b,
                             bool *found, char *next, size_t cap, struct ls_err *err);

/* Is status (borrowed; NUL-terminated) a final one: completed, failed, expired, cancelled? */
bool ls_batch_out_openai_ended(const char *status);

/*
 * One output or error line {"id", "custom_id", "response": {"status_code",
 * "request_id", "body"}, "error"} (borrowed): cb gets its custom_id and the
 * envelope of its body (ls_llm_openai_reply), or LS_LLM_BAD_ANSWER with
 * "openai batch: <code>: <message>" when it has an error or no response. A
 * line that is not a JSON object is skipped (its leads count as missing):
 * LS_OK. Otherwise cb's return.
 */
int ls_batch_out_openai_line(const char *line, size_t len, ls_batch_out_fn cb, void *ud,
                             struct ls_err *err);

/* A whole output or error file s[0..len) (borrowed): each non-empty line as above, in order. */
int ls_batch_out_openai_lines(const char *s, size_t len, ls_batch_out_fn cb, void *ud,
                              struct ls_err *err);

/* ---- Gemini ------------------------------------------------------------ */

/*
 * A batch Operation (or a bare batch resource) s[0..len) (borrowed) into b:
 * its name when present, metadata.state without the BATCH_STATE_ prefix (as
 * remote_state), output.responsesFile when present (as output_file), and
 * batchStats (int64 as strings or numbers). LS_OK, or LS_EPARSE when s is not
 * a JSON object (b unchanged).
 */
int ls_batch_out_gemini_op(const char *s, size_t len, struct ls_batch *b, struct ls_err *err);

/*
 * One page of GET /v1beta/batches {"operations": [Operations],
 * "nextPageToken"} s[0..len) (borrowed): the first batch whose
 * metadata.displayName is display (borrowed) goes into b as
 * ls_batch_out_gemini_op reads it, and *found says whether one did.
 * next[0..cap) gets nextPageToken, "" on the last page. LS_OK, or LS_EPARSE
 * when s is not a JSON object (b, *found and next unchanged).
 */
int ls_batch_out_gemini_find(const char *s, size_t len, const char *display, struct ls_batch *b,
                             bool *found, char *next, size_t cap, struct ls_err *err);

/*
 * The Files API's upload reply {"file": {"name"}} s[0..len) (borrowed): the
 * name into name[0..cap) (cut to fit; "" when none). LS_OK, or LS_EPARSE when
 * s is not a JSON object (name unchanged).
 */
int ls_batch_out_gemini_upload(const char *s, size_t len, char *name, size_t cap,
                               struct ls_err *err);

/* Is state (borrowed; prefix already removed) a final one: SUCCEEDED, FAILED, CANCELLED, EXPIRED?
 */
bool ls_batch_out_gemini_ended(const char *state);

/*
 * An ended batch's Operation s[0..len) (borrowed; may be large). When it
 * names a responses file, the name goes into file[0..cap) and no answer is
 * read (the caller downloads it and calls ls_batch_out_gemini_lines).
 * Otherwise file is "" and cb gets each of its inlined responses, wherever
 * the Operation carries them (response.output, response, metadata.output):
 * the key from metadata.key, else the key of its position in keys[0..n_keys)
 * (borrowed; request order), else it is skipped; the envelope of its response
 * (ls_llm_gemini_reply at 200), or LS_LLM_BAD_ANSWER with "gemini batch:
 * <status>: <message>" for an error entry. LS_OK, LS_EPARSE when s is not a
 * JSON object, LS_ELIMIT when the file name does not fit in cap, or cb's
 * return.
 * Parameters: s, len: the Operation; keys, n_keys: the request order;
 * cb, ud: the answers; file, cap: the responses file; err: why.
 */
int ls_batch_out_gemini_results(const char *s, size_t len, const char *const *keys, size_t n_keys,
                                ls_batch_out_fn cb, void *ud, char *file, size_t cap,
                                struct ls_err *err);

/*
 * A responses file s[0..len) (borrowed): JSONL, one {"key", "response" |
 * "error"} per line in request order; each line as an inlined response (its
 * key from "key" or metadata.key, else by its position among the non-empty
 * lines). A line that is not JSON is skipped but keeps its position. LS_OK or
 * cb's return.
 */
int ls_batch_out_gemini_lines(const char *s, size_t len, const char *const *keys, size_t n_keys,
                              ls_batch_out_fn cb, void *ud, struct ls_err *err);

#endif
