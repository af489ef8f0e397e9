/*
 * scrub.c - secrets out of provider text. Pure.
 *
 * One pass over the text, a character at a time: at each character the
 * longest secret-derived or key-shaped span starting in it is replaced by the
 * mark. Looking at every character that is not replaced means no run of
 * LS_SCRUB_FRAGMENT_MIN bytes of a secret survives: what starts inside a
 * replaced span and runs on past it is looked at again where the span ends.
 */
#include "scrub.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xalloc.h"

/*
 * The longest prefix of s[0..len) that is a piece of secret (a whole secret,
 * or at least LS_SCRUB_FRAGMENT_MIN bytes of one); 0 when none.
 */
static size_t secret_span(const char *s, size_t len, const char *secret, size_t slen)
{
    size_t best = 0;
    for (size_t j = 0; j < slen && slen - j > best; j++) {
        size_t n = 0;
        while (n < len && j + n < slen && s[n] == secret[j + n])
            n++;
        if (n > best && (n >= LS_SCRUB_FRAGMENT_MIN || n == slen))
            best = n;
    }
    return best;
}

static bool key_char(char c, bool dash)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (dash && (c == '_' || c == '-'));
}

/*
 * The length of a key-shaped span at the start of s[0..len); 0 when none. The
 * shape must start a word: "task-management-and-reporting" is not an sk- key.
 */
static size_t shape_span(const char *s, size_t len, bool word_start)
{
    if (!word_start)
        return 0;
    static const struct {
        const char *prefix;
        size_t min; /* characters after the prefix */
        bool dash;  /* '_' and '-' belong to the key */
    } shapes[] = {
        {"AIza", 30, true},
        {"sk-", 20, true},
        {"lsk_", 20, false},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        size_t pl = strlen(shapes[i].prefix);
        if (len < pl || memcmp(s, shapes[i].prefix, pl) != 0)
            continue;
        size_t n = pl;
        while (n < len && key_char(s[n], shapes[i].dash))
            n++;
        if (n - pl >= shapes[i].min)
            return n;
    }
    return 0;
}

/* The longest span to replace at buf[pos..len); 0 when none. */
static size_t span_at(const char *buf, size_t len, size_t pos, const char *const *secrets,
                      size_t n_secrets)
{
    const char *s = buf + pos;
    len -= pos;
    size_t best = shape_span(s, len, pos == 0 || !key_char(buf[pos - 1], false));
    for (size_t i = 0; i < n_secrets; i++) {
        if (secrets[i] == NULL || secrets[i][0] == '\0')
            continue;
        size_t n = secret_span(s, len, secrets[i], strlen(secrets[i]));
        if (n > best)
            best = n;
    }
    return best;
}

/*
 * The span to replace at the character buf[i..i+c): the longest piece of a
 * secret or key starting at any of its bytes (a piece of a non-ASCII secret
 * may begin inside a character), counted from i; 0 when none.
 */
static size_t span_here(const char *buf, size_t len, size_t i, size_t c, const char *const *secrets,
                        size_t n_secrets)
{
    for (size_t k = 0; k < c; k++) {
        size_t n = span_at(buf, len, i + k, secrets, n_secrets);
        if (n) {
            n += k;
            /* Widen to whole characters: a piece of a secret never splits one. */
            while (i + n < len && ((unsigned char)buf[i + n] & 0xC0) == 0x80)
                n++;
            return n;
        }
    }
    return 0;
}

size_t ls_scrub(char *buf, size_t len, size_t cap, const char *const *secrets, size_t n_secrets)
{
    static const size_t mark_len = sizeof(LS_SCRUB_MARK) - 1;
    if (cap == 0)
        return 0;
    char *out = ls_xmalloc(cap);
    size_t w = 0, i = 0;
    while (i < len) {
        size_t c = ls_utf8_seq(buf + i, len - i);
        c = c ? c : 1; /* a stray byte is its own character */
        size_t span = span_here(buf, len, i, c, secrets, n_secrets);
        const char *piece = span ? LS_SCRUB_MARK : buf + i;
        size_t n = span ? mark_len : c;
        if (w + n > cap - 1)
            break; /* no room: the text ends here, before the secret if it was one */
        memcpy(out + w, piece, n);
        w += n;
        i += span ? span : c;
    }
    memcpy(buf, out, w);
    buf[w] = '\0';
    free(out);
    return w;
}

size_t ls_scrub_cstr(char *buf, size_t cap, const char *const *secrets, size_t n_secrets)
{
    if (cap == 0)
        return 0;
    return ls_scrub(buf, strnlen(buf, cap - 1), cap, secrets, n_secrets);
}
