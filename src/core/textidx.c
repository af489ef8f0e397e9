/*
 * textidx.c - a finished job's results held for text search. Pure.
 *
 * Layout, one entry per row in upload order ("position" p):
 *   text    lower(name) NUL lower(company) NUL lower(role) NUL, all rows
 *           end to end; off[p] is where row p starts, off[n] the end;
 *   idx[p], intent[p], score[p];
 *   rank[]  positions by score descending, then idx (the store's rank
 *           order); rows of score s are rank[seg[s] .. seg[s] + cnt[s]);
 *   by_name[], by_company[]  positions in the store's NOCASE order.
 * About 45 bytes of text and 22 of the rest per row: 1,000,000 results
 * take some 70 MB.
 *
 * A query finds the text with memmem() over the whole arena: a match is
 * mapped to its row by a binary search of off[], and the scan goes on at
 * the next row, so each row is counted once. NUL ends every field and q
 * has none, so a match never spans two fields, as instr() on each field
 * would not.
 */
#define _GNU_SOURCE /* memmem */
#include "textidx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define ORDERS 2 /* LS_SORT_NAME, LS_SORT_COMPANY */

struct ls_textidx {
    char *text; /* owned */
    size_t text_len, text_cap;
    uint32_t *off; /* owned; n + 1 entries once finished */
    int64_t *idx;  /* owned */
    uint8_t *intent, *score;
    size_t n, cap;
    uint32_t *rank; /* owned; n */
    size_t seg[LS_SCORE_MAX + 1], cnt[LS_SCORE_MAX + 1];
    uint32_t *order[ORDERS]; /* owned; n each, or NULL when not complete */
    size_t order_n[ORDERS];
    bool finished;
};

struct ls_textidx *ls_textidx_new(size_t rows_hint)
{
    struct ls_textidx *x = ls_xcalloc(1, sizeof(*x));
    x->cap = rows_hint ? rows_hint : 64;
    x->off = ls_xmalloc((x->cap + 1) * sizeof(*x->off));
    x->idx = ls_xmalloc(x->cap * sizeof(*x->idx));
    x->intent = ls_xmalloc(x->cap);
    x->score = ls_xmalloc(x->cap);
    x->text_cap = x->cap * 48;
    x->text = ls_xmalloc(x->text_cap);
    return x;
}

void ls_textidx_free(struct ls_textidx *x)
{
    if (x == NULL)
        return;
    free(x->text);
    free(x->off);
    free(x->idx);
    free(x->intent);
    free(x->score);
    free(x->rank);
    for (int o = 0; o < ORDERS; o++)
        free(x->order[o]);
    free(x);
}

size_t ls_textidx_rows(const struct ls_textidx *x)
{
    return x->n;
}

size_t ls_textidx_bytes(const struct ls_textidx *x)
{
    size_t per_row = sizeof(*x->off) + sizeof(*x->idx) + 2;
    size_t b = sizeof(*x) + x->text_cap + x->cap * per_row + sizeof(*x->off);
    if (x->rank)
        b += x->n * sizeof(*x->rank);
    for (int o = 0; o < ORDERS; o++)
        b += x->order[o] ? x->n * sizeof(*x->order[o]) : 0;
    return b;
}

/* Appends s lowercased as SQLite's lower() does (ASCII only), then a NUL. */
static void add_lower(struct ls_textidx *x, const char *s, size_t len)
{
    char *w = x->text + x->text_len;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        w[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    w[len] = '\0';
    x->text_len += len + 1;
}

int ls_textidx_add(struct ls_textidx *x, int64_t idx, int intent, int score, const char *name,
                   size_t name_len, const char *company, size_t company_len, const char *role,
                   size_t role_len)
{
    if (x->finished || (x->n && idx <= x->idx[x->n - 1]) || idx < 0 || intent < 0 || intent > 7 ||
        score < 0 || score > LS_SCORE_MAX)
        return LS_EINVAL;
    size_t need = name_len + company_len + role_len + 3;
    if (x->text_len + need > UINT32_MAX)
        return LS_ELIMIT;
    if (x->n == x->cap) {
        x->cap *= 2;
        x->off = ls_xrealloc(x->off, (x->cap + 1) * sizeof(*x->off));
        x->idx = ls_xrealloc(x->idx, x->cap * sizeof(*x->idx));
        x->intent = ls_xrealloc(x->intent, x->cap);
        x->score = ls_xrealloc(x->score, x->cap);
    }
    if (x->text_len + need > x->text_cap) {
        while (x->text_len + need > x->text_cap)
            x->text_cap *= 2;
        if (x->text_cap > (size_t)UINT32_MAX + 1)
            x->text_cap = (size_t)UINT32_MAX + 1;
        x->text = ls_xrealloc(x->text, x->text_cap);
    }
    x->off[x->n] = (uint32_t)x->text_len;
    add_lower(x, name, name_len);
    add_lower(x, company, company_len);
    add_lower(x, role, role_len);
    x->idx[x->n] = idx;
    x->intent[x->n] = (uint8_t)intent;
    x->score[x->n] = (uint8_t)score;
    x->n++;
    return LS_OK;
}

/* The position of idx, or -1 when no row has it. */
static ptrdiff_t find_idx(const struct ls_textidx *x, int64_t idx)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->idx[mid] < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < x->n && x->idx[lo] == idx ? (ptrdiff_t)lo : -1;
}

