/*
 * conformance.c - every response the integration suite got, checked against
 * the document the real server serves at GET /openapi.json (issue #7).
 *
 * The integration tests record each response through tests/integ/harness.c
 * when LS_RESPONSE_LOG names a file (make check sets it); this binary runs
 * after them, starts the server once for the document and checks every
 * recorded response with check.c (status listed by its operation,
 * Content-Type, headers, body against its schema), failing with a list of
 * every mismatch. Around that: the validator (schema.c) is shown to reject
 * what it must, the document to be whole, a probe asks a server of its own
 * for the answers the suite never asks for (401, 403, 405, 414, 417, 421,
 * 431, 503, 505, HEAD, OPTIONS, keys) and checks them the same way, and
 * the last test runs the Redocly lint (tests/openapi/lint).
 */
#include "ls_test.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "integ/harness.h"
#include "schema.h"

static char response_log[1024]; /* $LS_RESPONSE_LOG as it was at start */
static json_t *doc;             /* the served document */

/* ---- the document ------------------------------------------------------------------ */

static int fetch_doc(void **state)
{
    (void)state;
    struct srv s;
    char db[600];
    h_path(db, sizeof(db), "conformance.db");
    if (h_srv_start(&s, db, NULL) != 0)
        return -1;
    struct resp r;
    int rc = h_http(&s, "GET", "/openapi.json", NULL, NULL, 0, &r);
    if (rc == 0 && r.status == 200)
        doc = h_json(&r);
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
    if (doc == NULL)
        fprintf(stderr, "conformance: GET /openapi.json did not give a JSON document\n");
    return doc ? 0 : -1;
}

static int free_doc(void **state)
{
    (void)state;
    json_decref(doc);
    doc = NULL;
    return 0;
}

static const json_t *component(const char *kind, const char *name)
{
    return json_object_get(json_object_get(json_object_get(doc, "components"), kind), name);
}

/* ---- the validator itself ------------------------------------------------------------- */

static bool valid(const char *schema, const char *instance)
{
    json_error_t e;
    json_t *s = json_loads(schema, JSON_DECODE_ANY, &e);
    json_t *v = json_loads(instance, JSON_DECODE_ANY, &e);
    assert_non_null(s);
    assert_non_null(v);
    json_t *root = json_pack("{s:{s:{s:{s:s}}}}", "components", "schemas", "Id", "type", "integer");
    bool ok = cf_schema_validate(root, s, v, NULL);
    json_decref(root);
    json_decref(s);
    json_decref(v);
    return ok;
}

/* Each keyword on both sides of its boundary. */
static void test_conformance__validator_keywords(void **state)
{
    (void)state;
    static const struct {
        const char *schema, *instance;
        bool ok;
    } cases[] = {
        {"{\"type\":\"integer\"}", "3", true},
        {"{\"type\":\"integer\"}", "3.0", true},
        {"{\"type\":\"integer\"}", "3.5", false},
        {"{\"type\":\"integer\"}", "\"3\"", false},
        {"{\"type\":\"number\"}", "3.5", true},
        {"{\"type\":[\"string\",\"null\"]}", "null", true},
        {"{\"type\":[\"string\",\"null\"]}", "\"x\"", true},
        {"{\"type\":[\"string\",\"null\"]}", "1", false},
        {"{\"type\":\"boolean\"}", "false", true},
        {"{\"type\":\"object\"}", "[]", false},
        {"{\"enum\":[\"a\",1]}", "1", true},
        {"{\"enum\":[\"a\",1]}", "\"b\"", false},
        {"{\"const\":\"queued\"}", "\"queued\"", true},
        {"{\"const\":\"queued\"}", "\"running\"", false},
        {"{\"minimum\":1,\"maximum\":3}", "1", true},
        {"{\"minimum\":1,\"maximum\":3}", "0", false},
        {"{\"minimum\":1,\"maximum\":3}", "3.5", false},
        {"{\"minLength\":2,\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", true},
        {"{\"minLength\":2}", "\"\xc3\xa9\"", false},
        {"{\"maxLength\":1}", "\"ab\"", false},
        {"{\"pattern\":\"^lsk_[0-9a-f]{2}$\"}", "\"lsk_0a\"", true},
        {"{\"pattern\":\"^lsk_[0-9a-f]{2}$\"}", "\"lsk_0A\"", false},
        {"{\"format\":\"date-time\"}", "\"2026-12-01T10:15:11.233Z\"", true},
        {"{\"format\":\"date-time\"}", "\"2026-12-01 10:15\"", false},
        {"{\"required\":[\"a\"]}", "{\"a\":1}", true},
        {"{\"required\":[\"a\"]}", "{\"b\":1}", false},
        {"{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":1}", false},
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"a\":1}", true},
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"a\":1,\"b\":2}", false},
        {"{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"b\":\"x\"}", false},
        {"{\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":2}", "[1,2]", true},
        {"{\"items\":{\"type\":\"integer\"}}", "[1,\"2\"]", false},
        {"{\"minItems\":1}", "[]", false},
        {"{\"maxItems\":1}", "[1,2]", false},
        {"{\"$ref\":\"#/components/schemas/Id\"}", "7", true},
        {"{\"$ref\":\"#/components/schemas/Id\"}", "\"7\"", false},
        {"{\"$ref\":\"#/components/schemas/Nope\"}", "7", false},
        {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":5}]}", "4", false},
        {"{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}", "\"x\"", true},
        {"{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}", "null", false},
        {"{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "-1", true},
        {"{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}", "1", false},
        {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]}", "[]", false},
        {"{\"not\":{\"type\":\"null\"}}", "null", false},
        {"true", "1", true},
        {"false", "1", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (valid(cases[i].schema, cases[i].instance) != cases[i].ok) {
            print_error("schema %s, instance %s: want %s\n", cases[i].schema, cases[i].instance,
                        cases[i].ok ? "valid" : "invalid");
            fail();
        }
    }
}

