/*
 * csv_in.c - streaming CSV ingest on libcsv. Pure.
 *
 * libcsv does the RFC 4180 tokenising; this file adds what a lead import
 * needs on top: line numbers, header aliases, per-row rejection and recovery
 * from a broken quote.
 *
 * Input is framed into physical lines (ended by LF, CRLF or a lone CR, as
 * libcsv ends records) and each line is handed to csv_parse on its own. After each line we know
 * whether the record ended (the row callback fired last) or continues inside a quoted field. The
 * raw lines of a record that spans lines are kept in rowbuf (capped by max_row), so that when the
 * record turns out to be malformed - libcsv reports a parse error, the record
 * outgrows max_row, or the file ends inside quotes - we reject the record
 * with the line it started on and replay the lines after that first one. Each
 * rejection drops at least one line, so recovery always terminates, and a
 * stray quote costs one row instead of the rest of the file.
 */
#include "csv_in.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "utf8.h"
#include "xalloc.h"

#define MAX_COLUMNS 1024
#define MAX_HEADER  256 /* bytes kept per header name */
#define CSV_OPTS    (CSV_STRICT | CSV_APPEND_NULL)
#define BOM         "\xEF\xBB\xBF"

/* ---- header aliases ---------------------------------------------------- */

enum col_kind { COL_IGNORE, COL_DIRECT, COL_PART };

/*
 * Normalised header name (lowercase, punctuation as single spaces) -> field.
 * Direct columns hold the whole field; when a field has no direct column its
 * part columns are joined in header order ("First Name" + "Last Name",
 * "City" + "Country"). Earlier rows win over later ones for the same field.
 */
static const struct alias {
    const char *name;
    enum ls_field field;
    enum col_kind kind;
} aliases[] = {
    {"name", LS_F_NAME, COL_DIRECT},
    {"role", LS_F_ROLE, COL_DIRECT},
    {"company", LS_F_COMPANY, COL_DIRECT},
    {"industry", LS_F_INDUSTRY, COL_DIRECT},
    {"location", LS_F_LOCATION, COL_DIRECT},
    {"linkedin bio", LS_F_BIO, COL_DIRECT},
    {"full name", LS_F_NAME, COL_DIRECT},
    {"fullname", LS_F_NAME, COL_DIRECT},
    {"contact name", LS_F_NAME, COL_DIRECT},
    {"lead name", LS_F_NAME, COL_DIRECT},
    {"person name", LS_F_NAME, COL_DIRECT},
    {"title", LS_F_ROLE, COL_DIRECT},
    {"job title", LS_F_ROLE, COL_DIRECT},
    {"jobtitle", LS_F_ROLE, COL_DIRECT},
    {"position", LS_F_ROLE, COL_DIRECT},
    {"job role", LS_F_ROLE, COL_DIRECT},
    {"designation", LS_F_ROLE, COL_DIRECT},
    {"company name", LS_F_COMPANY, COL_DIRECT},
    {"organization", LS_F_COMPANY, COL_DIRECT},
    {"organisation", LS_F_COMPANY, COL_DIRECT},
    {"organization name", LS_F_COMPANY, COL_DIRECT},
    {"employer", LS_F_COMPANY, COL_DIRECT},
    {"account name", LS_F_COMPANY, COL_DIRECT},
    {"sector", LS_F_INDUSTRY, COL_DIRECT},
    {"vertical", LS_F_INDUSTRY, COL_DIRECT},
    {"company industry", LS_F_INDUSTRY, COL_DIRECT},
    {"geo", LS_F_LOCATION, COL_DIRECT},
    {"linkedinbio", LS_F_BIO, COL_DIRECT},
    {"linkedin summary", LS_F_BIO, COL_DIRECT},
    {"linkedin about", LS_F_BIO, COL_DIRECT},
    {"bio", LS_F_BIO, COL_DIRECT},
    {"summary", LS_F_BIO, COL_DIRECT},
    {"about", LS_F_BIO, COL_DIRECT},
    {"headline", LS_F_BIO, COL_DIRECT},
    {"description", LS_F_BIO, COL_DIRECT},
    {"first name", LS_F_NAME, COL_PART},
    {"firstname", LS_F_NAME, COL_PART},
    {"given name", LS_F_NAME, COL_PART},
    {"last name", LS_F_NAME, COL_PART},
    {"lastname", LS_F_NAME, COL_PART},
    {"surname", LS_F_NAME, COL_PART},
    {"family name", LS_F_NAME, COL_PART},
    {"city", LS_F_LOCATION, COL_PART},
    {"town", LS_F_LOCATION, COL_PART},
    {"state", LS_F_LOCATION, COL_PART},
    {"province", LS_F_LOCATION, COL_PART},
    {"region", LS_F_LOCATION, COL_PART},
    {"country", LS_F_LOCATION, COL_PART},
};

