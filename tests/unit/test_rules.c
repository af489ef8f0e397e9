/* test_rules.c - the rule layer, table-driven (issue #2's table and more). */
#include "ls_test.h"
#include <stdlib.h>
#include <string.h>

#include "core/rules.h"

struct row {
    const char *role, *industry;
    const char *const *icp; /* ideal_use_cases; NULL = {"B2B SaaS mid-market"} */
    int blank_mask;         /* bit f set: field f is empty */
    int total, role_pts, industry_pts, complete_pts;
};

#define COMPLETE   0
#define NO_LOC_BIO ((1 << LS_F_LOCATION) | (1 << LS_F_BIO))
#define NO_IND     (1 << LS_F_INDUSTRY)

static const char *const icp_two[] = {"B2B SaaS mid-market", "SaaS", NULL};

static const struct row table[] = {
    {"Head of Growth", "B2B SaaS mid-market", NULL, COMPLETE, 50, 20, 20, 10},
    {"Head of Growth", "B2B SaaS", NULL, COMPLETE, 40, 20, 10, 10},
    {"Marketing Manager", "SaaS", NULL, COMPLETE, 30, 10, 10, 10},
    {"VP of Sales", "Retail", NULL, COMPLETE, 30, 20, 0, 10},
    {"Intern", "SaaS", NULL, NO_LOC_BIO, 10, 0, 10, 0},
    {"CEO", "B2B SaaS mid-market", NULL, COMPLETE, 50, 20, 20, 10},
    {"Director of Marketing", "b2b saas MID-MARKET", NULL, COMPLETE, 50, 20, 20, 10},
    {"  CEO  ", " B2B SaaS mid-market ", NULL, COMPLETE, 50, 20, 20, 10},
    {"Doctor", "Healthcare", NULL, COMPLETE, 10, 0, 0, 10},
    {"Headhunter", "Recruiting", NULL, COMPLETE, 10, 0, 0, 10},
    {"Software Engineer", "Healthcare", NULL, COMPLETE, 10, 0, 0, 10},
    {"Team Lead", "Manufacturing", NULL, COMPLETE, 20, 10, 0, 10},
    {"Executive Assistant to the CEO", "B2B SaaS mid-market", NULL, COMPLETE, 30, 0, 20, 10},
    {"Co-Founder & CTO", "Enterprise Software", NULL, COMPLETE, 40, 20, 10, 10},
    {"CEO", "", NULL, NO_IND, 20, 20, 0, 0},
    {"Marketing Manager", "", NULL, NO_IND, 10, 10, 0, 0},
    {"Head of Growth", "SaaS", icp_two, COMPLETE, 50, 20, 20, 10},
    /* more: whole tokens only, never substrings */
    {"MVP Engineer", "SaaS", NULL, COMPLETE, 20, 0, 10, 10},
    {"Vice President, Operations", "Fintech", NULL, COMPLETE, 30, 20, 0, 10},
    {"SVP Sales", "Cloud", NULL, COMPLETE, 40, 20, 10, 10},
    {"General Manager", "IT Services", NULL, COMPLETE, 40, 20, 10, 10},
    {"Sr. Account Executive", "saas", NULL, COMPLETE, 30, 10, 10, 10},
    {"Student Ambassador Lead", "SaaS", NULL, COMPLETE, 20, 0, 10, 10},
    {"Chief Revenue Officer", "B2B  SaaS   mid  market", NULL, COMPLETE, 50, 20, 20, 10},
    {"Directeur", "Logistics", NULL, COMPLETE, 10, 0, 0, 10},
    {"Cofounder", "Mid-Market", NULL, COMPLETE, 30, 20, 0, 10}, /* only stop words shared */
    {"Analyst", "E-commerce", NULL, COMPLETE, 10, 0, 0, 10},
    {"Head", "B2B SaaS mid-market", NULL, (1 << LS_F_NAME), 40, 20, 20, 0},
};

static void fill_lead(struct ls_lead *lead, const struct row *r)
{
    static const char *const filler[LS_F_COUNT] = {"Ava Patel", "",         "FlowMetrics",
                                                   "",          "New York", "Growth leader."};
    for (int f = 0; f < LS_F_COUNT; f++)
        ls_lead_set(lead, (enum ls_field)f, (r->blank_mask & (1 << f)) ? "" : filler[f]);
    if (!(r->blank_mask & (1 << LS_F_ROLE)))
        ls_lead_set(lead, LS_F_ROLE, r->role);
    if (!(r->blank_mask & (1 << LS_F_INDUSTRY)))
        ls_lead_set(lead, LS_F_INDUSTRY, r->industry);
}

