/*
 * fuzz_http_head.c - the request-head parser, the framing rules and the
 * chunked decoder. A head is parsed the way the server does it (again as
 * bytes arrive): every prefix answers "more" or the same final answer as the
 * whole; what it returns points inside the buffer; an error names an HTTP
 * status and a machine code. A chunked body decodes to the same bytes
 * whatever the chunking.
 *
 * Input: [max_head selector] [n] [n chunk sizes] bytes...
 */
#include <stdbool.h>
#include <string.h>

#include "core/http_parse.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

static void check_head(const char *buf, size_t len, const struct ls_http_head *h)
{
    FUZZ_CHECK(h->head_len > 0 && h->head_len <= len);
    FUZZ_CHECK(h->method >= buf && h->method + h->method_len <= buf + h->head_len);
    FUZZ_CHECK(h->target >= buf && h->target + h->target_len <= buf + h->head_len);
    FUZZ_CHECK(h->method_len >= 1 && h->method_len <= LS_HTTP_METHOD_MAX);
    FUZZ_CHECK(h->target_len >= 1 && h->target_len <= LS_HTTP_TARGET_MAX);
    FUZZ_CHECK(h->minor == 0 || h->minor == 1);
    FUZZ_CHECK(h->n_fields <= LS_HTTP_HEADERS_MAX);
    for (size_t i = 0; i < h->n_fields; i++) {
        const struct ls_http_field *f = &h->fields[i];
        FUZZ_CHECK(f->name >= buf && f->name + f->name_len <= buf + h->head_len);
        FUZZ_CHECK(f->value >= buf && f->value + f->value_len <= buf + h->head_len);
        FUZZ_CHECK(f->name_len > 0);
        FUZZ_CHECK(memchr(f->value, '\r', f->value_len) == NULL);
        FUZZ_CHECK(memchr(f->value, '\n', f->value_len) == NULL);
        FUZZ_CHECK(memchr(f->value, '\0', f->value_len) == NULL);
    }
}

static void check_error(const struct ls_http_error *e)
{
    FUZZ_CHECK(e->status >= 400 && e->status <= 505);
    FUZZ_CHECK(e->code != NULL && e->code[0]);
    FUZZ_CHECK(ls_utf8_valid(e->msg, strlen(e->msg)));
}

/* Decodes a chunked body in the given pieces; returns the status, the bytes in out. */
static int dechunk(const char *in, size_t len, const size_t *cuts, size_t n_cuts, char *out,
                   size_t *out_len)
{
    struct ls_http_chunked c;
    struct ls_http_error e;
    ls_http_chunked_init(&c);
    char *work = malloc(len + 1);
    memcpy(work, in, len);
    size_t pos = 0, w = 0;
    int rc = 0;
    for (size_t i = 0; pos < len && rc == 0; i++) {
        size_t n = i < n_cuts && cuts[i] ? cuts[i] : len - pos;
        if (n > len - pos)
            n = len - pos;
        size_t got = 0, used = 0;
        rc = ls_http_chunked_feed(&c, work + pos, n, work + pos, &got, &used, &e);
        FUZZ_CHECK(used <= n && got <= used);
        if (rc < 0) {
            check_error(&e);
            break;
        }
        memcpy(out + w, work + pos, got);
        w += got;
        pos += used;
        if (rc == 0)
            FUZZ_CHECK(used == n); /* all input is taken while the body goes on */
    }
    free(work);
    *out_len = w;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_head = 64 + (size_t)data[0] * 64;
    size_t n_cuts = data[1] % 8, cuts[8], p = 2;
    for (size_t i = 0; i < n_cuts; i++)
        cuts[i] = p < size ? data[p++] % 32 : 0;
    const char *buf = (const char *)data + p;
    size_t len = size - p;

    struct ls_http_head whole;
    struct ls_http_error e;
    int rc = ls_http_parse_head(buf, len, max_head, &whole, &e);
    if (rc == 1)
        check_head(buf, len, &whole);
    else if (rc < 0)
        check_error(&e);
    else
        FUZZ_CHECK(rc == 0);
    /* As bytes arrive: "more" until the end, then the same answer (a complete head
     * has the same length; an error the same status). */
    for (size_t k = 1; k < len; k++) {
        struct ls_http_head part;
        struct ls_http_error pe;
        int prc = ls_http_parse_head(buf, k, max_head, &part, &pe);
        if (prc == 0)
            continue;
        if (prc == 1) {
            FUZZ_CHECK(rc == 1 && part.head_len == whole.head_len);
        } else {
            FUZZ_CHECK(rc < 0 || rc == 1); /* an error seen early may be a cut short head */
            check_error(&pe);
        }
        break;
    }
    if (rc == 1) {
        struct ls_http_framing f;
        if (ls_http_framing_read(&whole, &f, &e) == 0) {
            FUZZ_CHECK(f.body != LS_HTTP_BODY_LENGTH || f.length > 0);
            FUZZ_CHECK(f.host == NULL || (f.host >= buf && f.host < buf + len));
        } else {
            check_error(&e);
        }
    }
    /* The bytes after the head, read as a chunked body, in one piece and in pieces. */
    const char *body = rc == 1 ? buf + whole.head_len : buf;
    size_t blen = rc == 1 ? len - whole.head_len : len;
    char *a = malloc(blen + 1), *b = malloc(blen + 1);
    size_t alen = 0, bl = 0;
    int ra = dechunk(body, blen, NULL, 0, a, &alen);
    int rb = dechunk(body, blen, cuts, n_cuts, b, &bl);
    if (ra >= 0 && rb >= 0) {
        FUZZ_CHECK(ra == rb);
        FUZZ_CHECK(alen == bl && memcmp(a, b, alen) == 0);
    }
    free(a);
    free(b);
    return 0;
}
