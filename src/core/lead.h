/*
 * lead.h - a lead: the six text fields every upload is mapped onto. Pure.
 */
#ifndef LS_CORE_LEAD_H
#define LS_CORE_LEAD_H

#include <stddef.h>

enum ls_field {
    LS_F_NAME,
    LS_F_ROLE,
    LS_F_COMPANY,
    LS_F_INDUSTRY,
    LS_F_LOCATION,
    LS_F_BIO,
    LS_F_COUNT
};

/* Canonical column names, indexed by enum ls_field ("name" ... "linkedin_bio"). */
extern const char *const ls_field_names[LS_F_COUNT];

/*
 * Field texts are borrowed (from a CSV row, a store row or a test table), are
 * valid UTF-8, NUL-terminated, and trimmed of surrounding whitespace. A
 * missing field is "" with length 0, never NULL.
 */
struct ls_lead {
    const char *f[LS_F_COUNT];
    size_t len[LS_F_COUNT];
};

/* Points every field of lead at "" (an all-empty lead). */
void ls_lead_clear(struct ls_lead *lead);

/* Sets field f to the NUL-terminated s (borrowed). */
void ls_lead_set(struct ls_lead *lead, enum ls_field f, const char *s);

#endif
