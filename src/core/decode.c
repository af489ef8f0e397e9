/*
 * decode.c - encoding detection, streaming conversion to UTF-8, and the
 * Windows-1252 plausibility check. Pure.
 *
 * UTF-16 is converted here rather than by iconv: it is what Excel's "Unicode
 * Text" writes, so it is the common case after UTF-8, and a loop over code
 * units is as fast as the CSV parser behind it. Everything else asked for by
 * name goes through iconv, whose input is kept in a carry buffer between
 * calls so that a character cut by a chunk boundary is converted whole.
 */
#include "decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define OUT_CHUNK   16384
#define SNIFF_MAX   1024 /* bytes looked at for the UTF-16 NUL pattern */
#define REPLACEMENT "\xEF\xBF\xBD"

struct ls_decoder {
    bool is_iconv;
    bool is_le;          /* UTF-16 byte order */
    iconv_t cd;          /* iconv only */
    struct ls_buf pend;  /* iconv only: input not converted yet (a cut character) */
    unsigned char carry; /* UTF-16: the first byte of a cut code unit */
    bool has_carry;
    uint32_t high; /* UTF-16: a high surrogate waiting for its low half; 0 when none */
    bool started;  /* output has begun (a byte order mark is dropped only at the start) */
    uint64_t replaced;
    char obuf[OUT_CHUNK];
    size_t olen;
};

/* ---- detection ------------------------------------------------------------------ */

void ls_encoding_sniff(const void *data, size_t len, struct ls_encoding_sniff *out)
{
    const unsigned char *p = data;
    memset(out, 0, sizeof(*out));
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *out = (struct ls_encoding_sniff){"utf-8", 3, true};
        return;
    }
    if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        *out = (struct ls_encoding_sniff){"utf-16le", 2, true};
        return;
    }
    if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        *out = (struct ls_encoding_sniff){"utf-16be", 2, true};
        return;
    }
    /*
     * No mark: ASCII text in UTF-16 has a NUL in every other byte, and a CSV
     * header is ASCII. Demand a clear pattern - most odd (LE) or even (BE)
     * bytes NUL and almost none of the others - so a UTF-8 file with a stray
     * NUL is never taken for UTF-16.
     */
    size_t n = len < SNIFF_MAX ? len : SNIFF_MAX;
    n &= ~(size_t)1;
    if (n < 4)
        return;
    size_t nul_even = 0, nul_odd = 0;
    for (size_t i = 0; i < n; i += 2) {
        nul_even += p[i] == 0;
        nul_odd += p[i + 1] == 0;
    }
    size_t units = n / 2;
    if (nul_odd * 4 >= units * 3 && nul_even * 16 <= units)
        *out = (struct ls_encoding_sniff){"utf-16le", 0, false};
    else if (nul_even * 4 >= units * 3 && nul_odd * 16 <= units)
        *out = (struct ls_encoding_sniff){"utf-16be", 0, false};
}

/* ---- the decoder ---------------------------------------------------------------- */

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > LS_ENCODING_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok)
            return false;
    }
    return true;
}

