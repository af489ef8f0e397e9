/*
 * query.h - the results query a client may ask for (GET /results, GET
 * /jobs/{id}/results and their exports), parsed and validated from the raw
 * query-string values. Pure.
 */
#ifndef LS_CORE_QUERY_H
#define LS_CORE_QUERY_H

#include <stdbool.h>

#include "err.h"

#define LS_QUERY_LIMIT_DEFAULT 1000
#define LS_QUERY_LIMIT_MAX     10000
#define LS_QUERY_TEXT_MAX      200

enum ls_sort { LS_SORT_SCORE_DESC, LS_SORT_SCORE_ASC, LS_SORT_NAME, LS_SORT_COMPANY };

struct ls_results_query {
    unsigned intents;              /* bit (1 << enum ls_intent) per label wanted; all by default */
    int min_score, max_score;      /* inclusive, 0..100 */
    char q[LS_QUERY_TEXT_MAX + 1]; /* lowercased; "" matches everything */
    enum ls_sort sort;
    int limit, offset;
};

/* Raw query-string values; NULL when a parameter is absent. Borrowed. */
struct ls_query_args {
    const char *intent, *min_score, *max_score, *q, *sort, *limit, *offset;
};

/* The defaults: every label, 0..100, no text, score descending, 1000 from 0. */
void ls_results_query_default(struct ls_results_query *q);

/*
 * Validates args into out. LS_EINVAL with a message naming the parameter
 * (e.g. "intent must be a comma-separated list of High, Medium, Low").
 */
int ls_results_query_parse(const struct ls_query_args *args, struct ls_results_query *out,
                           struct ls_err *err);

/* Parses a page size/offset pair the same way, for other listings. */
int ls_page_parse(const char *limit, const char *offset, int dflt_limit, int max_limit,
                  int *out_limit, int *out_offset, struct ls_err *err);

/* Parses a positive 63-bit id ("42"); false when s is not one. */
bool ls_id_parse(const char *s, long long *out);

#endif
