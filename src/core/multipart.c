/* multipart.c - a streaming multipart/form-data reader. Pure. */
#include "multipart.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_parse.h"
#include "xalloc.h"

#define STAGE_MAX (64 * 1024) /* data bytes gathered before a data callback */
#define DELIM_MAX (4 + LS_MULTIPART_BOUNDARY_MAX)

enum state { PREAMBLE, AFTER, AFTER_DASH, AFTER_PAD, AFTER_LF, HEADERS, DATA, DONE };

struct ls_multipart {
    char delim[DELIM_MAX + 1]; /* "\r\n--" boundary */
    size_t dlen;
    size_t border[DELIM_MAX + 1]; /* KMP: longest proper border of delim[0..m) */
    size_t m;                     /* delimiter bytes matched so far */
    enum state st;
    size_t preamble;
    int parts;
    char hdr[LS_MULTIPART_HEADERS_MAX];
    size_t hlen;
    char *stage; /* owned; STAGE_MAX bytes */
    size_t slen;
    ls_multipart_begin_fn on_begin;
    ls_multipart_data_fn on_data;
    ls_multipart_end_fn on_end;
    void *ud;
    int rc; /* sticky error */
    struct ls_err err;
};

/* ---- the boundary ------------------------------------------------------------- */

int ls_multipart_boundary(const char *ct, char *out, size_t cap, struct ls_err *err)
{
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, "multipart/", 10) != 0)
        return ls_err_set(err, LS_EINVAL, "the Content-Type is not multipart");
    const char *p = ct;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        size_t n = 0;
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (q == NULL)
                return ls_err_set(err, LS_EINVAL, "the multipart boundary is not closed");
            p++;
            n = (size_t)(q - p);
        } else {
            n = strcspn(p, "; \t");
        }
        if (n == 0 || n > LS_MULTIPART_BOUNDARY_MAX || n + 1 > cap)
            return ls_err_set(err, LS_EINVAL, "the multipart boundary must be 1 to 70 characters");
        memcpy(out, p, n);
        out[n] = '\0';
        return LS_OK;
    }
    return ls_err_set(err, LS_EINVAL, "multipart/form-data body without a boundary");
}

struct ls_multipart *ls_multipart_new(const char *boundary, ls_multipart_begin_fn begin,
                                      ls_multipart_data_fn data, ls_multipart_end_fn end, void *ud)
{
    struct ls_multipart *m = ls_xcalloc(1, sizeof(*m));
    size_t bl = strlen(boundary);
    if (bl > LS_MULTIPART_BOUNDARY_MAX)
        bl = LS_MULTIPART_BOUNDARY_MAX;
    memcpy(m->delim, "\r\n--", 4);
    memcpy(m->delim + 4, boundary, bl);
    m->dlen = 4 + bl;
    /* KMP failure function over the delimiter. */
    m->border[0] = m->border[1] = 0;
    for (size_t i = 1, k = 0; i < m->dlen; i++) {
        while (k > 0 && m->delim[i] != m->delim[k])
            k = m->border[k];
        if (m->delim[i] == m->delim[k])
            k++;
        m->border[i + 1] = k;
    }
    m->m = 2; /* as if a CRLF came first: the body may open with "--boundary" */
    m->st = PREAMBLE;
    m->stage = ls_xmalloc(STAGE_MAX);
    m->on_begin = begin;
    m->on_data = data;
    m->on_end = end;
    m->ud = ud;
    return m;
}

void ls_multipart_free(struct ls_multipart *m)
{
    if (m == NULL)
        return;
    free(m->stage);
    free(m);
}

static int fail(struct ls_multipart *m, const char *msg)
{
    m->rc = ls_err_set(&m->err, LS_EPARSE, "malformed multipart body: %s", msg);
    return m->rc;
}

/* ---- part headers --------------------------------------------------------- */

/* Copies a parameter value (token or quoted string) into out; returns the end of it. */
static const char *param_value(const char *p, const char *end, char *out)
{
    size_t w = 0;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (w + 1 < LS_MULTIPART_VALUE_MAX)
                out[w++] = *p;
        }
        if (p < end)
            p++;
    } else {
        for (; p < end && *p != ';' && *p != ' ' && *p != '\t'; p++) {
            if (w + 1 < LS_MULTIPART_VALUE_MAX)
                out[w++] = *p;
        }
    }
    out[w] = '\0';
    return p;
}

