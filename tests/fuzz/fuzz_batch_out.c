/*
 * fuzz_batch_out.c - what the batch APIs answer (core/batch_out.h) and the
 * model metadata the preflight reads (core/model_meta.h). The first byte
 * picks the entry point, the second the number of request-order keys and
 * the size of the output buffers; the rest is the body.
 *
 * Invariants: a known status; a batch record whose strings stay
 * NUL-terminated in their fields; out-params untouched on LS_EPARSE; each
 * answer with a NUL-terminated id (a Gemini key never "", and one of the
 * keys given or a string of the input), a known kind, text within its cap,
 * an error message whenever it failed; a responses file name within its
 * buffer; a callback's error passed back as it is.
 *
 * The batch lists a restart reads (ls_batch_out_*_find, entry bit 0x40; bit 0
 * picks Gemini): a batch found only with an id, next within its buffer,
 * everything unchanged on LS_EPARSE.
 *
 * Input: [entry] [keys | cap] body...
 */
#include <stdbool.h>
#include <string.h>

#include "core/batch_out.h"
#include "core/model_meta.h"
#include "fuzz/fuzz.h"

#define MAX_KEYS 8

static const char *const keys[MAX_KEYS] = {"k-0", "k-1", "k-2", "k-3", "k-4", "k-5", "k-6", "k-7"};

static bool is_terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

struct ctx {
    bool is_gemini;
    size_t n_calls;
    size_t stop_at; /* the callback fails at this call (1-based), 0: never */
};

static int on_answer(void *ud, const char *custom_id, struct ls_llm_reply *r, struct ls_err *err)
{
    struct ctx *c = ud;
    FUZZ_CHECK(custom_id != NULL);
    if (c->is_gemini)
        FUZZ_CHECK(custom_id[0] != '\0');
    FUZZ_CHECK(r->kind == LS_LLM_OK || r->kind == LS_LLM_RETRY || r->kind == LS_LLM_FATAL ||
               r->kind == LS_LLM_BAD_ANSWER || r->kind == LS_LLM_BLOCKED);
    FUZZ_CHECK(is_terminated(r->error, sizeof(r->error)));
    FUZZ_CHECK(r->text.len <= LS_BATCH_OUT_TEXT_MAX);
    if (r->kind == LS_LLM_OK)
        FUZZ_CHECK(strlen(ls_buf_str(&r->text)) == r->text.len);
    else
        FUZZ_CHECK(r->error[0] != '\0');
    /* What the shell does with it: scrubbing rewrites the error in place. */
    memset(r->error, 'x', sizeof(r->error) - 1);
    r->error[sizeof(r->error) - 1] = '\0';
    c->n_calls++;
    if (c->stop_at && c->n_calls == c->stop_at)
        return ls_err_set(err, LS_EIO, "stopped");
    return LS_OK;
}

static void check_rec(const struct ls_batch *b)
{
    FUZZ_CHECK(is_terminated(b->remote_id, sizeof(b->remote_id)));
    FUZZ_CHECK(is_terminated(b->input_file, sizeof(b->input_file)));
    FUZZ_CHECK(is_terminated(b->output_file, sizeof(b->output_file)));
    FUZZ_CHECK(is_terminated(b->error_file, sizeof(b->error_file)));
    FUZZ_CHECK(is_terminated(b->remote_state, sizeof(b->remote_state)));
}

typedef int (*object_fn)(const char *s, size_t len, struct ls_batch *b, struct ls_err *err);

static void check_object(object_fn fn, bool (*ended)(const char *), const char *s, size_t len)
{
    struct ls_batch b, before;
    memset(&b, 0, sizeof(b));
    snprintf(b.remote_id, sizeof(b.remote_id), "kept");
    memcpy(&before, &b, sizeof(b));
    struct ls_err err = {0};
    int rc = fn(s, len, &b, &err);
    FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE);
    if (rc != LS_OK) {
        FUZZ_CHECK(err.code == rc && memcmp(&b, &before, sizeof(b)) == 0);
        return;
    }
    check_rec(&b);
    FUZZ_CHECK(b.remote_id[0] != '\0'); /* a reply without one keeps the known id */
    (void)ended(b.remote_state);
}

typedef int (*upload_fn)(const char *s, size_t len, char *out, size_t cap, struct ls_err *err);

static void check_upload(upload_fn fn, const char *s, size_t len, size_t cap)
{
    char out[64];
    memset(out, '#', sizeof(out));
    struct ls_err err = {0};
    int rc = fn(s, len, out, cap, &err);
    FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE);
    if (rc == LS_OK && cap > 0)
        FUZZ_CHECK(is_terminated(out, cap));
    else
        FUZZ_CHECK(out[0] == '#');
    for (size_t i = cap; i < sizeof(out); i++)
        FUZZ_CHECK(out[i] == '#');
}

typedef int (*find_fn)(const char *s, size_t len, const char *display, struct ls_batch *b,
                       bool *found, char *next, size_t cap, struct ls_err *err);

