/*
 * test_web_rules.c - the dashboard's bytes, as embedded, keep the rules its
 * Content-Security-Policy and its XSS defence rest on (issue #8):
 *   - the script never turns text into markup or code (no innerHTML and kin,
 *     no eval, no string timers, no style attribute, no javascript: URL);
 *   - the page loads exactly one script, from /assets/, and carries no inline
 *     script, no style="..." and no on*= handler;
 *   - the not-found page has no script and links back to the dashboard.
 * A browser would refuse an inline handler under the CSP, so the page would
 * break quietly; this test says which rule a change broke, and where.
 */
#include "ls_test.h"
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "http/web_assets.h"

static const struct ls_web_asset *asset_named(const char *name)
{
    for (size_t i = 0; i < ls_web_assets_n; i++)
        if (strcmp(ls_web_assets[i].name, name) == 0)
            return &ls_web_assets[i];
    return NULL;
}

/* The asset's bytes as a NUL-terminated copy (owned by the caller; test_free). */
static char *asset_text(const char *name)
{
    const struct ls_web_asset *a = asset_named(name);
    if (a == NULL)
        fail_msg("%s is not embedded", name);
    char *s = test_malloc(a->len + 1);
    memcpy(s, a->data, a->len);
    s[a->len] = '\0';
    return s;
}

/* The line number of offset off in s, for messages. */
static int line_of(const char *s, const char *at)
{
    int line = 1;
    for (const char *p = s; p < at; p++)
        line += *p == '\n';
    return line;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_web_rules__script_makes_no_markup_or_code(void **state)
{
    (void)state;
    static const char *banned[] = {
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "setTimeout('",
        "setTimeout(\"",
        "setInterval('",
        "setInterval(\"",
        "javascript:",
        ".cssText",
        "'style'",
        "\"style\"",
        "srcdoc",
        "createContextualFragment",
        "DOMParser",
        "import(",
    };
    char *boot = asset_text("boot.js"); /* the first screen's early GETs */
    for (size_t i = 0; i < LS_ARRAY_LEN(banned); i++) {
        const char *hit = strstr(boot, banned[i]);
        if (hit)
            fail_msg("boot.js line %d uses %s", line_of(boot, hit), banned[i]);
    }
    /* It reads nothing it fetches and touches no DOM. */
    if (strstr(boot, "document.") || strstr(boot, ".json()") || strstr(boot, ".text()"))
        fail_msg("%s", "boot.js reads a reply or touches the page");
    test_free(boot);
    char *js = asset_text("app.js");
    for (size_t i = 0; i < LS_ARRAY_LEN(banned); i++) {
        const char *hit = strstr(js, banned[i]);
        if (hit)
            fail_msg("app.js line %d uses %s", line_of(js, hit), banned[i]);
    }
    /* Dynamic styling only through style.setProperty / removeProperty. */
    for (const char *p = strstr(js, ".style."); p; p = strstr(p + 1, ".style.")) {
        if (strncmp(p + 7, "setProperty(", 12) != 0 && strncmp(p + 7, "removeProperty(", 15) != 0)
            fail_msg("app.js line %d sets a style property directly", line_of(js, p));
    }
    /* One strict-mode wrapper from the build; the files add none of their own. */
    assert_int_equal(count(js, "'use strict'"), 1);
    test_free(js);
}

/* An attribute named on<letters> anywhere in a tag: " onclick=", "\tonload =". */
static const char *find_handler_attr(const char *html)
{
    bool in_tag = false;
    for (const char *p = html; *p; p++) {
        if (*p == '<')
            in_tag = true;
        else if (*p == '>')
            in_tag = false;
        else if (in_tag && isspace((unsigned char)*p) && tolower((unsigned char)p[1]) == 'o' &&
                 tolower((unsigned char)p[2]) == 'n') {
            const char *q = p + 3;
            while (isalpha((unsigned char)*q))
                q++;
            while (*q == ' ' || *q == '\t')
                q++;
            if (q > p + 3 && *q == '=')
                return p + 1;
        }
    }
    return NULL;
}

static void assert_no_inline(const char *name, const char *html)
{
    const char *hit = find_handler_attr(html);
    if (hit)
        fail_msg("%s line %d has an on*= handler", name, line_of(html, hit));
    static const char *banned[] = {" style=", "\tstyle=", "\nstyle=", "<style", "javascript:"};
    for (size_t i = 0; i < LS_ARRAY_LEN(banned); i++) {
        hit = strstr(html, banned[i]);
        if (hit)
            fail_msg("%s line %d has inline %s", name, line_of(html, hit), banned[i]);
    }
}

static void test_web_rules__page_has_one_script_and_nothing_inline(void **state)
{
    (void)state;
    char *html = asset_text("index.html");
    assert_no_inline("index.html", html);
    /* Two scripts, both from /assets/ and empty (no inline code): boot.js first,
     * blocking (it starts the first screen's GETs, waiting for no stylesheet), then the
     * deferred app.js. */
    assert_int_equal(count(html, "<script"), 2);
    const char *s = strstr(html, "<script");
    if (strncmp(s, "<script src=\"/assets/boot.", 26) != 0)
        fail_msg("the first script is not the built boot.js: %.60s", s);
    const char *end = strstr(s, ">");
    assert_non_null(end);
    assert_int_equal(strncmp(end, "></script>", 10), 0);
    const char *css = strstr(html, "<link rel=\"stylesheet\"");
    assert_non_null(css);
    assert_true(s < css); /* ahead of the stylesheet */
    s = strstr(end, "<script");
    if (strncmp(s, "<script src=\"/assets/app.", 25) != 0)
        fail_msg("the second script is not the built app.js: %.60s", s);
    end = strstr(s, ">");
    assert_non_null(end);
    assert_non_null(strstr(s, " defer"));
    assert_true(strstr(s, " defer") < end);
    assert_int_equal(strncmp(end, "></script>", 10), 0);
    /* The shell the script expects. */
    static const char *need[] = {"<nav aria-label=\"Main\"",
                                 "href=\"#/offers\"",
                                 "href=\"#/leads\"",
                                 "href=\"#/runs\"",
                                 "href=\"#/results\"",
                                 "href=\"#/status\"",
                                 "id=\"main\"",
                                 "id=\"net-banner\"",
                                 "role=\"alert\""};
    for (size_t i = 0; i < LS_ARRAY_LEN(need); i++)
        if (strstr(html, need[i]) == NULL)
            fail_msg("index.html lacks %s", need[i]);
    test_free(html);
}

static void test_web_rules__not_found_page_is_static(void **state)
{
    (void)state;
    char *html = asset_text("404.html");
    assert_no_inline("404.html", html);
    assert_int_equal(count(html, "<script"), 0);
    assert_non_null(strstr(html, "Page not found"));
    assert_non_null(strstr(html, "href=\"/\""));
    assert_non_null(strstr(html, "<link rel=\"stylesheet\" href=\"/assets/app."));
    test_free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_web_rules__script_makes_no_markup_or_code),
        cmocka_unit_test(test_web_rules__page_has_one_script_and_nothing_inline),
        cmocka_unit_test(test_web_rules__not_found_page_is_static),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
