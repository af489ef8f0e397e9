/*
 * conformance.c - every response the integration suite got, checked against
 * the document the real server serves at GET /openapi.json (issue #7).
 *
 * The integration tests record each response through tests/integ/harness.c
 * when LS_RESPONSE_LOG names a file (make check sets it); this binary runs
 * after them, starts the server once for the document, matches each
 * recorded request to its operation (method and path template; HEAD is GET
 * without the body; requests outside every operation to
 * x-leadscore-unrouted) and checks the status is one the operation lists,
 * the Content-Type one of that response's media types, every required
 * header is there and every header and body fits its schema. It fails
 * listing every mismatch. The validator is tests/conformance/schema.c; the
 * first tests show it rejects what it must. The last test runs the Redocly
 * lint (tests/openapi/lint).
 */
#include "ls_test.h"
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "integ/harness.h"
#include "schema.h"

#define SHOWN_MAX 200 /* mismatches printed; all are counted */

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

/* A Reference Object's target (or the object itself). Borrowed from doc. */
static const json_t *deref(const json_t *o)
{
    for (int i = 0; i < 8 && json_is_object(o); i++) {
        const json_t *r = json_object_get(o, "$ref");
        if (r == NULL)
            return o;
        o = cf_schema_ref(doc, json_string_value(r));
    }
    return o;
}

static const json_t *component(const char *kind, const char *name)
{
    return json_object_get(json_object_get(json_object_get(doc, "components"), kind), name);
}

/* ---- matching a request ------------------------------------------------------------- */

/* The path of a request-target, percent-decoded, without the query or a trailing slash. */
static void request_path(const char *target, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = target; *p && *p != '?' && w + 1 < cap; p++) {
        if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], 0};
            out[w++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else {
            out[w++] = *p;
        }
    }
    if (w > 1 && out[w - 1] == '/')
        w--; /* the server takes "/results/" for "/results" */
    out[w] = '\0';
}

/* Whether path fits template ("/jobs/{id}": {x} is one non-empty segment). */
static bool template_match(const char *tpl, const char *path)
{
    while (*tpl && *path) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            size_t n = strcspn(path, "/");
            if (close == NULL || n == 0)
                return false;
            tpl = close + 1;
            path += n;
        } else if (*tpl++ != *path++) {
            return false;
        }
    }
    return *tpl == '\0' && *path == '\0';
}

/* The path item whose template fits, in the document's (the route table's) order. */
static const json_t *path_item(const char *path, const char **tpl)
{
    const char *key;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), key, item)
    {
        if (template_match(key, path)) {
            *tpl = key;
            return item;
        }
    }
    return NULL;
}

/* ---- checking one response ----------------------------------------------------------- */

struct report {
    size_t n_checked, n_bodies, n_skipped, n_bad;
    char (*lines)[600];
    size_t n_lines;
};

static void bad(struct report *rep, const json_t *rec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct report *rep, const json_t *rec, const char *fmt, ...)
{
    rep->n_bad++;
    if (rep->n_lines >= SHOWN_MAX || rep->lines == NULL)
        return;
    char *l = rep->lines[rep->n_lines++];
    int w = snprintf(l, sizeof(rep->lines[0]),
                     "%s %.200s -> %lld: ", json_string_value(json_object_get(rec, "method")),
                     json_string_value(json_object_get(rec, "path")),
                     (long long)json_integer_value(json_object_get(rec, "status")));
    va_list ap;
    va_start(ap, fmt);
    if (w > 0 && (size_t)w < sizeof(rep->lines[0]))
        vsnprintf(l + w, sizeof(rep->lines[0]) - (size_t)w, fmt, ap);
    va_end(ap);
}

static void bad_errs(struct report *rep, const json_t *rec, const char *what,
                     const struct cf_errs *e)
{
    for (size_t i = 0; i < e->n && i < CF_ERRS_MAX; i++)
        bad(rep, rec, "%s %s", what, e->msg[i]);
    if (e->n > CF_ERRS_MAX)
        bad(rep, rec, "%s: %zu more", what, e->n - CF_ERRS_MAX);
}

/* "Text/CSV ; charset=UTF-8" -> "text/csv;charset=utf-8". */
static void media_norm(const char *in, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = in; *p && w + 1 < cap; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        out[w++] = (char)tolower((unsigned char)*p);
    }
    out[w] = '\0';
}

static const json_t *media_for(const json_t *content, const char *type, const char **key)
{
    char want[128], have[128];
    media_norm(type ? type : "", want, sizeof(want));
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)(uintptr_t)content, k, m)
    {
        media_norm(k, have, sizeof(have));
        if (strcmp(have, want) == 0) {
            *key = k;
            return m;
        }
    }
    return NULL;
}

