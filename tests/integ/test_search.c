/*
 * test_search.c - a finished job's text search from memory (issue #8,
 * http/search_cache.c) answers exactly as the store does.
 *
 * Two servers share one database: A with the text index (the default), B
 * with LEADSCORE_SEARCH_CACHE_MB=0, so every search of B is the store's SQL.
 * For every combination of text (none too: A's index then answers deep
 * pages and filtered sorts), sort, intent and score filter and page, both
 * must send the same bytes, the same X-Total-Count and the same
 * summary. The leads mix upper and lower case, non-ASCII letters (which
 * SQLite's lower() leaves alone), punctuation and words that span fields.
 */
#include "ls_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define N_LEADS 12000 /* above LS_SEARCH_WARM_MIN: the first look builds in the background */

static struct srv a, b;

static void write_leads(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "name,role,company,industry,location,linkedin_bio\n");
    static const char *const first[] = {"Ava", "AVA",     "Zoë",  "Élodie", "Jonas", "Ana",
                                        "Mia", "O'Brien", "Ömer", "Straße", "Kim",   "ava-lyn"};
    static const char *const last[] = {"Patel", "Müller", "KIM", "Okafor", "de la Cruz", "Ng"};
    static const char *const roles[] = {"CEO",           "Head of Growth",   "head of DATA",
                                        "VP Sales",      "Analyst",          "Ingénieur",
                                        "Founder & CEO", "Marketing Manager"};
    static const char *const companies[] = {"FlowMetrics", "ACME GmbH", "ÀLa Carte",
                                            "Straße AG",   "Heady Inc", "Bright, Labs"};
    static const char *const industries[] = {"B2B SaaS", "Retail", "SaaS", "Fintech", ""};
    unsigned x = 12345;
    for (int i = 0; i < N_LEADS; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = x >> 8;
        fprintf(f, "%s %s %d,%s,\"%s %u\",%s,Berlin,Bio %d\n", first[r % 12], last[(r / 12) % 6],
                i % 97, roles[(r / 72) % 8], companies[(r / 576) % 6], r % 50,
                industries[(r / 3456) % 5], i);
    }
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    char db[600], csv[600];
    h_path(db, sizeof(db), "search.db");
    h_path(csv, sizeof(csv), "search.csv");
    write_leads(csv);
    if (h_srv_start(&a, db, NULL) != 0)
        return -1;
    struct resp r;
    if (h_post_json(&a, "/offers", h_example_offer(), &r) != 0 || r.status != 201)
        return -1;
    h_resp_free(&r);
    if (h_upload(&a, "/uploads", csv, NULL, &r) != 0 || r.status != 201)
        return -1;
    h_resp_free(&r);
    if (h_http(&a, "POST", "/score", NULL, NULL, 0, &r) != 0 || r.status != 200)
        return -1;
    h_resp_free(&r);
    const char *env[] = {"LEADSCORE_SEARCH_CACHE_MB=0", NULL};
    return h_srv_start(&b, db, env);
}

static int teardown(void **state)
{
    (void)state;
    h_srv_stop(&b, SIGTERM);
    h_srv_stop(&a, SIGTERM);
    return 0;
}

/* GET path on both servers: the same body and the same X-Total-Count. */
static void same(const char *path)
{
    struct resp ra, rb;
    h_get(&a, path, NULL, 200, &ra);
    h_get(&b, path, NULL, 200, &rb);
    char *ta = h_header(&ra, "X-Total-Count"), *tb = h_header(&rb, "X-Total-Count");
    if ((ta == NULL) != (tb == NULL) || (ta && strcmp(ta, tb) != 0) || ra.len != rb.len ||
        memcmp(ra.body, rb.body, ra.len) != 0) {
        print_error("GET %s differs:\n index: %s %.400s\n store: %s %.400s\n", path, ta ? ta : "-",
                    ra.body, tb ? tb : "-", rb.body);
        fail();
    }
    free(ta);
    free(tb);
    h_resp_free(&ra);
    h_resp_free(&rb);
}

/* The value of a metric line that starts with prefix, or -1. */
static double metric(const struct srv *s, const char *prefix)
{
    struct resp r;
    h_get(s, "/metrics", NULL, 200, &r);
    double v = -1;
    for (const char *p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            v = strtod(p + strlen(prefix), NULL);
            break;
        }
    }
    h_resp_free(&r);
    return v;
}

#define BUILDS "leadscore_store_operation_duration_seconds_count{op=\"results_texts\"} "

struct fire {
    const char *path;
    int rc;
};

static void *fire_main(void *arg)
{
    struct fire *f = arg;
    struct resp r;
    f->rc = h_http(&a, "GET", f->path, NULL, NULL, 0, &r) == 0 && r.status == 200 ? 0 : -1;
    h_resp_free(&r);
    return NULL;
}

