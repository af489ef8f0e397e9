/*
 * fuzz_multipart.c - the streaming multipart reader: the same body fed in
 * chunks cut where the input says, and in one piece, must give the same parts
 * (names, filenames, types), the same bytes in each, and the same status.
 * Part data never holds the delimiter itself.
 *
 * Input: [boundary length 1..16] [n] [n chunk sizes] body...
 */
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/multipart.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

struct rec {
    struct ls_buf log;
    const char *delim; /* "\r\n--" boundary */
    size_t delim_len;
    bool in_part;
    struct ls_buf part; /* the current part's data, to check for the delimiter */
};

static int on_begin(void *ud, const struct ls_multipart_part *p, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    FUZZ_CHECK(!r->in_part);
    FUZZ_CHECK(p->name && p->content_type);
    FUZZ_CHECK(strlen(p->name) < LS_MULTIPART_VALUE_MAX);
    r->in_part = true;
    ls_buf_reset(&r->part);
    ls_buf_printf(&r->log, "B[%s|%s|%s]", p->name, p->filename ? p->filename : "-",
                  p->content_type);
    return LS_OK;
}

static int on_data(void *ud, const char *d, size_t n, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    FUZZ_CHECK(r->in_part && n > 0);
    ls_buf_add(&r->log, d, n);
    ls_buf_add(&r->part, d, n);
    return LS_OK;
}

static int on_end(void *ud, struct ls_err *err)
{
    (void)err;
    struct rec *r = ud;
    FUZZ_CHECK(r->in_part);
    r->in_part = false;
    /* A delimiter inside a part's data would have ended the part there. */
    for (size_t i = 0; i + r->delim_len <= r->part.len; i++)
        FUZZ_CHECK(memcmp(r->part.data + i, r->delim, r->delim_len) != 0);
    ls_buf_adds(&r->log, "E");
    return LS_OK;
}

static int run(const char *boundary, const uint8_t *body, size_t len, const size_t *cuts,
               size_t n_cuts, struct ls_buf *log, struct ls_err *err)
{
    char delim[4 + 17];
    snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
    struct rec r = {.delim = delim, .delim_len = strlen(delim)};
    ls_buf_init(&r.log, 1 << 22);
    ls_buf_init(&r.part, 1 << 22);
    struct ls_multipart *m = ls_multipart_new(boundary, on_begin, on_data, on_end, &r);
    int rc = LS_OK;
    size_t pos = 0;
    for (size_t i = 0; i <= n_cuts && rc == LS_OK; i++) {
        size_t n = i < n_cuts ? cuts[i] : len - pos;
        if (n > len - pos)
            n = len - pos;
        rc = ls_multipart_feed(m, (const char *)body + pos, n, err);
        pos += n;
    }
    if (rc == LS_OK)
        rc = ls_multipart_finish(m, err);
    FUZZ_CHECK(rc == LS_OK || ls_utf8_valid(err->msg, strlen(err->msg)));
    ls_multipart_free(m);
    ls_buf_release(&r.part);
    *log = r.log;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t blen = 1 + data[0] % 16;
    if (size < 1 + blen + 1)
        return 0;
    char boundary[17];
    for (size_t i = 0; i < blen; i++) {
        char c = (char)data[1 + i];
        boundary[i] = c == '\0' ? 'x' : c;
    }
    boundary[blen] = '\0';
    size_t p = 1 + blen;
    size_t n_cuts = data[p++] % 8, cuts[8];
    for (size_t i = 0; i < n_cuts; i++)
        cuts[i] = p < size ? data[p++] % 64 : 0;
    const uint8_t *body = data + p;
    size_t len = size - p;

    struct ls_buf whole, split;
    struct ls_err e1 = {0}, e2 = {0};
    int rc1 = run(boundary, body, len, NULL, 0, &whole, &e1);
    int rc2 = run(boundary, body, len, cuts, n_cuts, &split, &e2);
    FUZZ_CHECK(rc1 == rc2);
    if (rc1 == LS_OK) {
        FUZZ_CHECK(whole.len == split.len);
        FUZZ_CHECK(whole.len == 0 || memcmp(whole.data, split.data, whole.len) == 0);
    }
    ls_buf_release(&whole);
    ls_buf_release(&split);
    return 0;
}