static bool strict_int(const char *s, json_int_t *out)
{
    if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1]))
        return false;
    *out = (json_int_t)strtoll(s, NULL, 10);
    return true;
}

static void check_headers(const json_t *resp, const json_t *rec, struct report *rep)
{
    const json_t *got = json_object_get(rec, "headers");
    const char *name;
    json_t *h;
    json_object_foreach(json_object_get(resp, "headers"), name, h)
    {
        const json_t *def = deref(h);
        char lower[128];
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof(lower); i++)
            lower[i] = (char)tolower((unsigned char)name[i]);
        lower[i] = '\0';
        const char *value = json_string_value(json_object_get(got, lower));
        if (value == NULL) {
            if (json_is_true(json_object_get(def, "required")))
                bad(rep, rec, "required header %s is missing", name);
            continue;
        }
        const json_t *schema = json_object_get(def, "schema");
        const char *type = json_string_value(json_object_get(schema, "type"));
        json_int_t n;
        json_t *v = type && strcmp(type, "integer") == 0 && strict_int(value, &n)
                        ? json_integer(n)
                        : json_string(value);
        struct cf_errs e = {0};
        if (!cf_schema_validate(doc, schema, v, &e)) {
            char what[160];
            snprintf(what, sizeof(what), "header %s \"%.60s\"", name, value);
            bad_errs(rep, rec, what, &e);
        }
        json_decref(v);
    }
}

static void check_lines(const json_t *item_schema, const char *body, const json_t *rec,
                        struct report *rep)
{
    size_t n = 0;
    for (const char *p = body; *p;) {
        const char *eol = strchr(p, '\n');
        if (eol == NULL) {
            bad(rep, rec, "line %zu does not end with LF", n + 1);
            return;
        }
        json_error_t je;
        json_t *v = json_loadb(p, (size_t)(eol - p), 0, &je);
        struct cf_errs e = {0};
        char what[48];
        snprintf(what, sizeof(what), "line %zu", ++n);
        if (v == NULL)
            bad(rep, rec, "%s is not JSON: %s", what, je.text);
        else if (!cf_schema_validate(doc, item_schema, v, &e))
            bad_errs(rep, rec, what, &e);
        json_decref(v);
        p = eol + 1;
    }
}

static void check_body(const json_t *resp, const json_t *rec, bool is_head, struct report *rep)
{
    const json_t *content = json_object_get(resp, "content");
    const char *type = json_string_value(json_object_get(rec, "content_type"));
    const json_t *body = json_object_get(rec, "body");
    json_int_t len = json_integer_value(json_object_get(rec, "body_len"));
    if (json_object_size(content) == 0) {
        if (len != 0 || type)
            bad(rep, rec, "a body (%s) where the document has none", type ? type : "untyped");
        return;
    }
    const char *key = NULL;
    const json_t *media = media_for(content, type, &key);
    if (media == NULL) {
        char *want = json_dumps(content, JSON_COMPACT);
        bad(rep, rec, "Content-Type \"%s\" is not one of the response's (%.200s)",
            type ? type : "(none)", want ? want : "");
        free(want);
        return;
    }
    if (is_head || json_is_true(json_object_get(rec, "truncated"))) {
        rep->n_skipped++;
        return;
    }
    if (!json_is_string(body)) {
        bad(rep, rec, "the %s body is not UTF-8 text", key);
        return;
    }
    const json_t *schema = json_object_get(media, "schema");
    struct cf_errs e = {0};
    rep->n_bodies++;
    if (strncmp(key, "application/json", 16) == 0) {
        json_error_t je;
        json_t *v = json_loadb(json_string_value(body), json_string_length(body), 0, &je);
        if (v == NULL)
            bad(rep, rec, "the body is not JSON: %s", je.text);
        else if (!cf_schema_validate(doc, schema, v, &e))
            bad_errs(rep, rec, "body", &e);
        json_decref(v);
        return;
    }
    if (!cf_schema_validate(doc, schema, body, &e))
        bad_errs(rep, rec, "body", &e);
    const json_t *items = json_object_get(media, "x-itemSchema");
    if (items)
        check_lines(items, json_string_value(body), rec, rep);
}

/*
 * The responses that apply to a recorded request (borrowed from doc), and
 * in name what to call them in messages: the operationId, or which kind of
 * request outside every operation it is.
 */
