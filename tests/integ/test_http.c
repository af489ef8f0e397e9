/*
 * test_http.c - the real `leadscore serve` on a loopback port, driven over
 * HTTP: the README flow, every error of the API, encodings, persistence.
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static char offer_json[4096];
static char leads_csv[600];

static int setup(void **state)
{
    (void)state;
    char p[600];
    snprintf(p, sizeof(p), "%s/examples/offer.json", h_repo());
    char *o = h_read_file(p, NULL);
    assert_non_null(o);
    snprintf(offer_json, sizeof(offer_json), "%s", o);
    free(o);
    snprintf(leads_csv, sizeof(leads_csv), "%s/examples/leads.csv", h_repo());
    return 0;
}

static void start(struct srv *s, const char *name, const char *const *env)
{
    char db[600];
    h_path(db, sizeof(db), name);
    assert_int_equal(h_srv_start(s, db, env), 0);
}

static void stop(struct srv *s)
{
    assert_int_equal(h_srv_stop(s, SIGTERM), 0);
}

static void expect_error(struct resp *r, long status, const char *code, const char *msg_part)
{
    if (r->status != status) {
        print_error("status %ld, want %ld; body: %s\n", r->status, status, r->body);
        fail();
    }
    json_t *j = h_json(r);
    assert_non_null(j);
    const char *c = json_string_value(json_object_get(j, "code"));
    const char *m = json_string_value(json_object_get(j, "error"));
    assert_non_null(c);
    assert_non_null(m);
    if (strcmp(c, code) != 0 || (msg_part && strstr(m, msg_part) == NULL)) {
        print_error("code %s msg '%s'; want %s '%s'\n", c, m, code, msg_part ? msg_part : "");
        fail();
    }
    json_decref(j);
}

/* POST /offer, upload the example leads, POST /score: the README's flow. */
static void run_flow(struct srv *s)
{
    struct resp r;
    assert_int_equal(h_post_json(s, "/offer", offer_json, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_upload(s, "/leads/upload", leads_csv, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_http(s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
}

static void test_http__readme_flow(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "flow.db", NULL);

    assert_int_equal(h_http(&s, "GET", "/healthz", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    json_t *j = h_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "version")), "0.1.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "ai"), "provider")),
                        "offline");
    char *rid = h_header(&r, "X-Request-Id");
    assert_non_null(rid);
    assert_int_equal(strlen(rid), 16);
    free(rid);
    json_decref(j);
    h_resp_free(&r);

    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    assert_int_equal(r.status, 201);
    j = h_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "offer_id")), 1);
    assert_non_null(json_object_get(j, "message"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "offer"), "name")),
                        "AI Outreach Automation");
    json_decref(j);
    h_resp_free(&r);

    assert_int_equal(h_upload(&s, "/leads/upload", leads_csv, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    j = h_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "upload_id")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "errors")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "encoding")), "utf-8");
    json_decref(j);
    h_resp_free(&r);

    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    j = h_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "scored")), 4);
    assert_int_equal(json_integer_value(json_object_get(j, "job_id")), 1);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "High")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "Medium")), 1);
    assert_int_equal(json_integer_value(json_object_get(counts, "Low")), 2);
    json_decref(j);
    h_resp_free(&r);

    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    j = h_json(&r);
    assert_true(json_is_array(j));
    assert_int_equal(json_array_size(j), 4);
    /* Ordered by score descending, then upload order. */
    int last = 101;
    for (size_t i = 0; i < 4; i++) {
        json_t *it = json_array_get(j, i);
        int score = (int)json_integer_value(json_object_get(it, "score"));
        int rule = (int)json_integer_value(json_object_get(it, "rule_score"));
        int ai = (int)json_integer_value(json_object_get(it, "ai_score"));
        json_t *b = json_object_get(it, "breakdown");
        assert_true(score <= last);
        last = score;
        assert_int_equal(score, rule + ai);
        assert_int_equal(rule, json_integer_value(json_object_get(b, "role")) +
                                   json_integer_value(json_object_get(b, "industry")) +
                                   json_integer_value(json_object_get(b, "completeness")));
        assert_non_null(json_string_value(json_object_get(it, "reasoning")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(it, "ai"), "status")),
                            "ok");
    }
    json_t *top = json_array_get(j, 0);
    assert_string_equal(json_string_value(json_object_get(top, "name")), "Ava Patel");
    assert_int_equal(json_integer_value(json_object_get(top, "score")), 90);
    assert_string_equal(json_string_value(json_object_get(top, "intent")), "High");
    /* Ben (upload row 2) and David (row 4) tie at 30: upload order breaks the tie. */
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 2), "name")),
                        "Ben Carter");
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 3), "name")),
                        "David Chen");
    /* The seed's keys come first, in the seed's order. */
    const char *key;
    json_t *val;
    const char *want[] = {"name", "role", "company", "intent", "score", "reasoning"};
    size_t k = 0;
    json_object_foreach(top, key, val)
    {
        (void)val;
        if (k < 6)
            assert_string_equal(key, want[k]);
        k++;
    }
    json_decref(j);
    h_resp_free(&r);

    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    char *ct = h_header(&r, "Content-Type");
    char *cd = h_header(&r, "Content-Disposition");
    assert_string_equal(ct, "text/csv; charset=utf-8");
    assert_string_equal(cd, "attachment; filename=lead_scores.csv");
    free(ct);
    free(cd);
    const char *hdr = "name,role,company,intent,score,reasoning,industry,location,rule_score,"
                      "ai_score,role_points,industry_points,completeness_points,lead_id,line,"
                      "email,linkedin_url,external_id\r\n";
    assert_true(strncmp(r.body, hdr, strlen(hdr)) == 0);
    assert_non_null(strstr(r.body, "\r\nAva Patel,Head of Growth,FlowMetrics,High,90,"));
    char *alias_body = strdup(r.body);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/csv", NULL, NULL, 0, &r), 0);
    assert_string_equal(r.body, alias_body);
    free(alias_body);
    h_resp_free(&r);
    stop(&s);
}

