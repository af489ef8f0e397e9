/*
 * offer.h - the product offer leads are scored against, and its validation.
 * Pure (jansson is a pure parser/builder).
 */
#ifndef LS_CORE_OFFER_H
#define LS_CORE_OFFER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define LS_OFFER_STR_MAX   2000 /* bytes per string */
#define LS_OFFER_ITEMS_MAX 100  /* items per list */

struct ls_strlist {
    char **v; /* owned strings, trimmed, valid UTF-8 */
    size_t n;
};

struct ls_offer {
    char *name; /* owned */
    struct ls_strlist value_props;
    struct ls_strlist ideal_use_cases;
    struct ls_strlist icp_industries;      /* empty when not given */
    struct ls_strlist adjacent_industries; /* empty when not given */
};

/*
 * Parses and validates an offer from JSON text. Unknown fields are ignored.
 * Returns LS_OK and fills out (release with ls_offer_release), or
 *   LS_EPARSE  - not JSON; the message has the line and column,
 *   LS_ESCHEMA - a field is missing or has the wrong shape; the message names it.
 */
int ls_offer_parse(const char *text, size_t len, struct ls_offer *out, struct ls_err *err);

/*
 * The field an LS_ESCHEMA message of ls_offer_parse is about ("name",
 * "value_props", "value_props[2]"), copied to out; false when it is about
 * the offer as a whole. Every such message starts with the field's path.
 */
bool ls_offer_err_field(const char *msg, char *out, size_t cap);

/* Same as ls_offer_parse for an already decoded value (borrowed). */
int ls_offer_from_json(const json_t *j, struct ls_offer *out, struct ls_err *err);

/* The offer as a JSON object: a new reference (json_decref). */
json_t *ls_offer_to_json(const struct ls_offer *o);

/* Frees everything the offer owns; o may be zeroed or already released. */
void ls_offer_release(struct ls_offer *o);

#define LS_OFFER_DIGEST_LEN 32

/*
 * SHA-256 of the offer's canonical JSON (keys sorted, compact): equal offers,
 * equal digests. The one definition of an offer's identity, used by the store
 * to find the same offer again and by the verdict cache's key.
 */
void ls_offer_digest(const struct ls_offer *o, unsigned char out[LS_OFFER_DIGEST_LEN]);

/* The industries that define the ideal customer: icp_industries when given, else ideal_use_cases.
 * Borrowed. */
const struct ls_strlist *ls_offer_icp(const struct ls_offer *o);

#endif