/* A recorded response as the harness writes it. */
static json_t *record_of(const char *method, const char *path, int status, const char *type,
                         const char *headers_json, const char *body)
{
    json_error_t e;
    json_t *h = json_loads(headers_json, 0, &e);
    assert_non_null(h);
    if (type)
        json_object_set_new(h, "content-type", json_string(type));
    return json_pack("{s:s, s:s, s:i, s:s?, s:o, s:s, s:i}", "method", method, "path", path,
                     "status", status, "content_type", type, "headers", h, "body", body, "body_len",
                     (int)strlen(body));
}

static size_t mismatches(json_t *rec)
{
    struct cf_report rep = {0};
    cf_check_response(doc, rec, &rep, NULL);
    json_decref(rec);
    return rep.n_bad;
}

#define RID "{\"x-request-id\":\"abc\"}"
#define JOB                                                                                        \
    "{\"id\":1,\"status\":\"queued\",\"offer_id\":1,\"upload_id\":1,\"total\":4,\"done\":0,"       \
    "\"failed\":0,\"fallbacks\":0,\"cache_hits\":0,\"model_calls\":0,\"retries\":0,"               \
    "\"tokens\":{\"prompt\":0,\"output\":0},\"counts\":{\"High\":0,\"Medium\":0,\"Low\":0},"       \
    "\"provider\":\"offline\",\"model\":\"\",\"created_at\":\"2026-12-01T10:15:11.233Z\","         \
    "\"started_at\":null,\"finished_at\":null,\"elapsed_ms\":null,\"eta_ms\":null,"                \
    "\"cost_usd\":0,\"budget_usd\":null}"
#define RESULT                                                                                     \
    "{\"name\":\"Ava\",\"role\":\"CEO\",\"company\":\"F\",\"intent\":\"High\",\"score\":90,"       \
    "\"reasoning\":\"r\",\"industry\":\"SaaS\",\"location\":\"NY\",\"rule_score\":40,"             \
    "\"ai_score\":50,\"breakdown\":{\"role\":20,\"industry\":10,\"completeness\":10},"             \
    "\"factors\":[{\"factor\":\"role\",\"points\":20,\"matched\":\"ceo\",\"why\":\"w\"},"          \
    "{\"factor\":\"industry\",\"points\":10,\"matched\":\"software\",\"why\":\"w\"},"              \
    "{\"factor\":\"completeness\",\"points\":10,\"matched\":null,\"why\":\"w\"}],"                 \
    "\"ai\":{\"provider\":\"offline\",\"model\":\"\",\"status\":\"ok\"},"                          \
    "\"lead_id\":\"1-0\",\"line\":2,\"email\":\"\",\"linkedin_url\":\"\",\"external_id\":\"\","    \
    "\"linkedin_bio\":\"\",\"extra\":{},\"duplicate_of\":null}"
#define RESULT_HDRS                                                                                \
    "{\"x-request-id\":\"a\",\"x-total-count\":\"1\",\"x-job-id\":\"1\","                          \
    "\"x-job-status\":\"succeeded\",\"cache-control\":\"private, no-cache\"}"

