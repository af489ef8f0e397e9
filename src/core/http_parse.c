/* http_parse.c - HTTP/1.1 request heads, framing, chunked bodies, URL decoding. Pure. */
#include "http_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"

static int fail(struct ls_http_error *e, unsigned status, const char *code, const char *msg)
{
    e->status = status;
    e->code = code;
    snprintf(e->msg, sizeof(e->msg), "%s", msg);
    return -1;
}

static int bad(struct ls_http_error *e, const char *msg)
{
    return fail(e, 400, "bad_request", msg);
}

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value byte: HTAB, SP, VCHAR or obs-text (RFC 9110 section 5.5). */
static bool is_field_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}

/*
 * The end of the line starting at i: the index of its LF, or len when there
 * is none yet. *text_end is where the line's text ends (before a CR).
 * -1 on a CR that is not directly before the LF.
 */
static long line_end(const char *buf, size_t len, size_t i, size_t *text_end)
{
    const char *lf = memchr(buf + i, '\n', len - i);
    size_t end = lf ? (size_t)(lf - buf) : len;
    const char *cr = memchr(buf + i, '\r', end - i);
    if (cr && (lf == NULL || cr != lf - 1)) {
        if (lf || (size_t)(cr - buf) + 1 < len)
            return -1; /* a bare CR; a CR at the very end may still get its LF */
    }
    *text_end = (lf && end > i && buf[end - 1] == '\r') ? end - 1 : end;
    return (long)end;
}

static int parse_version(const char *v, size_t n, struct ls_http_head *out, struct ls_http_error *e)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9')
        return bad(e, "malformed request line: the HTTP version must look like HTTP/1.1");
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return fail(e, 505, "http_version_not_supported",
                    "only HTTP/1.0 and HTTP/1.1 are supported");
    out->minor = v[7] - '0';
    return 0;
}

/* method SP request-target SP HTTP-version (RFC 9112 section 3). */
static int parse_request_line(const char *s, size_t n, struct ls_http_head *out,
                              struct ls_http_error *e)
{
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == 0 || i == n || s[i] != ' ')
        return bad(e, "malformed request line: expected \"METHOD /path HTTP/1.1\"");
    if (i > LS_HTTP_METHOD_MAX)
        return bad(e, "malformed request line: the method is too long");
    out->method = s;
    out->method_len = i;
    size_t t = ++i;
    while (i < n && s[i] != ' ') {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F)
            return bad(e, "malformed request line: control character in the target");
        i++;
    }
    if (i == t)
        return bad(e, "malformed request line: expected \"METHOD /path HTTP/1.1\"");
    if (i - t > LS_HTTP_TARGET_MAX)
        return fail(e, 414, "uri_too_long", "the request target is longer than 8192 bytes");
    if (i == n)
        return bad(e, "malformed request line: no HTTP version");
    out->target = s + t;
    out->target_len = i - t;
    i++;
    return parse_version(s + i, n - i, out, e);
}

static int parse_field(const char *s, size_t n, struct ls_http_head *out, struct ls_http_error *e)
{
    if (s[0] == ' ' || s[0] == '\t')
        return bad(e, "obsolete line folding in the request headers");
    size_t i = 0;
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    if (i == n || s[i] != ':')
        return bad(e, i < n && (s[i] == ' ' || s[i] == '\t')
                          ? "whitespace between a header name and its colon"
                          : "malformed header line: expected \"Name: value\"");
    if (i == 0)
        return bad(e, "a header line has an empty name");
    if (out->n_fields == LS_HTTP_HEADERS_MAX)
        return fail(e, 431, "header_too_large", "more than 100 request header fields");
    struct ls_http_field *f = &out->fields[out->n_fields++];
    f->name = s;
    f->name_len = i;
    size_t v = i + 1, end = n;
    while (v < end && (s[v] == ' ' || s[v] == '\t'))
        v++;
    while (end > v && (s[end - 1] == ' ' || s[end - 1] == '\t'))
        end--;
    for (size_t k = v; k < end; k++) {
        if (!is_field_byte((unsigned char)s[k]))
            return bad(e, "a control character in a header value");
    }
    f->value = s + v;
    f->value_len = end - v;
    return 0;
}

static int too_big(struct ls_http_error *e, size_t max_head)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "the request line and headers are larger than %zu bytes", max_head);
    return fail(e, 431, "header_too_large", msg);
}

