/*
 * csv_in.c - streaming CSV ingest on libcsv. Pure.
 *
 * libcsv does the RFC 4180 tokenising; this file adds what a lead import
 * needs on top: the file's dialect, line numbers, header mapping, per-row
 * rejection and recovery from a broken quote.
 *
 * The input goes through three stages:
 *  1. encoding: the first bytes (up to HEAD_MAX) are held until a byte order
 *     mark or UTF-16's NUL pattern is seen or ruled out (decode.h). UTF-16 and
 *     any ?encoding= are converted to UTF-8 as they stream; otherwise the
 *     bytes pass through untouched, and each field that is not UTF-8 is read
 *     as Windows-1252 on its own (the cheapest path, and the common one).
 *  2. layout: the first lines (up to SNIFF_LINES, SNIFF_MAX bytes) are held
 *     until the delimiter, an Excel "sep=" line and a preamble before the
 *     header (LinkedIn's "Notes:") are known.
 *  3. records: the text is framed into physical lines (ended by LF, CRLF or a
 *     lone CR, as libcsv ends records) and each line is handed to csv_parse on
 *     its own. After each line we know whether the record ended (the row
 *     callback fired last) or continues inside a quoted field. The raw lines
 *     of a record that spans lines are kept in rowbuf (capped by max_row), so
 *     that when the record turns out to be malformed - libcsv reports a parse
 *     error, the record outgrows max_row, or the file ends inside quotes - we
 *     reject the record with the line it started on and replay the lines after
 *     that first one. Each rejection drops at least one line, so recovery
 *     always terminates, and a stray quote costs one row instead of the rest
 *     of the file.
 */
#include "csv_in.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "csv_header.h"
#include "decode.h"
#include "text.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_COLUMNS 1024
#define MAX_HEADER  256 /* bytes kept per header name */
#define CSV_OPTS    (CSV_STRICT | CSV_APPEND_NULL)
#define HEAD_MAX    1024        /* raw bytes looked at for the encoding */
#define SNIFF_LINES 20          /* the header is within the first 20 lines (after "sep=") */
#define SNIFF_MAX   (1u << 20)  /* bytes of text held to find it */
#define DECODE_STEP (64 * 1024) /* input bytes converted at a time: bounds the output buffer */

/* The delimiters detected, in tie-break order (a tie goes to the comma). */
static const char delimiters[] = {',', ';', '\t', '|'};

/* ---- state --------------------------------------------------------------- */

enum event { EV_NONE, EV_FIELD, EV_ROW };

struct ls_csv_in {
    struct ls_csv_limits lim;
    ls_csv_lead_fn on_lead;
    ls_csv_reject_fn on_reject;
    void *ud;
    struct csv_parser p;
    int fatal; /* sticky enum ls_status */
    struct ls_err fatal_err;

    /* stage 1: encoding */
    char forced_delim;                        /* ?delimiter=, 0 to detect */
    char asked_enc[LS_ENCODING_NAME_MAX + 1]; /* ?encoding=, "" to detect */
    bool has_encoding;                        /* stage 1 is over */
    bool is_enc_certain;                      /* a byte order mark or ?encoding= */
    struct ls_decoder *dec;                   /* owned; NULL: UTF-8 or Windows-1252 */
    char dec_name[LS_ENCODING_NAME_MAX + 1];  /* the decoder's encoding, as reported */
    struct ls_buf head;                       /* raw bytes held in stage 1 */
    struct ls_buf dtext;                      /* decoder output scratch */

    /* stage 2: layout */
    bool has_layout;
    struct ls_buf sniff;  /* text held in stage 2 */
    size_t sniff_scanned; /* bytes of it counted into sniff_lines */
    uint64_t sniff_lines; /* complete lines in it */
    uint64_t skip_lines;  /* lines before the header, not parsed */

    /* framing */
    struct ls_buf partial; /* the current line, when it spans chunks */
    bool skipping;         /* discarding the rest of an over-long line */
    bool cr_pending;       /* the data so far ends with a CR: its LF may come next */
    uint64_t lineno;       /* lines completed so far */

    /* record state */
    bool in_row;        /* a record continues on the next line */
    uint64_t row_line;  /* line the current record started on */
    enum event last_ev; /* last libcsv callback during the current line */
    struct ls_buf rowbuf;
    struct ls_buf replay;
    uint64_t replay_line;

    /* header */
    bool have_header;
    char **headers; /* owned; decoded header names */
    size_t n_headers;
    struct ls_csv_col *cols; /* owned; one per header */
    size_t *extra_of;        /* owned; per header: its extra column, or SIZE_MAX */
    json_t *details;         /* owned; set on a missing- or ambiguous-column error */

    /* extra columns: names (owned, unique) and this row's values */
    size_t n_extra;
    char **extra_name;
    struct ls_buf *extra_val;
    const char **extra_ptr;
    size_t *extra_len;

    /* the row being assembled */
    size_t col;
    struct ls_buf val[LS_F_ALL];
    struct ls_buf part[LS_F_ALL][LS_CSV_PART_SLOTS];
    bool row_bad;
    char row_msg[160];
    struct ls_buf tmp; /* decode scratch */

    struct ls_csv_stats st;
};

void ls_csv_limits_default(struct ls_csv_limits *lim)
{
    lim->max_field = 8 * 1024;
    lim->max_row = 256 * 1024;
    lim->max_rows = 1000000;
}

