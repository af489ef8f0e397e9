/*
 * log.c - logfmt lines on stderr.
 *
 * The formatter is ours rather than vsnprintf's so that every %s is escaped
 * on the way in: no caller has to remember to quote a value, and a value can
 * never end the line, open a new key or carry bytes that are not UTF-8.
 */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/utf8.h"
#include "sys.h"

#define LINE_MAX_BYTES 2048

int ls_log_threshold = LS_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int ls_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0)
            return i;
    }
    return -1;
}

struct out {
    char *p;
    size_t cap, len; /* len < cap always; p[len] is kept NUL */
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= o->cap)
        n = o->cap - 1 - o->len;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void putc_(struct out *o, char c)
{
    put(o, &c, 1);
}

static bool needs_quotes(const char *s)
{
    if (s[0] == '\0')
        return true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p >= 0x7F)
            return true;
    }
    return false;
}

/* One logfmt value: quoted when needed, escaped, cut on a character boundary. */
static void put_value(struct out *o, const char *s)
{
    if (s == NULL)
        s = "(null)";
    bool quote = needs_quotes(s);
    if (quote)
        putc_(o, '"');
    size_t len = strlen(s), used = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t n = 1;
        const char *w = esc;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            n = 2;
        } else if (c == '\n') {
            memcpy(esc, "\\n", 2);
            n = 2;
        } else if (c < 0x20 || c == 0x7F) {
            n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
        } else if (c < 0x80) {
            w = s + i;
        } else {
            size_t seq = ls_utf8_seq(s + i, len - i);
            if (seq == 0) {
                n = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
            } else {
                w = s + i;
                n = seq;
            }
        }
        if (used + n > LS_LOG_VALUE_MAX) {
            put(o, "...", 3);
            break;
        }
        put(o, w, n);
        used += n;
        i += (w == s + i) ? n : 1;
    }
    if (quote)
        putc_(o, '"');
}

/* Length modifiers this formatter understands. */
enum lenmod { LM_NONE, LM_L, LM_LL, LM_Z };

static void vformat(struct out *o, const char *fmt, va_list ap)
{
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            putc_(o, *f);
            continue;
        }
        f++;
        int prec = -1;
        if (*f == '.') {
            prec = 0;
            for (f++; *f >= '0' && *f <= '9'; f++)
                prec = prec * 10 + (*f - '0');
        }
        enum lenmod lm = LM_NONE;
        if (f[0] == 'l' && f[1] == 'l') {
            lm = LM_LL;
            f += 2;
        } else if (*f == 'l') {
            lm = LM_L;
            f++;
        } else if (*f == 'z') {
            lm = LM_Z;
            f++;
        }
        char num[64];
        int n = 0;
        switch (*f) {
        case '%':
            putc_(o, '%');
            continue;
        case 's':
            put_value(o, va_arg(ap, const char *));
            continue;
        case 'c': {
            char c[2] = {(char)va_arg(ap, int), 0};
            put_value(o, c);
            continue;
        }
        case 'd':
        case 'i':
            n = lm == LM_LL  ? snprintf(num, sizeof(num), "%lld", va_arg(ap, long long))
                : lm == LM_L ? snprintf(num, sizeof(num), "%ld", va_arg(ap, long))
                : lm == LM_Z ? snprintf(num, sizeof(num), "%zd", va_arg(ap, ssize_t))
                             : snprintf(num, sizeof(num), "%d", va_arg(ap, int));
            break;
        case 'u':
        case 'x': {
            bool hex = *f == 'x';
            unsigned long long v = lm == LM_LL  ? va_arg(ap, unsigned long long)
                                   : lm == LM_L ? va_arg(ap, unsigned long)
                                   : lm == LM_Z ? va_arg(ap, size_t)
                                                : va_arg(ap, unsigned);
            n = snprintf(num, sizeof(num), hex ? "%llx" : "%llu", v);
            break;
        }
        case 'f':
            n = snprintf(num, sizeof(num), "%.*f", prec < 0 ? 6 : prec, va_arg(ap, double));
            break;
        default:
            /* Not reached for formats the compiler accepted and this file supports. */
            put(o, "%?", 2);
            continue;
        }
        if (n > 0)
            put(o, num, (size_t)n < sizeof(num) ? (size_t)n : sizeof(num) - 1);
    }
}

size_t ls_log_format(char *buf, size_t cap, const char *fmt, ...)
{
    if (cap == 0)
        return 0;
    struct out o = {buf, cap, 0};
    buf[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vformat(&o, fmt, ap);
    va_end(ap);
    return o.len;
}

void ls_log_emit(int level, const char *event, const char *fmt, ...)
{
    char line[LINE_MAX_BYTES];
    struct out o = {line, sizeof(line) - 1, 0}; /* one byte kept for the newline */
    char ts[40];
    ls_format_time(ls_now_ms(), ts, sizeof(ts));
    line[0] = '\0';
    put(&o, "ts=", 3);
    put(&o, ts, strlen(ts));
    put(&o, " level=", 7);
    const char *lv = level_names[level < 0 ? 0 : level > 3 ? 3 : level];
    put(&o, lv, strlen(lv));
    put(&o, " event=", 7);
    put_value(&o, event);
    putc_(&o, ' ');
    va_list ap;
    va_start(ap, fmt);
    vformat(&o, fmt, ap);
    va_end(ap);
    line[o.len++] = '\n';
    /* One write per line so that lines from different threads never interleave. */
    ssize_t w = write(STDERR_FILENO, line, o.len);
    (void)w;
}