/* details.field of a 422 names the field at fault (NULL: none, the offer as a whole). */
static void expect_field(const struct resp *r, const char *field)
{
    json_t *j = h_json(r);
    const char *got = json_string_value(json_object_get(json_object_get(j, "details"), "field"));
    if (field == NULL)
        assert_null(got);
    else
        assert_string_equal(got ? got : "(none)", field);
    json_decref(j);
}
static void test_http__offer_errors(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "offer-errors.db", NULL);
    assert_int_equal(h_post_json(&s, "/offer", "{\"name\": \"x\",\n \"value_props\": [", &r), 0);
    expect_error(&r, 400, "parse_error", "invalid JSON at line 2");
    h_resp_free(&r);
    assert_int_equal(
        h_post_json(&s, "/offer",
                    "{\"name\": \"n\", \"value_props\": [\"a\"], \"ideal_use_cases\": \"x\"}", &r),
        0);
    expect_error(&r, 422, "validation_error", "ideal_use_cases must be an array of strings");
    expect_field(&r, "ideal_use_cases");
    h_resp_free(&r);
    assert_int_equal(h_post_json(&s, "/offer", "{\"value_props\": [\"a\"]}", &r), 0);
    expect_error(&r, 422, "validation_error", "name is required");
    expect_field(&r, "name"); /* the dashboard shows the message next to this field */
    h_resp_free(&r);
    assert_int_equal(h_post_json(&s, "/offer",
                                 "{\"name\": \"n\", \"value_props\": [\"a\", \" \"], "
                                 "\"ideal_use_cases\": [\"b\"]}",
                                 &r),
                     0);
    expect_field(&r, "value_props[1]");
    h_resp_free(&r);
    assert_int_equal(h_post_json(&s, "/offer", "[]", &r), 0);
    expect_error(&r, 422, "validation_error", "offer must be a JSON object");
    expect_field(&r, NULL);
    h_resp_free(&r);
    const char *text[] = {"Content-Type: text/plain", NULL};
    assert_int_equal(h_http(&s, "POST", "/offer", text, offer_json, strlen(offer_json), &r), 0);
    expect_error(&r, 415, "unsupported_media_type", "application/json");
    h_resp_free(&r);
    /* Over 1 MiB: refused by Content-Length, and by counting when it is chunked. */
    size_t big = 1024 * 1024 + 10;
    char *body = malloc(big);
    memset(body, ' ', big);
    body[0] = '{';
    body[big - 1] = '}';
    const char *json_ct[] = {"Content-Type: application/json", NULL};
    assert_int_equal(h_http(&s, "POST", "/offer", json_ct, body, big, &r), 0);
    expect_error(&r, 413, "too_large", "1048576-byte limit");
    h_resp_free(&r);
    const char *chunked[] = {"Content-Type: application/json", "Transfer-Encoding: chunked", NULL};
    assert_int_equal(h_http(&s, "POST", "/offer", chunked, body, big, &r), 0);
    expect_error(&r, 413, "too_large", NULL);
    h_resp_free(&r);
    free(body);
    /* The server still works afterwards. */
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    stop(&s);
}

