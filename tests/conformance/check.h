/*
 * check.h - one response, as tests/integ/harness.c records it (see
 * h_record_json), checked against the OpenAPI document GET /openapi.json
 * serves: the status must be one its operation lists ("default" does not
 * count), the Content-Type one of that response's media types, each
 * required header present, and every header and body must fit its schema
 * (JSON bodies as JSON, application/x-ndjson line by line against
 * x-itemSchema, text/event-stream event by event against it, text as a
 * string).
 */
#ifndef LS_TEST_CONFORMANCE_CHECK_H
#define LS_TEST_CONFORMANCE_CHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define CF_SHOWN_MAX 200 /* mismatches kept as text; all are counted */
#define CF_LINE_MAX  600

/* What a run of checks found. */
struct cf_report {
    size_t n_checked;           /* responses */
    size_t n_bodies;            /* bodies validated */
    size_t n_skipped;           /* bodies not validated: HEAD, or too large to record */
    size_t n_bad;               /* mismatches */
    char (*lines)[CF_LINE_MAX]; /* owned by the caller: CF_SHOWN_MAX lines, or NULL */
    size_t n_lines;
};

/*
 * Checks rec against doc (both borrowed), counting in rep and describing
 * each mismatch in rep->lines. When seen is not NULL, the operationId (or
 * the kind of request outside every operation) is set as a key of it.
 */
void cf_check_response(const json_t *doc, const json_t *rec, struct cf_report *rep, json_t *seen);

/* A Reference Object's target in doc (or o itself when it is none). Borrowed. */
const json_t *cf_deref(const json_t *doc, const json_t *o);

#endif
