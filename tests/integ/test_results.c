/*
 * test_results.c - the results read path (issue #7, defect 4 and the speed
 * item): a finished job's small pages come from memory with an ETag (304 on
 * If-None-Match) and gzip when asked, bytes equal to the plain page; other
 * pages stream in pieces (chunked, never a whole page in memory) and hold
 * exactly the rows the same query gives in cached pages; deleting results
 * is seen at once, never a stale page.
 */
#include "ls_test.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/err.h"
#include "harness.h"

#define N_LEADS 3500

static char *leads_csv(void)
{
    char p[600];
    h_path(p, sizeof(p), "leads3500.csv");
    FILE *f = fopen(p, "w");
    fprintf(f, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const roles[] = {"CEO", "Head of Growth", "Analyst", "Marketing Manager"};
    static const char *const inds[] = {"B2B SaaS", "Retail", "SaaS", "Fintech"};
    for (int i = 0; i < N_LEADS; i++)
        fprintf(f, "Lead %04d,%s,Co %d,%s,Berlin,Scaling outbound at %d\n", i, roles[i % 4], i,
                inds[(i / 4) % 4], i);
    fclose(f);
    return strdup(p);
}

static void start_scored(struct srv *s, const char *db_name)
{
    char db[600];
    h_path(db, sizeof(db), db_name);
    assert_int_equal(h_srv_start(s, db, NULL), 0);
    struct resp r;
    assert_int_equal(h_post_json(s, "/offers", h_example_offer(), &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    char *csv = leads_csv();
    assert_int_equal(h_upload(s, "/uploads", csv, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    free(csv);
    assert_int_equal(h_http(s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
}

static void test_results__finished_pages_have_etags_and_304(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "etag.db");
    struct resp a, b, c;
    h_get(&s, "/results", NULL, 200, &a);
    char *etag = h_header(&a, "ETag");
    assert_non_null(etag);
    char *cc = h_header(&a, "Cache-Control");
    assert_string_equal(cc, "private, no-cache");
    free(cc);
    /* The same page again: the same bytes and validator. */
    h_get(&s, "/results", NULL, 200, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.body, b.body, a.len);
    char *etag2 = h_header(&b, "ETag");
    assert_string_equal(etag, etag2);
    /* If-None-Match: 304, no body, the headers still there. */
    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    const char *h304[] = {inm, NULL};
    h_get(&s, "/results", h304, 304, &c);
    assert_int_equal(c.len, 0);
    char *total = h_header(&c, "X-Total-Count");
    assert_string_equal(total, "3500");
    free(total);
    h_resp_free(&c);
    /* Another query is another page, with another validator. */
    h_get(&s, "/results?intent=High", h304, 200, &c);
    char *etag3 = h_header(&c, "ETag");
    assert_non_null(etag3);
    assert_string_not_equal(etag, etag3);
    free(etag3);
    free(etag);
    free(etag2);
    h_resp_free(&a);
    h_resp_free(&b);
    h_resp_free(&c);
    h_srv_stop(&s, SIGTERM);
}

static void test_results__gzip_is_the_same_page(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "gzip.db");
    struct resp plain, gz;
    h_get(&s, "/results?limit=2000", NULL, 200, &plain);
    const char *hdr[] = {"Accept-Encoding: gzip", NULL};
    /* The harness's curl does not decode: the raw bytes come back. */
    h_get(&s, "/results?limit=2000", hdr, 200, &gz);
    char *enc = h_header(&gz, "Content-Encoding");
    assert_string_equal(enc, "gzip");
    free(enc);
    assert_true(gz.len < plain.len / 4);
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    char *out = malloc(plain.len + 16);
    z.next_in = (Bytef *)gz.body;
    z.avail_in = (uInt)gz.len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)plain.len + 16;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, plain.len);
    assert_memory_equal(out, plain.body, plain.len);
    inflateEnd(&z);
    free(out);
    /* Two representations, two strong validators; each revalidates only itself. */
    char *e_plain = h_header(&plain, "ETag"), *e_gz = h_header(&gz, "ETag");
    assert_non_null(e_plain);
    assert_non_null(e_gz);
    assert_string_not_equal(e_plain, e_gz);
    char inm[128];
    const char *gz_inm[] = {"Accept-Encoding: gzip", inm, NULL};
    struct resp nm;
    snprintf(inm, sizeof(inm), "If-None-Match: %s", e_gz);
    h_get(&s, "/results?limit=2000", gz_inm, 304, &nm);
    h_resp_free(&nm);
    snprintf(inm, sizeof(inm), "If-None-Match: %s", e_plain);
    h_get(&s, "/results?limit=2000", gz_inm, 200, &nm); /* the plain one's tag: send the gzip */
    h_resp_free(&nm);
    free(e_plain);
    free(e_gz);
    /* "gzip;q=0" refuses gzip. */
    const char *no[] = {"Accept-Encoding: gzip;q=0", NULL};
    struct resp r;
    h_get(&s, "/results?limit=2000", no, 200, &r);
    assert_null(h_header(&r, "Content-Encoding"));
    assert_int_equal(r.len, plain.len);
    h_resp_free(&r);
    h_resp_free(&plain);
    h_resp_free(&gz);
    h_srv_stop(&s, SIGTERM);
}

/* The items of a JSON array body, as compact strings, appended to out. */
static size_t items_of(const struct resp *r, json_t *out)
{
    json_t *a = h_json(r);
    assert_true(json_is_array(a));
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) json_array_append(out, v);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

static void test_results__big_pages_stream_the_same_rows(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "stream.db");
    static const char *const queries[] = {
        "", "&sort=name", "&sort=company", "&sort=score", "&intent=Low,Medium", "&q=lead%2001"};
    for (size_t k = 0; k < sizeof(queries) / sizeof(queries[0]); k++) {
        char path[200];
        snprintf(path, sizeof(path), "/results?limit=3000%s", queries[k]);
        struct resp big;
        h_get(&s, path, NULL, 200, &big);
        /* Streamed: no Content-Length, chunked, no ETag. */
        char *te = h_header(&big, "Transfer-Encoding");
        assert_non_null(te);
        assert_string_equal(te, "chunked");
        free(te);
        assert_null(h_header(&big, "ETag"));
        json_t *streamed = json_array(), *paged = json_array();
        size_t n = items_of(&big, streamed);
        /* The same query in cached pages of 1,000. */
        for (int off = 0; off < 3000; off += 1000) {
            struct resp p;
            snprintf(path, sizeof(path), "/results?limit=1000&offset=%d%s", off, queries[k]);
            h_get(&s, path, NULL, 200, &p);
            char *t1 = h_header(&big, "X-Total-Count"), *t2 = h_header(&p, "X-Total-Count");
            assert_string_equal(t1, t2);
            free(t1);
            free(t2);
            items_of(&p, paged);
            h_resp_free(&p);
        }
        assert_int_equal(json_array_size(paged), n);
        if (!json_equal(streamed, paged)) {
            print_error("query '%s': the streamed page differs from the cached pages\n",
                        queries[k]);
            fail();
        }
        json_decref(streamed);
        json_decref(paged);
        h_resp_free(&big);
    }
    h_srv_stop(&s, SIGTERM);
}

static void test_results__deleted_results_are_never_served_from_memory(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "purge.db");
    struct resp r;
    h_get(&s, "/results?limit=10", NULL, 200, &r);
    json_t *a = h_json(&r);
    assert_int_equal(json_array_size(a), 10);
    json_decref(a);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "DELETE", "/jobs/1/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    h_get(&s, "/results?limit=10", NULL, 200, &r);
    a = h_json(&r);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    char *total = h_header(&r, "X-Total-Count");
    assert_string_equal(total, "0");
    free(total);
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
}

/* ---- the summary and the factors (issue #8) ---------------------------------------- */

static int64_t total_count(const struct resp *r)
{
    char *t = h_header(r, "X-Total-Count");
    assert_non_null(t);
    int64_t n = strtoll(t, NULL, 10);
    free(t);
    return n;
}

static int64_t int_of(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* GET path?query; its summary, checked for shape and sums (owned: json_decref). */
static json_t *summary(const struct srv *s, const char *path, const char *query)
{
    char url[400];
    snprintf(url, sizeof(url), "%s%s%s", path, query[0] ? "?" : "", query);
    struct resp r;
    h_get(s, url, NULL, 200, &r);
    json_t *j = h_json(&r);
    h_resp_free(&r);
    assert_non_null(j);
    json_t *bins = json_object_get(j, "bins");
    assert_int_equal(json_array_size(bins), 10);
    int64_t total = int_of(j, "total"), in_bins = 0, by[3] = {0};
    static const char *const names[] = {"High", "Medium", "Low"};
    for (size_t b = 0; b < 10; b++) {
        json_t *bin = json_array_get(bins, b);
        assert_int_equal(int_of(bin, "min"), 10 * (int64_t)b);
        assert_int_equal(int_of(bin, "max"), b == 9 ? 100 : 10 * (int64_t)b + 9);
        int64_t sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += int_of(bin, names[i]);
            by[i] += int_of(bin, names[i]);
        }
        assert_int_equal(int_of(bin, "count"), sum);
        in_bins += sum;
    }
    assert_int_equal(in_bins, total);
    json_t *counts = json_object_get(j, "counts");
    for (int i = 0; i < 3; i++)
        assert_int_equal(int_of(counts, names[i]), by[i]);
    return j;
}

/* X-Total-Count of GET /results?query&limit=1. */
static int64_t results_total(const struct srv *s, const char *query)
{
    char url[400];
    snprintf(url, sizeof(url), "/results?%s%slimit=1", query, query[0] ? "&" : "");
    struct resp r;
    h_get(s, url, NULL, 200, &r);
    int64_t n = total_count(&r);
    h_resp_free(&r);
    return n;
}

/*
 * The summary of every filter agrees with /results: total with X-Total-Count
 * of the same filter, each intent's count with the filter narrowed to it;
 * the bins add up to the total, from memory (no q) or from the store (q),
 * and both routes give the same body.
 */
static void test_results__summary_agrees_with_the_pages(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "summary.db");
    static const char *const filters[] = {"",
                                          "intent=High",
                                          "intent=low,MEDIUM",
                                          "min_score=40&max_score=79",
                                          "intent=Medium&min_score=30",
                                          "max_score=39",
                                          "q=lead%20001",
                                          "q=head&intent=High&min_score=60",
                                          "q=nobody-has-this"};
    static const char *const intents[] = {"High", "Medium", "Low"};
    int64_t all = 0;
    for (size_t f = 0; f < LS_ARRAY_LEN(filters); f++) {
        json_t *a = summary(&s, "/results/summary", filters[f]);
        json_t *b = summary(&s, "/jobs/1/results/summary", filters[f]);
        assert_true(json_equal(a, b));
        assert_int_equal(int_of(a, "job_id"), 1);
        assert_string_equal(json_string_value(json_object_get(a, "job_status")), "succeeded");
        int64_t total = int_of(a, "total");
        assert_int_equal(total, results_total(&s, filters[f]));
        if (f == 0)
            all = total;
        /* Each intent's count, as /results counts it, where the filter has no intent. */
        if (strstr(filters[f], "intent=") == NULL) {
            for (int i = 0; i < 3; i++) {
                char q[300];
                snprintf(q, sizeof(q), "%s%sintent=%s", filters[f], filters[f][0] ? "&" : "",
                         intents[i]);
                assert_int_equal(int_of(json_object_get(a, "counts"), intents[i]),
                                 results_total(&s, q));
            }
        }
        json_decref(a);
        json_decref(b);
    }
    assert_int_equal(all, N_LEADS);
    /* A filter change from memory is the same answer as the first. */
    json_t *x = summary(&s, "/results/summary", "intent=High");
    json_t *y = summary(&s, "/results/summary", "intent=High");
    assert_true(json_equal(x, y));
    json_decref(x);
    json_decref(y);
    h_srv_stop(&s, SIGTERM);
}

