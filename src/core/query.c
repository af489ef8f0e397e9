/* query.c - results query parameters. Pure. */
#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "verdict.h"

#define ALL_INTENTS ((1u << LS_INTENT_LOW) | (1u << LS_INTENT_MEDIUM) | (1u << LS_INTENT_HIGH))

void ls_results_query_default(struct ls_results_query *q)
{
    q->intents = ALL_INTENTS;
    q->min_score = 0;
    q->max_score = 100;
    q->q[0] = '\0';
    q->sort = LS_SORT_SCORE_DESC;
    q->limit = LS_QUERY_LIMIT_DEFAULT;
    q->offset = 0;
}

/*
 * Strict decimal: digits only, no sign, no spaces, no leading zero (but "0"
 * itself), at most 18 digits. "+5", "-0", "05", " 5" and "5abc" are not numbers.
 */
static bool parse_int(const char *s, long long min, long long max, long long *out)
{
    if (s == NULL || *s == '\0' || (s[0] == '0' && s[1] != '\0'))
        return false;
    long long v = 0;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 18)
            return false;
        v = v * 10 + (s[n] - '0');
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool ls_id_parse(const char *s, long long *out)
{
    return s && s[0] >= '1' && s[0] <= '9' && parse_int(s, 1, 0x7fffffffffffffffLL, out);
}

static int parse_intents(const char *s, unsigned *out, struct ls_err *err)
{
    unsigned mask = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        enum ls_intent v = ls_intent_parse(p, len);
        if (v == LS_INTENT_NONE)
            return ls_err_set(err, LS_EINVAL,
                              "intent must be a comma-separated list of High, Medium, Low "
                              "(got \"%.60s\")",
                              s);
        mask |= 1u << v;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *out = mask;
    return LS_OK;
}

int ls_page_parse(const char *limit, const char *offset, int dflt_limit, int max_limit,
                  int *out_limit, int *out_offset, struct ls_err *err)
{
    long long v;
    *out_limit = dflt_limit;
    *out_offset = 0;
    if (limit) {
        if (!parse_int(limit, 1, max_limit, &v))
            return ls_err_set(err, LS_EINVAL,
                              "limit must be an integer from 1 to %d (got \"%.40s\")", max_limit,
                              limit);
        *out_limit = (int)v;
    }
    if (offset) {
        if (!parse_int(offset, 0, 1000000000, &v))
            return ls_err_set(err, LS_EINVAL,
                              "offset must be a non-negative integer (got \"%.40s\")", offset);
        *out_offset = (int)v;
    }
    return LS_OK;
}

int ls_results_query_parse(const struct ls_query_args *a, struct ls_results_query *out,
                           struct ls_err *err)
{
    struct ls_results_query q;
    long long v;
    int rc;
    ls_results_query_default(&q);
    if (a->intent && (rc = parse_intents(a->intent, &q.intents, err)))
        return rc;
    if (a->min_score) {
        if (!parse_int(a->min_score, 0, 100, &v))
            return ls_err_set(err, LS_EINVAL,
                              "min_score must be an integer from 0 to 100 (got \"%.40s\")",
                              a->min_score);
        q.min_score = (int)v;
    }
    if (a->max_score) {
        if (!parse_int(a->max_score, 0, 100, &v))
            return ls_err_set(err, LS_EINVAL,
                              "max_score must be an integer from 0 to 100 (got \"%.40s\")",
                              a->max_score);
        q.max_score = (int)v;
    }
    if (q.min_score > q.max_score)
        return ls_err_set(err, LS_EINVAL, "min_score (%d) is greater than max_score (%d)",
                          q.min_score, q.max_score);
    if (a->q) {
        size_t len = strlen(a->q);
        if (len > LS_QUERY_TEXT_MAX)
            return ls_err_set(err, LS_EINVAL, "q must be at most %d bytes", LS_QUERY_TEXT_MAX);
        const char *s = a->q;
        ls_text_trim(&s, &len);
        for (size_t i = 0; i < len; i++)
            q.q[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        q.q[len] = '\0';
    }
    if (a->sort) {
        static const struct {
            const char *name;
            enum ls_sort sort;
        } sorts[] = {{"-score", LS_SORT_SCORE_DESC},
                     {"score", LS_SORT_SCORE_ASC},
                     {"name", LS_SORT_NAME},
                     {"company", LS_SORT_COMPANY}};
        size_t i = 0;
        while (i < LS_ARRAY_LEN(sorts) && strcmp(a->sort, sorts[i].name) != 0)
            i++;
        if (i == LS_ARRAY_LEN(sorts))
            return ls_err_set(err, LS_EINVAL,
                              "sort must be one of score, -score, name, company (got \"%.40s\")",
                              a->sort);
        q.sort = sorts[i].sort;
    }
    if ((rc = ls_page_parse(a->limit, a->offset, LS_QUERY_LIMIT_DEFAULT, LS_QUERY_LIMIT_MAX,
                            &q.limit, &q.offset, err)))
        return rc;
    *out = q;
    return LS_OK;
}
