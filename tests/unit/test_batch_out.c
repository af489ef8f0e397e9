/*
 * test_batch_out.c - what the batch APIs answer: OpenAI batch and file
 * objects, output and error lines; Gemini Operations, inline responses and
 * the responses file; and the model metadata the preflight reads
 * (core/model_meta.h).
 */
#include "ls_test.h"
#include <stdio.h>
#include <string.h>

#include "core/batch_out.h"
#include "core/model_meta.h"
#include "core/utf8.h"

/* What the callback saw, one entry per answer. */
#define SEEN_MAX 8

struct seen {
    size_t n;
    char id[SEEN_MAX][64];
    enum ls_llm_kind kind[SEEN_MAX];
    char text[SEEN_MAX][128];
    char error[SEEN_MAX][LS_ERR_MSG_MAX];
    int64_t prompt_tokens[SEEN_MAX];
    int stop_at; /* return LS_EIO at this answer (1-based), 0: never */
};

static int on_answer(void *ud, const char *custom_id, struct ls_llm_reply *reply,
                     struct ls_err *err)
{
    struct seen *s = ud;
    assert_true(s->n < SEEN_MAX);
    snprintf(s->id[s->n], sizeof(s->id[0]), "%s", custom_id);
    s->kind[s->n] = reply->kind;
    snprintf(s->text[s->n], sizeof(s->text[0]), "%s", ls_buf_str(&reply->text));
    snprintf(s->error[s->n], sizeof(s->error[0]), "%s", reply->error);
    s->prompt_tokens[s->n] = reply->prompt_tokens;
    s->n++;
    if (s->stop_at > 0 && (size_t)s->stop_at == s->n)
        return ls_err_set(err, LS_EIO, "the store is gone");
    return LS_OK;
}

#define OPENAI_OK_BODY                                                                             \
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"             \
    "\"message\":{\"role\":\"assistant\",\"content\":\"[{\\\"id\\\":\\\"a\\\"}]\"},"               \
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5}}"

#define OPENAI_OUT_LINE                                                                            \
    "{\"id\":\"batch_req_1\",\"custom_id\":\"ls-0001\",\"response\":{\"status_code\":200,"         \
    "\"request_id\":\"req_1\",\"body\":" OPENAI_OK_BODY "},\"error\":null}"

#define OPENAI_ERR_LINE                                                                            \
    "{\"id\":\"batch_req_2\",\"custom_id\":\"ls-0002\",\"response\":null,\"error\":{\"code\":"     \
    "\"batch_expired\",\"message\":\"This request could not be executed before the "               \
    "completion window expired.\"}}"

#define GEMINI_OK_RESPONSE                                                                         \
    "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"[]\"}]},"            \
    "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":7,"                       \
    "\"candidatesTokenCount\":1}}"

static int openai_line(const char *line, struct seen *s)
{
    struct ls_err err = {0};
    return ls_batch_out_openai_line(line, strlen(line), on_answer, s, &err);
}

static void test_batch_out__openai_output_line(void **state)
{
    (void)state;
    struct seen s = {0};
    assert_int_equal(openai_line(OPENAI_OUT_LINE, &s), LS_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], "ls-0001");
    assert_int_equal(s.kind[0], LS_LLM_OK);
    assert_string_equal(s.text[0], "[{\"id\":\"a\"}]");
    assert_int_equal(s.prompt_tokens[0], 12);
}

static void test_batch_out__openai_error_lines(void **state)
{
    (void)state;
    struct seen s = {0};
    /* An error file's line, a failed request's envelope, a line with neither. */
    assert_int_equal(openai_line(OPENAI_ERR_LINE, &s), LS_OK);
    assert_int_equal(
        openai_line("{\"custom_id\":\"ls-0003\",\"response\":{\"status_code\":429,\"body\":"
                    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                    "\"code\":\"rate_limit_exceeded\"}}},\"error\":null}",
                    &s),
        LS_OK);
    assert_int_equal(openai_line("{\"custom_id\":\"ls-0004\"}", &s), LS_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.id[0], "ls-0002");
    assert_int_equal(s.kind[0], LS_LLM_BAD_ANSWER);
    assert_string_equal(s.error[0], "openai batch: batch_expired: This request could not be "
                                    "executed before the completion window expired.");
    assert_string_equal(s.id[1], "ls-0003");
    assert_int_equal(s.kind[1], LS_LLM_RETRY);
    assert_non_null(strstr(s.error[1], "HTTP 429"));
    assert_int_equal(s.kind[2], LS_LLM_BAD_ANSWER);
    assert_string_equal(s.error[2], "openai batch: error: the request has no response");
}

