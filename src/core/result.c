/* result.c - result encoders for JSON and CSV. Pure. */
#include "result.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonx.h"
#include "text.h"
#include "utf8.h"
#include "xalloc.h"

const char *ls_ai_status_name(enum ls_ai_status s)
{
    switch (s) {
    case LS_AI_OK:
        return "ok";
    case LS_AI_CACHED:
        return "cached";
    case LS_AI_FALLBACK:
        return "fallback";
    case LS_AI_DUPLICATE:
        return "duplicate";
    case LS_AI_BLOCKED:
        return "blocked";
    }
    return "ok";
}

enum ls_ai_status ls_ai_status_parse(const char *s)
{
    if (s && strcmp(s, "cached") == 0)
        return LS_AI_CACHED;
    if (s && strcmp(s, "fallback") == 0)
        return LS_AI_FALLBACK;
    if (s && strcmp(s, "duplicate") == 0)
        return LS_AI_DUPLICATE;
    if (s && strcmp(s, "blocked") == 0)
        return LS_AI_BLOCKED;
    return LS_AI_OK;
}

void ls_lead_id(char out[LS_LEAD_ID_MAX], int64_t upload_id, int64_t idx)
{
    snprintf(out, LS_LEAD_ID_MAX, "%lld-%lld", (long long)upload_id, (long long)idx);
}

void ls_result_combine(struct ls_result *r, const struct ls_rule_score *rs,
                       const struct ls_verdict *v)
{
    r->role_points = rs->role;
    r->industry_points = rs->industry;
    r->completeness_points = rs->completeness;
    r->rule_score = rs->total;
    r->intent = v->intent;
    r->ai_score = ls_intent_points(v->intent);
    r->score = r->rule_score + r->ai_score;
    r->reasoning = v->reasoning;
    r->has_factors = true;
    r->role_kind = rs->role_kind;
    r->industry_match = rs->industry_match;
    r->adjacent_via = rs->adjacent_via;
    r->missing = rs->missing;
    r->role_term = rs->role_term;
    r->industry_term = rs->industry_term;
}

unsigned ls_result_missing_of(const struct ls_result *r)
{
    unsigned m = 0;
    for (int f = 0; f < LS_F_BIO; f++) {
        if (r->lead.len[f] == 0)
            m |= 1u << f;
    }
    if (m == 0 && r->completeness_points == 0)
        m = 1u << LS_F_BIO;
    return m;
}

/* ---- factors (issue #8) -------------------------------------------------- */

/* The role's kind as stored, or for an old row as its points tell it (NULL: cannot tell). */
static const char *role_why(const struct ls_result *r)
{
    if (r->lead.len[LS_F_ROLE] == 0)
        return "no role given";
    enum ls_role_kind k = r->role_kind;
    if (!r->has_factors) {
        if (r->role_points == 0)
            return "not a decision-maker or influencer role";
        k = r->role_points >= 20 ? LS_ROLE_DECISION : LS_ROLE_INFLUENCER;
    }
    switch (k) {
    case LS_ROLE_DECISION:
        return "decision-maker role";
    case LS_ROLE_INFLUENCER:
        return "influencer role";
    case LS_ROLE_EXCLUDED:
        return "junior or support role: no points";
    case LS_ROLE_OTHER:
        break;
    }
    return "no decision-maker or influencer term";
}

static const char *industry_why(const struct ls_result *r)
{
    if (r->lead.len[LS_F_INDUSTRY] == 0)
        return "no industry given";
    enum ls_industry_match m = r->industry_match;
    enum ls_adjacent_via via = r->adjacent_via;
    if (!r->has_factors) {
        m = r->industry_points == 0    ? LS_IND_NONE
            : r->industry_points >= 20 ? LS_IND_EXACT
                                       : LS_IND_ADJACENT;
        via = LS_ADJ_NONE;
    }
    switch (m) {
    case LS_IND_EXACT:
        return "matches the ideal customer profile exactly";
    case LS_IND_ADJACENT:
        return via == LS_ADJ_TOKEN    ? "adjacent to the ideal customer profile (a shared word)"
               : via == LS_ADJ_FAMILY ? "adjacent to the ideal customer profile (the same family)"
               : via == LS_ADJ_LIST   ? "one of the offer's adjacent industries"
                                      : "adjacent to the ideal customer profile";
    case LS_IND_NONE:
        break;
    }
    return "outside the ideal customer profile";
}

