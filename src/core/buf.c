/* buf.c - capped growable buffer. Pure. */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

void ls_buf_init(struct ls_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap_alloc = 0;
    b->max = max;
}

void ls_buf_release(struct ls_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap_alloc = 0;
}

void ls_buf_reset(struct ls_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for extra more bytes plus the trailing NUL. */
static int reserve(struct ls_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return LS_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap_alloc)
        return LS_OK;
    size_t n = b->cap_alloc ? b->cap_alloc : 64;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    b->data = ls_xrealloc(b->data, n);
    b->cap_alloc = n;
    return LS_OK;
}

int ls_buf_add(struct ls_buf *b, const void *p, size_t len)
{
    int rc = reserve(b, len);
    if (rc)
        return rc;
    if (len)
        memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return LS_OK;
}

int ls_buf_adds(struct ls_buf *b, const char *s)
{
    return ls_buf_add(b, s, strlen(s));
}

int ls_buf_addc(struct ls_buf *b, char c)
{
    if (b->len + 1 < b->cap_alloc && b->len < b->max) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return LS_OK;
    }
    return ls_buf_add(b, &c, 1);
}

int ls_buf_vprintf(struct ls_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return LS_EINTERNAL;
    if ((size_t)n < sizeof(small))
        return ls_buf_add(b, small, (size_t)n);
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return LS_OK;
}

int ls_buf_printf(struct ls_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ls_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *ls_buf_steal(struct ls_buf *b, size_t *len)
{
    char *p = b->data ? b->data : ls_xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap_alloc = 0;
    return p;
}

const char *ls_buf_str(const struct ls_buf *b)
{
    return b->data ? b->data : "";
}