static void expect_400(const struct srv *s, const char *path, const char *param)
{
    struct resp r;
    h_get(s, path, NULL, 400, &r);
    json_t *j = h_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "invalid");
    if (param)
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(j, "details"), "parameter")), param);
    json_decref(j);
    h_resp_free(&r);
}

/* The parameters /results refuses, it refuses; and what it does not take (sort, limit). */
static void test_results__summary_refuses_bad_parameters(void **state)
{
    (void)state;
    struct srv s;
    char db[600];
    h_path(db, sizeof(db), "summary-errors.db");
    assert_int_equal(h_srv_start(&s, db, NULL), 0);
    struct resp r;
    /* Nothing scored yet: 409 as /results. */
    h_get(&s, "/results/summary", NULL, 409, &r);
    h_resp_free(&r);
    h_get(&s, "/jobs/1/results/summary", NULL, 404, &r);
    h_resp_free(&r);
    expect_400(&s, "/jobs/0/results/summary", NULL);
    expect_400(&s, "/jobs/x/results/summary", NULL);
    static const char *const bad[] = {"/results/summary?intent=Hot",
                                      "/results/summary?min_score=101",
                                      "/results/summary?max_score=-1",
                                      "/results/summary?min_score=05",
                                      "/results/summary?min_score=60&max_score=50",
                                      "/results/summary?sort=name",
                                      "/results/summary?limit=10",
                                      "/results/summary?offset=1",
                                      "/results/summary?intent=High&intent=Low",
                                      "/results/summary?format=csv"};
    static const char *const param[] = {NULL,   NULL,    NULL,     NULL,     NULL,
                                        "sort", "limit", "offset", "intent", "format"};
    for (size_t i = 0; i < LS_ARRAY_LEN(bad); i++)
        expect_400(&s, bad[i], param[i]);
    /* The parameters both take are refused in the same words (one parser, query.c). */
    for (size_t i = 0; i < 5; i++) {
        char page[200];
        snprintf(page, sizeof(page), "/results?%s", strchr(bad[i], '?') + 1);
        struct resp a, b;
        h_get(&s, bad[i], NULL, 400, &a);
        h_get(&s, page, NULL, 400, &b);
        json_t *ja = h_json(&a), *jb = h_json(&b);
        assert_true(json_equal(ja, jb));
        json_decref(ja);
        json_decref(jb);
        h_resp_free(&a);
        h_resp_free(&b);
    }
    char longq[300] = "/results/summary?q=";
    memset(longq + strlen(longq), 'a', 201);
    expect_400(&s, longq, NULL);
    h_srv_stop(&s, SIGTERM);
}

