/*
 * result.h - a scored lead and its two wire forms: a JSON object (GET
 * /results, `leadscore score --format json`) and a CSV row (GET
 * /results/export, `--format csv`). One encoder serves both the server and
 * the command line so that their outputs are byte-identical. Pure.
 */
#ifndef LS_CORE_RESULT_H
#define LS_CORE_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "lead.h"
#include "rules.h"
#include "verdict.h"

/* Where the AI verdict came from. */
enum ls_ai_status {
    LS_AI_OK,       /* the configured provider answered for this run */
    LS_AI_CACHED,   /* reused from the verdict cache: no model call */
    LS_AI_FALLBACK, /* the model failed for good; the offline judge answered */
    /* The row repeats an earlier one of its upload (duplicate_of): the
     * original's verdict, reused, with no model call (issue #9). */
    LS_AI_DUPLICATE,
    /* The provider's content filter or safety block refused this lead (issue
     * #10): the offline judge answered; ai_error holds the provider's reason. */
    LS_AI_BLOCKED,
};
#define LS_AI_STATUS_COUNT 5

/* "ok", "cached", "fallback", "duplicate", "blocked". Static. */
const char *ls_ai_status_name(enum ls_ai_status s);
/* Inverse of ls_ai_status_name; LS_AI_OK for anything unknown. */
enum ls_ai_status ls_ai_status_parse(const char *s);

/*
 * A lead's id, unique within its workspace and stable for the upload's
 * life: "<upload id>-<idx>" ("12-0" is the first lead of upload 12).
 * Upload ids are never reused, so neither are lead ids.
 */
#define LS_LEAD_ID_MAX 48
void ls_lead_id(char out[LS_LEAD_ID_MAX], int64_t upload_id, int64_t idx);

struct ls_result {
    struct ls_lead lead; /* borrowed fields, the identity fields and extras included */
    int64_t idx;         /* position in the upload, 0-based */
    int64_t upload_id;   /* with idx, the lead_id; 0 when not known (no lead_id then) */
    int64_t line;        /* the line of the file the row started on; 0 when not known */
    bool is_duplicate;   /* the row repeats the lead at original_idx of the same upload */
    int64_t original_idx;
    int role_points, industry_points, completeness_points;
    int rule_score; /* = the three parts */
    enum ls_intent intent;
    int ai_score;          /* ls_intent_points(intent) */
    int score;             /* rule_score + ai_score, 0..100 */
    const char *reasoning; /* borrowed */
    const char *provider;  /* borrowed */
    const char *model;     /* borrowed; "" when the provider has none */
    enum ls_ai_status status;
    const char *ai_error; /* borrowed; NULL or "" when none */
    /* Borrowed; LS_SHA256_LEN bytes, or NULL. When set, the store also keeps
     * this verdict in the verdict cache under this key. */
    const unsigned char *cache_key;
    /*
     * What the rule factors matched (issue #8), for "factors". has_factors is
     * false for a row stored before they were kept (store migration 8): its
     * factors are then told from the points alone, with matched null.
     */
    bool has_factors;
    enum ls_role_kind role_kind;
    enum ls_industry_match industry_match;
    enum ls_adjacent_via adjacent_via;
    unsigned missing;          /* bit (1 << enum ls_field) per empty field, always set */
    const char *role_term;     /* borrowed; NULL when none matched (or not known) */
    const char *industry_term; /* borrowed; NULL when none matched (or not known) */
};

/* Fills the score fields of r from the rule parts and the verdict (borrowed). */
void ls_result_combine(struct ls_result *r, const struct ls_rule_score *rs,
                       const struct ls_verdict *v);

/*
 * Appends r as one JSON object (no trailing newline). LS_OK or LS_ELIMIT.
 * After the seed's keys and "ai" come the lead's identity (issue #9):
 * "lead_id" (string; null when upload_id is 0), "line", "email",
 * "linkedin_url", "external_id", "linkedin_bio", "extra" (an object of the
 * upload's other columns, original header -> value, in file order; of a
 * header the file repeats, the first column) and
 * "duplicate_of" (the lead_id of the earlier row this one repeats, or null).
 * Besides the points ("breakdown") it has "factors": one object per rule
 * factor, in the order role, industry, completeness, each {"factor",
 * "points", "matched" (the rules' term, ICP or adjacent entry, or family
 * that matched; null when none), "why" (plain English; for completeness the
 * missing fields, "missing: location, linkedin_bio")}.
 */
int ls_result_json(const struct ls_result *r, struct ls_buf *out);

/*
 * The missing-field mask of a row stored before the mask was kept: the
 * empty fields among those the row carries (every one but the bio), or the
 * bio alone when the row lost its completeness points with all of those
 * present. r's lead fields and completeness_points are read.
 */
unsigned ls_result_missing_of(const struct ls_result *r);

/*
 * The export's columns. Every format that writes rows of cells (CSV, the
 * Excel forms) reads a result through ls_result_cell, so they cannot
 * disagree on what a column holds. LS_COL_BUILTIN columns are today's
 * default export, in order.
 */