/* Appends one factor's object up to its "why" value. */
static int factor(struct ls_buf *b, const char *name, int points, const char *matched)
{
    int rc = ls_buf_printf(b, "{\"factor\":\"%s\",\"points\":%d,\"matched\":", name, points);
    rc |= matched ? ls_json_cstr(b, matched) : ls_buf_adds(b, "null");
    rc |= ls_buf_adds(b, ",\"why\":");
    return rc;
}

static int factors_json(const struct ls_result *r, struct ls_buf *b)
{
    int rc = ls_buf_adds(b, ",\"factors\":[");
    rc |= factor(b, "role", r->role_points, r->has_factors ? r->role_term : NULL);
    rc |= ls_json_cstr(b, role_why(r));
    rc |= ls_buf_adds(b, "},");
    rc |= factor(b, "industry", r->industry_points, r->has_factors ? r->industry_term : NULL);
    rc |= ls_json_cstr(b, industry_why(r));
    rc |= ls_buf_adds(b, "},");
    rc |= factor(b, "completeness", r->completeness_points, NULL);
    if (r->missing == 0) {
        rc |= ls_json_cstr(b, "all six fields present");
    } else {
        /* "missing: location, linkedin_bio": six names of at most 12 bytes fit. */
        char why[128];
        size_t w = (size_t)snprintf(why, sizeof(why), "missing:");
        for (int f = 0; f < LS_F_COUNT; f++) {
            if (r->missing & (1u << f))
                w += (size_t)snprintf(why + w, sizeof(why) - w, "%s %s",
                                      w > sizeof("missing:") - 1 ? "," : "", ls_field_names[f]);
        }
        rc |= ls_json_cstr(b, why);
    }
    rc |= ls_buf_adds(b, "}]");
    return rc;
}

static int field(struct ls_buf *b, const struct ls_result *r, enum ls_field f)
{
    return ls_json_str(b, r->lead.f[f], r->lead.len[f]);
}

/*
 * A header the file repeats: an object takes each key once, so the first
 * column of that name is the one "extra" shows (the export has them all).
 */
static bool repeated_name(const struct ls_lead *l, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        if (strcmp(l->extra_name[k], l->extra_name[i]) == 0)
            return true;
    }
    return false;
}

/* Issue #9: what the row came with, so that a CRM can join the result back. */
static int identity_json(const struct ls_result *r, struct ls_buf *b)
{
    char id[LS_LEAD_ID_MAX];
    int rc = ls_buf_adds(b, ",\"lead_id\":");
    if (r->upload_id) {
        ls_lead_id(id, r->upload_id, r->idx);
        rc |= ls_json_cstr(b, id);
    } else {
        rc |= ls_buf_adds(b, "null");
    }
    rc |= ls_buf_printf(b, ",\"line\":%lld,\"email\":", (long long)r->line);
    rc |= field(b, r, LS_F_EMAIL);
    rc |= ls_buf_adds(b, ",\"linkedin_url\":");
    rc |= field(b, r, LS_F_LINKEDIN_URL);
    rc |= ls_buf_adds(b, ",\"external_id\":");
    rc |= field(b, r, LS_F_EXTERNAL_ID);
    rc |= ls_buf_adds(b, ",\"linkedin_bio\":");
    rc |= field(b, r, LS_F_BIO);
    rc |= ls_buf_adds(b, ",\"extra\":{");
    bool first = true;
    for (size_t i = 0; i < r->lead.n_extra; i++) {
        if (repeated_name(&r->lead, i))
            continue;
        if (!first)
            rc |= ls_buf_addc(b, ',');
        first = false;
        rc |= ls_json_cstr(b, r->lead.extra_name[i]);
        rc |= ls_buf_addc(b, ':');
        rc |= ls_json_str(b, r->lead.extra[i], r->lead.extra_len[i]);
    }
    rc |= ls_buf_adds(b, "},\"duplicate_of\":");
    if (r->is_duplicate && r->upload_id) {
        ls_lead_id(id, r->upload_id, r->original_idx);
        rc |= ls_json_cstr(b, id);
    } else {
        rc |= ls_buf_adds(b, "null");
    }
    return rc;
}