static const char *const part_sep[LS_F_COUNT] = {" ", " ", " ", " ", ", ", " "};

/* ---- state --------------------------------------------------------------- */

enum event { EV_NONE, EV_FIELD, EV_ROW };

struct col {
    enum ls_field field;
    enum col_kind kind;
};

struct ls_csv_in {
    struct ls_csv_limits lim;
    ls_csv_lead_fn on_lead;
    ls_csv_reject_fn on_reject;
    void *ud;
    struct csv_parser p;
    int fatal; /* sticky enum ls_status */
    struct ls_err fatal_err;

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
    struct col *cols; /* owned; one per header */
    json_t *details;  /* owned; set on a missing-column error */

    /* the row being assembled */
    size_t col;
    struct ls_buf val[LS_F_COUNT];
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
    ls_buf_init(&in->partial, lim->max_row);
    ls_buf_init(&in->rowbuf, lim->max_row);
    ls_buf_init(&in->replay, SIZE_MAX);
    /* Windows-1252 expands to at most 3 bytes per byte. */
    ls_buf_init(&in->tmp, 3 * lim->max_row + 16);
    for (int f = 0; f < LS_F_COUNT; f++)
        ls_buf_init(&in->val[f], lim->max_field);
    return in;
}

void ls_csv_in_free(struct ls_csv_in *in)
{
    if (in == NULL)
        return;
    csv_free(&in->p);
    ls_buf_release(&in->partial);
    ls_buf_release(&in->rowbuf);
    ls_buf_release(&in->replay);
    ls_buf_release(&in->tmp);
    for (int f = 0; f < LS_F_COUNT; f++)
        ls_buf_release(&in->val[f]);
    for (size_t i = 0; i < in->n_headers; i++)
        free(in->headers[i]);
    free(in->headers);
    free(in->cols);
    json_decref(in->details);
    free(in);
}