static const json_t *responses_for(const json_t *rec, char *name, size_t cap, bool *is_head)
{
    const char *method = json_string_value(json_object_get(rec, "method"));
    char path[1024], m[16];
    request_path(json_string_value(json_object_get(rec, "path")), path, sizeof(path));
    *is_head = strcmp(method, "HEAD") == 0;
    size_t i = 0;
    for (; method[i] && i + 1 < sizeof(m); i++)
        m[i] = (char)tolower((unsigned char)method[i]);
    m[i] = '\0';
    const json_t *unrouted = json_object_get(doc, "x-leadscore-unrouted");
    const char *tpl = NULL;
    const json_t *item = path_item(path, &tpl);
    if (item == NULL) {
        snprintf(name, cap, "an unknown path");
        return json_object_get(unrouted, "unknownPath");
    }
    if (strcmp(m, "options") == 0) {
        snprintf(name, cap, "OPTIONS %s", tpl);
        return json_object_get(unrouted, "options");
    }
    const json_t *op = json_object_get(item, *is_head ? "get" : m);
    if (op == NULL) {
        snprintf(name, cap, "%s %s (no such operation)", method, tpl);
        return json_object_get(unrouted, "otherMethod");
    }
    snprintf(name, cap, "%s", json_string_value(json_object_get(op, "operationId")));
    return json_object_get(op, "responses");
}

/* Checks one recorded response; every mismatch goes to rep. */
static void check_response(const json_t *rec, struct report *rep, json_t *seen)
{
    rep->n_checked++;
    char name[300], status[16];
    bool is_head;
    const json_t *responses = responses_for(rec, name, sizeof(name), &is_head);
    if (seen)
        json_object_set_new(seen, name, json_true());
    snprintf(status, sizeof(status), "%lld",
             (long long)json_integer_value(json_object_get(rec, "status")));
    const json_t *resp = deref(json_object_get(responses, status));
    if (resp == NULL) {
        /* default is there for generic clients; every real status must be listed. */
        char listed[200] = "";
        size_t w = 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)(uintptr_t)responses, k, v)
        {
            if (strcmp(k, "default") != 0 && w + 6 < sizeof(listed))
                w += (size_t)snprintf(listed + w, sizeof(listed) - w, "%s%s", w ? " " : "", k);
        }
        bad(rep, rec, "status not documented for %s (it lists %s)", name, listed);
        return;
    }
    check_headers(resp, rec, rep);
    check_body(resp, rec, is_head, rep);
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
    struct report rep = {0};
    check_response(rec, &rep, NULL);
    json_decref(rec);
    return rep.n_bad;
}

#define RID "{\"x-request-id\":\"abc\"}"
#define JOB                                                                                        \
    "{\"id\":1,\"status\":\"queued\",\"offer_id\":1,\"upload_id\":1,\"total\":4,\"done\":0,"       \
    "\"failed\":0,\"fallbacks\":0,\"cache_hits\":0,\"model_calls\":0,\"retries\":0,"               \
    "\"tokens\":{\"prompt\":0,\"output\":0},\"counts\":{\"High\":0,\"Medium\":0,\"Low\":0},"       \
    "\"provider\":\"offline\",\"model\":\"\",\"created_at\":\"2026-12-01T10:15:11.233Z\","         \
    "\"started_at\":null,\"finished_at\":null,\"elapsed_ms\":null,\"eta_ms\":null}"
#define RESULT                                                                                     \
    "{\"name\":\"Ava\",\"role\":\"CEO\",\"company\":\"F\",\"intent\":\"High\",\"score\":90,"       \
    "\"reasoning\":\"r\",\"industry\":\"SaaS\",\"location\":\"NY\",\"rule_score\":40,"             \
    "\"ai_score\":50,\"breakdown\":{\"role\":20,\"industry\":10,\"completeness\":10},"             \
    "\"ai\":{\"provider\":\"offline\",\"model\":\"\",\"status\":\"ok\"}}"
#define RESULT_HDRS                                                                                \
    "{\"x-request-id\":\"a\",\"x-total-count\":\"1\",\"x-job-id\":\"1\","                          \
    "\"x-job-status\":\"succeeded\"}"

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
    /* A CSV export without its header row. */
    assert_true(mismatches(record_of("GET", "/results/export", 200, "text/csv; charset=utf-8", exp,
                                     "Ava,CEO\r\n")) > 0);
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
        *n += cf_schema_unknown_keywords(doc, json_object_get(deref(m), "schema"), at, e);
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
        const json_t *resp = deref(r);
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
            response_schemas(deref(r), at, &e, &n);
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
    struct report rep = {0};
    rep.lines = calloc(SHOWN_MAX, sizeof(rep.lines[0]));
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
        check_response(rec, &rep, seen);
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
    print_message("conformance: %zu responses checked (%zu bodies validated, %zu not: HEAD or "
                  "too large), %zu of %zu operations reached; not reached:%s\n",
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
        cmocka_unit_test(test_conformance__redocly_lint),
    };
    return cmocka_run_group_tests(tests, fetch_doc, free_doc);
}
