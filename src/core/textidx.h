/*
 * textidx.h - a finished job's results held for text search (issue #8). Pure.
 *
 * A text search ("q") over the store reads every lead of the upload with a
 * case-insensitive substring test: at 1,000,000 leads that is well over a
 * second for each of the page, its count and its summary. A finished job's
 * results never change, so their searchable text (name, company and role,
 * lowercased as SQLite's lower() does: ASCII letters only) is kept once in
 * one arena, with each row's intent and score and the row orders the
 * results can be sorted by. A query is then a memmem() scan of the arena
 * and a walk of one order, and answers with what the store would: the
 * count, the histogram, and the idx of the rows of the page, which the
 * caller reads from the store by key.
 *
 * Rows are added in upload order (idx ascending); the name and company
 * orders come from the store (SQLite's NOCASE order, ties by idx), so both
 * paths sort alike by construction.
 */
#ifndef LS_CORE_TEXTIDX_H
#define LS_CORE_TEXTIDX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "query.h"
#include "summary.h"

struct ls_textidx;

/* Owned: ls_textidx_free. rows_hint sizes the first allocation (0: small). */
struct ls_textidx *ls_textidx_new(size_t rows_hint);
void ls_textidx_free(struct ls_textidx *x);

/*
 * Adds one result. idx must be greater than the last one added; intent is an
 * enum ls_intent, score 0..100. The texts are copied. LS_EINVAL when idx is
 * out of order or a value out of range, LS_ELIMIT when the arena would pass
 * 4 GiB.
 */
int ls_textidx_add(struct ls_textidx *x, int64_t idx, int intent, int score, const char *name,
                   size_t name_len, const char *company, size_t company_len, const char *role,
                   size_t role_len);

/*
 * Appends the row with this idx to the order of sort (LS_SORT_NAME or
 * LS_SORT_COMPANY), after every row added so far. An idx with no row (a lead
 * without a result) is skipped. Call after the last ls_textidx_add.
 */
void ls_textidx_order_add(struct ls_textidx *x, enum ls_sort sort, int64_t idx);

/*
 * Ends the building: the score order is made, and a name or company order
 * that did not list every row is discarded (queries sorted by it then return
 * LS_ENOTFOUND: the caller asks the store). LS_OK.
 */
int ls_textidx_finish(struct ls_textidx *x);

/* Rows held, and bytes allocated. */
size_t ls_textidx_rows(const struct ls_textidx *x);
size_t ls_textidx_bytes(const struct ls_textidx *x);

/*
 * Runs q (text, intents, score range, sort, offset and limit) as the store
 * would: *total the rows matching, hist (may be NULL) those rows by intent
 * and score, and page[0..*n) the idx of the rows from q->offset, at most
 * q->limit and at most cap of them, in q's order. page may be NULL when cap
 * is 0. q without text is every row its intents and score range keep (deep
 * offsets and filtered sorts then cost a walk of memory too). LS_ENOTFOUND
 * when q's sort has no order here (see finish).
 */
int ls_textidx_query(const struct ls_textidx *x, const struct ls_results_query *q, int64_t *total,
                     struct ls_score_hist *hist, int64_t *page, size_t cap, size_t *n);

#endif