struct ls_csv_in *ls_csv_in_new(const struct ls_csv_limits *lim, ls_csv_lead_fn on_lead,
                                ls_csv_reject_fn on_reject, void *ud)
{
    struct ls_csv_in *in = ls_xcalloc(1, sizeof(*in));
    in->lim = *lim;
    in->on_lead = on_lead;
    in->on_reject = on_reject;
    in->ud = ud;
    if (csv_init(&in->p, CSV_OPTS) != 0)
        abort(); /* only fails on a NULL parser */
    ls_buf_init(&in->head, HEAD_MAX);
    ls_buf_init(&in->dtext, SIZE_MAX); /* bounded by DECODE_STEP per conversion */
    ls_buf_init(&in->sniff, SNIFF_MAX);
    ls_buf_init(&in->partial, lim->max_row);
    ls_buf_init(&in->rowbuf, lim->max_row);
    ls_buf_init(&in->replay, SIZE_MAX);
    /* Windows-1252 expands to at most 3 bytes per byte. */
    ls_buf_init(&in->tmp, 3 * lim->max_row + 16);
    for (int f = 0; f < LS_F_ALL; f++) {
        ls_buf_init(&in->val[f], lim->max_field);
        for (int s = 0; s < LS_CSV_PART_SLOTS; s++)
            ls_buf_init(&in->part[f][s], lim->max_field);
    }
    in->st.delimiter = ',';
    return in;
}

void ls_csv_in_free(struct ls_csv_in *in)
{
    if (in == NULL)
        return;
    csv_free(&in->p);
    ls_decoder_free(in->dec);
    ls_buf_release(&in->head);
    ls_buf_release(&in->dtext);
    ls_buf_release(&in->sniff);
    ls_buf_release(&in->partial);
    ls_buf_release(&in->rowbuf);
    ls_buf_release(&in->replay);
    ls_buf_release(&in->tmp);
    for (int f = 0; f < LS_F_ALL; f++) {
        ls_buf_release(&in->val[f]);
        for (int s = 0; s < LS_CSV_PART_SLOTS; s++)
            ls_buf_release(&in->part[f][s]);
    }
    for (size_t i = 0; i < in->n_headers; i++)
        free(in->headers[i]);
    free(in->headers);
    free(in->cols);
    free(in->extra_of);
    for (size_t i = 0; i < in->n_extra; i++) {
        free(in->extra_name[i]);
        ls_buf_release(&in->extra_val[i]);
    }
    free(in->extra_name);
    free(in->extra_val);
    free(in->extra_ptr);
    free(in->extra_len);
    json_decref(in->details);
    free(in);
}

int ls_csv_delimiter_parse(const char *s, char *out, struct ls_err *err)
{
    if (strcmp(s, ",") == 0 || strcmp(s, ";") == 0 || strcmp(s, "|") == 0 || strcmp(s, "\t") == 0) {
        *out = s[0];
        return LS_OK;
    }
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0) {
        *out = '\t';
        return LS_OK;
    }
    return ls_err_set(err, LS_EINVAL,
                      "delimiter \"%.20s\" is not one leadscore reads: use , ; | or tab", s);
}