static void test_batch_out__openai_line_without_custom_id(void **state)
{
    (void)state;
    struct seen s = {0};
    assert_int_equal(openai_line("{\"id\":\"batch_req_9\",\"response\":{\"status_code\":200,"
                                 "\"body\":" OPENAI_OK_BODY "}}",
                                 &s),
                     LS_OK);
    /* Handed on with "" as its id: the caller finds no leads under it. */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.id[0], "");
    assert_int_equal(s.kind[0], LS_LLM_OK);
}

static void test_batch_out__openai_unreadable_lines_skipped(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "not json", "[1,2]", "\"ls-0001\"", "{\"custom_id\":", "{\"a\":1,\"a\":2}", ""};
    struct seen s = {0};
    for (size_t i = 0; i < LS_ARRAY_LEN(lines); i++)
        assert_int_equal(openai_line(lines[i], &s), LS_OK);
    assert_int_equal(s.n, 0);
}

static void test_batch_out__openai_file(void **state)
{
    (void)state;
    static const char file[] = OPENAI_OUT_LINE "\n\nnot json\n" OPENAI_ERR_LINE; /* no final \n */
    struct seen s = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_batch_out_openai_lines(file, strlen(file), on_answer, &s, &err), LS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.id[0], "ls-0001");
    assert_string_equal(s.id[1], "ls-0002");
    /* The callback's error stops the reading and comes back as it is. */
    struct seen stop = {.stop_at = 1};
    assert_int_equal(ls_batch_out_openai_lines(file, strlen(file), on_answer, &stop, &err), LS_EIO);
    assert_int_equal(stop.n, 1);
    assert_string_equal(err.msg, "the store is gone");
    assert_int_equal(ls_batch_out_openai_lines("", 0, on_answer, &s, &err), LS_OK);
}

static void test_batch_out__openai_batch_object(void **state)
{
    (void)state;
    static const char obj[] =
        "{\"id\":\"batch_abc\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\","
        "\"input_file_id\":\"file-in\",\"status\":\"completed\",\"output_file_id\":\"file-out\","
        "\"error_file_id\":\"file-err\",\"request_counts\":{\"total\":10,\"completed\":8,"
        "\"failed\":2}}";
    struct ls_batch b = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_batch_out_openai_object(obj, strlen(obj), &b, &err), LS_OK);
    assert_string_equal(b.remote_id, "batch_abc");
    assert_string_equal(b.input_file, "file-in");
    assert_string_equal(b.output_file, "file-out");
    assert_string_equal(b.error_file, "file-err");
    assert_string_equal(b.remote_state, "completed");
    assert_int_equal(b.n_total, 10);
    assert_int_equal(b.n_completed, 8);
    assert_int_equal(b.n_failed, 2);
    assert_true(ls_batch_out_openai_ended(b.remote_state));
    /* A reply without ids keeps the ones known; the files and counts follow the reply. */
    static const char bare[] = "{\"status\":\"in_progress\"}";
    assert_int_equal(ls_batch_out_openai_object(bare, strlen(bare), &b, &err), LS_OK);
    assert_string_equal(b.remote_id, "batch_abc");
    assert_string_equal(b.input_file, "file-in");
    assert_string_equal(b.output_file, "");
    assert_int_equal(b.n_total, 0);
    assert_false(ls_batch_out_openai_ended(b.remote_state));
    static const char *const states[] = {"validating", "finalizing", "cancelling", ""};
    for (size_t i = 0; i < LS_ARRAY_LEN(states); i++)
        assert_false(ls_batch_out_openai_ended(states[i]));
    static const char *const final[] = {"completed", "failed", "expired", "cancelled"};
    for (size_t i = 0; i < LS_ARRAY_LEN(final); i++)
        assert_true(ls_batch_out_openai_ended(final[i]));
    /* Not an object: LS_EPARSE and b as it was. */
    assert_int_equal(ls_batch_out_openai_object("[]", 2, &b, &err), LS_EPARSE);
    assert_string_equal(err.msg, "the reply is not a JSON object");
    assert_string_equal(b.remote_state, "in_progress");
}

