/*
 * test_price.c - the price table: known models and their dated variants,
 * tiers a model does not offer, overrides, cached input, unknown models.
 */
#include "ls_test.h"
#include <math.h>
#include <string.h>

#include "core/price.h"

static void test_price__known_models_and_variants(void **state)
{
    (void)state;
    struct ls_price_rates r;
    const char *date = NULL;
    struct ls_price_override none = LS_PRICE_NO_OVERRIDE;
    assert_true(
        ls_price_rates_of("gemini", "gemini-2.5-flash-lite", LS_PRICE_STANDARD, &none, &r, &date));
    assert_true(fabs(r.in - 0.10) < 1e-9 && fabs(r.out - 0.40) < 1e-9);
    assert_string_equal(date, "2026-12-01");
    /* flash is not flash-lite, and gpt-5 is not gpt-5-nano */
    assert_true(ls_price_rates_of("gemini", "models/gemini-2.5-flash-001", LS_PRICE_STANDARD, NULL,
                                  &r, NULL));
    assert_true(fabs(r.in - 0.30) < 1e-9);
    assert_true(ls_price_rates_of("openai", "gpt-5-nano", LS_PRICE_FLEX, NULL, &r, NULL));
    assert_true(fabs(r.in - 0.025) < 1e-9 && fabs(r.out - 0.20) < 1e-9);
    assert_true(
        ls_price_rates_of("openai", "gpt-4o-mini-2024-07-18", LS_PRICE_BATCH, NULL, &r, NULL));
    assert_true(fabs(r.in - 0.075) < 1e-9);
    assert_false(ls_price_rates_of("openai", "gpt-5-turbo", LS_PRICE_STANDARD, NULL, &r, NULL));
    assert_false(ls_price_rates_of("gemini", "gpt-4o-mini", LS_PRICE_STANDARD, NULL, &r, NULL));
    /* gpt-4o-mini has no flex tier: unknown, not free */
    assert_false(ls_price_rates_of("openai", "gpt-4o-mini", LS_PRICE_FLEX, NULL, &r, &date));
    assert_string_equal(date, "");
}

static void test_price__cost_and_cached(void **state)
{
    (void)state;
    struct ls_price_tokens t = {.input = 1000000, .cached = 400000, .output = 100000};
    double usd = 0;
    assert_true(ls_price_cost_for("openai", "gpt-4o-mini", LS_PRICE_STANDARD, NULL, &t, &usd));
    /* 600k fresh * 0.15 + 400k cached * 0.075 + 100k out * 0.60 */
    assert_true(fabs(usd - (0.09 + 0.03 + 0.06)) < 1e-9);
    t.cached = 5000000; /* more cached than input: clamped */
    assert_true(ls_price_cost_for("openai", "gpt-4o-mini", LS_PRICE_STANDARD, NULL, &t, &usd));
    assert_true(fabs(usd - (0.075 + 0.06)) < 1e-9);
    assert_false(ls_price_cost_for("openai", "llama3.1", LS_PRICE_STANDARD, NULL, &t, &usd));
    assert_true(usd == 0);
}

static void test_price__overrides(void **state)
{
    (void)state;
    struct ls_price_rates r;
    const char *date = NULL;
    /* a partial override cannot price an unknown model */
    struct ls_price_override ov = {.in = 1.0, .out = -1, .cached = -1};
    assert_false(ls_price_rates_of("openai", "llama3.1", LS_PRICE_STANDARD, &ov, &r, &date));
    ov.out = 2.0;
    assert_true(ls_price_rates_of("openai", "llama3.1", LS_PRICE_STANDARD, &ov, &r, &date));
    assert_string_equal(date, "override");
    assert_true(r.in == 1.0 && r.out == 2.0 && r.cached == 1.0);
    /* a partial override adjusts a known model */
    struct ls_price_override out_only = {.in = -1, .out = 9.0, .cached = -1};
    assert_true(
        ls_price_rates_of("gemini", "gemini-2.5-flash", LS_PRICE_STANDARD, &out_only, &r, &date));
    assert_true(fabs(r.in - 0.30) < 1e-9 && r.out == 9.0);
    /* overrides are standard prices: they leave the other tiers alone */
    assert_true(
        ls_price_rates_of("gemini", "gemini-2.5-flash", LS_PRICE_FLEX, &out_only, &r, &date));
    assert_true(fabs(r.out - 1.25) < 1e-9);
}

static void test_price__tiers_and_retirements(void **state)
{
    (void)state;
    assert_int_equal(ls_price_tier_parse("flex"), LS_PRICE_FLEX);
    assert_int_equal(ls_price_tier_parse("Flex"), -1);
    assert_string_equal(ls_price_tier_name(LS_PRICE_BATCH), "batch");
    const char *date, *note;
    assert_true(ls_price_retirement("openai", "gpt-5-nano-2025-08-07", &date, &note));
    assert_string_equal(date, "2026-12-11");
    assert_true(ls_price_retirement("gemini", "gemini-2.5-flash", &date, &note));
    assert_false(ls_price_retirement("gemini", "gemini-2.5-flash-lite", &date, &note));
    assert_false(ls_price_retirement("openai", "gpt-5-mini", &date, &note));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price__known_models_and_variants),
        cmocka_unit_test(test_price__cost_and_cached),
        cmocka_unit_test(test_price__overrides),
        cmocka_unit_test(test_price__tiers_and_retirements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