static void test_http__routing_errors(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "routing.db", NULL);
    assert_int_equal(h_http(&s, "GET", "/nope", NULL, NULL, 0, &r), 0);
    expect_error(&r, 404, "not_found", "/nope");
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "DELETE", "/results", NULL, NULL, 0, &r), 0);
    expect_error(&r, 405, "method_not_allowed", NULL);
    char *allow = h_header(&r, "Allow");
    assert_string_equal(allow, "GET");
    free(allow);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/offer", NULL, NULL, 0, &r), 0);
    expect_error(&r, 405, "method_not_allowed", NULL);
    allow = h_header(&r, "Allow");
    assert_string_equal(allow, "POST");
    free(allow);
    h_resp_free(&r);
    stop(&s);
}

/* An unknown query parameter whose name is not UTF-8 (%FF) still gets its details. */
static void test_http__unknown_parameter_not_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *path, *name; /* the name as the reply shows it: bad bytes as \xNN */
    } cases[] = {
        {"/results?%C3%A9%FF=1", "\xc3\xa9\\xff"},
        {"/offers?limit=1&%80=", "\\x80"},
    };
    struct srv s;
    start(&s, "param-bytes.db", NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct resp r;
        assert_int_equal(h_http(&s, "GET", cases[i].path, NULL, NULL, 0, &r), 0);
        expect_error(&r, 400, "invalid", "unknown query parameter");
        json_t *j = h_json(&r);
        json_t *name = json_object_get(json_object_get(j, "details"), "parameter");
        assert_non_null(name);
        assert_string_equal(json_string_value(name), cases[i].name);
        json_decref(j);
        h_resp_free(&r);
    }
    stop(&s);
}

static void test_http__conflicts_before_data(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "conflicts.db", NULL);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", "nothing has been scored yet");
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", NULL);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", "POST /offer and POST /leads/upload first");
    h_resp_free(&r);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", "no leads yet: POST /leads/upload first");
    h_resp_free(&r);
    stop(&s);
    start(&s, "conflicts2.db", NULL);
    assert_int_equal(h_upload(&s, "/leads/upload", leads_csv, NULL, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", "no offer yet: POST /offer first");
    h_resp_free(&r);
    stop(&s);
}

static void upload_text(struct srv *s, const char *name, const char *csv, size_t len,
                        struct resp *r)
{
    char p[600];
    h_path(p, sizeof(p), name);
    h_write_file(p, csv, len);
    assert_int_equal(h_upload(s, "/leads/upload", p, NULL, r), 0);
}

static void test_http__upload_errors(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    const char *env[] = {"LEADSCORE_MAX_UPLOAD_MB=1", NULL};
    start(&s, "upload-errors.db", env);

    /* Only name, and role or company, are required (issue #9). */
    const char *missing = "Name,Industry,Email\nAva,SaaS,a@b.c\n";
    upload_text(&s, "missing.csv", missing, strlen(missing), &r);
    expect_error(&r, 400, "missing_columns", "role or company");
    json_t *j = h_json(&r);
    json_t *d = json_object_get(j, "details");
    assert_int_equal(json_array_size(json_object_get(d, "missing")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "found"), 2)), "Email");
    json_decref(j);
    h_resp_free(&r);

    upload_text(&s, "empty.csv", "", 0, &r);
    expect_error(&r, 400, "no_leads", "no leads found");
    h_resp_free(&r);
    const char *header_only = "name,role,company,industry,location,linkedin_bio\n";
    upload_text(&s, "header.csv", header_only, strlen(header_only), &r);
    expect_error(&r, 400, "no_leads", "no leads found");
    h_resp_free(&r);

    /* Over the (here 1 MiB) upload limit. */
    size_t big = 1024 * 1024 + 100;
    char *body = malloc(big);
    memcpy(body, header_only, strlen(header_only));
    for (size_t i = strlen(header_only); i < big; i++)
        body[i] = (i % 50 == 0) ? '\n' : 'a';
    upload_text(&s, "big.csv", body, big, &r);
    expect_error(&r, 413, "too_large", "1048576-byte limit");
    h_resp_free(&r);
    const char *csv_ct[] = {"Content-Type: text/csv", "Transfer-Encoding: chunked", NULL};
    assert_int_equal(h_http(&s, "POST", "/leads/upload", csv_ct, body, big, &r), 0);
    expect_error(&r, 413, "too_large", NULL);
    h_resp_free(&r);
    free(body);

    const char *json_ct[] = {"Content-Type: application/json", NULL};
    assert_int_equal(h_http(&s, "POST", "/leads/upload", json_ct, "{}", 2, &r), 0);
    expect_error(&r, 415, "unsupported_media_type", "multipart/form-data");
    h_resp_free(&r);

    char p[600];
    h_path(p, sizeof(p), "wrongfield.csv");
    h_write_file(p, header_only, strlen(header_only));
    assert_int_equal(h_upload(&s, "/leads/upload", p, "leads", &r), 0);
    expect_error(&r, 400, "missing_file", "\"file\"");
    h_resp_free(&r);

    /* None of the failed uploads became current. */
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    expect_error(&r, 409, "conflict", "no leads yet");
    h_resp_free(&r);
    stop(&s);
}