/* Against the served document: right answers pass, and each kind of wrong one is caught. */
static void test_conformance__wrong_responses_are_rejected(void **state)
{
    (void)state;
    const char *loc = "{\"x-request-id\":\"a\",\"location\":\"/jobs/1\"}";
    /* The right ones. */
    assert_int_equal(mismatches(record_of("POST", "/jobs", 202, "application/json", loc, JOB)), 0);
    assert_int_equal(mismatches(record_of("GET", "/results?limit=1", 200, "application/json",
                                          RESULT_HDRS, "[" RESULT "]")),
                     0);
    assert_int_equal(mismatches(record_of("GET", "/nope", 404, "application/json", RID,
                                          "{\"error\":\"no such endpoint\",\"code\":"
                                          "\"not_found\"}")),
                     0);
    /* A field of the wrong type, a field left out, a field not in the schema. */
    assert_true(mismatches(record_of("GET", "/results", 200, "application/json", RESULT_HDRS,
                                     "[{\"score\":\"90\"}]")) > 0);
    char *no_status = strdup(JOB);
    char *st = strstr(no_status, "\"status\":\"queued\",");
    memmove(st, st + 18, strlen(st + 18) + 1);
    assert_true(mismatches(record_of("GET", "/jobs/1", 200, "application/json", RID, no_status)) >
                0);
    free(no_status);
    assert_true(mismatches(record_of("GET", "/jobs/1", 200, "application/json", RID,
                                     "{\"id\":1,\"surprise\":true}")) > 0);
    /* An error code that does not exist, or that this status does not carry. */
    assert_true(mismatches(record_of("GET", "/jobs/1", 404, "application/json", RID,
                                     "{\"error\":\"x\",\"code\":\"gone\"}")) > 0);
    assert_true(mismatches(record_of("GET", "/jobs/1", 404, "application/json", RID,
                                     "{\"error\":\"x\",\"code\":\"conflict\"}")) > 0);
    /* A status the operation does not list; a body that is not JSON; a wrong media type. */
    assert_true(mismatches(record_of("GET", "/jobs/1", 418, "application/json", RID,
                                     "{\"error\":\"x\",\"code\":\"internal\"}")) > 0);
    assert_true(mismatches(record_of("GET", "/jobs/1", 200, "application/json", RID, "{")) > 0);
    assert_true(mismatches(record_of("GET", "/jobs/1", 200, "text/html", RID, JOB)) > 0);
    /* A required header missing, or not fitting its schema. */
    assert_true(mismatches(record_of("POST", "/jobs", 202, "application/json", RID, JOB)) > 0);
    assert_true(mismatches(record_of("GET", "/results", 200, "application/json",
                                     "{\"x-request-id\":\"a\",\"x-total-count\":\"-1\","
                                     "\"x-job-id\":\"1\",\"x-job-status\":\"done\"}",
                                     "[]")) > 0);
    /* Another method on a known path is a 405, never a 200. */
    assert_true(mismatches(record_of("DELETE", "/results", 200, "application/json", RID, "[]")) >
                0);
    /* A JSON-lines export whose second line is no Result. */
    const char *exp = "{\"x-request-id\":\"a\",\"x-job-id\":\"1\",\"x-job-status\":\"succeeded\","
                      "\"content-disposition\":\"attachment; filename=lead_scores.jsonl\"}";
    assert_int_equal(mismatches(record_of("GET", "/results/export?format=jsonl", 200,
                                          "application/x-ndjson", exp, RESULT "\n")),
                     0);
    assert_true(mismatches(record_of("GET", "/results/export?format=jsonl", 200,
                                     "application/x-ndjson", exp, RESULT "\n{}\n")) > 0);
    /*
     * A CSV export without its header row. Since ?columns= (issue #9) the
     * header may name any of the upload's own columns, so a first line of
     * cells cannot be told from a header: what is checked is that there is
     * one, not empty and CRLF-terminated.
     */
    assert_true(mismatches(record_of("GET", "/results/export", 200, "text/csv; charset=utf-8", exp,
                                     "")) > 0);
    assert_true(mismatches(record_of("GET", "/results/export", 200, "text/csv; charset=utf-8", exp,
                                     "\r\nAva,CEO\r\n")) > 0);
    assert_true(mismatches(record_of("GET", "/results/export", 200, "text/csv; charset=utf-8", exp,
                                     "name,role\nAva,CEO\n")) > 0);
    /* An event stream: retry, a Job, end; then each kind of wrong event. */
    const char *sse = "{\"x-request-id\":\"a\",\"cache-control\":\"no-cache\","
                      "\"x-accel-buffering\":\"no\"}";
    static const struct {
        const char *body;
        bool ok;
    } streams[] = {
        {"retry: 2000\n\nevent: job\nid: 1\ndata: " JOB "\n\n", true},
        {"retry: 2000\n\nevent: job\nid: 1\ndata: " JOB
         "\n\nevent: end\ndata: {\"status\":\"cancelled\"}\n\n",
         true},
        {"event: job\nid: 1\ndata: " JOB "\n\n", false}, /* no retry first */
        {"retry: 2000\n\nevent: job\nid: 1\ndata: {\"id\":1}\n\n", false},
        {"retry: 2000\n\nevent: job\ndata: " JOB "\n\n", false},      /* no id */
        {"retry: 2000\n\nevent: job\nid: 1\ndata: " JOB "\n", false}, /* unended */
        {"retry: 2000\n\nevent: end\ndata: {\"status\":\"running\"}\n\n", false},
        {"retry: 2000\n\nevent: tick\ndata: {}\n\n", false},
    };
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
        size_t n = mismatches(
            record_of("GET", "/jobs/1/events", 200, "text/event-stream", sse, streams[i].body));
        if ((n == 0) != streams[i].ok) {
            print_error("event stream %zu: %zu mismatches, want %s\n", i, n,
                        streams[i].ok ? "none" : "some");
            fail();
        }
    }
    assert_true(mismatches(record_of("GET", "/jobs/1/events", 200, "text/event-stream", RID,
                                     "retry: 2000\n\n")) > 0); /* headers missing */
}

