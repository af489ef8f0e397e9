/*
 * jsonx.h - hand-rolled JSON writing for hot paths (exports of millions of
 * rows), where building jansson trees would dominate. Pure.
 */
#ifndef LS_CORE_JSONX_H
#define LS_CORE_JSONX_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Appends s[0..len) as a quoted JSON string. Quotes, backslashes and control
 * characters are escaped; bytes that are not valid UTF-8 are read as
 * Windows-1252 so the output is always valid UTF-8. LS_OK or LS_ELIMIT.
 */
int ls_json_str(struct ls_buf *b, const char *s, size_t len);

/* Same for a NUL-terminated string; NULL writes null. */
int ls_json_cstr(struct ls_buf *b, const char *s);

/*
 * Decodes JSON text, rejecting duplicate keys. LS_OK with *out a new
 * reference, or LS_EPARSE with "invalid JSON at line L, column C: why".
 */
int ls_json_parse(const char *text, size_t len, json_t **out, struct ls_err *err);

#endif