void ls_textidx_order_add(struct ls_textidx *x, enum ls_sort sort, int64_t idx)
{
    int o = sort == LS_SORT_NAME ? 0 : sort == LS_SORT_COMPANY ? 1 : -1;
    if (o < 0 || x->finished)
        return;
    ptrdiff_t p = find_idx(x, idx);
    if (p < 0)
        return;
    if (x->order[o] == NULL)
        x->order[o] = ls_xmalloc((x->n ? x->n : 1) * sizeof(*x->order[o]));
    if (x->order_n[o] < x->n)
        x->order[o][x->order_n[o]++] = (uint32_t)p;
}

int ls_textidx_finish(struct ls_textidx *x)
{
    if (x->finished)
        return LS_OK;
    x->off[x->n] = (uint32_t)x->text_len;
    /* Counting sort by score, descending; upload order (idx ascending) within a score. */
    memset(x->cnt, 0, sizeof(x->cnt));
    for (size_t p = 0; p < x->n; p++)
        x->cnt[x->score[p]]++;
    size_t at = 0;
    for (int s = LS_SCORE_MAX; s >= 0; s--) {
        x->seg[s] = at;
        at += x->cnt[s];
    }
    size_t fill[LS_SCORE_MAX + 1];
    memcpy(fill, x->seg, sizeof(fill));
    x->rank = ls_xmalloc((x->n ? x->n : 1) * sizeof(*x->rank));
    for (size_t p = 0; p < x->n; p++)
        x->rank[fill[x->score[p]]++] = (uint32_t)p;
    for (int o = 0; o < ORDERS; o++) {
        if (x->order_n[o] != x->n) {
            free(x->order[o]);
            x->order[o] = NULL;
        }
    }
    x->finished = true;
    return LS_OK;
}

/* The row whose text holds byte o: the last p with off[p] <= o. */
static size_t row_of(const struct ls_textidx *x, size_t o)
{
    size_t lo = 0, hi = x->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->off[mid] <= o)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static bool kept(const struct ls_textidx *x, const struct ls_results_query *q, size_t p)
{
    return ((q->intents >> x->intent[p]) & 1u) && x->score[p] >= q->min_score &&
           x->score[p] <= q->max_score;
}

/* Marks, in bits, the rows q's whole filter keeps; returns how many. */
static int64_t mark(const struct ls_textidx *x, const struct ls_results_query *q, uint64_t *bits,
                    struct ls_score_hist *hist)
{
    size_t qlen = strlen(q->q);
    int64_t total = 0;
    size_t pos = 0;
    while (pos < x->text_len) {
        const char *hit = memmem(x->text + pos, x->text_len - pos, q->q, qlen);
        if (hit == NULL)
            break;
        size_t p = row_of(x, (size_t)(hit - x->text));
        if (kept(x, q, p)) {
            bits[p / 64] |= UINT64_C(1) << (p % 64);
            total++;
            if (hist)
                ls_score_hist_add(hist, x->intent[p], x->score[p], 1);
        }
        pos = x->off[p + 1];
    }
    return total;
}

struct walk {
    const struct ls_results_query *q;
    const uint64_t *bits; /* the rows matching q's text; NULL: q has none */
    size_t skip, want;    /* matches to pass over, then to take */
    int64_t *page;
    size_t n;
};

/* Takes position p if it matches; false once the page is full. */
static bool visit(const struct ls_textidx *x, struct walk *w, uint32_t p)
{
    if (w->bits ? !((w->bits[p / 64] >> (p % 64)) & 1u) : !kept(x, w->q, p))
        return true;
    if (w->skip) {
        w->skip--;
        return true;
    }
    w->page[w->n++] = x->idx[p];
    return w->n < w->want;
}

int ls_textidx_query(const struct ls_textidx *x, const struct ls_results_query *q, int64_t *total,
                     struct ls_score_hist *hist, int64_t *page, size_t cap, size_t *n)
{
    *n = 0;
    const uint32_t *order = NULL;
    if (q->sort == LS_SORT_NAME || q->sort == LS_SORT_COMPANY) {
        order = x->order[q->sort == LS_SORT_NAME ? 0 : 1];
        if (order == NULL)
            return LS_ENOTFOUND;
    }
    if (!x->finished)
        return LS_EINVAL;
    if (hist)
        memset(hist, 0, sizeof(*hist));
    uint64_t *bits = NULL;
    if (q->q[0]) {
        bits = ls_xcalloc(x->n / 64 + 1, sizeof(*bits));
        *total = mark(x, q, bits, hist);
    } else {
        *total = 0;
        for (size_t p = 0; p < x->n; p++) {
            if (!kept(x, q, p))
                continue;
            (*total)++;
            if (hist)
                ls_score_hist_add(hist, x->intent[p], x->score[p], 1);
        }
    }
    size_t want = q->limit > 0 ? (size_t)q->limit : 0;
    if (want > cap)
        want = cap;
    struct walk w = {q, bits, q->offset > 0 ? (size_t)q->offset : 0, want, page, 0};
    if (want && (int64_t)w.skip < *total) {
        bool more = true;
        if (order) {
            for (size_t i = 0; more && i < x->n; i++)
                more = visit(x, &w, order[i]);
        } else if (q->sort == LS_SORT_SCORE_ASC) {
            for (int s = 0; more && s <= LS_SCORE_MAX; s++)
                for (size_t i = x->seg[s]; more && i < x->seg[s] + x->cnt[s]; i++)
                    more = visit(x, &w, x->rank[i]);
        } else {
            for (size_t i = 0; more && i < x->n; i++)
                more = visit(x, &w, x->rank[i]);
        }
    }
    *n = w.n;
    free(bits);
    return LS_OK;
}
