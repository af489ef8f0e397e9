/*
 * summary.h - a job's results summarised for a chart (issue #8): counts by
 * intent and a score distribution in ten bins, for one results filter.
 * Pure.
 *
 * Everything is computed from a histogram of the results by intent and score
 * (3 x 101 counts), so any intent and score filter is answered from it
 * without reading a row again; only the text filter q needs the rows.
 */
#ifndef LS_CORE_SUMMARY_H
#define LS_CORE_SUMMARY_H

#include <stdint.h>

#include "buf.h"
#include "query.h"
#include "verdict.h"

#define LS_SCORE_MAX    100
#define LS_SUMMARY_BINS 10 /* 0-9, 10-19, ..., 80-89 and 90-100 (the last holds 100 too) */

/* Results by intent (index intent - LS_INTENT_LOW) and score 0..LS_SCORE_MAX. */
struct ls_score_hist {
    int64_t n[3][LS_SCORE_MAX + 1];
};

struct ls_summary_bin {
    int min, max;         /* inclusive */
    int64_t count;        /* = the three below */
    int64_t by_intent[3]; /* index intent - LS_INTENT_LOW */
};

struct ls_summary {
    int64_t total;     /* results matching the filter */
    int64_t counts[3]; /* index intent - LS_INTENT_LOW */
    struct ls_summary_bin bins[LS_SUMMARY_BINS];
};

/* Adds count results of this intent and score; an intent or score out of range is ignored. */
void ls_score_hist_add(struct ls_score_hist *h, int intent, int score, int64_t count);

/*
 * The summary of the results in h that q's intents and score range keep
 * (q's text, sort and paging are not looked at: h already holds only the
 * rows matching the text). h and q are borrowed.
 */
void ls_summary_of(const struct ls_score_hist *h, const struct ls_results_query *q,
                   struct ls_summary *out);

/*
 * Appends s as GET /results/summary's JSON object:
 * {"job_id","job_status","total","counts":{"High","Medium","Low"},
 *  "bins":[{"min","max","count","High","Medium","Low"} x 10]}.
 * job_status is a NUL-terminated, borrowed status name. LS_OK or LS_ELIMIT.
 */
int ls_summary_json(const struct ls_summary *s, int64_t job_id, const char *job_status,
                    struct ls_buf *out);

#endif
