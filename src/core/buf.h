/*
 * buf.h - a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Every buffer filled from outside the process is an ls_buf with a cap set at
 * init; an append past the cap fails with LS_ELIMIT and leaves the buffer as
 * it was. The contents are always NUL-terminated (the NUL is not counted).
 */
#ifndef LS_CORE_BUF_H
#define LS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ls_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap_alloc; /* bytes allocated */
    size_t max;       /* hard cap on len */
};

/* Initialises an empty buffer that may hold at most max bytes. */
void ls_buf_init(struct ls_buf *b, size_t max);
/* Frees the memory; the buffer may be reused after ls_buf_init. */
void ls_buf_release(struct ls_buf *b);
/* Empties the buffer but keeps its memory. */
void ls_buf_reset(struct ls_buf *b);

/* Append bytes; LS_ELIMIT (buffer unchanged) when len would exceed max. */
int ls_buf_add(struct ls_buf *b, const void *p, size_t len);
int ls_buf_adds(struct ls_buf *b, const char *s);
int ls_buf_addc(struct ls_buf *b, char c);
int ls_buf_printf(struct ls_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ls_buf_vprintf(struct ls_buf *b, const char *fmt, va_list ap);

/* Hands the contents to the caller (owned, free()) and empties the buffer. */
char *ls_buf_steal(struct ls_buf *b, size_t *len);

/* Never NULL: an empty buffer reads as "". Borrowed from b. */
const char *ls_buf_str(const struct ls_buf *b);

#endif