int ls_http_parse_head(const char *buf, size_t len, size_t max_head, struct ls_http_head *out,
                       struct ls_http_error *e)
{
    size_t i = 0;
    /* RFC 9112 section 2.2: ignore empty lines before the request line. */
    for (int k = 0; k < 4 && i < len && (buf[i] == '\r' || buf[i] == '\n'); k++) {
        if (buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n')
            i += 2;
        else if (buf[i] == '\n')
            i++;
        else
            break;
    }
    memset(out, 0, offsetof(struct ls_http_head, fields));
    out->n_fields = 0;
    size_t text_end;
    long lf = line_end(buf, len, i, &text_end);
    if (lf < 0)
        return bad(e, "a bare CR in the request line");
    if ((size_t)lf == len) {
        /* No whole request line yet: it can only still fit if the limits allow. */
        const char *sp = memchr(buf + i, ' ', len - i);
        if (sp && len - (size_t)(sp - buf) > LS_HTTP_TARGET_MAX + 10)
            return fail(e, 414, "uri_too_long", "the request target is longer than 8192 bytes");
        if (len >= max_head)
            return too_big(e, max_head);
        return 0;
    }
    if (parse_request_line(buf + i, text_end - i, out, e) != 0)
        return -1;
    size_t pos = (size_t)lf + 1;
    for (;;) {
        if (pos > max_head)
            return too_big(e, max_head);
        lf = line_end(buf, len, pos, &text_end);
        if (lf < 0)
            return bad(e, "a bare CR in the request headers");
        if ((size_t)lf == len)
            return len >= max_head ? too_big(e, max_head) : 0;
        if (memchr(buf + pos, '\0', text_end - pos))
            return bad(e, "a NUL byte in the request headers");
        if (text_end == pos) {
            out->head_len = (size_t)lf + 1;
            return out->head_len > max_head ? too_big(e, max_head) : 1;
        }
        if (parse_field(buf + pos, text_end - pos, out, e) != 0)
            return -1;
        pos = (size_t)lf + 1;
    }
}

static bool name_is(const struct ls_http_field *f, const char *name)
{
    return strlen(name) == f->name_len && strncasecmp(f->name, name, f->name_len) == 0;
}

const struct ls_http_field *ls_http_field_get(const struct ls_http_head *h, const char *name)
{
    for (size_t i = 0; i < h->n_fields; i++) {
        if (name_is(&h->fields[i], name))
            return &h->fields[i];
    }
    return NULL;
}

size_t ls_http_field_count(const struct ls_http_head *h, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_fields; i++)
        n += name_is(&h->fields[i], name);
    return n;
}

/* Calls fn on each comma-separated element of a field value, trimmed; non-zero stops. */
static int each_element(const char *v, size_t n, int (*fn)(void *, const char *, size_t), void *ud)
{
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        size_t a = i, b = j;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        int rc = fn(ud, v + a, b - a);
        if (rc)
            return rc;
        i = j + 1;
    }
    return 0;
}

struct cl_state {
    bool seen;
    uint64_t value;
};

static int cl_element(void *ud, const char *s, size_t n)
{
    struct cl_state *st = ud;
    if (n == 0 || n > 18)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (st->seen && st->value != v)
        return -2;
    st->seen = true;
    st->value = v;
    return 0;
}

struct conn_state {
    bool close, keep_alive;
};

static bool token_is(const char *s, size_t n, const char *tok)
{
    return n == strlen(tok) && strncasecmp(s, tok, n) == 0;
}

static int conn_element(void *ud, const char *s, size_t n)
{
    struct conn_state *st = ud;
    if (token_is(s, n, "close"))
        st->close = true;
    else if (token_is(s, n, "keep-alive"))
        st->keep_alive = true;
    return 0;
}

static int read_length(const struct ls_http_head *h, struct ls_http_framing *f,
                       struct ls_http_error *e)
{
    struct cl_state cl = {0};
    for (size_t i = 0; i < h->n_fields; i++) {
        const struct ls_http_field *fd = &h->fields[i];
        if (!name_is(fd, "content-length"))
            continue;
        int rc = each_element(fd->value, fd->value_len, cl_element, &cl);
        if (rc == -2)
            return bad(e, "conflicting Content-Length values");
        if (rc)
            return bad(e, "Content-Length must be a non-negative decimal number");
    }
    size_t n_te = ls_http_field_count(h, "transfer-encoding");
    if (n_te) {
        const struct ls_http_field *te = ls_http_field_get(h, "transfer-encoding");
        if (h->minor == 0)
            return bad(e, "Transfer-Encoding is not allowed in HTTP/1.0");
        if (n_te > 1 || !token_is(te->value, te->value_len, "chunked"))
            return bad(e, "unsupported Transfer-Encoding (only \"chunked\" is accepted)");
        if (cl.seen)
            return bad(e, "a request cannot have both Content-Length and Transfer-Encoding");
        f->body = LS_HTTP_BODY_CHUNKED;
    } else if (cl.seen && cl.value > 0) {
        f->body = LS_HTTP_BODY_LENGTH;
        f->length = cl.value;
    }
    return 0;
}

