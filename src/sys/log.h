/*
 * log.h - one logfmt line per event on stderr:
 *   ts=2026-11-24T08:31:33.123Z level=info event=http.request method=GET ...
 * Thread-safe (each line is a single write). Never log API keys,
 * Authorization headers, prompts, model replies or lead text: log lengths,
 * counts and ids instead. Values from outside go through ls_log_quote.
 */
#ifndef LS_SYS_LOG_H
#define LS_SYS_LOG_H

#include <stddef.h>

enum ls_log_level { LS_LOG_ERROR, LS_LOG_WARN, LS_LOG_INFO, LS_LOG_DEBUG };

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
 * Writes s as a logfmt value into out (cap bytes): quoted when it holds
 * spaces, quotes or '=', with control characters escaped, truncated at 200
 * bytes. Returns out.
 */
const char *ls_log_quote(const char *s, char *out, size_t cap);

#endif
