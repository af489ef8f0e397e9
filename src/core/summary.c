/* summary.c - results summaries from a score histogram. Pure. */
#include "summary.h"

#include <stdbool.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"

void ls_score_hist_add(struct ls_score_hist *h, int intent, int score, int64_t count)
{
    if (intent < LS_INTENT_LOW || intent > LS_INTENT_HIGH || score < 0 || score > LS_SCORE_MAX)
        return;
    h->n[intent - LS_INTENT_LOW][score] += count;
}

/* The bin of a score: tens, with 100 in the last bin (90-100). */
static int bin_of(int score)
{
    int b = score / 10;
    return b < LS_SUMMARY_BINS ? b : LS_SUMMARY_BINS - 1;
}

void ls_summary_of(const struct ls_score_hist *h, const struct ls_results_query *q,
                   struct ls_summary *out)
{
    memset(out, 0, sizeof(*out));
    for (int b = 0; b < LS_SUMMARY_BINS; b++) {
        out->bins[b].min = 10 * b;
        out->bins[b].max = b == LS_SUMMARY_BINS - 1 ? LS_SCORE_MAX : 10 * b + 9;
    }
    for (int i = 0; i < 3; i++) {
        if (!(q->intents & (1u << (LS_INTENT_LOW + i))))
            continue;
        for (int s = q->min_score; s <= q->max_score && s <= LS_SCORE_MAX; s++) {
            int64_t n = h->n[i][s];
            struct ls_summary_bin *bin = &out->bins[bin_of(s)];
            bin->count += n;
            bin->by_intent[i] += n;
            out->counts[i] += n;
            out->total += n;
        }
    }
}

/* ,"High":n,"Medium":n,"Low":n (or without the leading comma) */
static int by_intent(struct ls_buf *b, const int64_t n[3], bool comma)
{
    return ls_buf_printf(b, "%s\"High\":%lld,\"Medium\":%lld,\"Low\":%lld", comma ? "," : "",
                         (long long)n[LS_INTENT_HIGH - LS_INTENT_LOW],
                         (long long)n[LS_INTENT_MEDIUM - LS_INTENT_LOW],
                         (long long)n[LS_INTENT_LOW - LS_INTENT_LOW]);
}

int ls_summary_json(const struct ls_summary *s, int64_t job_id, const char *job_status,
                    struct ls_buf *b)
{
    int rc = ls_buf_printf(b, "{\"job_id\":%lld,\"job_status\":", (long long)job_id);
    rc |= ls_json_cstr(b, job_status);
    rc |= ls_buf_printf(b, ",\"total\":%lld,\"counts\":{", (long long)s->total);
    rc |= by_intent(b, s->counts, false);
    rc |= ls_buf_adds(b, "},\"bins\":[");
    for (int i = 0; i < LS_SUMMARY_BINS; i++) {
        const struct ls_summary_bin *bin = &s->bins[i];
        rc |= ls_buf_printf(b, "%s{\"min\":%d,\"max\":%d,\"count\":%lld", i ? "," : "", bin->min,
                            bin->max, (long long)bin->count);
        rc |= by_intent(b, bin->by_intent, true);
        rc |= ls_buf_addc(b, '}');
    }
    rc |= ls_buf_adds(b, "]}");
    return rc ? LS_ELIMIT : LS_OK;
}