static void test_batch_out__openai_upload(void **state)
{
    (void)state;
    char id[8] = "x";
    struct ls_err err = {0};
    static const char file[] = "{\"id\":\"file-abcdefghij\",\"purpose\":\"batch\"}";
    assert_int_equal(ls_batch_out_openai_upload(file, strlen(file), id, sizeof(id), &err), LS_OK);
    assert_string_equal(id, "file-ab"); /* cut to its buffer */
    assert_int_equal(ls_batch_out_openai_upload("{}", 2, id, sizeof(id), &err), LS_OK);
    assert_string_equal(id, "");
    assert_int_equal(ls_batch_out_openai_upload("<html>", 6, id, sizeof(id), &err), LS_EPARSE);
}

/*
 * A field longer than its buffer is cut on a character boundary: it is shown and sent back
 * as a JSON string, and jansson takes only UTF-8. "é" is two bytes; the buffers hold an odd
 * number of bytes before their NUL (159, 39, 7).
 */
static void test_batch_out__long_fields_cut_on_characters(void **state)
{
    (void)state;
    char text[256], reply[1200];
    size_t w = 0;
    for (int i = 0; i < 120; i++)
        w += (size_t)snprintf(text + w, sizeof(text) - w, "\xc3\xa9");
    struct ls_batch b = {0};
    struct ls_err err = {0};
    snprintf(reply, sizeof(reply),
             "{\"id\":\"%s\",\"input_file_id\":\"%s\",\"output_file_id\":\"%s\","
             "\"status\":\"%s\"}",
             text, text, text, text);
    assert_int_equal(ls_batch_out_openai_object(reply, strlen(reply), &b, &err), LS_OK);
    const char *fields[] = {b.remote_id, b.input_file, b.output_file, b.remote_state};
    for (size_t i = 0; i < LS_ARRAY_LEN(fields); i++) {
        assert_true(ls_utf8_valid(fields[i], strlen(fields[i])));
        assert_int_equal(strncmp(fields[i], text, strlen(fields[i])), 0);
    }
    assert_int_equal(strlen(b.remote_id), 158);
    assert_int_equal(strlen(b.remote_state), 38);
    memset(&b, 0, sizeof(b));
    snprintf(reply, sizeof(reply), "{\"name\":\"batches/%s\",\"metadata\":{\"state\":\"%s\"}}",
             text, text);
    assert_int_equal(ls_batch_out_gemini_op(reply, strlen(reply), &b, &err), LS_OK);
    assert_true(ls_utf8_valid(b.remote_id, strlen(b.remote_id)));
    assert_true(ls_utf8_valid(b.remote_state, strlen(b.remote_state)));
    char id[8];
    snprintf(reply, sizeof(reply), "{\"id\":\"%s\"}", text);
    assert_int_equal(ls_batch_out_openai_upload(reply, strlen(reply), id, sizeof(id), &err), LS_OK);
    assert_string_equal(id, "\xc3\xa9\xc3\xa9\xc3\xa9");
    snprintf(reply, sizeof(reply), "{\"file\":{\"name\":\"%s\"}}", text);
    assert_int_equal(ls_batch_out_gemini_upload(reply, strlen(reply), id, sizeof(id), &err), LS_OK);
    assert_string_equal(id, "\xc3\xa9\xc3\xa9\xc3\xa9");
}

