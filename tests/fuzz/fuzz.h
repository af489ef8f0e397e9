/*
 * fuzz.h - what every libFuzzer target under tests/fuzz shares: the entry
 * point's prototype and a check that aborts, with the broken invariant named,
 * so that libFuzzer saves the input as a crash.
 */
#ifndef LS_TESTS_FUZZ_H
#define LS_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called by libFuzzer once per input; data is borrowed for the call. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/*
 * A check that a known bug still breaks: reported with a failing unit test
 * (named next to each use, tagged TODO(issue#7)) and skipped until it is
 * fixed, so that the target keeps looking for new bugs. FUZZ_STRICT=1 in the
 * environment turns these checks on.
 */
#define FUZZ_CHECK_KNOWN(cond)                                                                     \
    do {                                                                                           \
        if (fuzz_strict())                                                                         \
            FUZZ_CHECK(cond);                                                                      \
    } while (0)

static inline int fuzz_strict(void)
{
    static int strict = -1;
    if (strict < 0) {
        const char *s = getenv("FUZZ_STRICT");
        strict = s != NULL && s[0] == '1';
    }
    return strict;
}

#endif
