/*
 * verdict.h - the AI layer's answer for one lead: an intent label and a short
 * reasoning, plus the points each label is worth. Pure.
 */
#ifndef LS_CORE_VERDICT_H
#define LS_CORE_VERDICT_H

#include <stddef.h>

enum ls_intent { LS_INTENT_NONE = 0, LS_INTENT_LOW, LS_INTENT_MEDIUM, LS_INTENT_HIGH };

#define LS_REASON_MAX 400 /* bytes of reasoning kept (UTF-8, clipped on a character) */

struct ls_verdict {
    enum ls_intent intent;
    char reasoning[LS_REASON_MAX + 1];
};

/* "High", "Medium", "Low", or "" for LS_INTENT_NONE. Static. */
const char *ls_intent_name(enum ls_intent intent);

/* Case-insensitive, surrounding whitespace ignored; LS_INTENT_NONE when not a label. */
enum ls_intent ls_intent_parse(const char *s, size_t len);

/* High 50, Medium 30, Low 10, none 0. */
int ls_intent_points(enum ls_intent intent);

/*
 * Copies a reasoning into out: control characters become spaces, runs of
 * whitespace collapse to one space, the ends are trimmed, invalid UTF-8 is
 * replaced, and the result is clipped to LS_REASON_MAX bytes on a character
 * boundary. Returns the length written (0: nothing usable).
 */
size_t ls_reasoning_clean(const char *s, size_t len, char out[LS_REASON_MAX + 1]);

#endif