static struct ls_offer make_offer(const char *const *icp)
{
    static const char *const dflt[] = {"B2B SaaS mid-market", NULL};
    struct ls_offer o = {0};
    const char *const *u = icp ? icp : dflt;
    o.name = strdup("AI Outreach Automation");
    o.value_props.n = 1;
    o.value_props.v = calloc(1, sizeof(char *));
    o.value_props.v[0] = strdup("24/7 outreach");
    size_t n = 0;
    while (u[n])
        n++;
    o.ideal_use_cases.n = n;
    o.ideal_use_cases.v = calloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        o.ideal_use_cases.v[i] = strdup(u[i]);
    return o;
}

static void test_rules__table(void **state)
{
    (void)state;
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct row *row = &table[i];
        struct ls_offer o = make_offer(row->icp);
        struct ls_rules_offer *ro = ls_rules_offer_new(r, &o);
        struct ls_lead lead;
        struct ls_rule_score s;
        fill_lead(&lead, row);
        ls_rules_eval(ro, &lead, &s);
        if (s.total != row->total || s.role != row->role_pts || s.industry != row->industry_pts ||
            s.completeness != row->complete_pts) {
            print_error("row %zu: role '%s' industry '%s': got %d (%d/%d/%d), want %d (%d/%d/%d)\n",
                        i, row->role, row->industry, s.total, s.role, s.industry, s.completeness,
                        row->total, row->role_pts, row->industry_pts, row->complete_pts);
            fail();
        }
        assert_int_equal(s.total, s.role + s.industry + s.completeness);
        ls_rules_offer_free(ro);
        ls_offer_release(&o);
    }
    ls_rules_free(r);
}

static void test_rules__all_empty_scores_zero(void **state)
{
    (void)state;
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    struct ls_offer o = make_offer(NULL);
    struct ls_rules_offer *ro = ls_rules_offer_new(r, &o);
    struct ls_lead lead;
    struct ls_rule_score s;
    ls_lead_clear(&lead);
    ls_rules_eval(ro, &lead, &s);
    assert_int_equal(s.total, 0);
    assert_int_equal(s.role_kind, LS_ROLE_OTHER);
    assert_int_equal(s.industry_match, LS_IND_NONE);
    ls_rules_offer_free(ro);
    ls_offer_release(&o);
    ls_rules_free(r);
}

