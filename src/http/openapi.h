/*
 * openapi.h - the pieces of GET /openapi.json that are data, not routes:
 * the component schemas (openapi_schemas.c). Internal to src/http;
 * h_openapi.c builds the document from the route table around them.
 */
#ifndef LS_HTTP_OPENAPI_H
#define LS_HTTP_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

/*
 * JSON text written with ' for " (so that schemas read as JSON in C
 * strings) parsed into a value. An apostrophe inside a text is written
 * \\u0027. New reference; aborts on a literal that does not parse, which no
 * test run can miss.
 */
json_t *ls_openapi_json(const char *text);

/* Every machine code an error body can carry, with the statuses it comes with. */
struct ls_openapi_code {
    const char *code;
    const char *statuses; /* "400", "503, 507" */
    const char *when;
};

/* The table of codes (static): *n gets the count. */
const struct ls_openapi_code *ls_openapi_codes(size_t *n);

/* components/schemas: every request and response body. New reference. */
json_t *ls_openapi_schemas(void);

/* The schema of one Server-Sent Event of GET /jobs/{id}/events (x-itemSchema). New reference. */
json_t *ls_openapi_job_event_schema(void);

#endif
