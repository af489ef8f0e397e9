/*
 * test_web.c - the dashboard as the server sends it: every embedded file
 * (the table the build generated, linked from libshell) at its URL with its
 * content type, cache header, validator and the security headers; gzip and
 * 304; the page naming only hashed assets that exist; the budget; the
 * not-found page for browsers and the JSON 404 for everyone else; keys are
 * not needed for the files (they hold no data) but the Host check holds.
 */
#include "ls_test.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "harness.h"
#include "http/web_assets.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

static struct srv srv;

static int group_setup(void **state)
{
    (void)state;
    char db[512];
    h_path(db, sizeof(db), "web.db");
    return h_srv_start(&srv, db, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    h_srv_stop(&srv, 15);
    return 0;
}

static void assert_header(const struct resp *r, const char *name, const char *want)
{
    char *v = h_header(r, name);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, v ? v : "(none)", want);
    free(v);
}

static void assert_security_headers(const struct resp *r)
{
    assert_header(r, "Content-Security-Policy", CSP);
    assert_header(r, "X-Content-Type-Options", "nosniff");
    assert_header(r, "Referrer-Policy", "no-referrer");
    assert_header(r, "X-Frame-Options", "DENY");
}

static const struct ls_web_asset *asset_named(const char *name)
{
    for (size_t i = 0; i < ls_web_assets_n; i++)
        if (strcmp(ls_web_assets[i].name, name) == 0)
            return &ls_web_assets[i];
    return NULL;
}