int ls_result_json(const struct ls_result *r, struct ls_buf *b)
{
    int rc = 0;
    /* REQ-API-RESULTS: the seed's keys first, in the seed's order. */
    rc |= ls_buf_adds(b, "{\"name\":");
    rc |= field(b, r, LS_F_NAME);
    rc |= ls_buf_adds(b, ",\"role\":");
    rc |= field(b, r, LS_F_ROLE);
    rc |= ls_buf_adds(b, ",\"company\":");
    rc |= field(b, r, LS_F_COMPANY);
    rc |= ls_buf_adds(b, ",\"intent\":");
    rc |= ls_json_cstr(b, ls_intent_name(r->intent));
    rc |= ls_buf_printf(b, ",\"score\":%d,\"reasoning\":", r->score);
    rc |= ls_json_cstr(b, r->reasoning ? r->reasoning : "");
    rc |= ls_buf_adds(b, ",\"industry\":");
    rc |= field(b, r, LS_F_INDUSTRY);
    rc |= ls_buf_adds(b, ",\"location\":");
    rc |= field(b, r, LS_F_LOCATION);
    rc |= ls_buf_printf(b,
                        ",\"rule_score\":%d,\"ai_score\":%d,\"breakdown\":{\"role\":%d,"
                        "\"industry\":%d,\"completeness\":%d}",
                        r->rule_score, r->ai_score, r->role_points, r->industry_points,
                        r->completeness_points);
    rc |= factors_json(r, b);
    rc |= ls_buf_adds(b, ",\"ai\":{\"provider\":");
    rc |= ls_json_cstr(b, r->provider ? r->provider : "");
    rc |= ls_buf_adds(b, ",\"model\":");
    rc |= ls_json_cstr(b, r->model ? r->model : "");
    rc |= ls_buf_adds(b, ",\"status\":");
    rc |= ls_json_cstr(b, ls_ai_status_name(r->status));
    if (r->ai_error && r->ai_error[0]) {
        rc |= ls_buf_adds(b, ",\"error\":");
        rc |= ls_json_cstr(b, r->ai_error);
    }
    rc |= ls_buf_adds(b, "}");
    rc |= identity_json(r, b);
    rc |= ls_buf_adds(b, "}");
    return rc ? LS_ELIMIT : LS_OK;
}

/* ---- CSV formula guard (issue #7) ---------------------------------------- */

/* Decodes the code point at s[0..len), which is valid UTF-8; *n gets its length. */
static uint32_t cp_at(const char *s, size_t len, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = ls_utf8_seq(s, len);
    *n = k ? k : 1;
    switch (k) {
    case 2:
        return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    case 3:
        return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    case 4:
        return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
               (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    default:
        return u[0];
    }
}

/*
 * Characters a spreadsheet may trim, or a reader cannot see, in front of a
 * formula: Unicode White_Space, plus the invisible format characters (soft
 * hyphen, zero-width space/joiners, bidi marks and embeddings, word joiner,
 * BOM). Skipping them is the safe side: a wrong guess costs one '.
 */
static bool is_invisible(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0xAD ||
           c == 0x061C || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) ||
           (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x2064) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0x3000 || c == 0xFEFF;
}

