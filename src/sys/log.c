/* log.c - logfmt lines on stderr. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sys.h"

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

void ls_log_emit(int level, const char *event, const char *fmt, ...)
{
    char line[2048];
    char ts[40];
    ls_format_time(ls_now_ms(), ts, sizeof(ts));
    int n = snprintf(line, sizeof(line), "ts=%s level=%s event=%s ", ts,
                     level_names[level < 0   ? 0
                                 : level > 3 ? 3
                                             : level],
                     event);
    if (n < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m > 0 ? (size_t)m : 0);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line so that lines from different threads never interleave. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

const char *ls_log_quote(const char *s, char *out, size_t cap)
{
    size_t w = 0;
    bool quote = s[0] == '\0' || strpbrk(s, " \"=\t\r\n") != NULL;
    if (cap < 8) {
        out[0] = '\0';
        return out;
    }
    if (quote)
        out[w++] = '"';
    for (size_t i = 0; s[i] && i < 200 && w + 6 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[w++] = '\\';
            out[w++] = (char)c;
        } else if (c < 0x20 || c == 0x7F) {
            w += (size_t)snprintf(out + w, cap - w, "\\x%02x", c);
        } else {
            out[w++] = (char)c;
        }
    }
    if (quote)
        out[w++] = '"';
    out[w] = '\0';
    return out;
}
