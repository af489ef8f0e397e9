/*
 * fuzz_offer.c - offer validation. Any bytes either fail with LS_EPARSE or
 * LS_ESCHEMA and a message, or give an offer within the documented limits
 * that survives ls_offer_to_json -> text -> ls_offer_parse with the same
 * fields and the same digest (the offer's identity in the store and cache).
 */
#include <stdbool.h>
#include <string.h>

#include "core/offer.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void check_str(const char *s)
{
    FUZZ_CHECK(s != NULL);
    size_t len = strlen(s);
    FUZZ_CHECK(len > 0 && len <= LS_OFFER_STR_MAX && ls_utf8_valid(s, len));
    FUZZ_CHECK(!is_space(s[0]) && !is_space(s[len - 1]));
}

static void check_list(const struct ls_strlist *l, bool required)
{
    FUZZ_CHECK(l->n <= LS_OFFER_ITEMS_MAX && (!required || l->n > 0));
    for (size_t i = 0; i < l->n; i++)
        check_str(l->v[i]);
}

static bool same_list(const struct ls_strlist *a, const struct ls_strlist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->v[i], b->v[i]) != 0)
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ls_offer o = {0}, again = {0};
    struct ls_err err = {0};
    int rc = ls_offer_parse((const char *)data, size, &o, &err);
    if (rc != LS_OK) {
        FUZZ_CHECK(rc == LS_EPARSE || rc == LS_ESCHEMA);
        FUZZ_CHECK(err.code == rc && err.msg[0] != '\0');
        FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        /* TODO(issue#7): ls_json_parse passes on jansson's error text, which can end
         * inside a UTF-8 sequence; test_offer__parse_error_message_is_utf8. */
        if (rc == LS_EPARSE)
            FUZZ_CHECK_KNOWN(ls_utf8_valid(err.msg, strlen(err.msg)));
        else
            FUZZ_CHECK(ls_utf8_valid(err.msg, strlen(err.msg)));
        FUZZ_CHECK(o.name == NULL && o.value_props.n == 0); /* out untouched on failure */
        return 0;
    }
    check_str(o.name);
    check_list(&o.value_props, true);
    check_list(&o.ideal_use_cases, true);
    check_list(&o.icp_industries, false);
    check_list(&o.adjacent_industries, false);
    FUZZ_CHECK(ls_offer_icp(&o)->n > 0);

    json_t *j = ls_offer_to_json(&o);
    FUZZ_CHECK(j != NULL);
    char *text = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    struct ls_err err2 = {0};
    FUZZ_CHECK(ls_offer_parse(text, strlen(text), &again, &err2) == LS_OK);
    FUZZ_CHECK(strcmp(o.name, again.name) == 0);
    FUZZ_CHECK(same_list(&o.value_props, &again.value_props));
    FUZZ_CHECK(same_list(&o.ideal_use_cases, &again.ideal_use_cases));
    FUZZ_CHECK(same_list(&o.icp_industries, &again.icp_industries));
    FUZZ_CHECK(same_list(&o.adjacent_industries, &again.adjacent_industries));
    unsigned char d1[LS_OFFER_DIGEST_LEN], d2[LS_OFFER_DIGEST_LEN];
    ls_offer_digest(&o, d1);
    ls_offer_digest(&again, d2);
    FUZZ_CHECK(memcmp(d1, d2, sizeof(d1)) == 0);

    free(text);
    json_decref(j);
    ls_offer_release(&o);
    ls_offer_release(&again);
    ls_offer_release(&o); /* released twice is allowed */
    return 0;
}