int ls_csv_in_set_dialect(struct ls_csv_in *in, char delimiter, const char *encoding,
                          struct ls_err *err)
{
    if (delimiter && !memchr(delimiters, delimiter, sizeof(delimiters)))
        return ls_err_set(err, LS_EINVAL, "delimiter 0x%02X is not one of , ; tab |",
                          (unsigned char)delimiter);
    if (encoding && *encoding) {
        struct ls_decoder *d = ls_decoder_new(encoding, err);
        if (d == NULL)
            return err ? err->code : LS_EINVAL;
        ls_decoder_free(in->dec);
        in->dec = d;
        size_t w = 0;
        for (; encoding[w] && w < LS_ENCODING_NAME_MAX; w++) {
            char c = encoding[w];
            in->asked_enc[w] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        in->asked_enc[w] = '\0';
        snprintf(in->dec_name, sizeof(in->dec_name), "%s", in->asked_enc);
    }
    in->forced_delim = delimiter;
    return LS_OK;
}

void ls_csv_in_stats(const struct ls_csv_in *in, struct ls_csv_stats *out)
{
    *out = in->st;
    out->lines = in->lineno;
    const char *enc = in->dec ? in->dec_name : in->st.is_cp1252 ? "windows-1252" : "utf-8";
    snprintf(out->encoding, sizeof(out->encoding), "%s", enc);
}

bool ls_csv_in_encoding_certain(const struct ls_csv_in *in)
{
    if (in->asked_enc[0])
        return true;
    return in->is_enc_certain && !in->st.is_cp1252;
}

json_t *ls_csv_in_details(const struct ls_csv_in *in)
{
    return in->details ? json_incref(in->details) : NULL;
}

static void set_fatal(struct ls_csv_in *in, int code, const char *msg)
{
    if (in->fatal)
        return;
    in->fatal = code;
    ls_err_set(&in->fatal_err, code, "%s", msg);
    ls_utf8_sanitize(in->fatal_err.msg); /* header names cut by the length limit */
}

static void set_warning(struct ls_csv_in *in, const char *msg)
{
    if (in->st.warning[0] == '\0')
        snprintf(in->st.warning, sizeof(in->st.warning), "%s", msg);
}

/* ---- fields -------------------------------------------------------------- */

/*
 * Trims what ls_text_trim trims, and NUL bytes, which add_clean drops anyway:
 * a NUL must not shield the spaces beside it ("Ava \0" is "Ava").
 */
static void trim(const char **s, size_t *len)
{
    size_t before;
    do {
        before = *len;
        ls_text_trim(s, len);
        while (*len && (*s)[0] == '\0') {
            (*s)++;
            (*len)--;
        }
        while (*len && (*s)[*len - 1] == '\0')
            (*len)--;
    } while (*len != before);
}

/*
 * The warning for text that is neither UTF-8 nor plausible Windows-1252: it
 * was stored as Windows-1252 all the same (most often right), and says how to
 * read it otherwise.
 */
static void doubt_cp1252(struct ls_csv_in *in, const char *data, size_t len)
{
    char why[96];
    if (in->st.warning[0] || !ls_cp1252_doubtful(data, len, why, sizeof(why)))
        return;
    char m[sizeof(in->st.warning)];
    snprintf(m, sizeof(m),
             "the file is not UTF-8 and may not be Windows-1252 either (%s): if names look "
             "wrong, upload it again with ?encoding= (e.g. macintosh, shift_jis, iso-8859-15)",
             why);
    set_warning(in, m);
}

/*
 * Decodes one field to trimmed UTF-8. Each field is checked on its own: a
 * Windows-1252 file almost never contains byte pairs that happen to be valid
 * UTF-8, and a UTF-8 file with one bad byte keeps its other fields intact.
 * Text from a decoder is UTF-8 already and passes the check. is_counted is
 * false while the layout is being found (nothing is counted then). Returns a
 * pointer borrowed from in->tmp or from data.
 */
static const char *decode(struct ls_csv_in *in, const char *data, size_t len, size_t *out_len,
                          bool is_counted)
{
    const char *s = data;
    if (!ls_utf8_valid(data, len) && in->dec) {
        /*
         * A decoder's output is UTF-8, but iconv's UTF-8 lets through what RFC
         * 3629 does not (code points past U+10FFFF, surrogates): those bytes
         * become U+FFFD. Not Windows-1252: the file is in the encoding named.
         */
        ls_buf_reset(&in->tmp);
        int rc = LS_OK;
        for (size_t i = 0; i < len && rc == LS_OK;) {
            size_t n = ls_utf8_seq(data + i, len - i);
            rc = n ? ls_buf_add(&in->tmp, data + i, n) : ls_buf_add(&in->tmp, "\xEF\xBF\xBD", 3);
            i += n ? n : 1;
        }
        if (rc != LS_OK) {
            *out_len = (size_t)-1; /* over the cap: caller rejects */
            return NULL;
        }
        s = in->tmp.data ? in->tmp.data : "";
        len = in->tmp.len;
    } else if (!ls_utf8_valid(data, len)) {
        ls_buf_reset(&in->tmp);
        if (ls_cp1252_to_utf8(data, len, &in->tmp) != LS_OK) {
            *out_len = (size_t)-1; /* over the cap: caller rejects */
            return NULL;
        }
        if (is_counted) {
            in->st.is_cp1252 = true;
            doubt_cp1252(in, data, len);
        }
        s = in->tmp.data;
        len = in->tmp.len;
    }
    trim(&s, &len);
    *out_len = len;
    return s;
}

/* Appends s without NUL bytes (they would truncate C strings downstream). */
static int add_clean(struct ls_buf *b, const char *s, size_t len)
{
    while (len) {
        const char *z = memchr(s, '\0', len);
        size_t n = z ? (size_t)(z - s) : len;
        int rc = ls_buf_add(b, s, n);
        if (rc)
            return rc;
        s += n + (z ? 1 : 0);
        len -= n + (z ? 1 : 0);
    }
    return LS_OK;
}

static void field_too_long(struct ls_csv_in *in, const char *what)
{
    if (in->row_bad)
        return;
    in->row_bad = true;
    int n = (int)ls_utf8_clip(what, strlen(what), 60); /* a header name: never cut a character */
    snprintf(in->row_msg, sizeof(in->row_msg), "field \"%.*s\" is longer than the %zu-byte limit",
             n, what, in->lim.max_field);
}

static void header_field(struct ls_csv_in *in, const char *data, size_t len)
{
    if (in->n_headers >= MAX_COLUMNS) {
        set_fatal(in, LS_EINVAL, "the header has more than 1024 columns");
        return;
    }
    size_t n;
    const char *s = decode(in, data, len, &n, true);
    if (s == NULL) {
        s = "";
        n = 0;
    }
    n = ls_utf8_clip(s, n, MAX_HEADER);
    in->headers = ls_xrealloc(in->headers, (in->n_headers + 1) * sizeof(char *));
    in->headers[in->n_headers++] = ls_xmemdup0(s, n);
}

static void on_field(void *data, size_t len, void *ud)
{
    struct ls_csv_in *in = ud;
    in->last_ev = EV_FIELD;
    if (in->fatal)
        return;
    size_t k = in->col++;
    if (!in->have_header) {
        header_field(in, data, len);
        return;
    }
    if (in->row_bad || k >= in->n_headers)
        return;
    const struct ls_csv_col *c = &in->cols[k];
    size_t n;
    const char *s = decode(in, data, len, &n, true);
    const char *what =
        c->kind == LS_CSV_COL_EXTRA ? in->extra_name[in->extra_of[k]] : ls_field_names[c->field];
    if (s == NULL || n > in->lim.max_field) {
        field_too_long(in, what);
        return;
    }
    struct ls_buf *v = c->kind == LS_CSV_COL_EXTRA  ? &in->extra_val[in->extra_of[k]]
                       : c->kind == LS_CSV_COL_PART ? &in->part[c->field][c->slot]
                                                    : &in->val[c->field];
    if (add_clean(v, s, n) != LS_OK)
        field_too_long(in, what);
}

/* ---- rows ---------------------------------------------------------------- */

static void row_reset(struct ls_csv_in *in)
{
    in->col = 0;
    in->row_bad = false;
    for (int f = 0; f < LS_F_ALL; f++) {
        ls_buf_reset(&in->val[f]);
        for (int s = 0; s < LS_CSV_PART_SLOTS; s++)
            ls_buf_reset(&in->part[f][s]);
    }
    for (size_t i = 0; i < in->n_extra; i++)
        ls_buf_reset(&in->extra_val[i]);
}

static void reject(struct ls_csv_in *in, uint64_t line, const char *msg)
{
    if (!in->have_header) {
        char m[LS_ERR_MSG_MAX];
        snprintf(m, sizeof(m), "the header row (line %llu) is malformed: %s",
                 (unsigned long long)line, msg);
        set_fatal(in, LS_EINVAL, m);
        return;
    }
    in->st.rejected++;
    if (in->on_reject)
        in->on_reject(in->ud, line, msg);
}

/* ---- the header ---------------------------------------------------------- */

/* Appends the header names as a quoted list ("A", "B") and a JSON array. */
static json_t *found_list(struct ls_csv_in *in, struct ls_buf *fl)
{
    json_t *found = json_array();
    for (size_t k = 0; k < in->n_headers; k++) {
        json_array_append_new(found, json_string(in->headers[k]));
        ls_buf_printf(fl, "%s\"%s\"", k ? ", " : "", in->headers[k]);
    }
    return found;
}

static void missing_error(struct ls_csv_in *in, unsigned missing)
{
    json_t *miss = json_array();
    const char *what;
    if (missing & (1u << LS_F_NAME))
        json_array_append_new(miss, json_string(ls_field_names[LS_F_NAME]));
    bool no_role = (missing & (1u << LS_F_ROLE)) && (missing & (1u << LS_F_COMPANY));
    if (no_role) {
        json_array_append_new(miss, json_string(ls_field_names[LS_F_ROLE]));
        json_array_append_new(miss, json_string(ls_field_names[LS_F_COMPANY]));
    }
    if ((missing & (1u << LS_F_NAME)) && no_role)
        what = "name (or First Name and Last Name), and role or company";
    else if (no_role)
        what = "role or company (at least one of them)";
    else
        what = "name (or First Name and Last Name)";
    struct ls_buf fl;
    ls_buf_init(&fl, 2048);
    json_t *found = found_list(in, &fl);
    in->details = json_pack("{s:o, s:o}", "missing", miss, "found", found);
    char m[LS_ERR_MSG_MAX];
    snprintf(m, sizeof(m), "missing required column(s): %s; headers found: %s", what,
             fl.len ? ls_buf_str(&fl) : "(none)");
    set_fatal(in, LS_EINVAL, m);
    ls_buf_release(&fl);
}

static void ambiguous_error(struct ls_csv_in *in, const struct ls_csv_header_map *map)
{
    const char *a = in->headers[map->ambiguous[0]], *b = in->headers[map->ambiguous[1]];
    const char *field = ls_field_names[map->ambiguous_field];
    struct ls_buf fl;
    ls_buf_init(&fl, 2048);
    json_t *found = found_list(in, &fl);
    ls_buf_release(&fl);
    in->details =
        json_pack("{s:[s,s], s:s, s:o}", "ambiguous", a, b, "field", field, "found", found);
    char m[LS_ERR_MSG_MAX];
    snprintf(m, sizeof(m),
             "ambiguous columns: \"%.80s\" and \"%.80s\" both name the %s column (rename or remove "
             "one)",
             a, b, field);
    set_fatal(in, LS_EINVAL, m);
}

/* Extra column names are unique: a repeated "Notes" becomes "Notes (2)", an empty one "column N".
 */
static char *extra_name(struct ls_csv_in *in, size_t k)
{
    char base[MAX_HEADER + 32];
    if (in->headers[k][0])
        snprintf(base, sizeof(base), "%s", in->headers[k]);
    else
        snprintf(base, sizeof(base), "column %zu", k + 1);
    char name[MAX_HEADER + 64];
    snprintf(name, sizeof(name), "%s", base);
    for (unsigned dup = 2;; dup++) {
        bool taken = false;
        for (size_t i = 0; i < in->n_extra && !taken; i++)
            taken = strcmp(in->extra_name[i], name) == 0;
        if (!taken)
            break;
        snprintf(name, sizeof(name), "%s (%u)", base, dup);
    }
    return ls_xstrdup(name);
}

/* Maps header columns to fields; a fatal LS_EINVAL names what is missing or ambiguous. */
static void header_done(struct ls_csv_in *in)
{
    struct ls_csv_header_map map;
    size_t n = in->n_headers;
    in->have_header = true;
    in->cols = ls_xcalloc(n ? n : 1, sizeof(*in->cols));
    in->extra_of = ls_xcalloc(n ? n : 1, sizeof(*in->extra_of));
    ls_csv_header_map((const char *const *)in->headers, n, in->cols, &map);
    in->st.missing = map.missing;
    if (!ls_csv_header_has_required(&map)) {
        missing_error(in, map.missing);
        return;
    }
    if (map.ambiguous_field >= 0) {
        ambiguous_error(in, &map);
        return;
    }
    in->extra_name = ls_xcalloc(n, sizeof(char *));
    in->extra_val = ls_xcalloc(n, sizeof(struct ls_buf));
    in->extra_ptr = ls_xcalloc(n, sizeof(char *));
    in->extra_len = ls_xcalloc(n, sizeof(size_t));
    for (size_t k = 0; k < n; k++) {
        in->extra_of[k] = SIZE_MAX;
        if (in->cols[k].kind != LS_CSV_COL_EXTRA)
            continue;
        in->extra_name[in->n_extra] = extra_name(in, k);
        ls_buf_init(&in->extra_val[in->n_extra], in->lim.max_field);
        in->extra_of[k] = in->n_extra++;
    }
}

/* Joins a field's parts, in slot order, when it has no direct column. */
static void join_parts(struct ls_csv_in *in, enum ls_field f)
{
    struct ls_buf *v = &in->val[f];
    for (int s = 0; s < LS_CSV_PART_SLOTS; s++) {
        const struct ls_buf *p = &in->part[f][s];
        if (p->len == 0)
            continue;
        if ((v->len && ls_buf_adds(v, ls_csv_part_sep(f)) != LS_OK) ||
            ls_buf_add(v, p->data, p->len) != LS_OK) {
            field_too_long(in, ls_field_names[f]);
            return;
        }
    }
}

static void on_row(int c, void *ud)
{
    (void)c;
    struct ls_csv_in *in = ud;
    in->last_ev = EV_ROW;
    if (in->fatal)
        goto out;
    if (!in->have_header) {
        header_done(in);
        goto out;
    }
    if (in->col > in->n_headers && !in->row_bad) {
        in->row_bad = true;
        snprintf(in->row_msg, sizeof(in->row_msg), "row has %zu fields but the header has %zu",
                 in->col, in->n_headers);
    }
    for (int f = LS_F_NAME; f <= LS_F_LOCATION && !in->row_bad; f++) {
        if (in->val[f].len == 0)
            join_parts(in, (enum ls_field)f);
    }
    if (in->row_bad) {
        reject(in, in->row_line, in->row_msg);
        goto out;
    }
    struct ls_lead lead;
    ls_lead_clear(&lead);
    bool empty = true;
    for (int f = 0; f < LS_F_ALL; f++) {
        lead.f[f] = ls_buf_str(&in->val[f]);
        lead.len[f] = in->val[f].len;
        empty = empty && lead.len[f] == 0;
    }
    for (size_t i = 0; i < in->n_extra; i++) {
        in->extra_ptr[i] = ls_buf_str(&in->extra_val[i]);
        in->extra_len[i] = in->extra_val[i].len;
        empty = empty && in->extra_len[i] == 0;
    }
    if (in->n_extra) {
        lead.n_extra = in->n_extra;
        lead.extra_name = (const char *const *)in->extra_name;
        lead.extra = in->extra_ptr;
        lead.extra_len = in->extra_len;
    }
    if (empty)
        goto out; /* a blank record such as ",,,,," */
    if (in->st.accepted >= in->lim.max_rows) {
        char m[96];
        snprintf(m, sizeof(m), "the file has more than %llu rows",
                 (unsigned long long)in->lim.max_rows);
        set_fatal(in, LS_ELIMIT, m);
        goto out;
    }
    in->st.accepted++;
    if (in->on_lead) {
        struct ls_err e = {0};
        int rc = in->on_lead(in->ud, &lead, in->row_line, &e);
        if (rc) {
            in->fatal = rc;
            in->fatal_err = e;
            in->fatal_err.code = rc;
        }
    }
out:
    row_reset(in);
}

/* ---- lines and recovery -------------------------------------------------- */

/*
 * Length of the first line of p[0..len) with its line end: LF, CRLF, or a CR
 * on its own (classic Mac files; libcsv ends a record there as well). 0 when
 * the line does not end in p, and also when p ends with a CR and is_final is
 * false, since the next bytes may be that CR's LF.
 */
static size_t line_len(const char *p, size_t len, bool is_final)
{
    const char *nl = memchr(p, '\n', len);
    size_t scan = nl ? (size_t)(nl - p) : len;
    const char *cr = memchr(p, '\r', scan);
    if (cr == NULL)
        return nl ? scan + 1 : 0;
    size_t i = (size_t)(cr - p);
    if (i + 1 < len)
        return p[i + 1] == '\n' ? i + 2 : i + 1;
    return is_final ? i + 1 : 0;
}

/* libcsv reports nothing for a line of only spaces, tabs and line ends. */
static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '\r' && p[i] != '\n' && p[i] != ' ' && p[i] != '\t')
            return false;
    }
    return true;
}