static void test_batch_out__gemini_operation_states_and_counts(void **state)
{
    (void)state;
    struct {
        const char *op;
        const char *state;
        bool is_ended;
        int64_t total, ok, failed;
    } cases[] = {
        {"{\"name\":\"batches/b1\",\"metadata\":{\"@type\":\"type.googleapis.com/"
         "google.ai.generativelanguage.v1main.GenerateContentBatch\",\"state\":"
         "\"BATCH_STATE_PENDING\"}}",
         "PENDING", false, 0, 0, 0},
        {"{\"name\":\"batches/b1\",\"metadata\":{\"state\":\"BATCH_STATE_RUNNING\",\"batchStats\":"
         "{\"requestCount\":\"3\",\"pendingRequestCount\":\"3\"}}}",
         "RUNNING", false, 3, 0, 0},
        {"{\"name\":\"batches/b1\",\"metadata\":{\"state\":\"BATCH_STATE_SUCCEEDED\","
         "\"batchStats\":{\"requestCount\":\"3\",\"successfulRequestCount\":\"2\","
         "\"failedRequestCount\":\"1\"}},\"done\":true}",
         "SUCCEEDED", true, 3, 2, 1},
        /* A bare batch resource, its counts as numbers. */
        {"{\"name\":\"batches/b1\",\"state\":\"BATCH_STATE_FAILED\",\"batchStats\":"
         "{\"requestCount\":4,\"failedRequestCount\":4}}",
         "FAILED", true, 4, 0, 4},
        {"{\"metadata\":{\"name\":\"batches/b1\",\"state\":\"CANCELLED\"}}", "CANCELLED", true, 0,
         0, 0},
        {"{\"name\":\"batches/b1\",\"metadata\":{\"state\":\"BATCH_STATE_EXPIRED\"}}", "EXPIRED",
         true, 0, 0, 0},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(cases); i++) {
        struct ls_batch b = {0};
        struct ls_err err = {0};
        assert_int_equal(ls_batch_out_gemini_op(cases[i].op, strlen(cases[i].op), &b, &err), LS_OK);
        assert_string_equal(b.remote_id, "batches/b1");
        assert_string_equal(b.remote_state, cases[i].state);
        assert_int_equal(ls_batch_out_gemini_ended(b.remote_state), cases[i].is_ended);
        assert_int_equal(b.n_total, cases[i].total);
        assert_int_equal(b.n_completed, cases[i].ok);
        assert_int_equal(b.n_failed, cases[i].failed);
        assert_string_equal(b.output_file, "");
    }
    struct ls_batch b = {0};
    struct ls_err err = {0};
    static const char with_file[] = "{\"name\":\"batches/b2\",\"metadata\":{\"state\":"
                                    "\"BATCH_STATE_SUCCEEDED\",\"output\":{\"responsesFile\":"
                                    "\"files/out-1\"}}}";
    assert_int_equal(ls_batch_out_gemini_op(with_file, strlen(with_file), &b, &err), LS_OK);
    assert_string_equal(b.output_file, "files/out-1");
    assert_int_equal(ls_batch_out_gemini_op("null", 4, &b, &err), LS_EPARSE);
    assert_string_equal(b.remote_id, "batches/b2");
    assert_false(ls_batch_out_gemini_ended("BATCH_STATE_SUCCEEDED")); /* prefix removed first */
}

static void test_batch_out__gemini_upload(void **state)
{
    (void)state;
    char name[64] = "x";
    struct ls_err err = {0};
    static const char reply[] = "{\"file\":{\"name\":\"files/abc\",\"mimeType\":"
                                "\"application/jsonl\"}}";
    assert_int_equal(ls_batch_out_gemini_upload(reply, strlen(reply), name, sizeof(name), &err),
                     LS_OK);
    assert_string_equal(name, "files/abc");
    assert_int_equal(
        ls_batch_out_gemini_upload("{\"name\":\"files/abc\"}", 20, name, sizeof(name), &err),
        LS_OK);
    assert_string_equal(name, "");
    assert_int_equal(ls_batch_out_gemini_upload("", 0, name, sizeof(name), &err), LS_EPARSE);
}

static const char *const keys3[] = {"k-0", "k-1", "k-2"};

static int gemini_results(const char *op, struct seen *s, char *file, size_t cap,
                          struct ls_err *err)
{
    return ls_batch_out_gemini_results(op, strlen(op), keys3, LS_ARRAY_LEN(keys3), on_answer, s,
                                       file, cap, err);
}

