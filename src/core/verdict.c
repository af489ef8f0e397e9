/* verdict.c - intent labels and reasoning hygiene. Pure. */
#include "verdict.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "text.h"
#include "utf8.h"

const char *ls_intent_name(enum ls_intent intent)
{
    switch (intent) {
    case LS_INTENT_HIGH:
        return "High";
    case LS_INTENT_MEDIUM:
        return "Medium";
    case LS_INTENT_LOW:
        return "Low";
    case LS_INTENT_NONE:
        return "";
    }
    return "";
}

enum ls_intent ls_intent_parse(const char *s, size_t len)
{
    ls_text_trim(&s, &len);
    if (len == 4 && strncasecmp(s, "high", 4) == 0)
        return LS_INTENT_HIGH;
    if (len == 6 && strncasecmp(s, "medium", 6) == 0)
        return LS_INTENT_MEDIUM;
    if (len == 3 && strncasecmp(s, "low", 3) == 0)
        return LS_INTENT_LOW;
    return LS_INTENT_NONE;
}

int ls_intent_points(enum ls_intent intent)
{
    switch (intent) {
    case LS_INTENT_HIGH:
        return 50;
    case LS_INTENT_MEDIUM:
        return 30;
    case LS_INTENT_LOW:
        return 10;
    case LS_INTENT_NONE:
        return 0;
    }
    return 0;
}

size_t ls_reasoning_clean(const char *s, size_t len, char out[LS_REASON_MAX + 1])
{
    struct ls_buf fixed;
    ls_buf_init(&fixed, 4 * LS_REASON_MAX + 16);
    if (len > 4 * LS_REASON_MAX)
        len = 4 * LS_REASON_MAX; /* enough to fill the output after collapsing */
    if (!ls_utf8_valid(s, len)) {
        /* Cut at most 3 bytes of a split sequence, then decode what is left bytewise. */
        ls_cp1252_to_utf8(s, len, &fixed);
        s = ls_buf_str(&fixed);
        len = fixed.len;
    }
    size_t w = 0;
    bool space = false;
    for (size_t i = 0; i < len && w < LS_REASON_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == ' ') {
            space = w > 0;
            continue;
        }
        if (space) {
            out[w++] = ' ';
            space = false;
            if (w >= LS_REASON_MAX)
                break;
        }
        out[w++] = (char)c;
    }
    /* The byte cap may have cut a multi-byte character: drop its first bytes too. */
    if (w > 0 && ((unsigned char)out[w - 1] & 0x80)) {
        size_t k = w - 1;
        while (k > 0 && ((unsigned char)out[k] & 0xC0) == 0x80)
            k--;
        unsigned char lead = (unsigned char)out[k];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (w - k < need)
            w = k;
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    ls_buf_release(&fixed);
    return w;
}