/* After DELETE /jobs/{id}/results the summary is empty at once; after a purge, 404. */
static void test_results__summary_forgets_deleted_results(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "summary-delete.db");
    json_t *j = summary(&s, "/jobs/1/results/summary", ""); /* now in memory */
    assert_int_equal(int_of(j, "total"), N_LEADS);
    json_decref(j);
    j = summary(&s, "/jobs/1/results/summary", "intent=High");
    assert_true(int_of(j, "total") > 0);
    json_decref(j);
    struct resp r;
    assert_int_equal(h_http(&s, "DELETE", "/jobs/1/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    static const char *const filters[] = {"", "intent=High", "min_score=50", "q=lead"};
    for (size_t f = 0; f < LS_ARRAY_LEN(filters); f++) {
        j = summary(&s, "/jobs/1/results/summary", filters[f]);
        assert_int_equal(int_of(j, "total"), 0);
        assert_int_equal(results_total(&s, filters[f]), 0);
        json_decref(j);
    }
    assert_int_equal(h_http(&s, "DELETE", "/jobs/1?purge=1", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    h_get(&s, "/jobs/1/results/summary", NULL, 404, &r);
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
}

/*
 * Every result, in the pages and the JSON lines export, explains its
 * breakdown: three factors with the breakdown's points; the CSV export's
 * columns stay as they were.
 */
static void test_results__results_carry_factors(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "factors.db");
    struct resp r;
    h_get(&s, "/results?limit=40", NULL, 200, &r);
    json_t *page = h_json(&r);
    h_resp_free(&r);
    h_get(&s, "/results/export?format=jsonl", NULL, 200, &r);
    json_error_t e;
    json_t *line = json_loadb(r.body, strcspn(r.body, "\n"), 0, &e);
    assert_non_null(line);
    h_resp_free(&r);
    json_array_insert_new(page, 0, line);
    static const char *const names[] = {"role", "industry", "completeness"};
    size_t i;
    json_t *res;
    bool seen_head = false;
    json_array_foreach(page, i, res)
    {
        json_t *bd = json_object_get(res, "breakdown");
        json_t *f = json_object_get(res, "factors");
        assert_int_equal(json_array_size(f), 3);
        for (size_t k = 0; k < 3; k++) {
            json_t *o = json_array_get(f, k);
            assert_string_equal(json_string_value(json_object_get(o, "factor")), names[k]);
            assert_int_equal(int_of(o, "points"), int_of(bd, names[k]));
            assert_true(json_is_string(json_object_get(o, "why")));
        }
        /* The fixture's roles: "Head of Growth" matches the term "head". */
        const char *role = json_string_value(json_object_get(res, "role"));
        json_t *m = json_object_get(json_array_get(f, 0), "matched");
        if (strcmp(role, "Head of Growth") == 0) {
            assert_string_equal(json_string_value(m), "head");
            seen_head = true;
        } else if (strcmp(role, "Analyst") == 0) {
            assert_true(json_is_null(m));
        }
        /* Every field is present in the fixture. */
        assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "why")),
                            "all six fields present");
    }
    assert_true(seen_head);
    json_decref(page);
    h_get(&s, "/results/export", NULL, 200, &r);
    const char *hdr = "name,role,company,intent,score,reasoning,industry,location,rule_score,"
                      "ai_score,role_points,industry_points,completeness_points,lead_id,line,"
                      "email,linkedin_url,external_id\r\n";
    assert_true(strncmp(r.body, hdr, strlen(hdr)) == 0);
    assert_null(strstr(r.body, "factors"));
    h_resp_free(&r);
    h_srv_stop(&s, SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_results__finished_pages_have_etags_and_304),
        cmocka_unit_test(test_results__gzip_is_the_same_page),
        cmocka_unit_test(test_results__big_pages_stream_the_same_rows),
        cmocka_unit_test(test_results__deleted_results_are_never_served_from_memory),
        cmocka_unit_test(test_results__summary_agrees_with_the_pages),
        cmocka_unit_test(test_results__summary_refuses_bad_parameters),
        cmocka_unit_test(test_results__summary_forgets_deleted_results),
        cmocka_unit_test(test_results__results_carry_factors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