/* = + - @, their full-width forms, their small forms, and U+2212 MINUS SIGN. */
static bool is_formula_sign(uint32_t c)
{
    switch (c) {
    case '=':
    case '+':
    case '-':
    case '@':
    case 0xFF1D: /* FULLWIDTH EQUALS SIGN */
    case 0xFF0B: /* FULLWIDTH PLUS SIGN */
    case 0xFF0D: /* FULLWIDTH HYPHEN-MINUS */
    case 0xFF20: /* FULLWIDTH COMMERCIAL AT */
    case 0xFE66: /* SMALL EQUALS SIGN */
    case 0xFE62: /* SMALL PLUS SIGN */
    case 0xFE63: /* SMALL HYPHEN-MINUS */
    case 0xFE6B: /* SMALL COMMERCIAL AT */
    case 0x2212: /* MINUS SIGN */
        return true;
    default:
        return false;
    }
}

/* s[0..len) is valid UTF-8. */
static bool needs_guard(const char *s, size_t len)
{
    if (len && (s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
        return true;
    size_t i = 0;
    while (i < len) {
        size_t n;
        uint32_t c = cp_at(s + i, len - i, &n);
        if (!is_invisible(c))
            return is_formula_sign(c);
        i += n;
    }
    return false;
}

/*
 * A delimiter other than the comma (';' in many locales, '|', TAB) would
 * otherwise split the cell, and its second part could start a formula
 * ("a;=1+1"); inside quotes every RFC 4180 reader keeps it whole.
 */
static bool needs_quotes(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case ',':
        case '"':
        case ';':
        case '|':
        case '\t':
        case '\r':
        case '\n':
            return true;
        default:
            break;
        }
    }
    return false;
}

int ls_csv_cell(struct ls_buf *b, const char *s, size_t len)
{
    struct ls_buf fixed;
    int rc = 0;
    ls_buf_init(&fixed, 3 * len + 16);
    if (!ls_utf8_valid(s, len)) {
        ls_cp1252_to_utf8(s, len, &fixed);
        s = ls_buf_str(&fixed);
        len = fixed.len;
    }
    bool guard = needs_guard(s, len);
    bool quote = needs_quotes(s, len);
    if (quote)
        rc |= ls_buf_addc(b, '"');
    if (guard)
        rc |= ls_buf_addc(b, '\'');
    if (!quote) {
        rc |= ls_buf_add(b, s, len);
    } else {
        const char *p = s;
        size_t left = len;
        while (left) {
            const char *q = memchr(p, '"', left);
            size_t n = q ? (size_t)(q - p) + 1 : left;
            rc |= ls_buf_add(b, p, n);
            if (q)
                rc |= ls_buf_addc(b, '"'); /* RFC 4180: a quote is doubled */
            p += n;
            left -= n;
        }
        rc |= ls_buf_addc(b, '"');
    }
    ls_buf_release(&fixed);
    return rc ? LS_ELIMIT : LS_OK;
}

static const char *const col_names[LS_COL_STD] = {
    "name",
    "role",
    "company",
    "intent",
    "score",
    "reasoning",
    "industry",
    "location",
    "rule_score",
    "ai_score",
    "role_points",
    "industry_points",
    "completeness_points",
    "lead_id",
    "line",
    "email",
    "linkedin_url",
    "external_id",
};

const char *ls_col_name(enum ls_col c)
{
    return (unsigned)c < LS_COL_STD ? col_names[c] : "";
}

static int add_field(struct ls_buf *b, const struct ls_result *r, enum ls_field f)
{
    return ls_buf_add(b, r->lead.f[f], r->lead.len[f]);
}