static void parser_reset(struct ls_csv_in *in)
{
    csv_free(&in->p);
    if (csv_init(&in->p, CSV_OPTS) != 0)
        abort();
    csv_set_delim(&in->p, (unsigned char)in->st.delimiter);
    row_reset(in);
    in->in_row = false;
    ls_buf_reset(&in->rowbuf);
}

/*
 * Rejects the record that started on in->row_line and queues the lines after
 * its first one (the kept lines plus cur, the line being parsed) for replay.
 */
static void bad_record(struct ls_csv_in *in, const char *cur, size_t cur_len, const char *why)
{
    uint64_t first = in->row_line;
    reject(in, first, why);
    struct ls_buf next;
    ls_buf_init(&next, SIZE_MAX);
    if (in->rowbuf.len) {
        size_t skip = line_len(in->rowbuf.data, in->rowbuf.len, true);
        if (skip == 0)
            skip = in->rowbuf.len;
        ls_buf_add(&next, in->rowbuf.data + skip, in->rowbuf.len - skip);
        ls_buf_add(&next, cur, cur_len);
    }
    parser_reset(in);
    ls_buf_add(&next, ls_buf_str(&in->replay), in->replay.len);
    ls_buf_release(&in->replay);
    in->replay = next;
    in->replay_line = first + 1;
}