static void test_http__rejected_rows_reported(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "rejected.db", NULL);
    const char *csv = "Full Name,Job Title,Company Name,Industry,City,Bio,Notes\n"
                      "Ava,CEO,Acme,SaaS,Berlin,bio,n\n"
                      "Ben,CTO,Beta,SaaS,Paris,bio,n,EXTRA\n"
                      "Cid,\"CFO,Gamma,SaaS,Rome,bio,n\n"
                      "Dee,COO,Delta,SaaS,Oslo,bio,n\n";
    upload_text(&s, "rejected.csv", csv, strlen(csv), &r);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 2);
    json_t *errs = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errs, 0), "line")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(errs, 0), "error")),
                        "row has 8 fields but the header has 7");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(errs, 1), "line")), 4);
    json_decref(j);
    h_resp_free(&r);
    stop(&s);
}

static void test_http__raw_csv_body(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "raw.db", NULL);
    size_t len;
    char *csv = h_read_file(leads_csv, &len);
    const char *h[] = {"Content-Type: text/csv; charset=utf-8", NULL};
    assert_int_equal(h_http(&s, "POST", "/leads/upload?filename=raw.csv", h, csv, len, &r), 0);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "filename")), "raw.csv");
    json_decref(j);
    h_resp_free(&r);
    free(csv);
    stop(&s);
}

/* Non-ASCII text goes in and comes out byte for byte, in JSON and in CSV. */
static void test_http__non_ascii_round_trip(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "utf8.db", NULL);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    const char *names[] = {"Zoë Ångström", "李小龍", "Søren Ødegård", "Ólafur 🚀 Arnalds",
                           "Łukasz Żółć"};
    char csv[2048] = "name,role,company,industry,location,linkedin_bio\n";
    for (size_t i = 0; i < 5; i++) {
        char row[256];
        snprintf(row, sizeof(row), "%s,CEO,Café Ünïcode,SaaS,São Paulo,Bio ✓ %zu\n", names[i], i);
        strcat(csv, row);
    }
    upload_text(&s, "utf8.csv", csv, strlen(csv), &r);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    json_t *j = h_json(&r);
    for (size_t i = 0; i < 5; i++) {
        json_t *it = json_array_get(j, i);
        assert_string_equal(json_string_value(json_object_get(it, "name")), names[i]);
        assert_string_equal(json_string_value(json_object_get(it, "company")), "Café Ünïcode");
        assert_string_equal(json_string_value(json_object_get(it, "location")), "São Paulo");
        assert_non_null(strstr(r.body, names[i])); /* raw UTF-8, not \u escapes */
    }
    json_decref(j);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    for (size_t i = 0; i < 5; i++) {
        char line[256];
        snprintf(line, sizeof(line), "\r\n%s,CEO,Café Ünïcode,", names[i]);
        assert_non_null(strstr(r.body, line));
    }
    assert_non_null(strstr(r.body, ",SaaS,São Paulo,"));
    h_resp_free(&r);
    stop(&s);
}