static void test_search__index_answers_as_the_store_does(void **state)
{
    (void)state;
    /* The first look starts the background build; searches meanwhile wait for it. */
    same("/results?limit=50");
    pthread_t t[4];
    struct fire f[4] = {{"/results?q=ava&limit=20", 0},
                        {"/results/summary?q=head", 0},
                        {"/results?q=%C3%B6&sort=name&limit=20", 0},
                        {"/results?q=gmbh&offset=5&limit=5", 0}};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, fire_main, &f[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(f[i].rc, 0);
    }

    static const char *const texts[] = {"", /* no text: the index answers once it is ready */
                                        "AVA",    "%C3%B6", "%C3%96mer", "stra%C3%9Fe",
                                        "%C3%A9", "e",      "o'b",       "ead%20of",
                                        "zzz",    "7%20",   "%2C",       "laB"};
    static const char *const sorts[] = {"", "&sort=score", "&sort=name", "&sort=company"};
    static const char *const filters[] = {"", "&intent=Low,Medium&min_score=20&max_score=70",
                                          "&max_score=55",
                                          "&intent=High&min_score=70&max_score=85"};
    static const char *const pages[] = {"&limit=7&offset=13", "&limit=5&offset=9000"};
    char path[400];
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        for (size_t s = 0; s < 4; s++) {
            for (size_t fl = 0; fl < 4; fl++) {
                for (size_t p = 0; p < 2; p++) {
                    snprintf(path, sizeof(path), "/results?q=%s%s%s%s", texts[i], sorts[s],
                             filters[fl], pages[p]);
                    same(path);
                }
            }
        }
        snprintf(path, sizeof(path), "/results?q=%s&limit=2000&offset=100", texts[i]);
        same(path);
        for (size_t fl = 0; fl < 4; fl++) {
            snprintf(path, sizeof(path), "/results/summary?q=%s%s", texts[i], filters[fl]);
            same(path);
            snprintf(path, sizeof(path), "/jobs/1/results/summary?q=%s%s", texts[i], filters[fl]);
            same(path);
        }
    }
    /* A built the index once (the background build or the first search); B never did. */
    assert_true(metric(&a, BUILDS) == 1.0);
    assert_true(metric(&b, BUILDS) <= 0.0);
}

/*
 * An export walks the rank index page by page from a keyset cursor: with a
 * score range as well, every page must start at the cursor (one lower bound
 * of the rank range), so the export has exactly the filter's rows, in score
 * order, each once.
 */
static void test_search__filtered_export_pages_walk_from_the_cursor(void **state)
{
    (void)state;
    static const char *const filters[] = {"max_score=55", "min_score=20&max_score=70",
                                          "intent=Low,Medium&max_score=60", ""};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        char path[200];
        snprintf(path, sizeof(path), "/results?limit=1&%s", filters[i]);
        struct resp r;
        h_get(&a, path, NULL, 200, &r);
        char *t = h_header(&r, "X-Total-Count");
        long want = strtol(t, NULL, 10);
        free(t);
        h_resp_free(&r);
        snprintf(path, sizeof(path), "/results/export?format=jsonl&%s", filters[i]);
        h_get(&b, path, NULL, 200, &r);
        long n = 0, last_score = 101, last_idx = -1;
        for (char *line = r.body; line && *line; n++) {
            char *eol = strchr(line, '\n');
            json_t *o = json_loadb(line, eol ? (size_t)(eol - line) : strlen(line), 0, NULL);
            assert_non_null(o);
            long score = (long)json_integer_value(json_object_get(o, "score"));
            long idx =
                strtol(strchr(json_string_value(json_object_get(o, "lead_id")), '-') + 1, NULL, 10);
            /* Score descending, then upload order: never a row twice or out of order. */
            assert_true(score < last_score || (score == last_score && idx > last_idx));
            last_score = score;
            last_idx = idx;
            json_decref(o);
            line = eol ? eol + 1 : NULL;
        }
        h_resp_free(&r);
        if (n != want) {
            print_error("export?%s: %ld rows, X-Total-Count %ld\n", filters[i], n, want);
            fail();
        }
    }
}

/* Deleting the results forgets the index: a search then finds nothing, on both. */
static void test_search__deleted_results_find_nothing(void **state)
{
    (void)state;
    struct resp r;
    h_get(&a, "/results?q=ava&limit=5", NULL, 200, &r);
    assert_true(r.len > 3);
    h_resp_free(&r);
    assert_int_equal(h_http(&a, "DELETE", "/jobs/1/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    same("/results?q=ava&limit=5");
    h_get(&a, "/results?q=ava&limit=5", NULL, 200, &r);
    char *t = h_header(&r, "X-Total-Count");
    assert_string_equal(t, "0");
    free(t);
    h_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search__index_answers_as_the_store_does),
        cmocka_unit_test(test_search__filtered_export_pages_walk_from_the_cursor),
        cmocka_unit_test(test_search__deleted_results_find_nothing),
    };
    return cmocka_run_group_tests_name("search", tests, setup, teardown);
}
