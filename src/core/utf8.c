/* utf8.c - UTF-8 validation and Windows-1252 decoding. Pure. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#include "err.h"

/* ASCII fast path: most lead data is plain ASCII, checked 8 bytes at a time. */
static size_t ascii_prefix(const unsigned char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    while (i < len && s[i] < 0x80)
        i++;
    return i;
}

size_t ls_utf8_seq(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0; /* continuation byte, overlong lead C0/C1, or F5+ */
    }
    if (len - 1 < n)
        return 0;
    for (size_t k = 1; k <= n; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

/* True when s[0..len) is the start of a sequence that a limit cut short. */
static bool cut_sequence(const unsigned char *s, size_t len)
{
    size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (need == 0 || s[0] > 0xF4 || len >= need)
        return false;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return false;
    }
    return true;
}

void ls_utf8_sanitize(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = (unsigned char)s[i] < 0x80 ? 1 : ls_utf8_seq(s + i, len - i);
        if (n) {
            i += n;
        } else if (cut_sequence((const unsigned char *)s + i, len - i)) {
            s[i] = '\0'; /* a character cut at the end: drop its start */
            return;
        } else {
            s[i++] = '?';
        }
    }
}

bool ls_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = ascii_prefix(s, len);
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = ls_utf8_seq(str + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* Windows-1252 0x80..0x9F; 0 marks the five undefined bytes. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

int ls_cp1252_to_utf8(const char *str, size_t len, struct ls_buf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        size_t run = ascii_prefix(s + i, len - i);
        if (run) {
            int rc = ls_buf_add(out, s + i, run);
            if (rc)
                return rc;
            i += run;
            continue;
        }
        unsigned c = s[i++];
        uint32_t cp = c;
        if (c >= 0x80 && c <= 0x9F)
            cp = cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD;
        char enc[3];
        size_t n;
        if (cp < 0x800) {
            enc[0] = (char)(0xC0 | (cp >> 6));
            enc[1] = (char)(0x80 | (cp & 0x3F));
            n = 2;
        } else {
            enc[0] = (char)(0xE0 | (cp >> 12));
            enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            enc[2] = (char)(0x80 | (cp & 0x3F));
            n = 3;
        }
        int rc = ls_buf_add(out, enc, n);
        if (rc)
            return rc;
    }
    return LS_OK;
}

size_t ls_utf8_clip(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    /* Step back over continuation bytes to the start of the cut sequence. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}
