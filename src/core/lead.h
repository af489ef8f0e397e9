/*
 * lead.h - a lead: the six scored text fields every upload is mapped onto,
 * the three identity fields a CRM joins on, and the upload's other columns
 * ("extra"), kept in file order. Pure.
 */
#ifndef LS_CORE_LEAD_H
#define LS_CORE_LEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum ls_field {
    LS_F_NAME,
    LS_F_ROLE,
    LS_F_COMPANY,
    LS_F_INDUSTRY,
    LS_F_LOCATION,
    LS_F_BIO,
    LS_F_COUNT, /* the six scored fields: rules, completeness and the prompt read these */
    /* Identity (issue #9): kept and exported, never scored. */
    LS_F_EMAIL = LS_F_COUNT,
    LS_F_LINKEDIN_URL,
    LS_F_EXTERNAL_ID,
    LS_F_ALL
};

/*
 * Canonical column names, indexed by enum ls_field ("name" ... "linkedin_bio",
 * "email", "linkedin_url", "external_id").
 */
extern const char *const ls_field_names[LS_F_ALL];

/*
 * Field texts are borrowed (from a CSV row, a store row or a test table), are
 * valid UTF-8, NUL-terminated, and trimmed of surrounding whitespace. A
 * missing field is "" with length 0, never NULL.
 */
struct ls_lead {
    const char *f[LS_F_ALL];
    size_t len[LS_F_ALL];
    /*
     * The upload's columns that are none of the fields above, in file order:
     * n_extra header names (the same for every lead of an upload) and this
     * lead's values. All borrowed, like the fields; valid UTF-8 and
     * NUL-terminated; a value the row lacks is "". NULL when n_extra is 0.
     */
    size_t n_extra;
    const char *const *extra_name;
    const char *const *extra;
    const size_t *extra_len;
};

/* Points every field of lead at "" and clears the extra columns (an all-empty lead). */
void ls_lead_clear(struct ls_lead *lead);

/* Sets field f to the NUL-terminated s (borrowed). */
void ls_lead_set(struct ls_lead *lead, enum ls_field f, const char *s);

/*
 * The key two rows of one upload must share to be duplicates (issue #9),
 * appended to out (cap it at 2 * (LS_F_* lengths) + 8):
 *  - "e:" + the email, trimmed and with ASCII letters lower-cased, when the
 *    row has an email;
 *  - otherwise "n:" + name + U+001F + company, each trimmed, ASCII-lower-
 *    cased and with every run of white space read as one space, when the
 *    row has both a name and a company;
 *  - otherwise nothing: such a row is never a duplicate (a name alone is
 *    too weak: two "Jane Doe" at unknown companies are two people).
 * Returns true when there is a key. Pure.
 */
bool ls_lead_dup_key(const struct ls_lead *lead, struct ls_buf *out);

/*
 * The first 8 bytes of the SHA-256 of the key above, as a signed integer
 * (what the store indexes), in *out. False when the row has no key. Two
 * different keys collide with probability 2^-64 per pair: about 3 in 10^8
 * for a whole 1,000,000-row upload.
 */
bool ls_lead_dup_hash(const struct ls_lead *lead, int64_t *out);

#endif