/* ---- the document itself --------------------------------------------------------------- */

/* Every "$ref" anywhere in v resolves. */
static void refs_resolve(const json_t *v, const char *where, struct cf_errs *e)
{
    char at[512];
    if (json_is_object(v)) {
        const char *k;
        json_t *sub;
        json_object_foreach((json_t *)(uintptr_t)v, k, sub)
        {
            if (strcmp(k, "$ref") == 0 && cf_schema_ref(doc, json_string_value(sub)) == NULL)
                cf_errs_add(e, where, "$ref \"%s\" does not resolve", json_string_value(sub));
            if (snprintf(at, sizeof(at), "%s/%s", where, k) > 0)
                refs_resolve(sub, at, e);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *sub;
        json_array_foreach(v, i, sub)
        {
            if (snprintf(at, sizeof(at), "%s/%zu", where, i) > 0)
                refs_resolve(sub, at, e);
        }
    }
}

/* The schemas of one response object (borrowed), for the keyword scan. */
static void response_schemas(const json_t *resp, const char *where, struct cf_errs *e, size_t *n)
{
    const char *k;
    json_t *m;
    char at[512];
    json_object_foreach(json_object_get(resp, "content"), k, m)
    {
        snprintf(at, sizeof(at), "%s/content/%s", where, k);
        *n += cf_schema_unknown_keywords(doc, json_object_get(m, "schema"), at, e);
    }
    json_object_foreach(json_object_get(resp, "headers"), k, m)
    {
        snprintf(at, sizeof(at), "%s/headers/%s", where, k);
        *n += cf_schema_unknown_keywords(doc, json_object_get(cf_deref(doc, m), "schema"), at, e);
    }
}

static void check_operation(const char *path, const char *method, const json_t *op, json_t *ids,
                            struct cf_errs *e)
{
    char where[300];
    snprintf(where, sizeof(where), "%s %s", method, path);
    const json_t *und = json_object_get(op, "x-leadscore-undocumented");
    if (und) {
        char *why = json_dumps(und, JSON_COMPACT);
        cf_errs_add(e, where, "undocumented: %s", why ? why : "");
        free(why);
    }
    const char *id = json_string_value(json_object_get(op, "operationId"));
    if (id == NULL || json_object_get(ids, id))
        cf_errs_add(e, where, "operationId \"%s\" is missing or not unique", id ? id : "");
    else
        json_object_set_new(ids, id, json_true());
    const char *status;
    json_t *r;
    json_object_foreach(json_object_get(op, "responses"), status, r)
    {
        const json_t *resp = cf_deref(doc, r);
        const json_t *hdrs = json_object_get(resp, "headers");
        if (json_object_get(hdrs, "X-Request-Id") == NULL)
            cf_errs_add(e, where, "%s has no X-Request-Id header", status);
        if (strcmp(status, "401") == 0 && json_object_get(hdrs, "WWW-Authenticate") == NULL)
            cf_errs_add(e, where, "401 has no WWW-Authenticate header");
        if (strcmp(status, "201") == 0 && strcmp(path, "/keys") == 0 &&
            json_object_get(hdrs, "Location") == NULL)
            cf_errs_add(e, where, "201 has no Location header");
        if (strcmp(status, "202") == 0 && json_object_get(hdrs, "Location") == NULL)
            cf_errs_add(e, where, "202 has no Location header");
    }
}

/* The document is whole: no undocumented route, unique ids, only checked schema keywords. */
static void test_conformance__document(void **state)
{
    (void)state;
    struct cf_errs e = {0};
    size_t n = 0;
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    refs_resolve(doc, "#", &e);
    json_t *ids = json_object();
    const char *path, *method;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        json_object_foreach(item, method, op)
        {
            if (strcmp(method, "parameters") != 0)
                check_operation(path, method, op, ids, &e);
        }
    }
    json_decref(ids);
    const char *name;
    json_t *s;
    char at[300];
    json_object_foreach(json_object_get(json_object_get(doc, "components"), "schemas"), name, s)
    {
        snprintf(at, sizeof(at), "#/components/schemas/%s", name);
        n += cf_schema_unknown_keywords(doc, s, at, &e);
    }
    json_object_foreach(json_object_get(json_object_get(doc, "components"), "responses"), name, s)
    {
        snprintf(at, sizeof(at), "#/components/responses/%s", name);
        response_schemas(s, at, &e, &n);
    }
    json_t *group;
    json_object_foreach(json_object_get(doc, "x-leadscore-unrouted"), name, group)
    {
        const char *st;
        json_t *r;
        json_object_foreach(group, st, r)
        {
            snprintf(at, sizeof(at), "#/x-leadscore-unrouted/%s/%s", name, st);
            response_schemas(cf_deref(doc, r), at, &e, &n);
        }
    }
    /* Every code an error response names is an ErrorCode. */
    const json_t *all_codes = json_object_get(component("schemas", "ErrorCode"), "enum");
    assert_true(json_array_size(all_codes) > 30);
    json_object_foreach(json_object_get(json_object_get(doc, "components"), "responses"), name, s)
    {
        const json_t *schema = json_object_get(
            json_object_get(json_object_get(json_object_get(s, "content"), "application/json"),
                            "schema"),
            "allOf");
        const json_t *codes = json_object_get(
            json_object_get(json_object_get(json_array_get(schema, 1), "properties"), "code"),
            "enum");
        size_t i, j;
        json_t *c, *a;
        json_array_foreach(codes, i, c)
        {
            bool found = false;
            json_array_foreach(all_codes, j, a)
            {
                found = found || json_equal(a, c);
            }
            if (!found)
                cf_errs_add(&e, name, "code %s is not an ErrorCode", json_string_value(c));
        }
    }
    for (size_t i = 0; i < e.n && i < CF_ERRS_MAX; i++)
        print_error("%s\n", e.msg[i]);
    if (e.n)
        print_error("%zu problems (%zu unknown keywords)\n", e.n, n);
    assert_int_equal(e.n, 0);
}