int ls_result_cell(const struct ls_result *r, enum ls_col c, struct ls_buf *b)
{
    switch (c) {
    case LS_COL_NAME:
        return add_field(b, r, LS_F_NAME);
    case LS_COL_ROLE:
        return add_field(b, r, LS_F_ROLE);
    case LS_COL_COMPANY:
        return add_field(b, r, LS_F_COMPANY);
    case LS_COL_INTENT:
        return ls_buf_adds(b, ls_intent_name(r->intent));
    case LS_COL_SCORE:
        return ls_buf_printf(b, "%d", r->score);
    case LS_COL_REASONING:
        return ls_buf_adds(b, r->reasoning ? r->reasoning : "");
    case LS_COL_INDUSTRY:
        return add_field(b, r, LS_F_INDUSTRY);
    case LS_COL_LOCATION:
        return add_field(b, r, LS_F_LOCATION);
    case LS_COL_RULE_SCORE:
        return ls_buf_printf(b, "%d", r->rule_score);
    case LS_COL_AI_SCORE:
        return ls_buf_printf(b, "%d", r->ai_score);
    case LS_COL_ROLE_POINTS:
        return ls_buf_printf(b, "%d", r->role_points);
    case LS_COL_INDUSTRY_POINTS:
        return ls_buf_printf(b, "%d", r->industry_points);
    case LS_COL_COMPLETENESS_POINTS:
        return ls_buf_printf(b, "%d", r->completeness_points);
    case LS_COL_LEAD_ID: {
        char id[LS_LEAD_ID_MAX];
        if (r->upload_id == 0)
            return LS_OK;
        ls_lead_id(id, r->upload_id, r->idx);
        return ls_buf_adds(b, id);
    }
    case LS_COL_LINE:
        return r->line ? ls_buf_printf(b, "%lld", (long long)r->line) : LS_OK;
    case LS_COL_EMAIL:
        return add_field(b, r, LS_F_EMAIL);
    case LS_COL_LINKEDIN_URL:
        return add_field(b, r, LS_F_LINKEDIN_URL);
    case LS_COL_EXTERNAL_ID:
        return add_field(b, r, LS_F_EXTERNAL_ID);
    default:
        break;
    }
    size_t x = (size_t)c - LS_COL_EXTRA;
    if ((int)c >= LS_COL_EXTRA && x < r->lead.n_extra)
        return ls_buf_add(b, r->lead.extra[x], r->lead.extra_len[x]);
    return LS_OK;
}

/* Today's 13 columns, comma-separated: the one CSV writer above with a fixed column list. */
static enum ls_col builtin_cols[LS_COL_BUILTIN] = {
    /* not const: ls_cols.col is not */
    LS_COL_NAME,
    LS_COL_ROLE,
    LS_COL_COMPANY,
    LS_COL_INTENT,
    LS_COL_SCORE,
    LS_COL_REASONING,
    LS_COL_INDUSTRY,
    LS_COL_LOCATION,
    LS_COL_RULE_SCORE,
    LS_COL_AI_SCORE,
    LS_COL_ROLE_POINTS,
    LS_COL_INDUSTRY_POINTS,
    LS_COL_COMPLETENESS_POINTS,
};
static const struct ls_cols builtin = {.n = LS_COL_BUILTIN, .col = builtin_cols};
static const struct ls_csv_dialect plain_csv = {.delimiter = ',', .bom = false};

int ls_result_csv_header(struct ls_buf *b)
{
    return ls_result_csv_head(&builtin, &plain_csv, b);
}

int ls_result_csv(const struct ls_result *r, struct ls_buf *b)
{
    return ls_result_csv_row(r, &builtin, &plain_csv, b);
}

/* ---- export columns (issue #9) -------------------------------------------- */

void ls_cols_default(struct ls_cols *c, const char *const *extra_name, size_t n_extra)
{
    c->n = LS_COL_STD + n_extra;
    c->col = ls_xmalloc(c->n * sizeof(*c->col));
    for (size_t i = 0; i < c->n; i++)
        c->col[i] = (enum ls_col)i; /* LS_COL_EXTRA + k follows LS_COL_EXTERNAL_ID */
    c->n_extra = n_extra;
    c->extra_name = extra_name;
}