/* Every file: its bytes, type, cache rule, validator and security headers; HEAD too. */
static void test_web__every_asset_served_as_built(void **state)
{
    (void)state;
    size_t served = 0;
    for (size_t i = 0; i < ls_web_assets_n; i++) {
        const struct ls_web_asset *a = &ls_web_assets[i];
        if (a->path[0] == '\0')
            continue; /* the not-found page has no URL of its own */
        struct resp r;
        assert_int_equal(h_http(&srv, "GET", a->path, NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, a->len);
        assert_memory_equal(r.body, a->data, a->len);
        assert_header(&r, "Content-Type", a->type);
        assert_header(&r, "Cache-Control",
                      a->immutable ? "public, max-age=31536000, immutable" : "no-cache");
        assert_header(&r, "ETag", a->etag);
        assert_security_headers(&r);
        if (a->immutable) {
            /* /assets/<stem>.<12 hex>.<ext>: the name changes when the bytes do. */
            const char *dot = strchr(a->path + 8, '.');
            assert_non_null(dot);
            assert_int_equal(strspn(dot + 1, "0123456789abcdef"), 12);
            assert_memory_equal(dot + 1, a->etag + 1, 12);
        }
        h_resp_free(&r);

        assert_int_equal(h_http(&srv, "HEAD", a->path, NULL, NULL, 0, &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, 0);
        assert_header(&r, "Content-Security-Policy", CSP);
        h_resp_free(&r);
        served++;
    }
    assert_true(served >= 4); /* the page, its script, its stylesheet, its icon */
}

static void test_web__content_types(void **state)
{
    (void)state;
    static const struct {
        const char *name, *type;
    } want[] = {
        {"index.html", "text/html; charset=utf-8"}, {"app.js", "text/javascript; charset=utf-8"},
        {"app.css", "text/css; charset=utf-8"},     {"favicon.svg", "image/svg+xml"},
        {"404.html", "text/html; charset=utf-8"},
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(want); i++) {
        const struct ls_web_asset *a = asset_named(want[i].name);
        if (a == NULL)
            fail_msg("%s is not embedded", want[i].name);
        assert_string_equal(a->type, want[i].type);
    }
}

/* gzip when asked (the build's bytes, their own validator); 304 on either validator. */
static void test_web__gzip_and_not_modified(void **state)
{
    (void)state;
    const struct ls_web_asset *js = asset_named("app.js");
    assert_non_null(js);
    const char *gz[] = {"Accept-Encoding: gzip, deflate", NULL};
    struct resp r;
    assert_int_equal(h_http(&srv, "GET", js->path, gz, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Encoding", "gzip");
    assert_int_equal(r.len, js->gz_len);
    assert_memory_equal(r.body, js->gz, js->gz_len);
    assert_int_equal(((const unsigned char *)r.body)[0], 0x1f);
    char *etag_gz = h_header(&r, "ETag");
    assert_non_null(strstr(etag_gz, "-gz\""));
    h_resp_free(&r);

    char inm[128];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", etag_gz);
    const char *cond_gz[] = {"Accept-Encoding: gzip", inm, NULL};
    assert_int_equal(h_http(&srv, "GET", js->path, cond_gz, NULL, 0, &r), 0);
    assert_int_equal(r.status, 304);
    assert_int_equal(r.len, 0);
    h_resp_free(&r);
    free(etag_gz);

    const struct ls_web_asset *page = asset_named("index.html");
    snprintf(inm, sizeof(inm), "If-None-Match: %s", page->etag);
    const char *cond[] = {inm, NULL};
    assert_int_equal(h_http(&srv, "GET", "/", cond, NULL, 0, &r), 0);
    assert_int_equal(r.status, 304);
    assert_header(&r, "ETag", page->etag);
    h_resp_free(&r);
    /* A stale validator gets the page. */
    const char *stale[] = {"If-None-Match: \"000000000000000000000000\"", NULL};
    assert_int_equal(h_http(&srv, "GET", "/", stale, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
}

/* The page names its files only by hashed URLs that are served; nothing from elsewhere. */
static void test_web__page_references_resolve(void **state)
{
    (void)state;
    struct resp r;
    assert_int_equal(h_http(&srv, "GET", "/?utm_source=mail", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, "{{asset:"));
    assert_null(strstr(r.body, "http://"));
    assert_null(strstr(r.body, "https://"));
    assert_null(strstr(r.body, "<script>")); /* no inline script: every script has a src */
    assert_null(strstr(r.body, "style=\""));
    int refs = 0;
    for (const char *p = strstr(r.body, "\"/assets/"); p; p = strstr(p + 1, "\"/assets/")) {
        char path[128];
        size_t n = strcspn(p + 1, "\"");
        assert_true(n < sizeof(path));
        memcpy(path, p + 1, n);
        path[n] = '\0';
        struct resp a;
        assert_int_equal(h_http(&srv, "GET", path, NULL, NULL, 0, &a), 0);
        if (a.status != 200)
            fail_msg("the page names %s, which answers %ld", path, a.status);
        h_resp_free(&a);
        refs++;
    }
    assert_true(refs >= 3);
    h_resp_free(&r);
}

static void test_web__budget(void **state)
{
    (void)state;
    size_t gz = 0;
    for (size_t i = 0; i < ls_web_assets_n; i++)
        gz += ls_web_assets[i].gz_len;
    print_message("embedded: %zu files, %zu bytes gzip\n", ls_web_assets_n, gz);
    assert_true(gz <= 250 * 1000);
}

/*
 * Unknown paths: a browser outside the API gets the dashboard's page (404,
 * HTML, same headers); curl and anything under an API path keep JSON.
 */
static void test_web__not_found(void **state)
{
    (void)state;
    const char *browser[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
    const struct ls_web_asset *nf = asset_named("404.html");
    assert_non_null(nf);
    const char *html_paths[] = {"/nope", "/dashboard/x", "/assets/app.000000000000.js", "/assets/"};
    for (size_t i = 0; i < LS_ARRAY_LEN(html_paths); i++) {
        struct resp r;
        assert_int_equal(h_http(&srv, "GET", html_paths[i], browser, NULL, 0, &r), 0);
        assert_int_equal(r.status, 404);
        assert_header(&r, "Content-Type", "text/html; charset=utf-8");
        assert_header(&r, "Cache-Control", "no-store");
        assert_security_headers(&r);
        assert_int_equal(r.len, nf->len);
        assert_non_null(strstr(r.body, "Page not found"));
        h_resp_free(&r);
    }
    /* A missing asset is the page for any client: scripts and styles are never JSON. */
    struct resp r;
    assert_int_equal(h_http(&srv, "GET", "/assets/app.000000000000.js", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 404);
    assert_header(&r, "Content-Type", "text/html; charset=utf-8");
    h_resp_free(&r);

    const struct {
        const char *path;
        const char *const *headers;
    } json_cases[] = {
        {"/nope", NULL},            /* curl: Accept */
        {"/jobs/9/nope", browser},  /* under an API path */
        {"/results/x/y", browser},  /* under an API path */
        {"/offers/1/2/3", browser}, /* under an API path */
    };
    for (size_t i = 0; i < LS_ARRAY_LEN(json_cases); i++) {
        assert_int_equal(
            h_http(&srv, "GET", json_cases[i].path, json_cases[i].headers, NULL, 0, &r), 0);
        assert_int_equal(r.status, 404);
        assert_header(&r, "Content-Type", "application/json");
        json_t *j = h_json(&r);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "code")), "not_found");
        json_decref(j);
        h_resp_free(&r);
    }
    /* Other methods on the page keep the API's 405 (JSON, with Allow). */
    assert_int_equal(h_http(&srv, "POST", "/", browser, "x", 1, &r), 0);
    assert_int_equal(r.status, 405);
    assert_header(&r, "Allow", "GET");
    h_resp_free(&r);
    /* A query on an asset is refused like any unknown parameter. */
    const struct ls_web_asset *js = asset_named("app.js");
    char path[160];
    snprintf(path, sizeof(path), "%s?v=1", js->path);
    assert_int_equal(h_http(&srv, "GET", path, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 400);
    h_resp_free(&r);
}

/* Files hold no data: served on a key-protected server without a key; the Host check holds. */
static void test_web__protected_server(void **state)
{
    (void)state;
    char db[512];
    h_path(db, sizeof(db), "web-keys.db");
    const char *argv[] = {"keys", "create", "--db",   db,  "--workspace",
                          "w",    "--role", "viewer", NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(h_run_cli(argv, NULL, &out, &err), 0);
    free(out);
    free(err);
    struct srv s;
    assert_int_equal(h_srv_start(&s, db, NULL), 0);
    struct resp r;
    assert_int_equal(h_http(&s, "GET", "/", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_header(&r, "Content-Security-Policy", CSP);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 401); /* the data is not */
    h_resp_free(&r);
    const char *rebind[] = {"Host: evil.example", NULL};
    assert_int_equal(h_http(&s, "GET", "/", rebind, NULL, 0, &r), 0);
    assert_int_equal(r.status, 421);
    h_resp_free(&r);
    h_srv_stop(&s, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_web__every_asset_served_as_built),
        cmocka_unit_test(test_web__content_types),
        cmocka_unit_test(test_web__gzip_and_not_modified),
        cmocka_unit_test(test_web__page_references_resolve),
        cmocka_unit_test(test_web__budget),
        cmocka_unit_test(test_web__not_found),
        cmocka_unit_test(test_web__protected_server),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
