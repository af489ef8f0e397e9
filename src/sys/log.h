/*
 * log.h - one logfmt line per event on stderr:
 *   ts=2026-11-24T08:31:33.123Z level=info event=http.request method=GET ...
 * Thread-safe (each line is a single write). Never log API keys,
 * Authorization headers, prompts, model replies or lead text: log lengths,
 * counts and ids instead.
 *
 * The format is printf-like (and type-checked as such), but every %s value
 * is written as a logfmt value: quoted when it holds a space, a quote, '=' or
 * is empty, with quotes, backslashes, control characters and bytes that are
 * not UTF-8 escaped, and cut at LS_LOG_VALUE_MAX bytes on a character
 * boundary. A value can therefore never break the line or forge a key.
 * Supported conversions: %s %d %i %u %x %ld %lu %lld %llu %zu %zd %c %f
 * (with an optional precision, as in %.1f) and %%.
 */
#ifndef LS_SYS_LOG_H
#define LS_SYS_LOG_H

#include <stddef.h>

enum ls_log_level { LS_LOG_ERROR, LS_LOG_WARN, LS_LOG_INFO, LS_LOG_DEBUG };

#define LS_LOG_VALUE_MAX 300 /* bytes of one %s value */

/* Events above this level are skipped before any formatting. */
extern int ls_log_threshold;

/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int ls_log_level_parse(const char *s);

void ls_log_emit(int level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ls_log(level, event, ...)                                                                  \
    do {                                                                                           \
        if ((level) <= ls_log_threshold)                                                           \
            ls_log_emit((level), (event), __VA_ARGS__);                                            \
    } while (0)

/*
 * Formats like ls_log_emit's message into out (cap bytes, always
 * NUL-terminated) and returns the length written. For tests and for callers
 * that build a line in pieces.
 */
size_t ls_log_format(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