/* ---- the recorded responses ------------------------------------------------------------- */

static void test_conformance__recorded_responses(void **state)
{
    (void)state;
    if (response_log[0] == '\0') {
        print_message("LS_RESPONSE_LOG is not set: nothing recorded to check (make check sets "
                      "it)\n");
        skip();
    }
    FILE *f = fopen(response_log, "r");
    if (f == NULL) {
        print_error("%s: no responses were recorded (run the integration tests with "
                    "LS_RESPONSE_LOG set first)\n",
                    response_log);
        fail();
    }
    struct cf_report rep = {0};
    rep.lines = calloc(CF_SHOWN_MAX, sizeof(rep.lines[0]));
    json_t *seen = json_object();
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t lineno = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_error_t je;
        json_t *rec = json_loadb(line, (size_t)got, 0, &je);
        if (rec == NULL) {
            print_error("%s:%zu: not a JSON line: %s\n", response_log, lineno, je.text);
            rep.n_bad++;
            continue;
        }
        cf_check_response(doc, rec, &rep, seen);
        json_decref(rec);
    }
    free(line);
    fclose(f);
    /* Which operations the suite never reached (not a failure: a gap in the tests). */
    char missing[4096] = "";
    size_t w = 0, n_ops = 0, n_missing = 0;
    const char *path, *method;
    json_t *item, *op;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        json_object_foreach(item, method, op)
        {
            if (strcmp(method, "parameters") == 0)
                continue;
            n_ops++;
            const char *id = json_string_value(json_object_get(op, "operationId"));
            if (json_object_get(seen, id) == NULL) {
                n_missing++;
                if (w + strlen(id) + 3 < sizeof(missing))
                    w += (size_t)snprintf(missing + w, sizeof(missing) - w, " %s", id);
            }
        }
    }
    json_decref(seen);
    print_message("conformance: %zu responses checked (%zu bodies validated, %zu not: HEAD, "
                  "too large or binary), %zu of %zu operations reached; not reached:%s\n",
                  rep.n_checked, rep.n_bodies, rep.n_skipped, n_ops - n_missing, n_ops,
                  n_missing ? missing : " none");
    for (size_t i = 0; i < rep.n_lines; i++)
        print_error("mismatch: %s\n", rep.lines[i]);
    if (rep.n_bad > rep.n_lines)
        print_error("... and %zu more mismatches\n", rep.n_bad - rep.n_lines);
    free(rep.lines);
    assert_true(rep.n_checked > 0);
    assert_int_equal(rep.n_bad, 0);
}

/* ---- answers the integration suite does not ask for ------------------------------------- */

/*
 * One request of the probe. In a header value, @admin and @viewer are the
 * keys created along the way; in a path, @viewer_id is the viewer key's id.
 * A body of "@big" is 1.5 MiB of JSON. want 0: any status (timing).
 */
struct probe {
    const char *method, *path;
    const char *headers[3];
    const char *body;
    long want;
};

#define JSON_CT   "Content-Type: application/json"
#define AS_ADMIN  "Authorization: Bearer @admin"
#define AS_VIEWER "Authorization: Bearer @viewer"
#define OFFER     "{\"name\":\"o\",\"value_props\":[\"v\"],\"ideal_use_cases\":[\"B2B SaaS\"]}"

