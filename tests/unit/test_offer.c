/* test_offer.c - offer validation: every shape error names its field. */
#include "ls_test.h"
#include <string.h>

#include "core/offer.h"
#include "core/utf8.h"

static void test_offer__valid(void **state)
{
    (void)state;
    const char *j = "{\"name\": \" AI Outreach \", \"value_props\": [\"24/7 outreach\"], "
                    "\"ideal_use_cases\": [\"B2B SaaS mid-market\"], \"unknown\": 1, "
                    "\"icp_industries\": [\"SaaS\"], \"adjacent_industries\": [\"Fintech\"]}";
    struct ls_offer o = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_offer_parse(j, strlen(j), &o, &err), LS_OK);
    assert_string_equal(o.name, "AI Outreach");
    assert_int_equal(o.value_props.n, 1);
    assert_string_equal(ls_offer_icp(&o)->v[0], "SaaS");
    json_t *back = ls_offer_to_json(&o);
    assert_string_equal(json_string_value(json_object_get(back, "name")), "AI Outreach");
    assert_null(json_object_get(back, "unknown"));
    json_decref(back);
    ls_offer_release(&o);
}

static void test_offer__errors_name_the_field(void **state)
{
    (void)state;
    struct {
        const char *json;
        int code;
        const char *msg;
        const char *field; /* what ls_offer_err_field names, NULL: the offer as a whole */
    } cases[] = {
        {"{\"name\": \"x\",", LS_EPARSE, "invalid JSON at line 1, column 13", NULL},
        {"[1]", LS_ESCHEMA, "offer must be a JSON object", NULL},
        {"{\"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "name is required (a non-empty string)", "name"},
        {"{\"name\": 5, \"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "name must be a non-empty string", "name"},
        {"{\"name\": \"  \", \"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "name must be a non-empty string", "name"},
        {"{\"name\": \"n\", \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "value_props is required (an array of strings)", "value_props"},
        {"{\"name\": \"n\", \"value_props\": \"a\", \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "value_props must be an array of strings", "value_props"},
        {"{\"name\": \"n\", \"value_props\": [], \"ideal_use_cases\": [\"b\"]}", LS_ESCHEMA,
         "value_props must have at least one element", "value_props"},
        {"{\"name\": \"n\", \"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\", 3]}", LS_ESCHEMA,
         "ideal_use_cases must be an array of strings (element 1 is not a string)",
         "ideal_use_cases"},
        {"{\"name\": \"n\", \"value_props\": [\"a\", \"\"], \"ideal_use_cases\": [\"b\"]}",
         LS_ESCHEMA, "value_props[1] must be a non-empty string", "value_props[1]"},
        {"{\"name\": \"n\", \"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\"], "
         "\"icp_industries\": \"SaaS\"}",
         LS_ESCHEMA, "icp_industries must be an array of strings", "icp_industries"},
        {"{\"name\": \"a\", \"name\": \"b\"}", LS_EPARSE, "duplicate object key", NULL},
        {"", LS_EPARSE, "invalid JSON", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_offer o = {0};
        struct ls_err err = {0};
        int rc = ls_offer_parse(cases[i].json, strlen(cases[i].json), &o, &err);
        if (rc != cases[i].code || strstr(err.msg, cases[i].msg) == NULL) {
            print_error("case %zu: rc %d msg '%s'\n", i, rc, err.msg);
            fail();
        }
        char field[64];
        bool named = ls_offer_err_field(err.msg, field, sizeof(field));
        if (cases[i].code == LS_ESCHEMA &&
            (named != (cases[i].field != NULL) || (named && strcmp(field, cases[i].field) != 0))) {
            print_error("case %zu: field '%s'\n", i, named ? field : "(none)");
            fail();
        }
        ls_offer_release(&o);
    }
}

static void test_offer__limits(void **state)
{
    (void)state;
    char big[LS_OFFER_STR_MAX + 100];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    char j[sizeof(big) + 200];
    snprintf(j, sizeof(j),
             "{\"name\": \"%s\", \"value_props\": [\"a\"], \"ideal_use_cases\": [\"b\"]}", big);
    struct ls_offer o = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_offer_parse(j, strlen(j), &o, &err), LS_ESCHEMA);
    assert_string_equal(err.msg, "name must be at most 2000 bytes");
}

/*
 * Reproducer found by tests/fuzz/fuzz_offer.c (TODO(issue#7), not fixed:
 * the cause is in jsonx.c). ls_json_parse copies jansson's error text, which
 * can end inside a UTF-8 character of valid input ("invalid escape near
 * '\"\u0\xc3'"). The HTTP layer cannot put that message in a JSON string, so
 * POST /offer (and POST /jobs) answer 400 with the body {}.
 */
static void test_offer__parse_error_message_is_utf8(void **state)
{
    (void)state;
    const char *j = "{\"name\": \"\\u0é\"}";
    struct ls_offer o = {0};
    struct ls_err err = {0};
    assert_int_equal(ls_offer_parse(j, strlen(j), &o, &err), LS_EPARSE);
    if (!ls_utf8_valid(err.msg, strlen(err.msg)))
        fail_msg("message is not valid UTF-8: %s", err.msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer__valid),
        cmocka_unit_test(test_offer__errors_name_the_field),
        cmocka_unit_test(test_offer__limits),
        cmocka_unit_test(test_offer__parse_error_message_is_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