void ls_csv_in_stats(const struct ls_csv_in *in, struct ls_csv_stats *out)
{
    *out = in->st;
    out->lines = in->lineno;
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
 * Decodes one field to trimmed UTF-8. Each field is checked on its own: a
 * Windows-1252 file almost never contains byte pairs that happen to be valid
 * UTF-8, and a UTF-8 file with one bad byte keeps its other fields intact.
 * Returns a pointer borrowed from in->tmp or from data.
 */
static const char *decode(struct ls_csv_in *in, const char *data, size_t len, size_t *out_len)
{
    const char *s = data;
    if (!ls_utf8_valid(data, len)) {
        ls_buf_reset(&in->tmp);
        if (ls_cp1252_to_utf8(data, len, &in->tmp) != LS_OK) {
            *out_len = (size_t)-1; /* over the cap: caller rejects */
            return NULL;
        }
        in->st.is_cp1252 = true;
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

static void field_too_long(struct ls_csv_in *in, enum ls_field f)
{
    if (in->row_bad)
        return;
    in->row_bad = true;
    snprintf(in->row_msg, sizeof(in->row_msg), "field \"%s\" is longer than the %zu-byte limit",
             ls_field_names[f], in->lim.max_field);
}

static void header_field(struct ls_csv_in *in, const char *data, size_t len)
{
    if (in->n_headers >= MAX_COLUMNS) {
        set_fatal(in, LS_EINVAL, "the header has more than 1024 columns");
        return;
    }
    size_t n;
    const char *s = decode(in, data, len, &n);
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
    if (in->row_bad || k >= in->n_headers || in->cols[k].kind == COL_IGNORE)
        return;
    const struct col *c = &in->cols[k];
    size_t n;
    const char *s = decode(in, data, len, &n);
    if (s == NULL || n > in->lim.max_field) {
        field_too_long(in, c->field);
        return;
    }
    struct ls_buf *v = &in->val[c->field];
    int rc = LS_OK;
    if (c->kind == COL_DIRECT) {
        rc = add_clean(v, s, n);
    } else if (n) {
        if (v->len)
            rc = ls_buf_adds(v, part_sep[c->field]);
        if (rc == LS_OK)
            rc = add_clean(v, s, n);
    }
    if (rc)
        field_too_long(in, c->field);
}

/* ---- rows ---------------------------------------------------------------- */

static void row_reset(struct ls_csv_in *in)
{
    in->col = 0;
    in->row_bad = false;
    for (int f = 0; f < LS_F_COUNT; f++)
        ls_buf_reset(&in->val[f]);
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

static void normalise_header(const char *h, char *out, size_t cap)
{
    struct ls_tokens *t = ls_xmalloc(sizeof(*t));
    ls_tokenize(h, strlen(h), t);
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->n && w + t->tok[i].len + 2 < cap; i++) {
        if (i)
            out[w++] = ' ';
        memcpy(out + w, ls_tok_str(t, i), t->tok[i].len);
        w += t->tok[i].len;
        out[w] = '\0';
    }
    free(t);
}

/* Maps header columns to fields; a fatal LS_EINVAL names what is missing. */
static void header_done(struct ls_csv_in *in)
{
    int rank[MAX_COLUMNS];
    int best[LS_F_COUNT];
    bool has_part[LS_F_COUNT] = {false};
    in->cols = ls_xcalloc(in->n_headers ? in->n_headers : 1, sizeof(struct col));
    for (int f = 0; f < LS_F_COUNT; f++)
        best[f] = -1;
    for (size_t k = 0; k < in->n_headers; k++) {
        char norm[MAX_HEADER + 2];
        normalise_header(in->headers[k], norm, sizeof(norm));
        in->cols[k].kind = COL_IGNORE;
        rank[k] = -1;
        for (size_t a = 0; a < LS_ARRAY_LEN(aliases); a++) {
            if (strcmp(norm, aliases[a].name) != 0)
                continue;
            in->cols[k].field = aliases[a].field;
            in->cols[k].kind = aliases[a].kind;
            rank[k] = (int)a;
            break;
        }
        const struct col *c = &in->cols[k];
        if (c->kind == COL_DIRECT && (best[c->field] < 0 || rank[k] < rank[best[c->field]]))
            best[c->field] = (int)k;
        if (c->kind == COL_PART)
            has_part[c->field] = true;
    }
    /* One direct column per field; part columns only when there is none. */
    for (size_t k = 0; k < in->n_headers; k++) {
        struct col *c = &in->cols[k];
        if (c->kind == COL_DIRECT && best[c->field] != (int)k)
            c->kind = COL_IGNORE;
        if (c->kind == COL_PART && best[c->field] >= 0)
            c->kind = COL_IGNORE;
    }
    json_t *missing = json_array();
    struct ls_buf msg;
    ls_buf_init(&msg, 4096);
    for (int f = 0; f < LS_F_COUNT; f++) {
        if (best[f] >= 0 || has_part[f])
            continue;
        json_array_append_new(missing, json_string(ls_field_names[f]));
        ls_buf_printf(&msg, "%s%s", json_array_size(missing) > 1 ? ", " : "", ls_field_names[f]);
    }
    if (json_array_size(missing)) {
        json_t *found = json_array();
        struct ls_buf fl;
        ls_buf_init(&fl, 2048);
        for (size_t k = 0; k < in->n_headers; k++) {
            json_array_append_new(found, json_string(in->headers[k]));
            ls_buf_printf(&fl, "%s\"%s\"", k ? ", " : "", in->headers[k]);
        }
        in->details = json_pack("{s:o, s:o}", "missing", missing, "found", found);
        char m[LS_ERR_MSG_MAX];
        snprintf(m, sizeof(m), "missing required column(s): %s; headers found: %s",
                 ls_buf_str(&msg), fl.len ? ls_buf_str(&fl) : "(none)");
        set_fatal(in, LS_EINVAL, m);
        ls_buf_release(&fl);
    } else {
        json_decref(missing);
    }
    ls_buf_release(&msg);
    in->have_header = true;
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
    if (in->row_bad) {
        reject(in, in->row_line, in->row_msg);
        goto out;
    }
    struct ls_lead lead;
    ls_lead_clear(&lead);
    bool empty = true;
    for (int f = 0; f < LS_F_COUNT; f++) {
        lead.f[f] = ls_buf_str(&in->val[f]);
        lead.len[f] = in->val[f].len;
        empty = empty && lead.len[f] == 0;
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
    if (in->lineno == 1 && len >= 3 && memcmp(p, BOM, 3) == 0) {
        p += 3;
        len -= 3;
    }
    parse_line(in, p, len, in->lineno);
    drain_replay(in);
}

/* A line longer than max_row was dropped: reject it, or the record it ends. */
static void overlong_line(struct ls_csv_in *in)
{
    in->lineno++;
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

int ls_csv_in_feed(struct ls_csv_in *in, const void *data, size_t len, struct ls_err *err)
{
    const char *p = data;
    while (len && !in->fatal) {
        size_t n;
        bool done; /* p[0..n) ends the current line */
        if (in->cr_pending) {
            /* The last chunk ended with a CR: its line ends here, with this LF if there is one. */
            in->cr_pending = false;
            n = p[0] == '\n' ? 1 : 0;
            done = true;
        } else {
            n = line_len(p, len, false);
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
    if (in->fatal)
        return ls_err_set(err, in->fatal, "%s", in->fatal_err.msg);
    return LS_OK;
}

int ls_csv_in_finish(struct ls_csv_in *in, struct ls_err *err)
{
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