/* clang-format off */
static const struct probe probes[] = {
    /* open mode: no key exists yet */
    {"POST", "/offers", {JSON_CT}, OFFER, 201},
    {"POST", "/uploads?filename=p.csv", {"Content-Type: text/csv"}, "name,role,company,industry,location,linkedin_bio\nAva,CEO,F,B2B SaaS,NY,scaling outbound\n", 201},
    {"POST", "/uploads", {"Content-Type: text/csv"}, "name,role\n", 400},
    {"POST", "/score", {"Prefer: respond-async"}, NULL, 202},
    {"GET", "/jobs/1", {NULL}, NULL, 200},
    {"HEAD", "/healthz", {NULL}, NULL, 200},
    {"HEAD", "/results/export", {NULL}, NULL, 0},
    {"OPTIONS", "/jobs", {NULL}, NULL, 204},
    {"OPTIONS", "/jobs", {"Origin: http://evil.example"}, NULL, 403},
    {"PUT", "/jobs", {NULL}, NULL, 405},
    {"GET", "/jobs?bogus=1", {NULL}, NULL, 400},
    {"GET", "/jobs?limit=01", {NULL}, NULL, 400},
    {"GET", "/jobs?limit=1&limit=2", {NULL}, NULL, 400},
    {"GET", "/jobs/0", {NULL}, NULL, 400},
    {"DELETE", "/jobs/1?purge=2", {NULL}, NULL, 400},
    {"GET", "/results?sort=best", {NULL}, NULL, 400},
    {"GET", "/results/export?format=xml", {NULL}, NULL, 400},
    {"GET", "/healthz", {"Host: evil.example"}, NULL, 421},
    {"GET", "/healthz", {"Expect: 200-ok"}, NULL, 417},
    {"GET", "/jobs", {"X-Big: @long"}, NULL, 431},
    {"POST", "/jobs", {"Content-Type: text/plain"}, "x", 415},
    {"POST", "/jobs", {JSON_CT}, "{\"offer_id\":99}", 404},
    {"POST", "/jobs", {JSON_CT}, "{\"offer_id\":\"1\"}", 422},
    {"POST", "/score", {"Origin: http://127.0.0.1"}, NULL, 0},
    {"POST", "/offers", {JSON_CT}, "@big", 413},
    {"POST", "/offers", {JSON_CT, "Origin: http://evil.example"}, OFFER, 403},
    {"GET", "/offers?limit=1", {NULL}, NULL, 200},
    {"GET", "/uploads/1/leads?limit=1&offset=0", {NULL}, NULL, 200},
    {"POST", "/keys", {"Content-Type: text/plain"}, "{}", 415},
    {"POST", "/keys", {JSON_CT}, "{", 400},
    {"POST", "/keys", {JSON_CT}, "[]", 422},
    {"POST", "/keys", {JSON_CT}, "{\"role\":\"root\"}", 422},
    {"POST", "/keys", {JSON_CT}, "{\"role\":\"admin\",\"name\":\"probe\"}", 201},
    /* keys mode from here on */
    {"GET", "/jobs", {NULL}, NULL, 401},
    {"GET", "/jobs", {"Authorization: Basic YTpi"}, NULL, 401},
    {"GET", "/healthz", {"Authorization: Bearer lsk_nope"}, NULL, 401},
    {"GET", "/healthz", {NULL}, NULL, 200},
    {"GET", "/openapi.json", {NULL}, NULL, 200},
    {"GET", "/jobs", {AS_ADMIN}, NULL, 200},
    {"POST", "/keys", {JSON_CT, AS_ADMIN}, "{\"role\":\"viewer\"}", 201},
    {"POST", "/offers", {JSON_CT, AS_VIEWER}, OFFER, 403},
    {"GET", "/keys", {AS_VIEWER}, NULL, 403},
    {"GET", "/metrics", {AS_VIEWER}, NULL, 200},
    {"GET", "/metrics", {NULL}, NULL, 401},
    {"GET", "/keys", {AS_ADMIN}, NULL, 200},
    {"GET", "/jobs/1?@wait", {AS_ADMIN}, NULL, 200},
    {"GET", "/results/export?format=jsonl", {AS_ADMIN}, NULL, 200},
    {"GET", "/jobs/1/results/export?intent=High,Low", {AS_ADMIN}, NULL, 200},
    {"GET", "/jobs/1/results?limit=1&sort=name&q=ava", {AS_ADMIN}, NULL, 200},
    {"DELETE", "/offers/1", {AS_ADMIN}, NULL, 200},
    {"DELETE", "/offers/1", {AS_ADMIN}, NULL, 404},
    {"DELETE", "/jobs/1", {AS_ADMIN}, NULL, 409},
    {"DELETE", "/jobs/1/results", {AS_ADMIN}, NULL, 200},
    {"GET", "/jobs/1", {AS_ADMIN}, NULL, 200},
    {"DELETE", "/jobs/1?purge=1", {AS_ADMIN}, NULL, 200},
    {"DELETE", "/uploads/1", {AS_ADMIN}, NULL, 200},
    {"GET", "/uploads/1", {AS_ADMIN}, NULL, 404},
    {"DELETE", "/keys/@viewer_id", {AS_ADMIN}, NULL, 200},
    {"DELETE", "/keys/@viewer_id", {AS_ADMIN}, NULL, 409},
    {"DELETE", "/keys/999", {AS_ADMIN}, NULL, 404},
    {"GET", "/jobs", {AS_VIEWER}, NULL, 401},
    {"POST", "/score", {JSON_CT, AS_ADMIN}, "{}", 409},
};
/* clang-format on */

