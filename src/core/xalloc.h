/*
 * xalloc.h - allocation that aborts on out-of-memory (as redis zmalloc and git
 * xmalloc do): this is a service, and a half-handled OOM is worse than a crash
 * the supervisor restarts. Sizes from outside are checked with ls_mul_ok.
 */
#ifndef LS_CORE_XALLOC_H
#define LS_CORE_XALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Each returns owned memory, freed with free(). Never NULL. */
void *ls_xmalloc(size_t n);
void *ls_xcalloc(size_t count, size_t size);
void *ls_xrealloc(void *p, size_t n);
char *ls_xstrdup(const char *s);
/* Copies len bytes of s and appends a NUL. Owned. */
char *ls_xmemdup0(const char *s, size_t len);

/* True when a * b does not overflow; stores the product in *out. */
bool ls_mul_ok(size_t a, size_t b, size_t *out);

#endif