static void test_rules__icp_industries_override_use_cases(void **state)
{
    (void)state;
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    struct ls_offer o = make_offer(NULL);
    o.icp_industries.n = 1;
    o.icp_industries.v = calloc(1, sizeof(char *));
    o.icp_industries.v[0] = strdup("Fintech");
    o.adjacent_industries.n = 1;
    o.adjacent_industries.v = calloc(1, sizeof(char *));
    o.adjacent_industries.v[0] = strdup("Marketing Agencies");
    struct ls_rules_offer *ro = ls_rules_offer_new(r, &o);
    struct ls_lead lead;
    struct ls_rule_score s;
    struct {
        const char *industry;
        int points;
        enum ls_adjacent_via via;
    } cases[] = {
        {"fintech", 20, LS_ADJ_NONE},
        {"B2B SaaS mid-market", 0, LS_ADJ_NONE}, /* use cases no longer count */
        {"Banking", 10, LS_ADJ_FAMILY},
        {"Marketing Agencies", 10, LS_ADJ_LIST},
        {"Digital Agencies", 10, LS_ADJ_LIST}, /* shares "agencies" */
        {"Healthcare", 0, LS_ADJ_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ls_lead_clear(&lead);
        ls_lead_set(&lead, LS_F_INDUSTRY, cases[i].industry);
        ls_rules_eval(ro, &lead, &s);
        if (s.industry != cases[i].points || s.adjacent_via != cases[i].via) {
            print_error("%s: got %d via %d\n", cases[i].industry, s.industry, s.adjacent_via);
            fail();
        }
    }
    ls_rules_offer_free(ro);
    ls_offer_release(&o);
    ls_rules_free(r);
}

static void test_rules__explains_which_entry_matched(void **state)
{
    (void)state;
    static const char *const icp[] = {"Retail", "B2B SaaS mid-market", NULL};
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    struct ls_offer o = make_offer(icp);
    struct ls_rules_offer *ro = ls_rules_offer_new(r, &o);
    struct ls_lead lead;
    struct ls_rule_score s;
    ls_lead_clear(&lead);
    ls_lead_set(&lead, LS_F_INDUSTRY, "Vertical SaaS");
    ls_rules_eval(ro, &lead, &s);
    assert_int_equal(s.industry_match, LS_IND_ADJACENT);
    assert_int_equal(s.adjacent_via, LS_ADJ_TOKEN);
    assert_int_equal(s.icp_entry, 1);
    ls_lead_set(&lead, LS_F_INDUSTRY, "Marketplace");
    ls_rules_eval(ro, &lead, &s);
    assert_int_equal(s.adjacent_via, LS_ADJ_FAMILY);
    assert_int_equal(s.icp_entry, 0);
    ls_rules_offer_free(ro);
    ls_offer_release(&o);
    ls_rules_free(r);
}

static void test_rules__role_kind(void **state)
{
    (void)state;
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    struct {
        const char *role;
        enum ls_role_kind kind;
    } cases[] = {
        {"Owner", LS_ROLE_DECISION},
        {"Managing Director", LS_ROLE_DECISION},
        {"Chairwoman of the Board", LS_ROLE_DECISION},
        {"Solutions Architect", LS_ROLE_INFLUENCER},
        {"Developer Evangelist", LS_ROLE_INFLUENCER},
        {"Apprentice Electrician", LS_ROLE_EXCLUDED},
        {"Doctor", LS_ROLE_OTHER},
        {"Director", LS_ROLE_DECISION},
        {"Headhunter", LS_ROLE_OTHER},
        {"Geschäftsführer", LS_ROLE_OTHER},
        {"", LS_ROLE_OTHER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ls_role_kind k = ls_rules_role_kind(r, cases[i].role, strlen(cases[i].role));
        if (k != cases[i].kind) {
            print_error("%s: got %d want %d\n", cases[i].role, k, cases[i].kind);
            fail();
        }
    }
    ls_rules_free(r);
}

/*
 * Issue #8: each factor records what matched - the configured role term, the
 * ICP or adjacent_industries entry as the offer wrote it, or the family name
 * - and the fields that are empty.
 */
static void test_rules__factors_record_what_matched(void **state)
{
    (void)state;
    static const char *const icp[] = {"B2B SaaS mid-market", NULL};
    static const struct {
        const char *role, *industry;
        unsigned blank; /* fields besides role and industry left empty */
        const char *role_term, *industry_term;
        enum ls_adjacent_via via;
    } cases[] = {
        {"Head of Growth", "b2b saas MID-MARKET", 0, "head", "B2B SaaS mid-market", LS_ADJ_NONE},
        {"Co-Founder & CTO", "Enterprise Software", 0, "co founder", "software", LS_ADJ_FAMILY},
        {"Executive Assistant to the CEO", "SaaS", 0, "assistant", "B2B SaaS mid-market",
         LS_ADJ_TOKEN},
        {"Marketing Manager", "Retail", 0, "manager", NULL, LS_ADJ_NONE},
        {"Doctor", "Freight Logistics", 0, NULL, "Freight and Logistics", LS_ADJ_LIST},
        {"", "", (1 << LS_F_LOCATION) | (1 << LS_F_BIO), NULL, NULL, LS_ADJ_NONE},
    };
    struct ls_rules *r = ls_rules_new(ls_rules_default_config());
    struct ls_offer o = make_offer(icp);
    o.adjacent_industries.n = 1;
    o.adjacent_industries.v = calloc(1, sizeof(char *));
    o.adjacent_industries.v[0] = strdup("Freight and Logistics");
    struct ls_rules_offer *ro = ls_rules_offer_new(r, &o);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct row row = {.role = cases[i].role,
                          .industry = cases[i].industry,
                          .blank_mask = (int)cases[i].blank};
        struct ls_lead lead;
        struct ls_rule_score s;
        fill_lead(&lead, &row);
        ls_rules_eval(ro, &lead, &s);
        print_message("%s / %s: role_term %s industry_term %s missing %#x\n", cases[i].role,
                      cases[i].industry, s.role_term ? s.role_term : "(null)",
                      s.industry_term ? s.industry_term : "(null)", s.missing);
        if (cases[i].role_term)
            assert_string_equal(s.role_term, cases[i].role_term);
        else
            assert_null(s.role_term);
        if (cases[i].industry_term)
            assert_string_equal(s.industry_term, cases[i].industry_term);
        else
            assert_null(s.industry_term);
        assert_int_equal(s.adjacent_via, cases[i].via);
        unsigned want = cases[i].blank;
        if (cases[i].role[0] == '\0')
            want |= 1u << LS_F_ROLE;
        if (cases[i].industry[0] == '\0')
            want |= 1u << LS_F_INDUSTRY;
        assert_int_equal(s.missing, want);
        assert_int_equal(s.completeness, want ? 0 : 10);
    }
    ls_rules_offer_free(ro);
    ls_offer_release(&o);
    ls_rules_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules__table),
        cmocka_unit_test(test_rules__all_empty_scores_zero),
        cmocka_unit_test(test_rules__icp_industries_override_use_cases),
        cmocka_unit_test(test_rules__explains_which_entry_matched),
        cmocka_unit_test(test_rules__role_kind),
        cmocka_unit_test(test_rules__factors_record_what_matched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