static void test_batch_out__gemini_inline_responses(void **state)
{
    (void)state;
    /* With a key, without one (the key of its position), an error entry, a bare entry. */
    static const char op[] =
        "{\"name\":\"batches/b1\",\"metadata\":{\"state\":\"BATCH_STATE_SUCCEEDED\"},"
        "\"done\":true,\"response\":{\"@type\":\"type.googleapis.com/"
        "google.ai.generativelanguage.v1main.GenerateContentBatchOutput\",\"inlinedResponses\":"
        "{\"inlinedResponses\":["
        "{\"response\":" GEMINI_OK_RESPONSE ",\"metadata\":{\"key\":\"k-2\"}},"
        "{\"response\":" GEMINI_OK_RESPONSE "},"
        "{\"error\":{\"code\":8,\"status\":\"RESOURCE_EXHAUSTED\",\"message\":\"quota\"},"
        "\"metadata\":{\"key\":\"k-0\"}},"
        "{}]}}}";
    struct seen s = {0};
    struct ls_err err = {0};
    char file[64] = "x";
    assert_int_equal(gemini_results(op, &s, file, sizeof(file), &err), LS_OK);
    assert_string_equal(file, "");
    assert_int_equal(s.n, 3); /* the 4th has no key and no position: skipped */
    assert_string_equal(s.id[0], "k-2");
    assert_int_equal(s.kind[0], LS_LLM_OK);
    assert_string_equal(s.text[0], "[]");
    assert_int_equal(s.prompt_tokens[0], 7);
    assert_string_equal(s.id[1], "k-1");
    assert_int_equal(s.kind[1], LS_LLM_OK);
    assert_string_equal(s.id[2], "k-0");
    assert_int_equal(s.kind[2], LS_LLM_BAD_ANSWER);
    assert_string_equal(s.error[2], "gemini batch: RESOURCE_EXHAUSTED: quota");
}

static void test_batch_out__gemini_inline_where_carried(void **state)
{
    (void)state;
    static const char *const ops[] = {
        "{\"response\":{\"output\":{\"inlinedResponses\":{\"inlinedResponses\":[{}]}}}}",
        "{\"response\":{\"inlinedResponses\":{\"inlinedResponses\":[{}]}}}",
        "{\"metadata\":{\"state\":\"BATCH_STATE_SUCCEEDED\",\"output\":{\"inlinedResponses\":"
        "{\"inlinedResponses\":[{}]}}}}",
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(ops); i++) {
        struct seen s = {0};
        struct ls_err err = {0};
        char file[16];
        assert_int_equal(gemini_results(ops[i], &s, file, sizeof(file), &err), LS_OK);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.id[0], "k-0");
        assert_string_equal(s.error[0], "gemini batch: error: the request has no response");
    }
    /* Nothing carried: no answers, no error. */
    struct seen s = {0};
    struct ls_err err = {0};
    char file[16];
    assert_int_equal(gemini_results("{\"done\":true}", &s, file, sizeof(file), &err), LS_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(gemini_results("{]", &s, file, sizeof(file), &err), LS_EPARSE);
}

static void test_batch_out__gemini_responses_file_named(void **state)
{
    (void)state;
    static const char op[] = "{\"metadata\":{\"state\":\"BATCH_STATE_SUCCEEDED\",\"output\":"
                             "{\"responsesFile\":\"files/batch-out-1\",\"inlinedResponses\":"
                             "{\"inlinedResponses\":[{}]}}}}";
    struct seen s = {0};
    struct ls_err err = {0};
    char file[32];
    assert_int_equal(gemini_results(op, &s, file, sizeof(file), &err), LS_OK);
    assert_string_equal(file, "files/batch-out-1");
    assert_int_equal(s.n, 0); /* read from the file, not inline */
    char small[8];
    assert_int_equal(gemini_results(op, &s, small, sizeof(small), &err), LS_ELIMIT);
    assert_string_equal(err.msg, "the responses file name is over 7 bytes");
}

