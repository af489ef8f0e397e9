/* jsonx.c - JSON string escaping. Pure. */
#include "jsonx.h"

#include <string.h>

#include "err.h"
#include "utf8.h"

static int escape_valid(struct ls_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0; /* bytes that need no escaping, copied in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        if (run && ls_buf_add(b, s + i - run, run))
            return LS_ELIMIT;
        run = 0;
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (ls_buf_add(b, esc, n))
            return LS_ELIMIT;
    }
    if (run && ls_buf_add(b, s + len - run, run))
        return LS_ELIMIT;
    return LS_OK;
}

int ls_json_str(struct ls_buf *b, const char *s, size_t len)
{
    int rc = ls_buf_addc(b, '"');
    if (rc)
        return rc;
    if (ls_utf8_valid(s, len)) {
        rc = escape_valid(b, s, len);
    } else {
        struct ls_buf fixed;
        ls_buf_init(&fixed, 3 * len + 16);
        rc = ls_cp1252_to_utf8(s, len, &fixed);
        if (rc == LS_OK)
            rc = escape_valid(b, ls_buf_str(&fixed), fixed.len);
        ls_buf_release(&fixed);
    }
    return rc ? rc : ls_buf_addc(b, '"');
}

int ls_json_cstr(struct ls_buf *b, const char *s)
{
    if (s == NULL)
        return ls_buf_adds(b, "null");
    return ls_json_str(b, s, strlen(s));
}

int ls_json_parse(const char *text, size_t len, json_t **out, struct ls_err *err)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (j == NULL)
        return ls_err_set(err, LS_EPARSE, "invalid JSON at line %d, column %d: %s", jerr.line,
                          jerr.column, jerr.text);
    *out = j;
    return LS_OK;
}
