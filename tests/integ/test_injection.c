/*
 * test_injection.c - issue #7 item 8: one lead's text cannot reach into its
 * neighbours' records. For each attack in tests/injection_attacks.h the real
 * CLI scores [A_hostile, B, C] and [A_benign, B, C] against the fake model,
 * which reads records by their id markers and, like a gullible model, believes
 * "key: value" text inside a record's own fields. B's and C's verdicts (intent
 * and reasoning) must be identical in both runs, and so must their records in
 * the prompts the fake received (up to the random per-request id).
 *
 * The CLI runs without --db, so each run has a fresh store: no verdict cache
 * can make the two runs agree for the wrong reason.
 */
#include "ls_test.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "injection_attacks.h"

#define KEY "your-key-here"

struct run {
    char intent[3][16];
    char reasoning[3][512];
    char status[3][16];
    char *record[3]; /* the record's line in the prompt, its id replaced by "ID" (owned) */
};

static void run_release(struct run *r)
{
    for (size_t i = 0; i < 3; i++)
        free(r->record[i]);
}

static size_t csv_field(char *out, size_t cap, const char *s, bool last)
{
    size_t w = 0;
    out[w++] = '"';
    for (; *s && w + 3 < cap; s++) {
        if (*s == '"')
            out[w++] = '"';
        out[w++] = *s;
    }
    out[w++] = '"';
    out[w++] = last ? '\n' : ',';
    return w;
}

static void write_csv(const char *path, const struct inj_lead *const in[3])
{
    char csv[16384];
    size_t w =
        (size_t)snprintf(csv, sizeof(csv), "name,role,company,industry,location,linkedin_bio\n");
    for (size_t i = 0; i < 3; i++) {
        const char *f[] = {in[i]->name,     in[i]->role,     in[i]->company,
                           in[i]->industry, in[i]->location, in[i]->bio};
        for (size_t k = 0; k < 6; k++)
            w += csv_field(csv + w, sizeof(csv) - w, f[k], k == 5);
    }
    h_write_file(path, csv, w);
}

/* Replaces every occurrence of id in s (owned, modified) by "ID". */
static char *without_id(char *s, const char *id)
{
    size_t n = strlen(id);
    for (char *q = s; (q = strstr(q, id)) != NULL;) {
        memcpy(q, "ID", 2);
        memmove(q + 2, q + n, strlen(q + n) + 1);
        q += 2;
    }
    return s;
}

/* The one request the fake saw: each record's line, found by the ids asked for. */
static void logged_records(struct run *out)
{
    json_t *log = h_fake_requests(&h_fake);
    json_t *reqs = json_object_get(log, "requests");
    assert_int_equal(json_array_size(reqs), 1); /* one batch: the three are neighbours */
    json_error_t e;
    json_t *body = json_loads(h_str(json_array_get(reqs, 0), "body"), 0, &e);
    assert_non_null(body);
    const char *user = h_str(
        json_array_get(
            json_object_get(json_array_get(json_object_get(body, "contents"), 0), "parts"), 0),
        "text");
    const char *ids = strstr(user, "Answer for these 3 ids: ");
    assert_non_null(ids);
    ids += strlen("Answer for these 3 ids: ");
    for (size_t i = 0; i < 3; i++) {
        char id[16], open[32];
        snprintf(id, sizeof(id), "%.8s", ids + 10 * i); /* "id1, id2, id3." */
        snprintf(open, sizeof(open), "\n{\"id\":\"%s\",", id);
        const char *line = strstr(user, open);
        assert_non_null(line);
        line++;
        size_t n = strcspn(line, "\n");
        if (line[n - 1] == ',')
            n--;
        out->record[i] = without_id(strndup(line, n), id);
    }
    json_decref(body);
    json_decref(log);
}

