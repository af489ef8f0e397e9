/*
 * fuzz_csv_in.c - the streaming CSV reader: the same bytes fed in chunks cut
 * where the input says, and in one piece, must give the same leads (fields and
 * lines), the same rejected rows (line and message), the same stats and the
 * same final status, and the same account of how the file was read
 * (delimiter, encoding, preamble, missing columns, warning). Small limits,
 * also taken from the input, exercise the field, record and row caps; the
 * dialect byte fixes the delimiter and the encoding, or leaves them detected.
 *
 * Input: [max_field] [max_row] [rows and stop] [n] [dialect] [n chunk sizes] CSV bytes...
 *   dialect: bits 0-2 delimiter (0 detect, then , ; tab |), bits 3-5 encoding
 *   (0 detect, then utf-16le utf-16be macintosh shift_jis iso-8859-15 utf-8)
 */
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/csv_in.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

#define STOP_CODE LS_ECANCELLED

static const char delims[8] = {0, ',', ';', '\t', '|', 0, 0, 0};
static const char *const encodings[8] = {
    NULL, "utf-16le", "UTF-16BE", "macintosh", "shift_jis", "iso-8859-15", "utf-8", NULL,
};

struct run {
    struct ls_csv_limits lim;
    char delim;
    const char *encoding;
    uint64_t stop_after; /* on_lead fails on this lead (1-based); 0: never */
    struct ls_buf log;   /* every lead and rejection, serialised */
    uint64_t n_leads, n_rejected, last_line;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void log_u64(struct run *r, uint64_t v)
{
    FUZZ_CHECK(ls_buf_add(&r->log, &v, sizeof(v)) == LS_OK);
}

/* A value as leads carry them: NUL-terminated, no NUL inside, UTF-8, trimmed, capped. */
static void check_text(struct run *r, const char *s, size_t len)
{
    FUZZ_CHECK(s != NULL && strlen(s) == len);
    FUZZ_CHECK(len <= r->lim.max_field);
    FUZZ_CHECK(ls_utf8_valid(s, len));
    FUZZ_CHECK(len == 0 || (!is_space(s[0]) && !is_space(s[len - 1])));
    log_u64(r, len);
    FUZZ_CHECK(ls_buf_add(&r->log, s, len) == LS_OK);
}

static int on_lead(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    struct run *r = ud;
    bool empty = true;
    FUZZ_CHECK(line > r->last_line && line >= 2); /* after the header, in order */
    r->last_line = line;
    FUZZ_CHECK(ls_buf_addc(&r->log, 'L') == LS_OK);
    log_u64(r, line);
    for (int f = 0; f < LS_F_ALL; f++) {
        check_text(r, lead->f[f], lead->len[f]);
        empty = empty && lead->len[f] == 0;
    }
    log_u64(r, lead->n_extra);
    for (size_t k = 0; k < lead->n_extra; k++) {
        const char *name = lead->extra_name[k];
        FUZZ_CHECK(name != NULL && name[0] != '\0' && ls_utf8_valid(name, strlen(name)));
        for (size_t j = 0; j < k; j++)
            FUZZ_CHECK(strcmp(name, lead->extra_name[j]) != 0); /* unique */
        FUZZ_CHECK(ls_buf_add(&r->log, name, strlen(name) + 1) == LS_OK);
        check_text(r, lead->extra[k], lead->extra_len[k]);
        empty = empty && lead->extra_len[k] == 0;
    }
    FUZZ_CHECK(!empty); /* blank rows are skipped */
    r->n_leads++;
    FUZZ_CHECK(r->n_leads <= r->lim.max_rows);
    if (r->stop_after && r->n_leads == r->stop_after)
        return ls_err_set(err, STOP_CODE, "stopped after lead %llu",
                          (unsigned long long)r->n_leads);
    return LS_OK;
}

static void on_reject(void *ud, uint64_t line, const char *msg)
{
    struct run *r = ud;
    FUZZ_CHECK(line > r->last_line && line >= 2);
    r->last_line = line;
    size_t len = strlen(msg);
    FUZZ_CHECK(len > 0 && len < LS_ERR_MSG_MAX && ls_utf8_valid(msg, len));
    FUZZ_CHECK(ls_buf_addc(&r->log, 'R') == LS_OK);
    log_u64(r, line);
    FUZZ_CHECK(ls_buf_add(&r->log, msg, len + 1) == LS_OK);
    r->n_rejected++;
}

struct outcome {
    int rc;
    struct ls_err err;
    struct ls_csv_stats st;
    json_t *details;
    bool is_certain;
};

/* Feeds data in chunks of sizes[0], sizes[1], ... (cycling); n_sizes 0: in one piece. */
static void parse(struct run *r, const uint8_t *data, size_t len, const uint8_t *sizes,
                  size_t n_sizes, struct outcome *o)
{
    struct ls_csv_in *in = ls_csv_in_new(&r->lim, on_lead, on_reject, r);
    FUZZ_CHECK(ls_csv_in_set_dialect(in, r->delim, r->encoding, NULL) == LS_OK);
    int first = LS_OK;
    char first_msg[LS_ERR_MSG_MAX] = "";
    size_t off = 0, k = 0;
    while (off < len) {
        size_t step = n_sizes ? sizes[k++ % n_sizes] : len;
        if (step > len - off)
            step = len - off;
        struct ls_err e = {0};
        int rc = ls_csv_in_feed(in, data + off, step, &e);
        if (first == LS_OK && rc != LS_OK) {
            first = rc;
            memcpy(first_msg, e.msg, sizeof(first_msg));
        } else if (first != LS_OK) {
            /* A fatal error stays set, with its message, for every later call. */
            FUZZ_CHECK(rc == first && strcmp(e.msg, first_msg) == 0);
        }
        off += step;
    }
    o->rc = ls_csv_in_finish(in, &o->err);
    FUZZ_CHECK(first == LS_OK || (o->rc == first && strcmp(o->err.msg, first_msg) == 0));
    ls_csv_in_stats(in, &o->st);
    o->details = ls_csv_in_details(in);
    o->is_certain = ls_csv_in_encoding_certain(in);
    ls_csv_in_free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct ls_csv_limits lim = {
        .max_field = 1 + data[0] % 64,
        .max_row = 1 + (size_t)data[1] * 4,
        .max_rows = (data[2] & 0x10) ? 1000000 : 1 + (data[2] & 0x0F),
    };
    uint64_t stop_after = data[2] >> 5;
    size_t n_sizes = data[3] & 7;
    if (size < 5 + n_sizes)
        return 0;
    char delim = delims[data[4] & 7];
    const char *encoding = encodings[(data[4] >> 3) & 7];
    const uint8_t *sizes = data + 5;
    size_t total = 0;
    for (size_t i = 0; i < n_sizes; i++)
        total += sizes[i];
    if (n_sizes && total == 0)
        return 0; /* zero-length chunks only: no progress */
    const uint8_t *csv = data + 5 + n_sizes;
    size_t len = size - 5 - n_sizes;

    struct run one = {.lim = lim, .delim = delim, .encoding = encoding, .stop_after = stop_after};
    struct run cut = {.lim = lim, .delim = delim, .encoding = encoding, .stop_after = stop_after};
    ls_buf_init(&one.log, SIZE_MAX);
    ls_buf_init(&cut.log, SIZE_MAX);
    struct outcome a = {0}, b = {0};
    parse(&one, csv, len, NULL, 0, &a);
    parse(&cut, csv, len, sizes, n_sizes, &b);

    FUZZ_CHECK(a.rc == LS_OK || a.rc == LS_EINVAL || a.rc == LS_ELIMIT || a.rc == STOP_CODE);
    FUZZ_CHECK(a.rc == LS_OK ? a.st.accepted > 0 : a.err.msg[0] != '\0');
    FUZZ_CHECK(memchr(a.err.msg, '\0', sizeof(a.err.msg)) != NULL);
    FUZZ_CHECK(a.st.accepted == one.n_leads && a.st.rejected == one.n_rejected);
    FUZZ_CHECK(one.last_line <= a.st.lines);
    FUZZ_CHECK(a.rc != STOP_CODE || (stop_after && one.n_leads == stop_after));

    FUZZ_CHECK(a.rc == b.rc && strcmp(a.err.msg, b.err.msg) == 0);
    FUZZ_CHECK(one.log.len == cut.log.len &&
               memcmp(ls_buf_str(&one.log), ls_buf_str(&cut.log), one.log.len) == 0);
    FUZZ_CHECK(a.st.accepted == b.st.accepted && a.st.rejected == b.st.rejected);
    FUZZ_CHECK(a.st.lines == b.st.lines && a.st.is_cp1252 == b.st.is_cp1252);
    FUZZ_CHECK(a.st.delimiter == b.st.delimiter && strcmp(a.st.encoding, b.st.encoding) == 0);
    FUZZ_CHECK(a.st.skipped_lines == b.st.skipped_lines && a.st.missing == b.st.missing);
    FUZZ_CHECK(strcmp(a.st.warning, b.st.warning) == 0 && a.is_certain == b.is_certain);
    FUZZ_CHECK(a.st.is_cp1252 == (strcmp(a.st.encoding, "windows-1252") == 0));
    FUZZ_CHECK(a.st.skipped_lines <= 21);
    FUZZ_CHECK(delim == 0 || a.st.delimiter == delim);
    FUZZ_CHECK((a.details == NULL) == (b.details == NULL));
    FUZZ_CHECK(a.details == NULL || json_equal(a.details, b.details));

    json_decref(a.details);
    json_decref(b.details);
    ls_buf_release(&one.log);
    ls_buf_release(&cut.log);
    return 0;
}