static void test_http__windows_1252_upload(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "cp1252.db", NULL);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    const char *csv = "name,role,company,industry,location,linkedin_bio\r\n"
                      "J\xFCrgen M\xFCller,Gesch\xE4"
                      "ftsf\xFChrer,M\xFCller & S\xF6hne,Retail,K\xF6ln,\x93Gr\xFC\xDF"
                      "e\x94 \x80 100\r\n";
    upload_text(&s, "cp1252.csv", csv, strlen(csv), &r);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "encoding")), "windows-1252");
    json_decref(j);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    j = h_json(&r);
    assert_non_null(j); /* jansson rejects invalid UTF-8: the output is valid */
    json_t *it = json_array_get(j, 0);
    assert_string_equal(json_string_value(json_object_get(it, "name")), "Jürgen Müller");
    assert_string_equal(json_string_value(json_object_get(it, "company")), "Müller & Söhne");
    assert_string_equal(json_string_value(json_object_get(it, "location")), "Köln");
    json_decref(j);
    h_resp_free(&r);
    stop(&s);
}

static void test_http__export_formula_guard(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "formula.db", NULL);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    const char *csv = "name,role,company,industry,location,linkedin_bio\n"
                      "\"=HYPERLINK(\"\"http://x\"\")\",+CEO,-Acme,@SaaS,\"\tNY\",bio\n";
    upload_text(&s, "formula.csv", csv, strlen(csv), &r);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    assert_non_null(strstr(r.body, "\r\n\"'=HYPERLINK(\"\"http://x\"\")\",'+CEO,'-Acme,"));
    assert_non_null(strstr(r.body, ",'@SaaS,"));
    h_resp_free(&r);
    stop(&s);
}

/* Stop the server, start it on the same database: the results are unchanged. */
static void test_http__results_survive_restart(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "restart.db", NULL);
    run_flow(&s);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    char *before = strdup(r.body);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    char *before_csv = strdup(r.body);
    h_resp_free(&r);
    char *log = h_srv_log(&s);
    stop(&s);
    free(log);
    log = h_read_file(s.log, NULL);
    assert_non_null(strstr(log, "event=server.stopped"));
    free(log);

    start(&s, "restart.db", NULL);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, before);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    assert_string_equal(r.body, before_csv);
    h_resp_free(&r);
    /* The offer and leads survived too: scoring again works without re-posting. */
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    free(before);
    free(before_csv);
    /* SIGINT stops it cleanly as well. */
    assert_int_equal(h_srv_stop(&s, SIGINT), 0);
}

static void test_http__score_async(void **state)
{
    (void)state;
    struct srv s;
    struct resp r;
    start(&s, "async.db", NULL);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    h_resp_free(&r);
    assert_int_equal(h_upload(&s, "/leads/upload", leads_csv, NULL, &r), 0);
    h_resp_free(&r);
    const char *prefer[] = {"Prefer: respond-async", NULL};
    assert_int_equal(h_http(&s, "POST", "/score", prefer, NULL, 0, &r), 0);
    assert_int_equal(r.status, 202);
    char *loc = h_header(&r, "Location");
    assert_string_equal(loc, "/jobs/1");
    free(loc);
    h_resp_free(&r);
    stop(&s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http__readme_flow),
        cmocka_unit_test(test_http__offer_errors),
        cmocka_unit_test(test_http__routing_errors),
        cmocka_unit_test(test_http__unknown_parameter_not_utf8),
        cmocka_unit_test(test_http__conflicts_before_data),
        cmocka_unit_test(test_http__upload_errors),
        cmocka_unit_test(test_http__rejected_rows_reported),
        cmocka_unit_test(test_http__raw_csv_body),
        cmocka_unit_test(test_http__non_ascii_round_trip),
        cmocka_unit_test(test_http__windows_1252_upload),
        cmocka_unit_test(test_http__export_formula_guard),
        cmocka_unit_test(test_http__results_survive_restart),
        cmocka_unit_test(test_http__score_async),
    };
    int rc = cmocka_run_group_tests(tests, setup, NULL);
    curl_global_cleanup();
    return rc;
}