/* RFC 5987 ext-value: charset'language'percent-encoded (UTF-8 assumed). */
static void ext_value(char *v)
{
    char *q = strchr(v, '\'');
    char *r = q ? strchr(q + 1, '\'') : NULL;
    if (r == NULL)
        return;
    size_t n = 0;
    char tmp[LS_MULTIPART_VALUE_MAX];
    if (ls_url_decode(r + 1, strlen(r + 1), false, tmp, &n) == 0 && memchr(tmp, '\0', n) == NULL)
        memcpy(v, tmp, n + 1);
}

struct part_info {
    char name[LS_MULTIPART_VALUE_MAX];
    char filename[LS_MULTIPART_VALUE_MAX];
    char filename_ext[LS_MULTIPART_VALUE_MAX];
    char type[LS_MULTIPART_VALUE_MAX];
    bool has_filename;
};

static void disposition(const char *p, const char *end, struct part_info *pi)
{
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (semi == NULL)
            return;
        p = semi + 1;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq == NULL)
            return;
        size_t klen = (size_t)(eq - p);
        char *dst = NULL;
        if (klen == 4 && strncasecmp(p, "name", 4) == 0) {
            dst = pi->name;
        } else if (klen == 8 && strncasecmp(p, "filename", 8) == 0) {
            dst = pi->filename;
            pi->has_filename = true;
        } else if (klen == 9 && strncasecmp(p, "filename*", 9) == 0) {
            dst = pi->filename_ext;
            pi->has_filename = true;
        }
        char scratch[LS_MULTIPART_VALUE_MAX];
        p = param_value(eq + 1, end, dst ? dst : scratch);
        if (dst == pi->filename_ext)
            ext_value(pi->filename_ext);
    }
}

static void copy_trimmed(const char *p, const char *end, char *out)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t n = (size_t)(end - p);
    if (n >= LS_MULTIPART_VALUE_MAX)
        n = LS_MULTIPART_VALUE_MAX - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* The header block is complete: parse it and start the part. */
static int begin_part(struct ls_multipart *m)
{
    if (++m->parts > LS_MULTIPART_PARTS_MAX)
        return fail(m, "more than 64 parts");
    struct part_info pi;
    memset(&pi, 0, sizeof(pi));
    const char *p = m->hdr, *end = m->hdr + m->hlen;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t text_len = (size_t)(le - p);
        if (text_len && p[text_len - 1] == '\r')
            text_len--;
        const char *te = p + text_len;
        const char *colon = memchr(p, ':', text_len);
        if (colon) {
            size_t nlen = (size_t)(colon - p);
            if (nlen == 19 && strncasecmp(p, "content-disposition", 19) == 0)
                disposition(colon + 1, te, &pi);
            else if (nlen == 12 && strncasecmp(p, "content-type", 12) == 0)
                copy_trimmed(colon + 1, te, pi.type);
        } else if (te > p) {
            return fail(m, "a part header line has no colon");
        }
        p = nl ? nl + 1 : end;
    }
    struct ls_multipart_part part = {
        .name = pi.name,
        .filename = !pi.has_filename     ? NULL
                    : pi.filename_ext[0] ? pi.filename_ext
                                         : pi.filename,
        .content_type = pi.type,
    };
    m->hlen = 0;
    m->st = DATA;
    m->m = 0;
    int rc = m->on_begin ? m->on_begin(m->ud, &part, &m->err) : LS_OK;
    if (rc)
        m->rc = rc;
    return rc;
}

static int header_byte(struct ls_multipart *m, char c)
{
    if (m->hlen == sizeof(m->hdr))
        return fail(m, "a part's headers are larger than 8192 bytes");
    m->hdr[m->hlen++] = c;
    size_t n = m->hlen;
    const char *h = m->hdr;
    bool end = (n == 1 && h[0] == '\n') || (n == 2 && h[0] == '\r' && h[1] == '\n') ||
               (n >= 2 && h[n - 2] == '\n' && h[n - 1] == '\n') ||
               (n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0);
    return end ? begin_part(m) : LS_OK;
}

/* ---- data --------------------------------------------------------------------- */

static int flush(struct ls_multipart *m)
{
    if (m->slen == 0)
        return LS_OK;
    size_t n = m->slen;
    m->slen = 0;
    int rc = m->on_data ? m->on_data(m->ud, m->stage, n, &m->err) : LS_OK;
    if (rc)
        m->rc = rc;
    return rc;
}