int ls_http_framing_read(const struct ls_http_head *h, struct ls_http_framing *f,
                         struct ls_http_error *e)
{
    memset(f, 0, sizeof(*f));
    if (read_length(h, f, e) != 0)
        return -1;
    size_t n_host = ls_http_field_count(h, "host");
    if (n_host > 1)
        return bad(e, "more than one Host header");
    if (n_host == 0 && h->minor == 1)
        return bad(e, "HTTP/1.1 requests must have a Host header");
    const struct ls_http_field *host = ls_http_field_get(h, "host");
    if (host) {
        f->host = host->value;
        f->host_len = host->value_len;
    }
    struct conn_state cs = {0};
    for (size_t i = 0; i < h->n_fields; i++) {
        if (name_is(&h->fields[i], "connection"))
            each_element(h->fields[i].value, h->fields[i].value_len, conn_element, &cs);
    }
    f->keep_alive = !cs.close && (h->minor == 1 || cs.keep_alive);
    const struct ls_http_field *ex = ls_http_field_get(h, "expect");
    if (ex) {
        if (!token_is(ex->value, ex->value_len, "100-continue"))
            return fail(e, 417, "expectation_failed", "only \"Expect: 100-continue\" is supported");
        /* RFC 9110 section 10.1.1: an HTTP/1.0 client gets no 1xx; it is ignored. */
        f->expect_continue = h->minor == 1;
    }
    return 0;
}

/* ---- chunked bodies ---------------------------------------------------- */

/*
 * Chunked framing is read strictly (RFC 9112 section 7.1): every line ends
 * in CRLF, a chunk size is followed only by optional whitespace and ";"
 * extensions, and no control character appears in an extension or a
 * trailer. A lenient reader and a proxy in front of it can disagree on where
 * a body ends - a bare LF inside an extension is the known way to smuggle a
 * request past the proxy - so anything else is a 400.
 */
enum {
    C_SIZE,
    C_SIZE_WS,
    C_EXT,
    C_SIZE_LF,
    C_DATA,
    C_DATA_CR,
    C_DATA_LF,
    C_TRAILER_START,
    C_TRAILER,
    C_TRAILER_LF,
    C_END_LF,
    C_DONE,
};

