/* test_lead.c - the duplicate key of a lead (issue #9): which rows count as the same. */
#include "ls_test.h"
#include <string.h>

#include "core/lead.h"

static struct ls_lead lead_of(const char *name, const char *company, const char *email)
{
    struct ls_lead l;
    ls_lead_clear(&l);
    ls_lead_set(&l, LS_F_NAME, name);
    ls_lead_set(&l, LS_F_COMPANY, company);
    ls_lead_set(&l, LS_F_EMAIL, email);
    return l;
}

static void test_lead__dup_key_table(void **state)
{
    (void)state;
    static const struct {
        const char *name, *company, *email;
        const char *key; /* NULL: no key */
    } cases[] = {
        /* An email decides, whatever the name: trimmed, ASCII case folded. */
        {"Ann", "Acme", "Ann@Example.COM", "e:ann@example.com"},
        {"Someone Else", "Other", "  ann@example.com\t", "e:ann@example.com"},
        /* Inner spaces of an email are kept: it is not the same address. */
        {"Ann", "Acme", "ann @example.com", "e:ann @example.com"},
        /* No email: name and company, each trimmed, folded, spaces collapsed. */
        {"  Jane   DOE ", "Acme\tInc", "",
         "n:jane doe\x1f"
         "acme inc"},
        {"jane doe", "ACME INC", "   ",
         "n:jane doe\x1f"
         "acme inc"},
        /* Non-ASCII letters are compared as they are. */
        {"Zoë", "Ørsted", "",
         "n:zoë\x1f"
         "Ørsted"},
        /* No email and no company (or no name): never a duplicate. */
        {"Jane Doe", "", "", NULL},
        {"", "Acme", "", NULL},
        {"Jane Doe", "  ", " ", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_lead l = lead_of(cases[i].name, cases[i].company, cases[i].email);
        struct ls_buf b;
        ls_buf_init(&b, 1 << 16);
        bool has = ls_lead_dup_key(&l, &b);
        int64_t h = 0;
        bool has_hash = ls_lead_dup_hash(&l, &h);
        assert_int_equal(has, cases[i].key != NULL);
        assert_int_equal(has_hash, has);
        if (cases[i].key)
            assert_string_equal(ls_buf_str(&b), cases[i].key);
        else
            assert_int_equal(b.len, 0);
        ls_buf_release(&b);
    }
}

static void test_lead__dup_hash_agrees_with_the_key(void **state)
{
    (void)state;
    struct ls_lead a = lead_of("Jane Doe", "Acme", ""), b = lead_of(" jane  doe", "ACME", "");
    struct ls_lead c = lead_of("Jane Doe", "Acme Ltd", ""), d = lead_of("Jane Doe", "Acme", "j@x");
    int64_t ha, hb, hc, hd;
    assert_true(ls_lead_dup_hash(&a, &ha));
    assert_true(ls_lead_dup_hash(&b, &hb));
    assert_true(ls_lead_dup_hash(&c, &hc));
    assert_true(ls_lead_dup_hash(&d, &hd));
    assert_true(ha == hb);
    assert_true(ha != hc);
    assert_true(ha != hd); /* an email key never equals a name key */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lead__dup_key_table),
        cmocka_unit_test(test_lead__dup_hash_agrees_with_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