/* Parses one physical line (with its '\n', when it has one). */
static void parse_line(struct ls_csv_in *in, const char *p, size_t len, uint64_t lineno)
{
    if (!in->in_row)
        in->row_line = lineno;
    in->last_ev = EV_NONE;
    size_t n = csv_parse(&in->p, p, len, on_field, on_row, in);
    if (in->fatal)
        return;
    if (n < len) {
        bad_record(
            in, p, len,
            "malformed quoting: a quote inside an unquoted field or text after a closing quote (quote the field and double any quote inside it)");
        return;
    }
    if (in->last_ev == EV_ROW) {
        in->in_row = false;
        ls_buf_reset(&in->rowbuf);
        return;
    }
    if (in->last_ev == EV_NONE && !in->in_row && is_blank(p, len))
        return;
    /* The record continues on the next line, inside a quoted field. */
    if (ls_buf_add(&in->rowbuf, p, len) != LS_OK) {
        char msg[128];
        snprintf(msg, sizeof(msg), "unterminated quoted field (the record exceeds %zu bytes)",
                 in->lim.max_row);
        bad_record(in, p, len, msg);
        return;
    }
    in->in_row = true;
}

/* Replays queued lines; a replayed line may queue more, ahead of the rest. */
static void drain_replay(struct ls_csv_in *in)
{
    while (in->replay.len && !in->fatal) {
        struct ls_buf work = in->replay;
        uint64_t ln = in->replay_line;
        ls_buf_init(&in->replay, SIZE_MAX);
        size_t off = 0;
        while (off < work.len && !in->fatal) {
            size_t n = line_len(work.data + off, work.len - off, true);
            size_t end = n ? off + n : work.len;
            parse_line(in, work.data + off, end - off, ln++);
            off = end;
            if (in->replay.len) {
                ls_buf_add(&in->replay, work.data + off, work.len - off);
                break;
            }
        }
        ls_buf_release(&work);
    }
}