/* Data bytes of the current part (or of the preamble, which is dropped). */
static int emit(struct ls_multipart *m, const char *p, size_t n)
{
    if (m->st == PREAMBLE) {
        m->preamble += n;
        return m->preamble > LS_MULTIPART_PREAMBLE_MAX
                   ? fail(m, "no boundary where one was expected")
                   : LS_OK;
    }
    if (n >= STAGE_MAX) { /* large runs skip the staging copy */
        int rc = flush(m);
        if (rc == LS_OK && m->on_data)
            rc = m->on_data(m->ud, p, n, &m->err);
        if (rc)
            m->rc = rc;
        return rc;
    }
    if (m->slen + n > STAGE_MAX && flush(m) != LS_OK)
        return m->rc;
    memcpy(m->stage + m->slen, p, n);
    m->slen += n;
    return LS_OK;
}

static int delimiter_found(struct ls_multipart *m)
{
    if (m->st == DATA) {
        if (flush(m) != LS_OK)
            return m->rc;
        int rc = m->on_end ? m->on_end(m->ud, &m->err) : LS_OK;
        if (rc)
            return m->rc = rc;
    }
    m->st = AFTER;
    m->m = 0;
    return LS_OK;
}

/* The bytes right after a delimiter: "--" ends the body, CRLF starts a part. */
static int after_byte(struct ls_multipart *m, char c)
{
    switch (m->st) {
    case AFTER:
        if (c == '-') {
            m->st = AFTER_DASH;
            return LS_OK;
        }
        m->st = AFTER_PAD;
        return after_byte(m, c);
    case AFTER_DASH:
        if (c != '-')
            return fail(m, "a boundary is followed by a single '-'");
        m->st = DONE;
        return LS_OK;
    case AFTER_PAD:
        if (c == ' ' || c == '\t')
            return LS_OK;
        if (c == '\r') {
            m->st = AFTER_LF;
            return LS_OK;
        }
        if (c == '\n') {
            m->st = HEADERS;
            return LS_OK;
        }
        return fail(m, "a boundary is followed by other text on its line");
    case AFTER_LF:
        if (c != '\n')
            return fail(m, "a boundary line does not end with CRLF");
        m->st = HEADERS;
        return LS_OK;
    default:
        return LS_OK;
    }
}

/* Runs the delimiter matcher over data (PREAMBLE or DATA); returns bytes consumed. */
static size_t scan(struct ls_multipart *m, const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && m->rc == LS_OK && (m->st == PREAMBLE || m->st == DATA)) {
        if (m->m == 0) {
            /* Fast path: everything up to the next CR is data. */
            const char *cr = memchr(p + i, '\r', len - i);
            size_t run = cr ? (size_t)(cr - (p + i)) : len - i;
            if (run && emit(m, p + i, run) != LS_OK)
                break;
            i += run;
            if (i == len)
                break;
        }
        char c = p[i];
        while (m->m > 0 && m->delim[m->m] != c) {
            size_t b = m->border[m->m];
            if (emit(m, m->delim, m->m - b) != LS_OK)
                return i;
            m->m = b;
        }
        if (m->delim[m->m] == c) {
            if (++m->m == m->dlen)
                delimiter_found(m);
        } else if (emit(m, &c, 1) != LS_OK) {
            break;
        }
        i++;
    }
    return i;
}

int ls_multipart_feed(struct ls_multipart *m, const char *data, size_t len, struct ls_err *err)
{
    size_t i = 0;
    while (i < len && m->rc == LS_OK) {
        switch (m->st) {
        case PREAMBLE:
        case DATA:
            i += scan(m, data + i, len - i);
            break;
        case HEADERS:
            header_byte(m, data[i++]);
            break;
        case DONE:
            i = len; /* the epilogue is ignored */
            break;
        default:
            after_byte(m, data[i++]);
            break;
        }
    }
    if (m->rc == LS_OK && m->st == DATA && flush(m) != LS_OK)
        (void)0;
    if (m->rc && err)
        *err = m->err;
    return m->rc;
}

int ls_multipart_finish(struct ls_multipart *m, struct ls_err *err)
{
    if (m->rc == LS_OK && m->st != DONE)
        fail(m, m->st == PREAMBLE ? "no part found (is the boundary right?)"
                                  : "the body ended before the closing boundary");
    if (m->rc && err)
        *err = m->err;
    return m->rc;
}