enum ls_col {
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
    LS_COL_BUILTIN,
    /* The lead's identity (issue #9), after today's columns. */
    LS_COL_LEAD_ID = LS_COL_BUILTIN,
    LS_COL_LINE,
    LS_COL_EMAIL,
    LS_COL_LINKEDIN_URL,
    LS_COL_EXTERNAL_ID,
    LS_COL_STD, /* the named columns */
    /* LS_COL_EXTRA + i is the upload's extra column i (lead.extra[i]). */
    LS_COL_EXTRA = LS_COL_STD,
};

/*
 * The column's header name ("name" ... "external_id"); "" for an extra
 * column, whose name is the upload's (see ls_cols_name). Static.
 */
const char *ls_col_name(enum ls_col c);

/*
 * Appends column c of r to out as plain text: no quoting and no formula
 * guard (the writer of each format adds its own). An extra column the row
 * lacks is empty. LS_OK or LS_ELIMIT.
 */
int ls_result_cell(const struct ls_result *r, enum ls_col c, struct ls_buf *out);

/*
 * The columns of one export, in order: what every cell-writing format (CSV,
 * csv-excel, XLSX) iterates, so that they agree. The extra names are the
 * upload's (borrowed from whoever owns them, usually the exporter).
 */
struct ls_cols {
    size_t n;
    enum ls_col *col;              /* owned; n entries */
    size_t n_extra;                /* the upload's extra columns */
    const char *const *extra_name; /* borrowed; n_extra NUL-terminated names */
};

/*
 * The default: today's 13 columns, lead_id, line, email, linkedin_url,
 * external_id, then every extra column in file order. extra_name is
 * borrowed (NULL when n_extra is 0). Release with ls_cols_release.
 */
void ls_cols_default(struct ls_cols *c, const char *const *extra_name, size_t n_extra);

/*
 * The columns named by spec[0..len), a comma-separated list (?columns=),
 * each a column's name (built-in names win over an extra column of the
 * same name) or an extra column's original header, matched exactly after
 * trimming. A column may be named twice. On error c is left released:
 * LS_EINVAL naming the first unknown name ("unknown column 'x' ...")
 * or "columns is empty" for a list with no names.
 */
int ls_cols_parse(struct ls_cols *c, const char *spec, size_t len, const char *const *extra_name,
                  size_t n_extra, struct ls_err *err);
void ls_cols_release(struct ls_cols *c);

/* Column i's header: the built-in name or the extra column's header. Borrowed. */
const char *ls_cols_name(const struct ls_cols *c, size_t i);

/*
 * The CSV dialect of an export: "csv" is RFC 4180 with commas and CRLF;
 * "csv-excel" adds a UTF-8 BOM before the header and uses the delimiter the
 * upload was read with (',' ';' TAB or '|').
 */
struct ls_csv_dialect {
    char delimiter;
    bool bom;
};

/* The header line of cols in dialect d, CRLF-terminated (a BOM first when d->bom). */
int ls_result_csv_head(const struct ls_cols *cols, const struct ls_csv_dialect *d,
                       struct ls_buf *out);

/* Appends r as one record of cols in dialect d, CRLF-terminated. Every cell guarded. */
int ls_result_csv_row(const struct ls_result *r, const struct ls_cols *cols,
                      const struct ls_csv_dialect *d, struct ls_buf *out);

/* The CSV export's header line, CRLF-terminated. */
int ls_result_csv_header(struct ls_buf *out);

/* Appends r as one CSV record, CRLF-terminated. */
int ls_result_csv(const struct ls_result *r, struct ls_buf *out);

/*
 * Appends one CSV cell (issue #7, the formula guard). Bytes that are not
 * valid UTF-8 are read as Windows-1252 first, so the cell is always UTF-8.
 *
 * Guard: a ' is put in front of the cell, so that a spreadsheet shows it as
 * text instead of running it as a formula, when
 *  - its first byte is TAB, CR or LF; or
 *  - its first character that is not blank is = + - or @, their full-width
 *    forms U+FF1D U+FF0B U+FF0D U+FF20, their small forms U+FE66 U+FE62
 *    U+FE63 U+FE6B, or U+2212 MINUS SIGN. Blank: Unicode White_Space
 *    (U+0009-000D, U+0020, U+0085, U+00A0, U+1680, U+2000-200A, U+2028,
 *    U+2029, U+202F, U+205F, U+3000) and the invisible format characters
 *    U+00AD, U+061C, U+180E, U+200B-200F, U+202A-202E, U+2060-2064,
 *    U+2066-2069 and U+FEFF (BOM).
 * A leading minus is guarded even before a number: "-2+3" is a formula, so
 * "-5" comes out as '-5. A sign anywhere else is left alone ("a-b", "x=1").
 *
 * Quoting (RFC 4180): the cell is put in double quotes, with each quote
 * doubled, when it holds a comma, quote, CR or LF, and also a semicolon,
 * vertical bar or TAB, so that a spreadsheet splitting on another delimiter
 * cannot cut it into cells that start a formula ("a;=1+1", "x|=cmd"). The
 * guard's ' then goes inside the quotes. Nothing else is changed.
 *
 * LS_OK, or LS_ELIMIT when out's cap is reached (out may then hold part of
 * the cell).
 */
int ls_csv_cell(struct ls_buf *out, const char *s, size_t len);

#endif