static void line(struct ls_csv_in *in, const char *p, size_t len)
{
    in->lineno++;
    if (in->lineno <= in->skip_lines)
        return; /* the preamble before the header */
    parse_line(in, p, len, in->lineno);
    drain_replay(in);
}

/* A line longer than max_row was dropped: reject it, or the record it ends. */
static void overlong_line(struct ls_csv_in *in)
{
    in->lineno++;
    if (in->lineno <= in->skip_lines)
        return;
    char msg[96];
    if (in->in_row) {
        snprintf(msg, sizeof(msg), "unterminated quoted field (the record exceeds %zu bytes)",
                 in->lim.max_row);
        bad_record(in, "", 0, msg);
        drain_replay(in);
    } else {
        snprintf(msg, sizeof(msg), "line is longer than the %zu-byte limit", in->lim.max_row);
        reject(in, in->lineno, msg);
    }
}

/*
 * line_len for frame's chunk, linear in the chunk: the next LF and the next CR
 * are found once and kept until p passes them (*lf, *cr: NULL at first, end
 * when there is none). line_len looks for the LF first and then for a CR
 * before it, so in a CR-only file each line scanned to the chunk's end.
 */
static size_t next_line(const char *p, const char *end, const char **lf, const char **cr)
{
    if (*lf == NULL || *lf < p) {
        const char *x = memchr(p, '\n', (size_t)(end - p));
        *lf = x ? x : end;
    }
    if (*cr == NULL || *cr < p) {
        const char *x = memchr(p, '\r', (size_t)(end - p));
        *cr = x ? x : end;
    }
    if (*cr < *lf) {
        if (*cr + 1 < end)
            return (size_t)(*cr - p) + ((*cr)[1] == '\n' ? 2 : 1);
        return 0; /* a CR at the end: its LF may come next */
    }
    return *lf < end ? (size_t)(*lf - p) + 1 : 0;
}

/* Stage 3: frames UTF-8 (or Windows-1252) text into lines and parses them. */
static void frame(struct ls_csv_in *in, const char *p, size_t len)
{
    const char *const end = p + len;
    const char *lf = NULL, *cr = NULL;
    while (len && !in->fatal) {
        size_t n;
        bool done; /* p[0..n) ends the current line */
        if (in->cr_pending) {
            /* The last chunk ended with a CR: its line ends here, with this LF if there is one. */
            in->cr_pending = false;
            n = p[0] == '\n' ? 1 : 0;
            done = true;
        } else {
            n = next_line(p, end, &lf, &cr);
            done = n > 0;
            if (!done) {
                n = len;
                in->cr_pending = p[len - 1] == '\r';
            }
        }
        if (in->skipping) {
            if (done) {
                in->skipping = false;
                overlong_line(in);
            }
        } else if (done && in->partial.len == 0 && n <= in->lim.max_row) {
            line(in, p, n); /* the common case: no copy */
        } else if (done && in->partial.len == 0) {
            overlong_line(in);
        } else if (ls_buf_add(&in->partial, p, n) != LS_OK) {
            ls_buf_reset(&in->partial);
            if (done)
                overlong_line(in);
            else
                in->skipping = true;
        } else if (done) {
            line(in, in->partial.data, in->partial.len);
            ls_buf_reset(&in->partial);
        }
        p += n;
        len -= n;
    }
}

/* ---- stage 2: the layout ---------------------------------------------------------- */

/* A line split into at most MAX_COLUMNS decoded, trimmed fields, for scoring a delimiter. */
struct split {
    struct ls_csv_in *in;
    char **f; /* owned strings */
    size_t n;
};

static void split_field(void *data, size_t len, void *ud)
{
    struct split *sp = ud;
    if (sp->n >= MAX_COLUMNS)
        return;
    size_t n;
    const char *s = decode(sp->in, data, len, &n, false);
    if (s == NULL)
        n = 0;
    n = n ? ls_utf8_clip(s, n, MAX_HEADER) : 0;
    sp->f[sp->n++] = ls_xmemdup0(n ? s : "", n);
}