void ls_cols_release(struct ls_cols *c)
{
    free(c->col);
    c->col = NULL;
    c->n = 0;
}

/* The column called name[0..len): built-in names first; -1 when none. */
static int col_find(const char *name, size_t len, const char *const *extra_name, size_t n_extra)
{
    for (int i = 0; i < LS_COL_STD; i++) {
        if (strlen(col_names[i]) == len && memcmp(col_names[i], name, len) == 0)
            return i;
    }
    for (size_t i = 0; i < n_extra; i++) {
        if (strlen(extra_name[i]) == len && memcmp(extra_name[i], name, len) == 0)
            return LS_COL_EXTRA + (int)i;
    }
    return -1;
}

int ls_cols_parse(struct ls_cols *c, const char *spec, size_t len, const char *const *extra_name,
                  size_t n_extra, struct ls_err *err)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += spec[i] == ',';
    c->n = 0;
    c->col = ls_xmalloc(cap * sizeof(*c->col));
    c->n_extra = n_extra;
    c->extra_name = extra_name;
    size_t at = 0;
    while (at <= len) {
        const char *comma = memchr(spec + at, ',', len - at);
        size_t end = comma ? (size_t)(comma - spec) : len;
        const char *name = spec + at;
        size_t n = end - at;
        ls_text_trim(&name, &n);
        if (n) {
            int k = col_find(name, n, extra_name, n_extra);
            if (k < 0) {
                ls_cols_release(c);
                return ls_err_set(err, LS_EINVAL,
                                  "unknown column \"%.*s\" in columns: use the export's column "
                                  "names (name ... external_id) or a header of the uploaded file",
                                  (int)ls_utf8_clip(name, n, 80), name);
            }
            c->col[c->n++] = (enum ls_col)k;
        }
        at = end + 1;
    }
    if (c->n == 0) {
        ls_cols_release(c);
        return ls_err_set(err, LS_EINVAL, "columns is empty: name at least one column");
    }
    return LS_OK;
}

const char *ls_cols_name(const struct ls_cols *c, size_t i)
{
    enum ls_col k = c->col[i];
    if ((int)k < LS_COL_EXTRA)
        return col_names[k];
    size_t x = (size_t)k - LS_COL_EXTRA;
    return x < c->n_extra ? c->extra_name[x] : "";
}

int ls_result_csv_head(const struct ls_cols *cols, const struct ls_csv_dialect *d, struct ls_buf *b)
{
    int rc = d->bom ? ls_buf_adds(b, "\xEF\xBB\xBF") : 0;
    for (size_t i = 0; i < cols->n; i++) {
        if (i)
            rc |= ls_buf_addc(b, d->delimiter);
        const char *name = ls_cols_name(cols, i);
        rc |= ls_csv_cell(b, name, strlen(name)); /* a header is file text too: guarded */
    }
    rc |= ls_buf_adds(b, "\r\n");
    return rc ? LS_ELIMIT : LS_OK;
}

int ls_result_csv_row(const struct ls_result *r, const struct ls_cols *cols,
                      const struct ls_csv_dialect *d, struct ls_buf *b)
{
    struct ls_buf cell;
    ls_buf_init(&cell, SIZE_MAX);
    int rc = 0;
    for (size_t i = 0; i < cols->n; i++) {
        ls_buf_reset(&cell);
        rc |= ls_result_cell(r, cols->col[i], &cell);
        if (i)
            rc |= ls_buf_addc(b, d->delimiter);
        rc |= ls_csv_cell(b, cell.data ? cell.data : "", cell.len);
    }
    rc |= ls_buf_adds(b, "\r\n");
    ls_buf_release(&cell);
    return rc ? LS_ELIMIT : LS_OK;
}
