/*
 * schema.h - a small JSON Schema (2020-12) validator over jansson, for the
 * conformance test: enough of the vocabulary to check every body leadscore
 * sends against GET /openapi.json, and nothing that would pass silently.
 * A keyword it does not know is reported by cf_schema_unknown_keywords, so a
 * document can never rely on a constraint this validator ignores.
 *
 * Supported: type (a name or a list, with "null" and "integer"), enum,
 * const, properties, required, additionalProperties (true, false or a
 * schema), items, minItems, maxItems, minimum, maximum, minLength,
 * maxLength (in characters), pattern (POSIX extended), format "date-time",
 * allOf, anyOf, oneOf, not, and "$ref" to "#/..." pointers in the root.
 */
#ifndef LS_TEST_CONFORMANCE_SCHEMA_H
#define LS_TEST_CONFORMANCE_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CF_ERRS_MAX 16

/* What failed, each as "at <json pointer>: <what>". */
struct cf_errs {
    size_t n; /* errors found (may be more than were kept) */
    char msg[CF_ERRS_MAX][320];
};

/*
 * Validates instance against schema; $refs resolve in root (the whole
 * document). All three are borrowed. Returns true when it conforms;
 * otherwise false with the reasons appended to errs (which may be NULL).
 */
bool cf_schema_validate(const json_t *root, const json_t *schema, const json_t *instance,
                        struct cf_errs *errs);

/* The value at a "#/a/b" JSON pointer in root (borrowed), or NULL. */
const json_t *cf_schema_ref(const json_t *root, const char *ref);

/*
 * Appends to errs every keyword of every schema reachable from schema that
 * this validator neither checks nor knows to be an annotation, and every
 * $ref that does not resolve. Returns the number found.
 */
size_t cf_schema_unknown_keywords(const json_t *root, const json_t *schema, const char *where,
                                  struct cf_errs *errs);

/* Appends "at <where>: <fmt...>" to errs (may be NULL). */
void cf_errs_add(struct cf_errs *errs, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