struct keys {
    char admin[64], viewer[64], viewer_id[24];
    char *long_text; /* 20,000 characters (owned) */
};

/* Replaces every @name in in by its value. Owned: free. */
static char *fill(const char *in, const struct keys *k)
{
    static const char *const names[] = {"@admin", "@viewer_id", "@viewer", "@long", "@wait"};
    size_t cap = strlen(in) + 20100, w = 0;
    char *out = malloc(cap);
    for (const char *p = in; *p;) {
        size_t i = 0;
        for (; i < sizeof(names) / sizeof(names[0]); i++) {
            if (strncmp(p, names[i], strlen(names[i])) == 0)
                break;
        }
        const char *v = i == 0   ? k->admin
                        : i == 1 ? k->viewer_id
                        : i == 2 ? k->viewer
                        : i == 3 ? k->long_text
                        : i == 4 ? "" /* handled by the caller */
                                 : NULL;
        if (v == NULL) {
            out[w++] = *p++;
            continue;
        }
        size_t n = strlen(v);
        if (w + n + 1 < cap) {
            memcpy(out + w, v, n);
            w += n;
        }
        p += strlen(names[i]);
    }
    out[w] = '\0';
    if (w && out[w - 1] == '?')
        out[w - 1] = '\0'; /* "/jobs/1?@wait" */
    return out;
}

/* Remembers the keys POST /keys hands out. */
static void keep_key(const struct resp *r, struct keys *k)
{
    json_t *j = h_json(r);
    const char *key = json_string_value(json_object_get(j, "key"));
    const char *role = json_string_value(json_object_get(j, "role"));
    if (key && role && strcmp(role, "admin") == 0) {
        snprintf(k->admin, sizeof(k->admin), "%s", key);
    } else if (key && role) {
        snprintf(k->viewer, sizeof(k->viewer), "%s", key);
        snprintf(k->viewer_id, sizeof(k->viewer_id), "%lld",
                 (long long)json_integer_value(json_object_get(j, "id")));
    }
    json_decref(j);
}

