/*
 * http_parse.h - HTTP/1.1 request heads, message framing, chunked bodies and
 * URL decoding (RFC 9110, RFC 9112). Pure: bytes in, structs out.
 *
 * The parser is strict where leniency has been the root of request smuggling
 * and cache poisoning (duplicate or conflicting Content-Length, unknown
 * Transfer-Encoding, obs-fold, bare CR, whitespace before the colon) and
 * lenient only where RFC 9112 allows it (a bare LF as line end, empty lines
 * before the request line). Every error carries the HTTP status to answer
 * with and a machine code, so the server can answer every malformed request
 * itself with its JSON error body.
 */
#ifndef LS_CORE_HTTP_PARSE_H
#define LS_CORE_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LS_HTTP_HEADERS_MAX    100  /* header fields per request (431 above) */
#define LS_HTTP_TARGET_MAX     8192 /* bytes of a request-target (414 above) */
#define LS_HTTP_METHOD_MAX     15   /* bytes of a method token */
#define LS_HTTP_CHUNK_LINE_MAX 1024 /* bytes of a chunk-size line with extensions */
#define LS_HTTP_TRAILER_MAX    8192 /* bytes of a chunked body's trailer section */

/* Why a request cannot be served as sent: the status to answer and a machine code. */
struct ls_http_error {
    unsigned status;  /* 400, 408, 413, 414, 417, 431, 505 */
    const char *code; /* static: "bad_request", "header_too_large", ... */
    char msg[160];    /* lower case, says what was wrong */
};

struct ls_http_field {
    const char *name; /* borrowed from the parsed buffer; not NUL-terminated */
    size_t name_len;
    const char *value; /* borrowed; surrounding whitespace removed */
    size_t value_len;
};

struct ls_http_head {
    const char *method; /* borrowed from the buffer; not NUL-terminated */
    size_t method_len;
    const char *target; /* borrowed; the raw request-target */
    size_t target_len;
    int minor; /* HTTP/1.<minor>: 0 or 1 */
    struct ls_http_field fields[LS_HTTP_HEADERS_MAX];
    size_t n_fields;
    size_t head_len; /* bytes of the head, the final empty line included */
};

/*
 * Parses a request head from buf[0..len). Returns 1 and fills *out when a
 * whole head is there (out->head_len says how much of buf it used), 0 when
 * more bytes are needed, or -1 with *e filled when the head is malformed or
 * over its limits: max_head bytes in all (431), LS_HTTP_TARGET_MAX for the
 * target (414), LS_HTTP_HEADERS_MAX fields (431), a version other than 1.0
 * or 1.1 (505), anything else malformed (400). A need-more-bytes answer is
 * only given while the limits can still be met, so a caller that calls again
 * as bytes arrive always ends with 1 or -1. out's pointers borrow buf.
 */
int ls_http_parse_head(const char *buf, size_t len, size_t max_head, struct ls_http_head *out,
                       struct ls_http_error *e);

/* The first field named name (case-insensitive), or NULL. Borrowed from h. */
const struct ls_http_field *ls_http_field_get(const struct ls_http_head *h, const char *name);

/* How many fields are named name. */
size_t ls_http_field_count(const struct ls_http_head *h, const char *name);

enum ls_http_body { LS_HTTP_BODY_NONE, LS_HTTP_BODY_LENGTH, LS_HTTP_BODY_CHUNKED };

/* What the head says about the message around it. */
struct ls_http_framing {
    enum ls_http_body body;
    uint64_t length;      /* for LS_HTTP_BODY_LENGTH */
    bool keep_alive;      /* the connection may carry another request */
    bool expect_continue; /* "Expect: 100-continue" */
    const char *host;     /* borrowed; NULL when absent (HTTP/1.0) */
    size_t host_len;
};

/*
 * Reads the framing of a request: Content-Length (identical duplicates are
 * one; differing ones, lists, signs or non-digits are errors),
 * Transfer-Encoding (only "chunked", alone, never with Content-Length, never
 * in HTTP/1.0), Host (exactly one in HTTP/1.1), Connection and Expect (only
 * 100-continue; anything else is 417). 0, or -1 with *e.
 */
int ls_http_framing_read(const struct ls_http_head *h, struct ls_http_framing *f,
                         struct ls_http_error *e);

/* A chunked request body being decoded (RFC 9112 section 7.1). */
struct ls_http_chunked {
    int state;
    uint64_t left;   /* data bytes left in the current chunk */
    size_t line_len; /* bytes of the current size line or trailer so far */
    int digits;
    bool done;
};

void ls_http_chunked_init(struct ls_http_chunked *c);

/*
 * Decodes in[0..len): data bytes are moved to the front of out (which may be
 * in itself: decoding only ever shrinks) and *out_len says how many;
 * *used says how many input bytes were consumed (fewer than len only when
 * the body ended: the rest belongs to the next request). Returns 1 when the
 * last chunk and its trailer are complete, 0 when more input is needed, -1
 * with *e on malformed input.
 */
int ls_http_chunked_feed(struct ls_http_chunked *c, const char *in, size_t len, char *out,
                         size_t *out_len, size_t *used, struct ls_http_error *e);

/*
 * Percent-decodes src[0..len) into out (at least len + 1 bytes); when
 * plus_is_space, '+' becomes ' ' (query strings). The result may hold any
 * byte, NUL included: *out_len is its length (out is also NUL-terminated).
 * -1 when a '%' is not followed by two hex digits.
 */
int ls_url_decode(const char *src, size_t len, bool plus_is_space, char *out, size_t *out_len);

#endif