static void check_find(find_fn fn, const char *s, size_t len, size_t cap)
{
    struct ls_batch b, before;
    memset(&b, 0, sizeof(b));
    memcpy(&before, &b, sizeof(b));
    char next[64];
    memset(next, '#', sizeof(next));
    bool found = true;
    struct ls_err err = {0};
    int rc = fn(s, len, "leadscore job 1 batch 1", &b, &found, next, cap, &err);
    FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE);
    if (rc != LS_OK) {
        FUZZ_CHECK(err.code == rc && found && memcmp(&b, &before, sizeof(b)) == 0);
        FUZZ_CHECK(next[0] == '#');
        return;
    }
    FUZZ_CHECK(is_terminated(next, cap));
    for (size_t i = cap; i < sizeof(next); i++)
        FUZZ_CHECK(next[i] == '#');
    check_rec(&b);
    if (found)
        FUZZ_CHECK(b.remote_id[0] != '\0'); /* only a batch with an id is found */
    else
        FUZZ_CHECK(memcmp(&b, &before, sizeof(b)) == 0);
}

static void check_answers(int rc, const struct ctx *c, const struct ls_err *err)
{
    if (c->stop_at && c->n_calls == c->stop_at) {
        FUZZ_CHECK(rc == LS_EIO && strcmp(err->msg, "stopped") == 0);
        return;
    }
    FUZZ_CHECK(rc != LS_EIO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned entry = data[0];
    size_t n_keys = data[1] & 7;
    size_t cap = (size_t)(data[1] >> 2) + 1; /* 1..64 */
    const char *s = (const char *)data + 2;
    size_t len = size - 2;
    struct ctx c = {.stop_at = (entry >> 4) & 3}; /* 0: never */
    struct ls_err err = {0};
    int rc;

    if (entry & 0x40) {
        check_find((entry & 1) ? ls_batch_out_gemini_find : ls_batch_out_openai_find, s, len, cap);
        return 0;
    }
    switch (entry % 10) {
    case 0:
        check_object(ls_batch_out_openai_object, ls_batch_out_openai_ended, s, len);
        break;
    case 1:
        check_upload(ls_batch_out_openai_upload, s, len, cap);
        break;
    case 2:
        rc = ls_batch_out_openai_line(s, len, on_answer, &c, &err);
        FUZZ_CHECK(rc == LS_OK || rc == LS_EIO);
        FUZZ_CHECK(c.n_calls <= 1);
        check_answers(rc, &c, &err);
        break;
    case 3:
        rc = ls_batch_out_openai_lines(s, len, on_answer, &c, &err);
        FUZZ_CHECK(rc == LS_OK || rc == LS_EIO);
        check_answers(rc, &c, &err);
        break;
    case 4:
        check_object(ls_batch_out_gemini_op, ls_batch_out_gemini_ended, s, len);
        break;
    case 5:
        check_upload(ls_batch_out_gemini_upload, s, len, cap);
        break;
    case 6: {
        char file[64];
        memset(file, '#', sizeof(file));
        c.is_gemini = true;
        rc = ls_batch_out_gemini_results(s, len, keys, n_keys, on_answer, &c, file, cap, &err);
        FUZZ_CHECK(rc == LS_OK || rc == LS_EPARSE || rc == LS_ELIMIT || rc == LS_EIO);
        if (rc == LS_OK)
            FUZZ_CHECK(is_terminated(file, cap));
        if (rc == LS_OK && file[0])
            FUZZ_CHECK(c.n_calls == 0);
        for (size_t i = cap; i < sizeof(file); i++)
            FUZZ_CHECK(file[i] == '#');
        if (rc != LS_OK)
            FUZZ_CHECK(err.code == rc);
        check_answers(rc, &c, &err);
        break;
    }
    case 7:
        c.is_gemini = true;
        rc = ls_batch_out_gemini_lines(s, len, keys, n_keys, on_answer, &c, &err);
        FUZZ_CHECK(rc == LS_OK || rc == LS_EIO);
        check_answers(rc, &c, &err);
        break;
    case 8: {
        char out[64];
        memset(out, '#', sizeof(out));
        bool has_date = ls_model_meta_date(s, len, "gemini", "g-1", out, cap);
        if (has_date)
            FUZZ_CHECK(is_terminated(out, cap));
        else
            FUZZ_CHECK(out[0] == '#');
        for (size_t i = cap; i < sizeof(out); i++)
            FUZZ_CHECK(out[i] == '#');
        break;
    }
    default: {
        /* A 404 body is read as text: NUL-terminated, so cut at the first NUL. */
        char *body = malloc(len + 1);
        FUZZ_CHECK(body != NULL);
        memcpy(body, s, len);
        body[len] = '\0';
        (void)ls_model_meta_names_model(body, n_keys ? keys[n_keys] : "", data[1] & 0x80);
        free(body);
        break;
    }
    }
    return 0;
}