/* "UTF-16LE", "utf16le", "UTF_16LE" -> "utf16le" for the comparisons below. */
static void squash(const char *name, char *out, size_t cap)
{
    size_t w = 0;
    for (; *name && w + 1 < cap; name++) {
        char c = *name;
        if (c == '-' || c == '_')
            continue;
        out[w++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[w] = '\0';
}

struct ls_decoder *ls_decoder_new(const char *name, struct ls_err *err)
{
    if (!name_ok(name)) {
        ls_err_set(err, LS_EINVAL,
                   "encoding \"%.40s\" is not an encoding name (letters, digits and -_.: only, "
                   "at most %d bytes)",
                   name, LS_ENCODING_NAME_MAX);
        return NULL;
    }
    char sq[LS_ENCODING_NAME_MAX + 1];
    squash(name, sq, sizeof(sq));
    struct ls_decoder *d = ls_xcalloc(1, sizeof(*d));
    if (strcmp(sq, "utf16le") == 0 || strcmp(sq, "utf16be") == 0) {
        d->is_le = sq[5] == 'l';
        return d;
    }
    d->is_iconv = true;
    d->cd = iconv_open("UTF-8", name);
    if (d->cd == (iconv_t)-1) {
        free(d);
        ls_err_set(err, LS_EINVAL,
                   "unknown encoding \"%s\" (?encoding= takes a name iconv knows, e.g. utf-8, "
                   "windows-1252, macintosh, shift_jis, iso-8859-15, utf-16)",
                   name);
        return NULL;
    }
    ls_buf_init(&d->pend, SIZE_MAX);
    return d;
}

void ls_decoder_free(struct ls_decoder *d)
{
    if (d == NULL)
        return;
    if (d->is_iconv) {
        iconv_close(d->cd);
        ls_buf_release(&d->pend);
    }
    free(d);
}

uint64_t ls_decoder_replaced(const struct ls_decoder *d)
{
    return d->replaced;
}

static int flush(struct ls_decoder *d, struct ls_buf *out)
{
    const char *p = d->obuf;
    size_t n = d->olen;
    d->olen = 0;
    if (!d->started && n) {
        d->started = true;
        if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3; /* U+FEFF at the start is a byte order mark, not text */
            n -= 3;
        }
    }
    return n ? ls_buf_add(out, p, n) : LS_OK;
}

static int put_cp(struct ls_decoder *d, uint32_t cp, struct ls_buf *out)
{
    if (d->olen + 4 > sizeof(d->obuf)) {
        int rc = flush(d, out);
        if (rc)
            return rc;
    }
    char *o = d->obuf + d->olen;
    if (cp < 0x80) {
        o[0] = (char)cp;
        d->olen += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        d->olen += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        d->olen += 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        d->olen += 4;
    }
    return LS_OK;
}

static int put_bad(struct ls_decoder *d, struct ls_buf *out)
{
    d->replaced++;
    return put_cp(d, 0xFFFD, out);
}

/* One UTF-16 code unit; surrogate pairs are joined across calls through d->high. */
static int utf16_unit(struct ls_decoder *d, uint32_t u, struct ls_buf *out)
{
    int rc = LS_OK;
    if (d->high) {
        uint32_t hi = d->high;
        d->high = 0;
        if (u >= 0xDC00 && u <= 0xDFFF)
            return put_cp(d, 0x10000 + ((hi - 0xD800) << 10) + (u - 0xDC00), out);
        rc = put_bad(d, out); /* a high surrogate without its low half */
        if (rc)
            return rc;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
        d->high = u;
        return LS_OK;
    }
    if (u >= 0xDC00 && u <= 0xDFFF)
        return put_bad(d, out);
    return put_cp(d, u, out);
}

static int utf16_feed(struct ls_decoder *d, const unsigned char *p, size_t len, bool is_final,
                      struct ls_buf *out)
{
    int rc = LS_OK;
    if (d->has_carry && len) {
        unsigned char b0 = d->carry, b1 = p[0];
        d->has_carry = false;
        p++;
        len--;
        rc = utf16_unit(d, d->is_le ? (uint32_t)(b0 | b1 << 8) : (uint32_t)(b0 << 8 | b1), out);
    }
    size_t i = 0;
    for (; rc == LS_OK && i + 1 < len; i += 2) {
        uint32_t u = d->is_le ? (uint32_t)(p[i] | p[i + 1] << 8) : (uint32_t)(p[i] << 8 | p[i + 1]);
        if (u < 0x80 && !d->high) {
            /* ASCII, nearly all of a CSV: no surrogate state, one byte out. */
            if (d->olen == sizeof(d->obuf) && (rc = flush(d, out)) != LS_OK)
                break;
            d->obuf[d->olen++] = (char)u;
            continue;
        }
        rc = utf16_unit(d, u, out);
    }
    if (rc == LS_OK && i < len) {
        d->carry = p[i];
        d->has_carry = true;
    }
    if (rc == LS_OK && is_final) {
        if (d->has_carry) {
            d->has_carry = false;
            rc = put_bad(d, out); /* half a code unit */
        }
        if (rc == LS_OK && d->high) {
            d->high = 0;
            rc = put_bad(d, out);
        }
    }
    return rc;
}

static int iconv_out(struct ls_decoder *d, size_t n, struct ls_buf *out)
{
    d->olen = n;
    return flush(d, out);
}

static int iconv_feed(struct ls_decoder *d, const char *p, size_t len, bool is_final,
                      struct ls_buf *out)
{
    int rc = ls_buf_add(&d->pend, p, len);
    char *in = d->pend.data;
    size_t left = d->pend.len;
    while (rc == LS_OK && left) {
        char *o = d->obuf;
        size_t room = sizeof(d->obuf);
        size_t r = iconv(d->cd, &in, &left, &o, &room);
        int e = errno;
        rc = iconv_out(d, (size_t)(o - d->obuf), out);
        if (r != (size_t)-1 || rc)
            break;
        if (e == E2BIG)
            continue;
        if (e == EINVAL && !is_final)
            break; /* a character cut at the end: wait for the rest */
        /* EILSEQ, or EINVAL at the end of the input: one byte becomes U+FFFD. */
        in++;
        left--;
        rc = put_bad(d, out);
        if (rc == LS_OK)
            rc = flush(d, out);
    }
    if (rc == LS_OK && is_final) {
        char *o = d->obuf;
        size_t room = sizeof(d->obuf);
        iconv(d->cd, NULL, NULL, &o, &room); /* the shift state's closing bytes */
        rc = iconv_out(d, (size_t)(o - d->obuf), out);
    }
    if (left && in != d->pend.data)
        memmove(d->pend.data, in, left);
    d->pend.len = left;
    return rc;
}

int ls_decoder_feed(struct ls_decoder *d, const void *p, size_t len, bool is_final,
                    struct ls_buf *out)
{
    int rc =
        d->is_iconv ? iconv_feed(d, p, len, is_final, out) : utf16_feed(d, p, len, is_final, out);
    if (rc == LS_OK)
        rc = flush(d, out);
    return rc;
}

/* ---- Windows-1252 plausibility --------------------------------------------------- */

enum cls { C_OTHER, C_LOWER, C_UPPER, C_SYMBOL, C_UNDEFINED };

/* How a byte reads in Windows-1252. */
static enum cls cp1252_class(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return C_LOWER;
    if (c >= 'A' && c <= 'Z')
        return C_UPPER;
    if (c < 0x80)
        return C_OTHER;
    switch (c) {
    case 0x81:
    case 0x8D:
    case 0x8F:
    case 0x90:
    case 0x9D:
        return C_UNDEFINED;
    case 0x8A:
    case 0x8C:
    case 0x8E:
    case 0x9F: /* Š Œ Ž Ÿ */
        return C_UPPER;
    case 0x9A:
    case 0x9C:
    case 0x9E: /* š œ ž */
        return C_LOWER;
    case 0x92: /* ’ as in O’Brien */
    case 0xA0:
    case 0xAD: /* no-break space, soft hyphen */
    case 0xAA:
    case 0xB5:
    case 0xBA: /* ª µ º */
        return C_OTHER;
    case 0xD7:
    case 0xF7: /* × ÷ */
        return C_SYMBOL;
    default:
        break;
    }
    if (c < 0xC0)
        return C_SYMBOL; /* € ‚ ƒ „ … † ‡ ˆ ‰ ‹ ‘ “ ” • – — ˜ ™ › and ¡ to ¿ */
    return c < 0xDF ? C_UPPER : C_LOWER;
}

static bool is_letter(enum cls c)
{
    return c == C_LOWER || c == C_UPPER;
}

bool ls_cp1252_doubtful(const char *s, size_t len, char *why, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (u[i] < 0x80)
            continue;
        enum cls c = cp1252_class(u[i]);
        if (c == C_UNDEFINED) {
            snprintf(why, cap, "byte 0x%02X is not a Windows-1252 character", u[i]);
            return true;
        }
        enum cls before = i ? cp1252_class(u[i - 1]) : C_OTHER;
        enum cls after = i + 1 < len ? cp1252_class(u[i + 1]) : C_OTHER;
        if (c == C_SYMBOL && is_letter(before) && is_letter(after)) {
            snprintf(why, cap, "byte 0x%02X reads as a symbol between two letters", u[i]);
            return true;
        }
        if (c == C_UPPER && before == C_LOWER) {
            snprintf(why, cap, "byte 0x%02X reads as a capital right after a small letter", u[i]);
            return true;
        }
    }
    return false;
}
