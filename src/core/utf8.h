/*
 * utf8.h - UTF-8 validation and Windows-1252 decoding. Pure.
 *
 * Spreadsheet programs often save CSV as Windows-1252; leadscore keeps every
 * string it stores and emits as valid UTF-8.
 */
#ifndef LS_CORE_UTF8_H
#define LS_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Length (1-4) of the well-formed UTF-8 sequence at the start of s[0..len),
 * or 0 when s does not start with one (or len is 0).
 */
size_t ls_utf8_seq(const char *s, size_t len);

/*
 * Makes the NUL-terminated s valid UTF-8 in place, never longer: each byte
 * that is not part of a well-formed sequence (a character cut by a length
 * limit, a stray byte) becomes '?'. For messages built with printf-style
 * limits from text that may hold anything.
 */
void ls_utf8_sanitize(char *s);

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
bool ls_utf8_valid(const char *s, size_t len);

/*
 * Appends s[0..len), read as Windows-1252, to out as UTF-8. Bytes that
 * Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD.
 * Returns LS_OK or LS_ELIMIT when out's cap is reached.
 */
int ls_cp1252_to_utf8(const char *s, size_t len, struct ls_buf *out);

/*
 * Length of the longest prefix of s[0..len) that is at most max bytes and does
 * not end inside a UTF-8 sequence (s must be valid UTF-8).
 */
size_t ls_utf8_clip(const char *s, size_t len, size_t max);

#endif