static void split_row(int c, void *ud)
{
    (void)c;
    (void)ud;
}

static void split_free(struct split *sp)
{
    for (size_t i = 0; i < sp->n; i++)
        free(sp->f[i]);
    sp->n = 0;
}

/* How line p[0..len) reads as a header with delimiter d. False when it is not CSV at all. */
static bool score_line(struct ls_csv_in *in, const char *p, size_t len, char d,
                       struct ls_csv_header_map *map, struct split *sp)
{
    struct csv_parser cp;
    bool ok = csv_init(&cp, CSV_OPTS) == 0;
    if (!ok)
        abort();
    csv_set_delim(&cp, (unsigned char)d);
    sp->in = in;
    ok = csv_parse(&cp, p, len, split_field, split_row, sp) == len &&
         csv_fini(&cp, split_field, split_row, sp) == 0;
    csv_free(&cp);
    if (ok && sp->n) {
        struct ls_csv_col *cols = ls_xcalloc(sp->n, sizeof(*cols));
        ls_csv_header_map((const char *const *)sp->f, sp->n, cols, map);
        free(cols);
    }
    ok = ok && sp->n;
    split_free(sp);
    return ok;
}

/* Excel's first line "sep=;" (quoted or not, trailing delimiters allowed): its delimiter, or 0. */
static char sep_line(const char *p, size_t len)
{
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
        p++;
        len -= 2;
    }
    if (len < 5 || strncasecmp(p, "sep=", 4) != 0)
        return 0;
    for (size_t i = 5; i < len; i++) {
        if (p[i] != p[4])
            return 0;
    }
    return p[4];
}

/*
 * Picks the delimiter and the header line from the text held in in->sniff:
 * the first line within SNIFF_LINES (after a "sep=" line) whose columns
 * include the required ones is the header, and of the delimiters that make it
 * so the one that yields the most known columns wins (the comma on a tie).
 * When no line qualifies, the first non-blank line is the header, split the
 * way that yields the most known columns, and header_done names what it lacks.
 */
static void decide_layout(struct ls_csv_in *in, bool is_final)
{
    const char *p = ls_buf_str(&in->sniff);
    size_t len = in->sniff.len, off = 0;
    struct split sp = {.f = ls_xcalloc(MAX_COLUMNS, sizeof(char *))};
    char cand[sizeof(delimiters)];
    size_t n_cand = 0;
    uint64_t ln = 0, first_line = 0, header_line = 0;
    char first_delim = 0, delim = 0;
    char sep = 0;
    size_t first_known = 0;
    for (; off < len && ln < SNIFF_LINES + (sep ? 1u : 0u) && !header_line; ln++) {
        size_t n = line_len(p + off, len - off, is_final);
        if (n == 0 && !is_final)
            break; /* an incomplete line: not looked at */
        if (n == 0)
            n = len - off;
        const char *l = p + off;
        off += n;
        if (ln == 0 && (sep = sep_line(l, n)) != 0)
            continue;
        if (is_blank(l, n))
            continue;
        n_cand = 0;
        if (in->forced_delim || sep)
            cand[n_cand++] = in->forced_delim ? in->forced_delim : sep;
        else
            memcpy(cand, delimiters, n_cand = sizeof(delimiters));
        size_t best_known = 0;
        for (size_t c = 0; c < n_cand; c++) {
            struct ls_csv_header_map map;
            if (!score_line(in, l, n, cand[c], &map, &sp))
                continue;
            if (first_line == 0 && (first_delim == 0 || map.n_known > first_known)) {
                first_delim = cand[c];
                first_known = map.n_known;
            }
            if (ls_csv_header_has_required(&map) && (delim == 0 || map.n_known > best_known)) {
                delim = cand[c];
                best_known = map.n_known;
            }
        }
        if (first_line == 0)
            first_line = ln + 1;
        if (delim)
            header_line = ln + 1;
    }
    free(sp.f);
    if (sep && !memchr(delimiters, sep, sizeof(delimiters))) {
        char m[160];
        snprintf(m, sizeof(m),
                 "line 1 \"sep=%c\" names a delimiter leadscore does not read (use , ; | or tab, "
                 "or ?delimiter=)",
                 sep >= 0x20 && sep < 0x7F ? sep : '?');
        if (!in->forced_delim) {
            set_fatal(in, LS_EINVAL, m);
            return;
        }
    }
    if (!header_line) {
        header_line = first_line ? first_line : 1;
        delim = first_delim ? first_delim : in->forced_delim ? in->forced_delim : sep ? sep : ',';
    }
    in->st.delimiter = delim;
    in->skip_lines = header_line - 1;
    in->st.skipped_lines = in->skip_lines;
    csv_set_delim(&in->p, (unsigned char)delim);
}

/* ---- stages 1 and 2: holding the start of the file -------------------------------- */

/* Counts the complete lines held in in->sniff (incrementally: feeds may be one byte each). */
static bool sniff_has_enough(struct ls_csv_in *in, size_t *scanned, uint64_t *lines)
{
    const char *p = in->sniff.data;
    while (*scanned < in->sniff.len) {
        size_t n = line_len(p + *scanned, in->sniff.len - *scanned, false);
        if (n == 0)
            break;
        *scanned += n;
        (*lines)++;
    }
    return *lines > SNIFF_LINES + 1 || in->sniff.len >= SNIFF_MAX;
}

