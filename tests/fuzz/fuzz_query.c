/*
 * fuzz_query.c - results query and page parameters. The input is split at NUL
 * bytes into the seven raw values (intent, min_score, max_score, q, sort,
 * limit, offset); a bit of the first byte leaves each one absent. Either the
 * parse fails with LS_EINVAL and a message and leaves the output alone, or
 * every output is in its documented range.
 *
 * Input: [absent mask] [page default/max] intent \0 min \0 max \0 q \0 sort \0 limit \0 offset
 */
#include <stdbool.h>
#include <string.h>

#include "core/query.h"
#include "core/utf8.h"
#include "core/verdict.h"
#include "fuzz/fuzz.h"

#define N_ARGS 7
#define ALL    ((1u << LS_INTENT_LOW) | (1u << LS_INTENT_MEDIUM) | (1u << LS_INTENT_HIGH))

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void check_err(int rc, const struct ls_err *err)
{
    FUZZ_CHECK(rc == LS_EINVAL && err->code == LS_EINVAL && err->msg[0] != '\0');
    FUZZ_CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
    FUZZ_CHECK(ls_utf8_valid(err->msg, strlen(err->msg))); /* it becomes a JSON string */
}

static void check_query(const struct ls_query_args *a)
{
    struct ls_results_query q, before;
    struct ls_err err = {0};
    memset(&q, 0x5A, sizeof(q));
    before = q;
    int rc = ls_results_query_parse(a, &q, &err);
    if (rc != LS_OK) {
        check_err(rc, &err);
        FUZZ_CHECK(memcmp(&q, &before, sizeof(q)) == 0);
        return;
    }
    FUZZ_CHECK(q.intents != 0 && (q.intents & ~ALL) == 0);
    FUZZ_CHECK(a->intent != NULL || q.intents == ALL);
    FUZZ_CHECK(0 <= q.min_score && q.min_score <= q.max_score && q.max_score <= 100);
    size_t len = strnlen(q.q, sizeof(q.q));
    FUZZ_CHECK(len < sizeof(q.q) && len <= LS_QUERY_TEXT_MAX);
    for (size_t i = 0; i < len; i++)
        FUZZ_CHECK(!(q.q[i] >= 'A' && q.q[i] <= 'Z'));
    FUZZ_CHECK(len == 0 || (!is_space(q.q[0]) && !is_space(q.q[len - 1])));
    FUZZ_CHECK(a->q != NULL || len == 0);
    FUZZ_CHECK(q.sort == LS_SORT_SCORE_DESC || q.sort == LS_SORT_SCORE_ASC ||
               q.sort == LS_SORT_NAME || q.sort == LS_SORT_COMPANY);
    FUZZ_CHECK(1 <= q.limit && q.limit <= LS_QUERY_LIMIT_MAX);
    FUZZ_CHECK(a->limit != NULL || q.limit == LS_QUERY_LIMIT_DEFAULT);
    FUZZ_CHECK(0 <= q.offset && q.offset <= 1000000000);
}

static void check_page(const char *limit, const char *offset, int dflt, int max)
{
    int l = -7, o = -7;
    struct ls_err err = {0};
    int rc = ls_page_parse(limit, offset, dflt, max, &l, &o, &err);
    if (rc != LS_OK) {
        check_err(rc, &err);
        FUZZ_CHECK(l == -7 && o == -7); /* out-params are written only on success */
        return;
    }
    FUZZ_CHECK(limit != NULL ? 1 <= l && l <= max : l == dflt);
    FUZZ_CHECK(offset != NULL ? 0 <= o && o <= 1000000000 : o == 0);
}

static void check_id(const char *s)
{
    long long v = -7;
    if (!ls_id_parse(s, &v))
        return;
    FUZZ_CHECK(v >= 1);
    char back[32];
    snprintf(back, sizeof(back), "%lld", v);
    FUZZ_CHECK(strcmp(back, s) == 0); /* only the canonical spelling is an id */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    /* One NUL-terminated copy, cut into the seven values. */
    char *text = malloc(size - 2 + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';
    const char *v[N_ARGS] = {NULL};
    char *p = text, *end = text + (size - 2);
    for (int i = 0; i < N_ARGS && p <= end; i++) {
        v[i] = p;
        p += strlen(p) + 1;
    }
    for (int i = 0; i < N_ARGS; i++) {
        if (data[0] & (1u << i))
            v[i] = NULL;
    }
    struct ls_query_args a = {
        .intent = v[0],
        .min_score = v[1],
        .max_score = v[2],
        .q = v[3],
        .sort = v[4],
        .limit = v[5],
        .offset = v[6],
    };
    check_query(&a);
    int max = 1 + (data[1] & 0x0F) * 700; /* 1 .. 10501 */
    int dflt = 1 + (data[1] >> 4) % max;
    check_page(a.limit, a.offset, dflt, max);
    for (int i = 0; i < N_ARGS; i++) {
        if (v[i])
            check_id(v[i]);
    }
    free(text);
    return 0;
}
