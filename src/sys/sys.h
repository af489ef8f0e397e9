/*
 * sys.h - the few operating-system facts the shell needs: clocks and
 * randomness. The core never calls these; it takes their results as arguments.
 */
#ifndef LS_SYS_SYS_H
#define LS_SYS_SYS_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock milliseconds since the Unix epoch. */
int64_t ls_now_ms(void);

/* Monotonic milliseconds, for durations and deadlines. */
int64_t ls_mono_ms(void);

/* Sleeps ms milliseconds (restarted after a signal). */
void ls_sleep_ms(int ms);

/* Fills buf with n bytes from the kernel's CSPRNG (getrandom); aborts if unavailable. */
void ls_random_bytes(void *buf, size_t n);

/* Writes 2*n lowercase hex digits of n random bytes plus a NUL into out. */
void ls_random_hex(char *out, size_t n);

/* Formats ms since the epoch as RFC 3339 UTC ("2026-11-24T08:31:33.123Z"); out >= 32 bytes. */
void ls_format_time(int64_t ms, char *out, size_t cap);

/*
 * Gives the calling thread the lowest CPU priority (nice 19; on Linux nice
 * is per thread): work that only saves later requests time, such as a
 * background index build, then yields to requests being served. Best
 * effort: a failure changes nothing else.
 */
void ls_thread_background(void);

#endif