static void layout_done(struct ls_csv_in *in, bool is_final)
{
    decide_layout(in, is_final);
    in->has_layout = true;
    struct ls_buf held = in->sniff;
    ls_buf_init(&in->sniff, 0);
    if (!in->fatal && held.len)
        frame(in, held.data, held.len);
    ls_buf_release(&held);
}

/* Text (UTF-8, or bytes read field by field) into stage 2, then stage 3. */
static void text_in(struct ls_csv_in *in, const char *p, size_t len)
{
    if (!in->has_layout) {
        size_t room = SNIFF_MAX - in->sniff.len;
        size_t n = len < room ? len : room;
        ls_buf_add(&in->sniff, p, n);
        p += n;
        len -= n;
        if (!sniff_has_enough(in, &in->sniff_scanned, &in->sniff_lines))
            return;
        layout_done(in, false);
    }
    if (len && !in->fatal)
        frame(in, p, len);
}

/* Bytes after the byte order mark: converted when there is a decoder, as they are otherwise. */
static void bytes_in(struct ls_csv_in *in, const char *p, size_t len, bool is_final)
{
    if (in->dec == NULL) {
        if (len)
            text_in(in, p, len);
        return;
    }
    do {
        size_t n = len < DECODE_STEP ? len : DECODE_STEP;
        ls_buf_reset(&in->dtext);
        ls_decoder_feed(in->dec, p, n, is_final && n == len, &in->dtext); /* uncapped: no error */
        if (in->dtext.len)
            text_in(in, in->dtext.data, in->dtext.len);
        p += n;
        len -= n;
    } while (len && !in->fatal);
}

/* Stage 1: a byte order mark, UTF-16's NUL pattern, or ?encoding=. Returns the bytes to skip. */
static size_t decide_encoding(struct ls_csv_in *in)
{
    in->has_encoding = true;
    if (in->dec) {
        in->is_enc_certain = true; /* asked for */
        return 0;
    }
    struct ls_encoding_sniff es;
    ls_encoding_sniff(in->head.data, in->head.len, &es);
    /* Without a sign the text is UTF-8 as long as it validates (cp1252 then clears this). */
    in->is_enc_certain = es.name == NULL || es.is_certain;
    if (es.name && strcmp(es.name, "utf-8") != 0) {
        in->dec = ls_decoder_new(es.name, NULL);
        snprintf(in->dec_name, sizeof(in->dec_name), "%s", es.name);
    }
    return es.bom_len;
}

static void raw_in(struct ls_csv_in *in, const char *p, size_t len, bool is_final)
{
    if (!in->has_encoding) {
        size_t room = HEAD_MAX - in->head.len;
        size_t n = len < room ? len : room;
        ls_buf_add(&in->head, p, n);
        p += n;
        len -= n;
        if (in->head.len < HEAD_MAX && !is_final)
            return;
        size_t skip = decide_encoding(in);
        struct ls_buf held = in->head;
        ls_buf_init(&in->head, 0);
        bytes_in(in, ls_buf_str(&held) + skip, held.len - skip, is_final && len == 0);
        ls_buf_release(&held);
        if (len == 0 || in->fatal)
            return;
    }
    bytes_in(in, p, len, is_final);
}

/* ---- the interface ---------------------------------------------------------------- */

int ls_csv_in_feed(struct ls_csv_in *in, const void *data, size_t len, struct ls_err *err)
{
    if (!in->fatal && len)
        raw_in(in, data, len, false);
    if (in->fatal)
        return ls_err_set(err, in->fatal, "%s", in->fatal_err.msg);
    return LS_OK;
}

/* The warning for bytes a named encoding (or UTF-16) does not have. */
static void replaced_warning(struct ls_csv_in *in)
{
    uint64_t bad = in->dec ? ls_decoder_replaced(in->dec) : 0;
    if (bad == 0)
        return;
    char m[sizeof(in->st.warning)];
    snprintf(m, sizeof(m),
             "%llu byte sequence(s) are not valid %s and were read as U+FFFD: if the text looks "
             "wrong, upload it again with ?encoding= naming the file's encoding",
             (unsigned long long)bad, in->dec_name);
    set_warning(in, m);
}

int ls_csv_in_finish(struct ls_csv_in *in, struct ls_err *err)
{
    if (!in->fatal)
        raw_in(in, "", 0, true);
    if (!in->fatal && !in->has_layout)
        layout_done(in, true);
    if (!in->fatal)
        replaced_warning(in);
    in->cr_pending = false; /* a CR at the very end ends its line */
    if (!in->fatal && in->skipping) {
        in->skipping = false;
        overlong_line(in);
    }
    if (!in->fatal && in->partial.len) {
        /* Give the last line its missing newline so it parses like any other. */
        in->partial.max++;
        ls_buf_addc(&in->partial, '\n');
        line(in, in->partial.data, in->partial.len);
        ls_buf_reset(&in->partial);
    }
    while (!in->fatal && in->in_row) {
        bad_record(in, "", 0, "unterminated quoted field (the file ends inside quotes)");
        drain_replay(in);
    }
    if (!in->fatal)
        csv_fini(&in->p, on_field, on_row, in);
    if (in->fatal)
        return ls_err_set(err, in->fatal, "%s", in->fatal_err.msg);
    if (!in->have_header)
        return ls_err_set(err, LS_EINVAL, "no leads found: the file is empty");
    if (in->st.accepted == 0) {
        if (in->st.rejected)
            return ls_err_set(err, LS_EINVAL, "no leads found: all %llu data rows were rejected",
                              (unsigned long long)in->st.rejected);
        return ls_err_set(err, LS_EINVAL, "no leads found: the file has a header but no data rows");
    }
    return LS_OK;
}
