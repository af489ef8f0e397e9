/*
 * scrub.h - taking secrets out of text that came back from a model service.
 * Pure.
 *
 * Services echo what they were sent: a rejected key in the error message, a
 * partial key ("your-ke**here"), or the key itself in an answer that a prompt
 * talked the model into writing. Every string a provider passes on (error
 * messages, reasonings) goes through ls_scrub first, so that no key reaches a
 * response, a log, a stored error, a result or an export.
 */
#ifndef LS_CORE_SCRUB_H
#define LS_CORE_SCRUB_H

#include <stddef.h>

#define LS_SCRUB_MARK         "[redacted]"
#define LS_SCRUB_FRAGMENT_MIN 12 /* characters of a secret that count as a leak of it */

/*
 * Rewrites buf[0..len) in place, replacing with LS_SCRUB_MARK:
 *   - every occurrence of each of the n_secrets secrets (borrowed,
 *     NUL-terminated; NULL or "" entries are skipped),
 *   - every run of LS_SCRUB_FRAGMENT_MIN or more consecutive bytes of a secret,
 *   - anything shaped like a key, starting a word (not right after a letter
 *     or digit): AIza[0-9A-Za-z_-]{30,} (Google), sk-[A-Za-z0-9_-]{20,}
 *     (OpenAI and others), lsk_[A-Za-z0-9]{20,} (leadscore's own).
 * A replaced span is widened to whole UTF-8 characters. The result never
 * exceeds cap - 1 bytes: when a mark or a character no longer fits, the text
 * ends there (on a character boundary), so a secret is cut off, never left in.
 * buf is NUL-terminated on return; len must be below cap. Returns the new
 * length. Cost is O(len * total secret length); meant for messages, not bodies.
 */
size_t ls_scrub(char *buf, size_t len, size_t cap, const char *const *secrets, size_t n_secrets);

/* ls_scrub for a NUL-terminated string in a buffer of cap bytes (cap 0: nothing). */
size_t ls_scrub_cstr(char *buf, size_t cap, const char *const *secrets, size_t n_secrets);

#endif
