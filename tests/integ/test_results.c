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

static void get(const struct srv *s, const char *path, const char *const *hdrs, long want,
                struct resp *r)
{
    assert_int_equal(h_http(s, "GET", path, hdrs, NULL, 0, r), 0);
    if (r->status != want) {
        print_error("GET %s: %ld, want %ld: %.300s\n", path, r->status, want, r->body);
        fail();
    }
}

static void test_results__finished_pages_have_etags_and_304(void **state)
{
    (void)state;
    struct srv s;
    start_scored(&s, "etag.db");
    struct resp a, b, c;
    get(&s, "/results", NULL, 200, &a);
    char *etag = h_header(&a, "ETag");
    assert_non_null(etag);
    char *cc = h_header(&a, "Cache-Control");
    assert_string_equal(cc, "private, no-cache");
    free(cc);
    /* The same page again: the same bytes and validator. */
    get(&s, "/results", NULL, 200, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.body, b.body, a.len);
    char *etag2 = h_header(&b, "ETag");
    assert_string_equal(etag, etag2);
    /* If-None-Match: 304, no body, the headers still there. */
    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
    const char *h304[] = {inm, NULL};
    get(&s, "/results", h304, 304, &c);
    assert_int_equal(c.len, 0);
    char *total = h_header(&c, "X-Total-Count");
    assert_string_equal(total, "3500");
    free(total);
    h_resp_free(&c);
    /* Another query is another page, with another validator. */
    get(&s, "/results?intent=High", h304, 200, &c);
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
    get(&s, "/results?limit=2000", NULL, 200, &plain);
    const char *hdr[] = {"Accept-Encoding: gzip", NULL};
    /* The harness's curl does not decode: the raw bytes come back. */
    get(&s, "/results?limit=2000", hdr, 200, &gz);
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
    get(&s, "/results?limit=2000", gz_inm, 304, &nm);
    h_resp_free(&nm);
    snprintf(inm, sizeof(inm), "If-None-Match: %s", e_plain);
    get(&s, "/results?limit=2000", gz_inm, 200, &nm); /* the plain one's tag: send the gzip */
    h_resp_free(&nm);
    free(e_plain);
    free(e_gz);
    /* "gzip;q=0" refuses gzip. */
    const char *no[] = {"Accept-Encoding: gzip;q=0", NULL};
    struct resp r;
    get(&s, "/results?limit=2000", no, 200, &r);
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
        get(&s, path, NULL, 200, &big);
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
            get(&s, path, NULL, 200, &p);
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
    get(&s, "/results?limit=10", NULL, 200, &r);
    json_t *a = h_json(&r);
    assert_int_equal(json_array_size(a), 10);
    json_decref(a);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "DELETE", "/jobs/1/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    get(&s, "/results?limit=10", NULL, 200, &r);
    a = h_json(&r);
    assert_int_equal(json_array_size(a), 0);
    json_decref(a);
    char *total = h_header(&r, "X-Total-Count");
    assert_string_equal(total, "0");
    free(total);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