/* Scores [A with attack k (INJ_N_ATTACKS: benign), B, C] with the CLI against the fake. */
static void score_three(size_t k, struct run *out)
{
    memset(out, 0, sizeof(*out));
    h_fake_reset(&h_fake);
    struct inj_lead a = inj_a(k);
    const struct inj_lead *in[3] = {&a, &inj_b, &inj_c};
    char leads[600], offer[600], base[128];
    h_path(leads, sizeof(leads), "injection.csv");
    write_csv(leads, in);
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(base, sizeof(base), "GEMINI_BASE_URL=%s", h_fake.url);
    const char *env[] = {base, "GEMINI_API_KEY=" KEY, "LEADSCORE_AI_PROVIDER=gemini",
                         "LEADSCORE_AI_BATCH=10", NULL};
    const char *args[] = {"score", "--offer", offer, "--leads", leads, "--format", "json", NULL};
    char *stdout_text, *stderr_text;
    int rc = h_run_cli(args, env, &stdout_text, &stderr_text);
    if (rc != 0) {
        print_error("score: exit %d\n%s\n", rc, stderr_text);
        fail();
    }
    json_error_t e;
    json_t *res = json_loads(stdout_text, 0, &e);
    assert_int_equal(json_array_size(res), 3);
    size_t i;
    json_t *it;
    json_array_foreach(res, i, it)
    {
        size_t slot = 3;
        for (size_t j = 0; j < 3; j++) {
            if (strcmp(h_str(it, "name"), in[j]->name) == 0)
                slot = j;
        }
        assert_true(slot < 3);
        snprintf(out->intent[slot], sizeof(out->intent[slot]), "%s", h_str(it, "intent"));
        snprintf(out->reasoning[slot], sizeof(out->reasoning[slot]), "%s", h_str(it, "reasoning"));
        snprintf(out->status[slot], sizeof(out->status[slot]), "%s",
                 h_str(json_object_get(it, "ai"), "status"));
    }
    json_decref(res);
    free(stdout_text);
    free(stderr_text);
    logged_records(out);
}

/* The field of a logged record (owned: free), decoded. */
static char *record_field(const char *record, const char *key)
{
    json_error_t e;
    json_t *j = json_loads(record, 0, &e);
    assert_non_null(j);
    char *v = strdup(h_str(j, key));
    json_decref(j);
    return v;
}

static void check_attack(size_t k, const char *name)
{
    assert_string_equal(inj_attacks[k].name, name);
    struct run hostile, benign;
    score_three(k, &hostile);
    score_three(INJ_N_ATTACKS, &benign);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(hostile.status[i], "ok"); /* model verdicts, no fallback */
        assert_string_equal(benign.status[i], "ok");
    }
    /* The neighbours: the same records went to the model, the same verdicts came back. */
    for (size_t i = 1; i < 3; i++) {
        if (strcmp(hostile.record[i], benign.record[i]) != 0 ||
            strcmp(hostile.intent[i], benign.intent[i]) != 0 ||
            strcmp(hostile.reasoning[i], benign.reasoning[i]) != 0) {
            print_error("%s: lead %c changed:\n  %s %s | %s\n  %s %s | %s\n", name, (int)('A' + i),
                        hostile.intent[i], hostile.reasoning[i], hostile.record[i],
                        benign.intent[i], benign.reasoning[i], benign.record[i]);
            fail();
        }
    }
    assert_string_equal(benign.intent[1], "Medium"); /* B and C as their own roles say */
    assert_string_equal(benign.intent[2], "Low");
    /* The attack did reach the model, whole, in A's own record. */
    static const char *const keys[] = {"name", "role", "company", "industry", "location", "bio"};
    char *got = record_field(hostile.record[0], keys[inj_attacks[k].field]);
    assert_string_equal(got, inj_attacks[k].text);
    free(got);
    /* And the fake is gullible within a record: A's own claim to be a chief executive
     * counted for A. That is the power the attack would have had over B. */
    if (strstr(inj_attacks[k].text, "role: Chief Executive Officer")) {
        assert_string_equal(hostile.intent[0], "High");
        assert_string_equal(benign.intent[0], "Low");
    }
    run_release(&hostile);
    run_release(&benign);
}

#define ATTACK_TEST(k, name)                                                                       \
    static void test_injection__##name(void **state)                                               \
    {                                                                                              \
        (void)state;                                                                               \
        check_attack((k), #name);                                                                  \
    }

ATTACK_TEST(0, trailing_fields)
ATTACK_TEST(1, forged_records)
ATTACK_TEST(2, forged_marker)
ATTACK_TEST(3, instructions)
ATTACK_TEST(4, fake_answer)
ATTACK_TEST(5, escape_break)

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_injection__trailing_fields, h_fake_each),
        cmocka_unit_test_setup(test_injection__forged_records, h_fake_each),
        cmocka_unit_test_setup(test_injection__forged_marker, h_fake_each),
        cmocka_unit_test_setup(test_injection__instructions, h_fake_each),
        cmocka_unit_test_setup(test_injection__fake_answer, h_fake_each),
        cmocka_unit_test_setup(test_injection__escape_break, h_fake_each),
    };
    int rc = cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
    curl_global_cleanup();
    return rc;
}