void ls_http_chunked_init(struct ls_http_chunked *c)
{
    memset(c, 0, sizeof(*c));
    c->state = C_SIZE;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* A byte that may not appear in chunked framing text: controls but HTAB, and DEL. */
static bool is_ctl(char ch)
{
    unsigned char u = (unsigned char)ch;
    return (u < 0x20 && u != '\t') || u == 0x7f;
}

/* The size line ended: data follows, or the trailer after the last chunk. */
static int size_line_done(struct ls_http_chunked *c, struct ls_http_error *e)
{
    if (c->digits == 0)
        return bad(e, "malformed chunked body: a chunk has no size");
    c->state = c->left ? C_DATA : C_TRAILER_START;
    c->line_len = 0;
    return 0;
}

static int bare_lf(struct ls_http_error *e)
{
    return bad(e, "malformed chunked body: a line ends in a bare LF, not CRLF");
}

static int chunk_byte(struct ls_http_chunked *c, char ch, struct ls_http_error *e)
{
    switch (c->state) {
    case C_SIZE: {
        int h = hexval(ch);
        if (h >= 0) {
            if (++c->digits > 15)
                return bad(e, "malformed chunked body: a chunk size is too large");
            c->left = c->left * 16 + (uint64_t)h;
            return 0;
        }
        if (c->digits == 0)
            return bad(e, ch == '\r' || ch == '\n' || ch == ';'
                              ? "malformed chunked body: a chunk has no size"
                              : "malformed chunked body: a chunk size is not hexadecimal");
        if (ch == ';') {
            c->state = C_EXT;
            return 0;
        }
        if (ch == ' ' || ch == '\t') {
            c->state = C_SIZE_WS;
            return 0;
        }
        if (ch == '\r') {
            c->state = C_SIZE_LF;
            return 0;
        }
        return ch == '\n' ? bare_lf(e)
                          : bad(e, "malformed chunked body: a chunk size is not hexadecimal");
    }
    case C_SIZE_WS:
        if (ch == ' ' || ch == '\t')
            return 0;
        if (ch == ';') {
            c->state = C_EXT;
            return 0;
        }
        if (ch == '\r') {
            c->state = C_SIZE_LF;
            return 0;
        }
        return bad(e, "malformed chunked body: a chunk size is followed by something other than "
                      "\";\" and an extension");
    case C_EXT:
        if (++c->line_len > LS_HTTP_CHUNK_LINE_MAX)
            return bad(e, "malformed chunked body: a chunk extension is too long");
        if (ch == '\r') {
            c->state = C_SIZE_LF;
            return 0;
        }
        if (ch == '\n')
            return bare_lf(e);
        return is_ctl(ch) ? bad(e, "malformed chunked body: a control character in a chunk "
                                   "extension")
                          : 0;
    case C_SIZE_LF:
        return ch == '\n' ? size_line_done(c, e)
                          : bad(e, "malformed chunked body: a bare CR in a chunk size line");
    case C_DATA_CR:
        if (ch == '\r') {
            c->state = C_DATA_LF;
            return 0;
        }
        return ch == '\n' ? bare_lf(e)
                          : bad(e, "malformed chunked body: chunk data is not followed by CRLF");
    case C_DATA_LF:
        if (ch != '\n')
            return bad(e, "malformed chunked body: chunk data is not followed by CRLF");
        c->state = C_SIZE;
        c->digits = 0;
        return 0;
    case C_TRAILER_START:
        if (ch == '\r') {
            c->state = C_END_LF;
            return 0;
        }
        if (ch == '\n')
            return bare_lf(e);
        c->state = C_TRAILER;
        return chunk_byte(c, ch, e);
    case C_TRAILER:
        if (++c->line_len > LS_HTTP_TRAILER_MAX)
            return bad(e, "malformed chunked body: the trailer section is too large");
        if (ch == '\r') {
            c->state = C_TRAILER_LF;
            return 0;
        }
        if (ch == '\n')
            return bare_lf(e);
        return is_ctl(ch) ? bad(e, "malformed chunked body: a control character in the trailer")
                          : 0;
    case C_TRAILER_LF:
        if (ch != '\n')
            return bad(e, "malformed chunked body: a bare CR in the trailer");
        c->state = C_TRAILER_START;
        return 0;
    case C_END_LF:
        if (ch != '\n')
            return bad(e, "malformed chunked body: a bare CR after the last chunk");
        c->state = C_DONE;
        return 0;
    default:
        return 0;
    }
}

int ls_http_chunked_feed(struct ls_http_chunked *c, const char *in, size_t len, char *out,
                         size_t *out_len, size_t *used, struct ls_http_error *e)
{
    size_t i = 0, w = 0;
    while (i < len && c->state != C_DONE) {
        if (c->state == C_DATA) {
            size_t n = len - i;
            if (n > c->left)
                n = (size_t)c->left;
            memmove(out + w, in + i, n); /* out may be in itself; w <= i always */
            w += n;
            i += n;
            c->left -= n;
            if (c->left == 0)
                c->state = C_DATA_CR;
            continue;
        }
        if (chunk_byte(c, in[i], e) != 0)
            return -1;
        i++;
    }
    *out_len = w;
    *used = i;
    c->done = c->state == C_DONE;
    return c->done ? 1 : 0;
}

/* ---- URL decoding --------------------------------------------------------- */

int ls_url_decode(const char *src, size_t len, bool plus_is_space, char *out, size_t *out_len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (ch == '%') {
            if (len - i < 3)
                return -1;
            int a = hexval(src[i + 1]), b = hexval(src[i + 2]);
            if (a < 0 || b < 0)
                return -1;
            out[w++] = (char)(a * 16 + b);
            i += 2;
        } else if (ch == '+' && plus_is_space) {
            out[w++] = ' ';
        } else {
            out[w++] = ch;
        }
    }
    out[w] = '\0';
    *out_len = w;
    return 0;
}