/* Polls a job until it has finished (the probe deletes its results next). */
static void wait_job(const struct srv *s, const char *path, const char *auth)
{
    const char *h[] = {auth, NULL};
    for (int i = 0; i < 500; i++) {
        struct resp r;
        if (h_http(s, "GET", path, h, NULL, 0, &r) != 0)
            return;
        json_t *j = h_json(&r);
        const char *st = json_string_value(json_object_get(j, "status"));
        bool done = st && strcmp(st, "queued") != 0 && strcmp(st, "running") != 0;
        json_decref(j);
        h_resp_free(&r);
        if (done)
            return;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Requests curl will not send (too long a target, another protocol, a broken line). */
static const struct {
    const char *head; /* the request line; "@long" is 20,000 characters */
    long want;
} raw_probes[] = {
    {"GET /jobs?q=@long HTTP/1.1", 414},
    {"GET /healthz HTTP/2.0", 505},
    {"GET healthz HTTP/1.1", 400},
    {"GET /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2", 400},
};

/* Sends one raw request (Connection: close) on a new connection and reads the reply to its end. */
static int raw_request(const struct srv *s, const char *head, struct resp *out)
{
    memset(out, 0, sizeof(*out));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t n = strlen(head);
    char *req = malloc(n + 64);
    int len = snprintf(req, n + 64, "%s\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", head);
    ssize_t w = write(fd, req, (size_t)len);
    free(req);
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap + 1);
    ssize_t r;
    while (w == len && (r = read(fd, buf + got, cap - got)) > 0) {
        got += (size_t)r;
        if (got == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    close(fd);
    buf[got] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL || strncmp(buf, "HTTP/1.1 ", 9) != 0) {
        free(buf);
        return -1;
    }
    out->status = strtol(buf + 9, NULL, 10);
    out->headers = strndup(buf, (size_t)(end + 4 - buf));
    out->len = got - (size_t)(end + 4 - buf);
    out->body = strndup(end + 4, out->len);
    free(buf);
    return 0;
}

static size_t run_raw_probes(const struct srv *s, const struct keys *k, struct cf_report *rep)
{
    size_t wrong = 0;
    for (size_t i = 0; i < sizeof(raw_probes) / sizeof(raw_probes[0]); i++) {
        char *head = fill(raw_probes[i].head, k);
        char method[16] = "", target[64] = "";
        sscanf(head, "%15s %63s", method, target);
        struct resp r;
        assert_int_equal(raw_request(s, head, &r), 0);
        if (r.status != raw_probes[i].want) {
            print_error("raw probe %zu: %.60s: %ld, want %ld: %.300s\n", i, head, r.status,
                        raw_probes[i].want, r.body);
            wrong++;
        }
        json_t *rec = h_record_json(method, target, &r);
        cf_check_response(doc, rec, rep, NULL);
        json_decref(rec);
        h_resp_free(&r);
        free(head);
    }
    return wrong;
}

/* Sends one probe and checks its answer; returns whether the status was the one wanted. */
static bool one_probe(const struct srv *s, const struct probe *p, struct keys *k,
                      struct cf_report *rep)
{
    char *path = fill(p->path, k);
    char *hdrs[3] = {NULL, NULL, NULL};
    const char *h[4] = {NULL, NULL, NULL, NULL};
    for (size_t j = 0; j < 3 && p->headers[j]; j++)
        h[j] = hdrs[j] = fill(p->headers[j], k);
    if (strstr(p->path, "@wait"))
        wait_job(s, path, h[0]);
    char *big = NULL;
    const char *body = p->body;
    size_t len = body ? strlen(body) : 0;
    if (body && strcmp(body, "@big") == 0) {
        len = 1536 * 1024;
        big = malloc(len);
        memset(big, ' ', len);
        big[0] = '{';
        big[len - 1] = '}';
        body = big;
    }
    struct resp r;
    assert_int_equal(h_http(s, p->method, path, h, body, len, &r), 0);
    bool ok = p->want == 0 || r.status == p->want;
    if (!ok)
        print_error("probe %s %s: %ld, want %ld: %.300s\n", p->method, p->path, r.status, p->want,
                    r.body);
    if (strcmp(p->method, "POST") == 0 && strcmp(p->path, "/keys") == 0 && r.status == 201)
        keep_key(&r, k);
    json_t *rec = h_record_json(p->method, path, &r);
    cf_check_response(doc, rec, rep, NULL);
    json_decref(rec);
    h_resp_free(&r);
    free(big);
    free(path);
    for (size_t j = 0; j < 3; j++)
        free(hdrs[j]);
    return ok;
}

/* After the database is deleted under the running server. */
static const struct probe unwritable[] = {
    {"GET", "/healthz", {NULL}, NULL, 503},
    {"POST", "/offers", {JSON_CT, AS_ADMIN}, OFFER, 503},
};

/*
 * The statuses the integration suite never asks for (401, 403, 405, 414,
 * 417, 421, 431, 503, 505, HEAD, OPTIONS, keys, deletions), asked of a
 * server of our own and each answer checked like a recorded one.
 */
static void test_conformance__edge_responses(void **state)
{
    (void)state;
    struct srv s;
    char db[600];
    h_path(db, sizeof(db), "edges.db");
    assert_int_equal(h_srv_start(&s, db, NULL), 0);
    struct keys k = {0};
    k.long_text = malloc(20001);
    memset(k.long_text, 'a', 20000);
    k.long_text[20000] = '\0';
    struct cf_report rep = {0};
    rep.lines = calloc(CF_SHOWN_MAX, sizeof(rep.lines[0]));
    size_t wrong_status = run_raw_probes(&s, &k, &rep);
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        wrong_status += !one_probe(&s, &probes[i], &k, &rep);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char f[700];
        snprintf(f, sizeof(f), "%s%s", db, suffixes[i]);
        unlink(f);
    }
    struct timespec ts = {1, 200 * 1000 * 1000}; /* the store probes its health once a second */
    nanosleep(&ts, NULL);
    for (size_t i = 0; i < sizeof(unwritable) / sizeof(unwritable[0]); i++)
        wrong_status += !one_probe(&s, &unwritable[i], &k, &rep);
    h_srv_stop(&s, SIGTERM); /* its exit status is the store's business once the file is gone */
    for (size_t i = 0; i < rep.n_lines; i++)
        print_error("mismatch: %s\n", rep.lines[i]);
    print_message("conformance: %zu probe responses checked\n", rep.n_checked);
    free(rep.lines);
    free(k.long_text);
    assert_int_equal(wrong_status, 0);
    assert_int_equal(rep.n_bad, 0);
}

/* ---- the lint ------------------------------------------------------------------------------ */

/* Redocly's recommended rules, on the served document (tests/openapi/lint). */
static void test_conformance__redocly_lint(void **state)
{
    (void)state;
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "%s/tests/openapi/lint 2>&1", h_repo());
    fflush(stdout);
    int rc = system(cmd);
    if (rc != 0)
        print_error("tests/openapi/lint failed (exit status %d)\n", rc);
    assert_int_equal(rc, 0);
}

int main(void)
{
    const char *log = getenv("LS_RESPONSE_LOG");
    snprintf(response_log, sizeof(response_log), "%s", log ? log : "");
    /* This binary's own requests are not part of what the suite got. */
    unsetenv("LS_RESPONSE_LOG");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance__validator_keywords),
        cmocka_unit_test(test_conformance__wrong_responses_are_rejected),
        cmocka_unit_test(test_conformance__document),
        cmocka_unit_test(test_conformance__recorded_responses),
        cmocka_unit_test(test_conformance__edge_responses),
        cmocka_unit_test(test_conformance__redocly_lint),
    };
    return cmocka_run_group_tests(tests, fetch_doc, free_doc);
}
