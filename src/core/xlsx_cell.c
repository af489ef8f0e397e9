/*
 * xlsx_cell.c - the text of one XLSX cell: valid UTF-8 of XML 1.0
 * characters, Excel's own escape pattern escaped, cut to Excel's cell limit.
 * Pure.
 */
#include "xlsx_cell.h"

#include <stdint.h>
#include <string.h>

#include "err.h"
#include "utf8.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define ESCAPE_US   "_x005F"       /* "_x005F_" without the underscore that follows */

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when s (len bytes) starts with Excel's escape pattern _xHHHH_ (ECMA-376 22.9.2.19). */
static bool is_escape_pattern(const char *s, size_t len)
{
    return len >= 7 && s[0] == '_' && (s[1] == 'x' || s[1] == 'X') && is_hex(s[2]) &&
           is_hex(s[3]) && is_hex(s[4]) && is_hex(s[5]) && s[6] == '_';
}

/* The code point of the valid n-byte UTF-8 sequence at s. */
static uint32_t code_point(const unsigned char *s, size_t n)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = s[0] & lead_mask[n];
    for (size_t k = 1; k < n; k++)
        cp = (cp << 6) | (s[k] & 0x3F);
    return cp;
}

int ls_xlsx_cell_text(const char *s, size_t len, struct ls_buf *out, bool *is_clipped)
{
    struct ls_buf fixed;
    ls_buf_init(&fixed, 3 * len + 16);
    if (!ls_utf8_valid(s, len)) {
        ls_cp1252_to_utf8(s, len, &fixed);
        s = ls_buf_str(&fixed);
        len = fixed.len;
    }
    /* shown: UTF-16 units as Excel counts; written: characters libxlsxwriter counts. */
    size_t shown = 0, written = 0, i = 0;
    int rc = LS_OK;
    while (i < len && rc == LS_OK) {
        size_t n = ls_utf8_seq(s + i, len - i);
        uint32_t cp = code_point((const unsigned char *)s + i, n);
        const char *emit = s + i;
        size_t emit_len = n, emit_chars = 1, units = cp >= 0x10000 ? 2 : 1;
        if (cp == '\r') {
            emit = "\n";
            if (i + 1 < len && s[i + 1] == '\n')
                n = 2; /* CR LF is one line break */
        } else if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF) {
            emit = REPLACEMENT;
            emit_len = 3;
        } else if (is_escape_pattern(s + i, len - i)) {
            emit = ESCAPE_US "_";
            emit_len = emit_chars = 7;
        }
        if (shown + units > LS_XLSX_CELL_MAX || written + emit_chars > LS_XLSX_CELL_MAX)
            break;
        rc = ls_buf_add(out, emit, emit_len);
        shown += units;
        written += emit_chars;
        i += n;
    }
    ls_buf_release(&fixed);
    if (is_clipped)
        *is_clipped = i < len;
    return rc;
}

bool ls_xlsx_cell_number(const char *s, size_t len, double *out)
{
    size_t i = len && s[0] == '-' ? 1 : 0;
    size_t digits = len - i;
    if (digits == 0 || digits > 15 || (s[i] == '0' && digits > 1) || (i && s[i] == '0'))
        return false;
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = (double)(s[0] == '-' ? -v : v);
    return true;
}
