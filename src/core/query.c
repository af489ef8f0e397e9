/* query.c - results query parameters. Pure. */
#include "query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "text.h"
#include "utf8.h"
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

#define GOT_MAX 60 /* bytes of a rejected list quoted in its error message */
#define GOT_NUM 40 /* the same for a number or a sort key */

/*
 * The start of a rejected value, at most max <= GOT_MAX bytes, for its error message.
 * A message must be valid UTF-8 (it becomes a JSON string: jansson refuses
 * anything else and the 400 lost its body), so the cut falls on a character
 * boundary and a value that is not UTF-8 (a raw %FF) is read as Windows-1252.
 */
static const char *excerpt(const char *s, size_t max, char out[GOT_MAX + 1])
{
    size_t len = strlen(s);
    struct ls_buf b;
    ls_buf_init(&b, 3 * GOT_MAX + 16);
    if (!ls_utf8_valid(s, len)) {
        ls_cp1252_to_utf8(s, len < max ? len : max, &b);
        s = ls_buf_str(&b);
        len = b.len;
    }
    len = ls_utf8_clip(s, len, max);
    memcpy(out, s, len);
    out[len] = '\0';
    ls_buf_release(&b);
    return out;
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
    char got[GOT_MAX + 1];
    unsigned mask = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        enum ls_intent v = ls_intent_parse(p, len);
        if (v == LS_INTENT_NONE)
            return ls_err_set(err, LS_EINVAL,
                              "intent must be a comma-separated list of High, Medium, Low "
                              "(got \"%s\")",
                              excerpt(s, GOT_MAX, got));
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
    char got[GOT_MAX + 1];
    long long l = dflt_limit, o = 0;
    if (limit && !parse_int(limit, 1, max_limit, &l))
        return ls_err_set(err, LS_EINVAL, "limit must be an integer from 1 to %d (got \"%s\")",
                          max_limit, excerpt(limit, GOT_NUM, got));
    if (offset && !parse_int(offset, 0, 1000000000, &o))
        return ls_err_set(err, LS_EINVAL, "offset must be a non-negative integer (got \"%s\")",
                          excerpt(offset, GOT_NUM, got));
    /* Out-params are written only on success (STYLE.md section 6). */
    *out_limit = (int)l;
    *out_offset = (int)o;
    return LS_OK;
}

int ls_results_query_parse(const struct ls_query_args *a, struct ls_results_query *out,
                           struct ls_err *err)
{
    struct ls_results_query q;
    char got[GOT_MAX + 1];
    long long v;
    int rc;
    ls_results_query_default(&q);
    if (a->intent && (rc = parse_intents(a->intent, &q.intents, err)))
        return rc;
    if (a->min_score) {
        if (!parse_int(a->min_score, 0, 100, &v))
            return ls_err_set(err, LS_EINVAL,
                              "min_score must be an integer from 0 to 100 (got \"%s\")",
                              excerpt(a->min_score, GOT_NUM, got));
        q.min_score = (int)v;
    }
    if (a->max_score) {
        if (!parse_int(a->max_score, 0, 100, &v))
            return ls_err_set(err, LS_EINVAL,
                              "max_score must be an integer from 0 to 100 (got \"%s\")",
                              excerpt(a->max_score, GOT_NUM, got));
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
                              "sort must be one of score, -score, name, company (got \"%s\")",
                              excerpt(a->sort, GOT_NUM, got));
        q.sort = sorts[i].sort;
    }
    if ((rc = ls_page_parse(a->limit, a->offset, LS_QUERY_LIMIT_DEFAULT, LS_QUERY_LIMIT_MAX,
                            &q.limit, &q.offset, err)))
        return rc;
    *out = q;
    return LS_OK;
}