static void test_batch_out__gemini_responses_file(void **state)
{
    (void)state;
    /* Keyed, keyed by metadata, unkeyed (its position among non-empty lines), not JSON. */
    static const char file[] = "{\"key\":\"k-2\",\"response\":" GEMINI_OK_RESPONSE "}\n"
                               "\n"
                               "{\"metadata\":{\"key\":\"k-0\"},\"error\":{\"message\":\"bad\"}}\n"
                               "garbage\n"
                               "{\"response\":" GEMINI_OK_RESPONSE "}\n"
                               "{\"response\":" GEMINI_OK_RESPONSE "}";
    struct seen s = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_batch_out_gemini_lines(file, strlen(file), keys3, LS_ARRAY_LEN(keys3),
                                               on_answer, &s, &err),
                     LS_OK);
    assert_int_equal(s.n, 2); /* the unkeyed lines are 4th and 5th: past the 3 keys */
    assert_string_equal(s.id[0], "k-2");
    assert_int_equal(s.kind[0], LS_LLM_OK);
    assert_string_equal(s.id[1], "k-0");
    assert_string_equal(s.error[1], "gemini batch: error: bad");

    static const char unkeyed[] = "{\"response\":" GEMINI_OK_RESPONSE "}\n"
                                  "not json\n"
                                  "{\"response\":" GEMINI_OK_RESPONSE "}\n";
    struct seen u = {0};
    assert_int_equal(ls_batch_out_gemini_lines(unkeyed, strlen(unkeyed), keys3, LS_ARRAY_LEN(keys3),
                                               on_answer, &u, &err),
                     LS_OK);
    assert_int_equal(u.n, 2);
    assert_string_equal(u.id[0], "k-0");
    assert_string_equal(u.id[1], "k-2"); /* the line that is not JSON keeps its position */

    struct seen stop = {.stop_at = 1};
    assert_int_equal(ls_batch_out_gemini_lines(unkeyed, strlen(unkeyed), keys3, LS_ARRAY_LEN(keys3),
                                               on_answer, &stop, &err),
                     LS_EIO);
    assert_int_equal(stop.n, 1);
}

/* The lists a restart reads: the batch sent under a name found in a page, and where the next
 * starts. */
static void test_batch_out__find_in_lists(void **state)
{
    (void)state;
    const char *want = "leadscore job 3 batch 7";
    const char *openai =
        "{\"object\":\"list\",\"data\":["
        "{\"id\":\"batch_9\",\"status\":\"completed\",\"metadata\":{\"leadscore\":"
        "\"leadscore job 3 batch 70\"}},"
        "{\"id\":\"batch_8\",\"status\":\"in_progress\",\"input_file_id\":\"file-8\","
        "\"metadata\":{\"leadscore\":\"leadscore job 3 batch 7\"},"
        "\"request_counts\":{\"total\":4,\"completed\":1,\"failed\":0}}],"
        "\"first_id\":\"batch_9\",\"last_id\":\"batch_8\",\"has_more\":true}";
    struct ls_batch b;
    memset(&b, 0, sizeof(b));
    bool found = false;
    char next[64];
    struct ls_err err = {0};
    assert_int_equal(ls_batch_out_openai_find(openai, strlen(openai), want, &b, &found, next,
                                              sizeof(next), &err),
                     LS_OK);
    assert_true(found); /* the exact name, not one it is a prefix of */
    assert_string_equal(b.remote_id, "batch_8");
    assert_string_equal(b.input_file, "file-8");
    assert_string_equal(b.remote_state, "in_progress");
    assert_int_equal(b.n_total, 4);
    assert_string_equal(next, "batch_8");
    const char *last = "{\"object\":\"list\",\"data\":[{\"id\":\"batch_1\",\"metadata\":null}],"
                       "\"has_more\":false}";
    memset(&b, 0, sizeof(b));
    assert_int_equal(
        ls_batch_out_openai_find(last, strlen(last), want, &b, &found, next, sizeof(next), &err),
        LS_OK);
    assert_false(found);
    assert_string_equal(next, "");
    assert_string_equal(b.remote_id, "");

    const char *gemini = "{\"operations\":[{\"name\":\"batches/g2\",\"metadata\":{\"displayName\":"
                         "\"other\",\"state\":\"BATCH_STATE_RUNNING\"}},"
                         "{\"name\":\"batches/g1\",\"metadata\":{\"displayName\":"
                         "\"leadscore job 3 batch 7\",\"state\":\"BATCH_STATE_PENDING\","
                         "\"batchStats\":{\"requestCount\":\"5\"}}}],\"nextPageToken\":\"tok=2\"}";
    memset(&b, 0, sizeof(b));
    assert_int_equal(ls_batch_out_gemini_find(gemini, strlen(gemini), want, &b, &found, next,
                                              sizeof(next), &err),
                     LS_OK);
    assert_true(found);
    assert_string_equal(b.remote_id, "batches/g1");
    assert_string_equal(b.remote_state, "PENDING");
    assert_int_equal(b.n_total, 5);
    assert_string_equal(next, "tok=2");
    const char *empty = "{}";
    assert_int_equal(
        ls_batch_out_gemini_find(empty, strlen(empty), want, &b, &found, next, sizeof(next), &err),
        LS_OK);
    assert_false(found);
    assert_string_equal(next, "");
    found = true;
    assert_int_equal(ls_batch_out_gemini_find("[]", 2, want, &b, &found, next, sizeof(next), &err),
                     LS_EPARSE);
    assert_true(found); /* unchanged */
}

static void test_batch_out__model_meta(void **state)
{
    (void)state;
    char out[160] = "";
    static const char openai[] = "{\"id\":\"gpt-x\",\"object\":\"model\",\"created\":1,"
                                 "\"owned_by\":\"openai\",\"shutdown_date\":\"2026-01-01\"}";
    assert_true(ls_model_meta_date(openai, strlen(openai), "openai", "gpt-x", out, sizeof(out)));
    assert_string_equal(out, "openai model gpt-x: the service gives shutdown_date 2026-01-01");
    static const char gemini[] = "{\"name\":\"models/g\",\"deprecationDate\":\"2025-09-01\","
                                 "\"shutdownDate\":\"\"}";
    assert_true(ls_model_meta_date(gemini, strlen(gemini), "gemini", "g", out, sizeof(out)));
    assert_string_equal(out, "gemini model g: the service gives deprecationDate 2025-09-01");
    static const char *const none[] = {"{\"name\":\"models/g\"}", "{\"shutdown_date\":7}",
                                       "[\"shutdown_date\"]", "<html>", ""};
    for (size_t i = 0; i < LS_ARRAY_LEN(none); i++) {
        snprintf(out, sizeof(out), "kept");
        assert_false(ls_model_meta_date(none[i], strlen(none[i]), "gemini", "g", out, sizeof(out)));
        assert_string_equal(out, "kept");
    }
    assert_true(
        ls_model_meta_names_model("{\"error\":{\"code\":\"model_not_found\"}}", "m", false));
    assert_true(
        ls_model_meta_names_model("{\"status\":\"NOT_FOUND\",\"message\":\"models/x\"}", "", true));
    assert_false(ls_model_meta_names_model("{\"status\":\"NOT_FOUND\",\"message\":\"models/x\"}",
                                           "", false));
    assert_true(ls_model_meta_names_model("no such thing as gpt-q", "gpt-q", false));
    assert_false(ls_model_meta_names_model("404 page not found", "gpt-q", false));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_out__openai_output_line),
        cmocka_unit_test(test_batch_out__openai_error_lines),
        cmocka_unit_test(test_batch_out__openai_line_without_custom_id),
        cmocka_unit_test(test_batch_out__openai_unreadable_lines_skipped),
        cmocka_unit_test(test_batch_out__openai_file),
        cmocka_unit_test(test_batch_out__openai_batch_object),
        cmocka_unit_test(test_batch_out__openai_upload),
        cmocka_unit_test(test_batch_out__long_fields_cut_on_characters),
        cmocka_unit_test(test_batch_out__gemini_operation_states_and_counts),
        cmocka_unit_test(test_batch_out__gemini_upload),
        cmocka_unit_test(test_batch_out__gemini_inline_responses),
        cmocka_unit_test(test_batch_out__gemini_inline_where_carried),
        cmocka_unit_test(test_batch_out__gemini_responses_file_named),
        cmocka_unit_test(test_batch_out__gemini_responses_file),
        cmocka_unit_test(test_batch_out__find_in_lists),
        cmocka_unit_test(test_batch_out__model_meta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
