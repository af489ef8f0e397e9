/*
 * test_session.c - issue #8, dashboard sign-in, on the real server and CLI:
 * POST /session trades an API key for an ls_session cookie (HttpOnly,
 * SameSite=Strict, Secure behind HTTPS) stored only as a hash; the cookie
 * acts as its key wherever a key is accepted, a state-changing request it
 * authenticates must come from this origin, and it ends on sign-out, on the
 * key's revocation and on expiry. In open mode there is no sign-in.
 */
#define _DEFAULT_SOURCE
#include "ls_test.h"
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sha256.h"
#include "harness.h"
#include "sys/sys.h"

#define TOKEN_HEX 64
#define BOUND_MS  1500 /* a change in another process is seen within LS_KEYS_CACHE_MS */

static const char *const offline_env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};

/* ---- helpers ---------------------------------------------------------------------------- */

/* `leadscore keys create`: the key (owned); its id in *id (may be NULL). */
static char *key_new(const char *db, const char *ws, const char *role, long long *id)
{
    const char *argv[] = {"keys", "create", "--db", db, "--workspace", ws, "--role", role, NULL};
    char *out = NULL, *err = NULL;
    int st = h_run_cli(argv, offline_env, &out, &err);
    if (st != 0 || out == NULL || strlen(out) < 52) {
        print_error("keys create: %d %s %s\n", st, out ? out : "", err ? err : "");
        fail();
    }
    out[52] = '\0';
    const char *p = strstr(err, ": key ");
    assert_non_null(p);
    if (id)
        *id = strtoll(p + 6, NULL, 10);
    free(err);
    return out;
}

static void start(struct srv *s, const char *name, const char *const *extra)
{
    char db[600];
    const char *env[8] = {"LEADSCORE_AI_PROVIDER=offline"};
    size_t n = 1;
    for (size_t i = 0; extra && extra[i] && n < 7; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    h_path(db, sizeof(db), name);
    assert_int_equal(h_srv_start(s, db, env), 0);
}

/* A request with a cookie token (may be NULL), a bearer key (may be NULL) and more headers. */
static void req(const struct srv *s, const char *method, const char *path, const char *token,
                const char *key, const char *const *more, const char *body, struct resp *r)
{
    char cookie[160], auth[120];
    const char *h[16];
    size_t n = 0;
    if (token) {
        snprintf(cookie, sizeof(cookie), "Cookie: theme=dark; ls_session=%s; x=1", token);
        h[n++] = cookie;
    }
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h[n++] = auth;
    }
    bool typed = false;
    for (size_t i = 0; more && more[i] && n < 14; i++) {
        h[n++] = more[i];
        typed = typed || strncasecmp(more[i], "Content-Type:", 13) == 0;
    }
    if (body && !typed)
        h[n++] = "Content-Type: application/json";
    h[n] = NULL;
    assert_int_equal(h_http(s, method, path, h, body, body ? strlen(body) : 0, r), 0);
}

/* A request that must answer want; its JSON body (new reference) when it has one. */
static json_t *expect(const struct srv *s, const char *method, const char *path, const char *token,
                      const char *key, const char *const *more, const char *body, long want)
{
    struct resp r;
    req(s, method, path, token, key, more, body, &r);
    if (r.status != want) {
        print_error("%s %s: %ld, want %ld: %s\n", method, path, r.status, want, r.body);
        fail();
    }
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}

/* An error reply with status want and code; a 401 carries WWW-Authenticate. Its message (owned). */
static char *expect_error(const struct srv *s, const char *method, const char *path,
                          const char *token, const char *key, const char *const *more,
                          const char *body, long want, const char *code)
{
    struct resp r;
    req(s, method, path, token, key, more, body, &r);
    json_t *j = h_json(&r);
    char *www = h_header(&r, "WWW-Authenticate");
    char *cookie = h_header(&r, "Set-Cookie");
    if (r.status != want || j == NULL || strcmp(h_str(j, "code"), code) != 0 ||
        h_str(j, "error")[0] == '\0' || (want == 401 && www == NULL) || cookie != NULL) {
        print_error("%s %s: %ld %s, want %ld %s\n", method, path, r.status, r.body, want, code);
        fail();
    }
    char *msg = strdup(h_str(j, "error"));
    free(www);
    json_decref(j);
    h_resp_free(&r);
    return msg;
}

struct signin {
    char token[TOKEN_HEX + 1];
    char cookie[256]; /* the whole Set-Cookie value */
    json_t *body;     /* owned */
};

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

/* POST /session with key and more headers: must be 201 with a well-formed cookie. */
static void sign_in(const struct srv *s, const char *key, const char *const *more,
                    struct signin *out)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key);
    struct resp r;
    req(s, "POST", "/session", NULL, NULL, more, body, &r);
    char *sc = h_header(&r, "Set-Cookie");
    char *cc = h_header(&r, "Cache-Control");
    if (r.status != 201 || sc == NULL || strncmp(sc, "ls_session=", 11) != 0) {
        print_error("sign in: %ld %s (Set-Cookie: %s)\n", r.status, r.body, sc ? sc : "-");
        fail();
    }
    assert_non_null(cc);
    assert_string_equal(cc, "no-store");
    assert_true(strlen(sc) > 11 + TOKEN_HEX && sc[11 + TOKEN_HEX] == ';');
    assert_true(is_hex(sc + 11, TOKEN_HEX));
    memcpy(out->token, sc + 11, TOKEN_HEX);
    out->token[TOKEN_HEX] = '\0';
    snprintf(out->cookie, sizeof(out->cookie), "%s", sc);
    /* Neither the token nor the key is in the body. */
    assert_null(strstr(r.body, out->token));
    assert_null(strstr(r.body, key + 4));
    out->body = h_json(&r);
    assert_non_null(out->body);
    free(sc);
    free(cc);
    h_resp_free(&r);
}

/* The Set-Cookie value after the token: "; Path=/; ...". */
static const char *attrs(const struct signin *si)
{
    return si->cookie + 11 + TOKEN_HEX;
}

/* Polls GET /session with token until it answers 401; the message (owned), or fails. */
static char *until_refused(const struct srv *s, const char *token)
{
    for (int64_t end = ls_mono_ms() + BOUND_MS;; ls_sleep_ms(20)) {
        struct resp r;
        req(s, "GET", "/session", token, NULL, NULL, NULL, &r);
        if (r.status == 401) {
            json_t *j = h_json(&r);
            char *msg = strdup(h_str(j, "error"));
            json_decref(j);
            h_resp_free(&r);
            return msg;
        }
        assert_int_equal(r.status, 200);
        h_resp_free(&r);
        if (ls_mono_ms() > end)
            fail_msg("the session still worked after %d ms", BOUND_MS);
    }
}

static long long sql_count(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static void sql_run(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static void origin_of(const struct srv *s, char *out, size_t cap)
{
    snprintf(out, cap, "Origin: http://127.0.0.1:%d", s->port);
}

/* ---- tests ------------------------------------------------------------------------------ */

/*
 * Each role signs in: 201 with its role, workspace and expiry, and a cookie
 * GET /session then recognises; a key still works, and Authorization wins
 * over a cookie.
 */
static void test_session__sign_in_each_role(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "roles.db");
    static const char *const roles[] = {"viewer", "member", "admin"};
    char *keys[3];
    for (int i = 0; i < 3; i++)
        keys[i] = key_new(db, "sales", roles[i], NULL);
    struct srv s;
    start(&s, "roles.db", NULL);
    struct signin si[3];
    for (int i = 0; i < 3; i++) {
        sign_in(&s, keys[i], NULL, &si[i]);
        const json_t *b = si[i].body;
        assert_string_equal(h_str(b, "message"), "signed in");
        assert_string_equal(h_str(b, "role"), roles[i]);
        const json_t *ws = json_object_get(b, "workspace");
        assert_string_equal(h_str(ws, "name"), "sales");
        assert_true(json_integer_value(json_object_get(ws, "id")) > 1);
        const char *exp = h_str(b, "expires_at");
        assert_int_equal(strlen(exp), 24);
        assert_int_equal(exp[strlen(exp) - 1], 'Z');

        json_t *g = expect(&s, "GET", "/session", si[i].token, NULL, NULL, NULL, 200);
        assert_string_equal(h_str(g, "auth"), "session");
        assert_string_equal(h_str(g, "role"), roles[i]);
        assert_string_equal(h_str(g, "expires_at"), exp);
        assert_true(json_equal(json_object_get(g, "workspace"), ws));
        const json_t *k = json_object_get(g, "key");
        assert_int_equal(strncmp(h_str(k, "prefix"), keys[i], 12), 0);
        json_decref(g);

        g = expect(&s, "GET", "/session", NULL, keys[i], NULL, NULL, 200);
        assert_string_equal(h_str(g, "auth"), "key");
        assert_true(json_is_null(json_object_get(g, "expires_at")));
        json_decref(g);
    }
    /* Two sign-ins are two sessions. */
    assert_string_not_equal(si[0].token, si[1].token);
    /* Authorization wins: a viewer key with an admin cookie is a viewer. */
    json_t *g = expect(&s, "GET", "/session", si[2].token, keys[0], NULL, NULL, 200);
    assert_string_equal(h_str(g, "auth"), "key");
    assert_string_equal(h_str(g, "role"), "viewer");
    json_decref(g);
    /* ... and a wrong one is refused even with a good cookie. */
    free(expect_error(&s, "GET", "/session", si[2].token, "lsk_nope", NULL, NULL, 401,
                      "unauthorized"));
    /* No credentials at all. */
    free(expect_error(&s, "GET", "/session", NULL, NULL, NULL, NULL, 401, "unauthorized"));
    /* A cookie that is no session. */
    char bogus[TOKEN_HEX + 1];
    memset(bogus, 'a', TOKEN_HEX);
    bogus[TOKEN_HEX] = '\0';
    free(expect_error(&s, "GET", "/results", bogus, NULL, NULL, NULL, 401, "unauthorized"));
    free(expect_error(&s, "GET", "/results", "short", NULL, NULL, NULL, 401, "unauthorized"));
    for (int i = 0; i < 3; i++) {
        json_decref(si[i].body);
        free(keys[i]);
    }
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* The cookie's attributes; Secure by LEADSCORE_COOKIE_SECURE=1 or X-Forwarded-Proto: https. */
static void test_session__cookie_attributes(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "cookie.db");
    char *key = key_new(db, "sales", "member", NULL);
    struct srv s;
    start(&s, "cookie.db", NULL);
    struct signin si;
    sign_in(&s, key, NULL, &si);
    assert_string_equal(attrs(&si), "; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
    /* expires_at is the default 12 hours away. */
    int64_t now = ls_now_ms();
    char lo[32], hi[32];
    ls_format_time(now + 12 * 3600000LL - 60000, lo, sizeof(lo));
    ls_format_time(now + 12 * 3600000LL + 60000, hi, sizeof(hi));
    assert_true(strcmp(h_str(si.body, "expires_at"), lo) > 0);
    assert_true(strcmp(h_str(si.body, "expires_at"), hi) < 0);
    json_decref(si.body);
    const char *https[] = {"X-Forwarded-Proto: https", NULL};
    sign_in(&s, key, https, &si);
    assert_string_equal(attrs(&si), "; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure");
    json_decref(si.body);
    const char *http[] = {"X-Forwarded-Proto: http", NULL};
    sign_in(&s, key, http, &si);
    assert_null(strstr(attrs(&si), "Secure"));
    json_decref(si.body);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);

    const char *env[] = {"LEADSCORE_COOKIE_SECURE=1", "LEADSCORE_SESSION_HOURS=1", NULL};
    start(&s, "cookie.db", env);
    sign_in(&s, key, NULL, &si);
    assert_string_equal(attrs(&si), "; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
    json_decref(si.body);
    /* Signing out clears it with the same attributes. */
    char origin[64];
    origin_of(&s, origin, sizeof(origin));
    const char *o[] = {origin, NULL};
    struct resp r;
    req(&s, "DELETE", "/session", si.token, NULL, o, NULL, &r);
    assert_int_equal(r.status, 200);
    char *sc = h_header(&r, "Set-Cookie");
    assert_string_equal(sc, "ls_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
    free(sc);
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    free(key);
}

/* A bad setting stops the server at start, naming it. */
static void test_session__settings_checked_at_start(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "settings.db");
    static const char *const bad[] = {
        "LEADSCORE_SESSION_HOURS=0",  "LEADSCORE_SESSION_HOURS=8761", "LEADSCORE_SESSION_HOURS=12h",
        "LEADSCORE_SESSION_HOURS=-1", "LEADSCORE_COOKIE_SECURE=yes",  "LEADSCORE_COOKIE_SECURE=2",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *env[] = {bad[i], "LEADSCORE_AI_PROVIDER=offline", NULL};
        const char *argv[] = {"serve", "--port", "0", "--db", db, NULL};
        char *out = NULL, *err = NULL;
        int st = h_run_cli(argv, env, &out, &err);
        char name[40];
        snprintf(name, sizeof(name), "%.*s", (int)(strchr(bad[i], '=') - bad[i]), bad[i]);
        if (st == 0 || err == NULL || strstr(err, name) == NULL) {
            print_error("%s: exit %d, stderr %s\n", bad[i], st, err ? err : "");
            fail();
        }
        free(out);
        free(err);
    }
}

/* Wrong, malformed and revoked keys are 401; bodies without a string key are 400. */
static void test_session__bad_sign_ins(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "bad.db");
    long long id;
    char *admin = key_new(db, "sales", "admin", NULL);
    char *gone = key_new(db, "sales", "member", &id);
    struct srv s;
    start(&s, "bad.db", NULL);
    char path[32];
    snprintf(path, sizeof(path), "/keys/%lld", id);
    json_decref(expect(&s, "DELETE", path, NULL, admin, NULL, NULL, 200));

    char body[200], unknown[60];
    snprintf(unknown, sizeof(unknown), "lsk_%048d", 7);
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", unknown);
    char *m = expect_error(&s, "POST", "/session", NULL, NULL, NULL, body, 401, "unauthorized");
    assert_null(strstr(m, unknown + 4));
    free(m);
    m = expect_error(&s, "POST", "/session", NULL, NULL, NULL, "{\"key\":\"lsk_12345\"}", 401,
                     "unauthorized");
    assert_null(strstr(m, "lsk_12345"));
    free(m);
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", gone);
    m = expect_error(&s, "POST", "/session", NULL, NULL, NULL, body, 401, "unauthorized");
    assert_non_null(strstr(m, "revoked"));
    assert_null(strstr(m, gone + 4));
    free(m);

    static const struct {
        const char *body, *field;
    } shapes[] = {
        {"{}", "key"},           {"{\"key\":null}", "key"},
        {"{\"key\":52}", "key"}, {"{\"key\":[\"lsk_\"]}", "key"},
        {"[]", "key"},           {"{\"key\":\"lsk_x\",\"role\":\"admin\"}", "role"},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct resp r;
        req(&s, "POST", "/session", NULL, NULL, NULL, shapes[i].body, &r);
        json_t *j = h_json(&r);
        if (r.status != 400 || strcmp(h_str(j, "code"), "invalid") != 0 ||
            strcmp(h_str(json_object_get(j, "details"), "field"), shapes[i].field) != 0 ||
            strstr(h_str(j, "error"), shapes[i].field) == NULL) {
            print_error("%s: %ld %s\n", shapes[i].body, r.status, r.body);
            fail();
        }
        json_decref(j);
        h_resp_free(&r);
    }
    /* Not JSON: the parser's quote of the text near the fault would be the key. */
    snprintf(body, sizeof(body), "{\"key\":%s}", admin);
    m = expect_error(&s, "POST", "/session", NULL, NULL, NULL, body, 400, "parse_error");
    assert_null(strstr(m, admin + 4));
    free(m);
    const char *text[] = {"Content-Type: text/plain", NULL};
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", admin);
    free(expect_error(&s, "POST", "/session", NULL, NULL, text, body, 415,
                      "unsupported_media_type"));
    /* From a foreign page: refused before anything else. */
    const char *foreign[] = {"Origin: http://evil.example", NULL};
    free(expect_error(&s, "POST", "/session", NULL, NULL, foreign, body, 403, "forbidden_origin"));
    assert_int_equal(sql_count(db, "SELECT count(*) FROM sessions"), 0);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    char *log = h_srv_log(&s);
    assert_null(strstr(log, admin + 4));
    assert_null(strstr(log, gone + 4));
    free(log);
    free(admin);
    free(gone);
}

/* Waits for job id to finish, as key. */
static void wait_job(const struct srv *s, const char *key, long long id)
{
    char path[32];
    snprintf(path, sizeof(path), "/jobs/%lld", id);
    for (int64_t end = ls_mono_ms() + 30000;; ls_sleep_ms(20)) {
        json_t *j = expect(s, "GET", path, NULL, key, NULL, NULL, 200);
        bool done = strcmp(h_str(j, "status"), "succeeded") == 0;
        json_decref(j);
        if (done)
            return;
        if (ls_mono_ms() > end)
            fail_msg("job %lld did not finish", id);
    }
}

/*
 * The cookie authorises like its key: a viewer's reads, not its writes; a
 * member's writes only from this origin (Origin or Sec-Fetch-Site), never
 * without or from a foreign one. A bearer key keeps today's rules.
 */
static void test_session__cookie_authorises_by_role_and_origin(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "use.db");
    char *viewer = key_new(db, "sales", "viewer", NULL);
    char *member = key_new(db, "sales", "member", NULL);
    struct srv s;
    start(&s, "use.db", NULL);
    struct signin v, m;
    sign_in(&s, viewer, NULL, &v);
    sign_in(&s, member, NULL, &m);
    char origin[64];
    origin_of(&s, origin, sizeof(origin));
    const char *same[] = {origin, NULL};
    const char *fetch_same[] = {"Sec-Fetch-Site: same-origin", NULL};
    const char *fetch_cross[] = {"Sec-Fetch-Site: cross-site", NULL};
    const char *foreign[] = {"Origin: http://127.0.0.1:1", NULL};
    const char *csv_same[] = {origin, "Content-Type: text/csv", NULL};

    /* The member's cookie sets up data, from this origin. */
    json_decref(expect(&s, "POST", "/offers", m.token, NULL, same, h_example_offer(), 201));
    json_decref(expect(&s, "POST", "/uploads?filename=l.csv", m.token, NULL, csv_same,
                       "name,role,company,industry,location,linkedin_bio\n"
                       "Ada,VP of Sales,Acme,B2B SaaS,Berlin,Bio\n",
                       201));
    free(expect_error(&s, "POST", "/jobs", m.token, NULL, NULL, "{}", 403, "forbidden_origin"));
    free(expect_error(&s, "POST", "/jobs", m.token, NULL, foreign, "{}", 403, "forbidden_origin"));
    free(expect_error(&s, "POST", "/jobs", m.token, NULL, fetch_cross, "{}", 403,
                      "forbidden_origin"));
    json_t *j = expect(&s, "POST", "/jobs", m.token, NULL, same, "{}", 202);
    long long job = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    wait_job(&s, member, job);
    json_decref(expect(&s, "POST", "/jobs", m.token, NULL, fetch_same, "{}", 202));
    /* A bearer key needs no Origin, as before. */
    json_decref(expect(&s, "POST", "/jobs", NULL, member, NULL, "{}", 202));

    /* The viewer's cookie reads results, and may not start a job from anywhere. */
    json_decref(expect(&s, "GET", "/results", v.token, NULL, NULL, NULL, 200));
    json_decref(expect(&s, "GET", "/jobs", v.token, NULL, NULL, NULL, 200));
    free(expect_error(&s, "POST", "/jobs", v.token, NULL, same, "{}", 403, "forbidden"));
    free(expect_error(&s, "POST", "/jobs", v.token, NULL, NULL, "{}", 403, "forbidden"));
    /* No cookie: the reads need credentials. */
    free(expect_error(&s, "GET", "/results", NULL, NULL, NULL, NULL, 401, "unauthorized"));
    json_decref(v.body);
    json_decref(m.body);
    free(viewer);
    free(member);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Signing out ends the session for good; it is idempotent. */
static void test_session__sign_out(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "out.db");
    char *key = key_new(db, "sales", "viewer", NULL);
    struct srv s;
    start(&s, "out.db", NULL);
    struct signin a, b;
    sign_in(&s, key, NULL, &a);
    sign_in(&s, key, NULL, &b);
    json_decref(expect(&s, "GET", "/results", a.token, NULL, NULL, NULL, 409));
    /* A cookie-authenticated DELETE is held to the origin rule too. */
    free(
        expect_error(&s, "DELETE", "/session", a.token, NULL, NULL, NULL, 403, "forbidden_origin"));
    json_decref(expect(&s, "GET", "/session", a.token, NULL, NULL, NULL, 200));
    char origin[64];
    origin_of(&s, origin, sizeof(origin));
    const char *same[] = {origin, NULL};
    struct resp r;
    req(&s, "DELETE", "/session", a.token, NULL, same, NULL, &r);
    assert_int_equal(r.status, 200);
    char *sc = h_header(&r, "Set-Cookie");
    assert_string_equal(sc, "ls_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    free(sc);
    json_t *j = h_json(&r);
    assert_string_equal(h_str(j, "message"), "signed out");
    json_decref(j);
    h_resp_free(&r);
    /* At once, in this process. */
    free(expect_error(&s, "GET", "/session", a.token, NULL, NULL, NULL, 401, "unauthorized"));
    free(expect_error(&s, "GET", "/results", a.token, NULL, NULL, NULL, 401, "unauthorized"));
    /* The other session lives on. */
    json_decref(expect(&s, "GET", "/session", b.token, NULL, NULL, NULL, 200));
    /* Again, with the old cookie, with none, with a malformed one: 200. */
    json_decref(expect(&s, "DELETE", "/session", a.token, NULL, NULL, NULL, 200));
    json_decref(expect(&s, "DELETE", "/session", NULL, NULL, NULL, NULL, 200));
    json_decref(expect(&s, "DELETE", "/session", "zz", NULL, NULL, NULL, 200));
    assert_int_equal(sql_count(db, "SELECT count(*) FROM sessions"), 1);
    /* An expired cookie does not stand in the way of signing in again. */
    struct signin c;
    char body[128];
    snprintf(body, sizeof(body), "{\"key\":\"%s\"}", key);
    json_decref(expect(&s, "POST", "/session", a.token, NULL, NULL, body, 201));
    sign_in(&s, key, NULL, &c);
    json_decref(c.body);
    json_decref(a.body);
    json_decref(b.body);
    free(key);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* Revoking the key ends its sessions: at once over HTTP, within 1 s from the CLI. */
static void test_session__revoked_key_ends_sessions(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "revoke.db");
    char *admin = key_new(db, "sales", "admin", NULL);
    long long id1, id2;
    char *k1 = key_new(db, "sales", "member", &id1);
    char *k2 = key_new(db, "sales", "member", &id2);
    struct srv s;
    start(&s, "revoke.db", NULL);
    struct signin a, b;
    sign_in(&s, k1, NULL, &a);
    sign_in(&s, k2, NULL, &b);
    json_decref(expect(&s, "GET", "/session", a.token, NULL, NULL, NULL, 200));
    json_decref(expect(&s, "GET", "/session", b.token, NULL, NULL, NULL, 200));

    char path[32];
    snprintf(path, sizeof(path), "/keys/%lld", id1);
    json_decref(expect(&s, "DELETE", path, NULL, admin, NULL, NULL, 200));
    char *m = expect_error(&s, "GET", "/session", a.token, NULL, NULL, NULL, 401, "unauthorized");
    assert_non_null(strstr(m, "revoked"));
    free(m);

    char ids[32];
    snprintf(ids, sizeof(ids), "%lld", id2);
    const char *argv[] = {"keys", "revoke", "--db", db, ids, NULL};
    assert_int_equal(h_run_cli(argv, offline_env, NULL, NULL), 0);
    int64_t t0 = ls_mono_ms();
    m = until_refused(&s, b.token);
    assert_true(ls_mono_ms() - t0 <= BOUND_MS);
    assert_non_null(strstr(m, "revoked"));
    free(m);
    json_decref(a.body);
    json_decref(b.body);
    free(admin);
    free(k1);
    free(k2);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* An expired session is refused and removed. */
static void test_session__expired_is_refused_and_removed(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "expiry.db");
    char *key = key_new(db, "sales", "viewer", NULL);
    struct srv s;
    start(&s, "expiry.db", NULL);
    struct signin a, b;
    sign_in(&s, key, NULL, &a);
    sign_in(&s, key, NULL, &b);
    json_decref(expect(&s, "GET", "/session", a.token, NULL, NULL, NULL, 200));
    /* Session a ended a second ago (as if LEADSCORE_SESSION_HOURS had passed). */
    unsigned char hash[LS_SHA256_LEN];
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, a.token, TOKEN_HEX);
    ls_sha256_final(&c, hash);
    char hex[2 * LS_SHA256_LEN + 1], sql[300];
    for (int i = 0; i < LS_SHA256_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02X", hash[i]);
    snprintf(sql, sizeof(sql), "UPDATE sessions SET expires_ms = %lld WHERE hash = x'%s'",
             (long long)(ls_now_ms() - 1000), hex);
    sql_run(db, sql);
    char *m = until_refused(&s, a.token);
    assert_non_null(strstr(m, "expired"));
    free(m);
    free(expect_error(&s, "GET", "/results", a.token, NULL, NULL, NULL, 401, "unauthorized"));
    /* Removed on the way; the other one stays. */
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM sessions WHERE hash = x'%s'", hex);
    assert_int_equal(sql_count(db, sql), 0);
    json_decref(expect(&s, "GET", "/session", b.token, NULL, NULL, NULL, 200));
    assert_int_equal(sql_count(db, "SELECT count(*) FROM sessions"), 1);
    json_decref(a.body);
    json_decref(b.body);
    free(key);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* True when any 16 consecutive characters of token occur in the file (absent: none). */
static bool file_holds(const char *path, const char *token)
{
    size_t n = 0;
    char *p = h_read_file(path, &n);
    bool found = false;
    for (size_t i = 0; p && !found && i + 16 <= strlen(token); i++) {
        for (size_t j = 0; !found && j + 16 <= n; j++)
            found = memcmp(p + j, token + i, 16) == 0;
    }
    free(p);
    return found;
}

/* The store keeps the token's SHA-256, never the token; the log never has it either. */
static void test_session__stored_only_as_hash(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "hash.db");
    char *key = key_new(db, "sales", "member", NULL);
    struct srv s;
    start(&s, "hash.db", NULL);
    struct signin a;
    sign_in(&s, key, NULL, &a);
    json_decref(expect(&s, "GET", "/session", a.token, NULL, NULL, NULL, 200));
    unsigned char hash[LS_SHA256_LEN];
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, a.token, TOKEN_HEX);
    ls_sha256_final(&c, hash);
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT * FROM sessions", -1, &st, NULL), SQLITE_OK);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            const unsigned char *v = sqlite3_column_blob(st, i);
            int len = sqlite3_column_bytes(st, i);
            if (strcmp(name, "hash") == 0) {
                assert_int_equal(len, LS_SHA256_LEN);
                assert_memory_equal(v, hash, LS_SHA256_LEN);
            }
            for (int k = 0; v && k + 16 <= len; k++)
                assert_true(memcmp(v + k, a.token, 16) != 0);
        }
    }
    assert_int_equal(rows, 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[640];
        snprintf(p, sizeof(p), "%s%s", db, suffixes[i]);
        if (file_holds(p, a.token))
            fail_msg("%s holds the token", p);
    }
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    assert_false(file_holds(s.log, a.token));
    assert_false(file_holds(s.log, key + 4));
    json_decref(a.body);
    free(key);
}

/* Open mode: nothing to sign in to, and GET /session says so. */
static void test_session__open_mode(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "open.db", NULL);
    struct resp r;
    req(&s, "POST", "/session", NULL, NULL, NULL,
        "{\"key\":\"lsk_000000000000000000000000000000000000000000000000\"}", &r);
    assert_int_equal(r.status, 409);
    assert_null(h_header(&r, "Set-Cookie"));
    json_t *j = h_json(&r);
    json_t *want =
        json_pack("{s:s, s:s}", "error", "this server is open (no API keys); no sign-in is needed",
                  "code", "open_mode");
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    h_resp_free(&r);
    j = expect(&s, "GET", "/session", NULL, NULL, NULL, NULL, 200);
    want = json_pack("{s:s, s:s, s:{s:i, s:s}, s:n, s:n}", "auth", "open", "role", "admin",
                     "workspace", "id", 1, "name", "default", "expires_at", "key");
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    /* A cookie changes nothing in open mode. */
    j = expect(&s, "GET", "/session", "0123", NULL, NULL, NULL, 200);
    assert_string_equal(h_str(j, "auth"), "open");
    json_decref(j);
    json_decref(expect(&s, "DELETE", "/session", NULL, NULL, NULL, NULL, 200));
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/*
 * Cookies are not isolated by port: a page on another port of this host can
 * plant its own ls_session (longer path first). A junk one must not lock the
 * user out; another workspace's good one must not be acted in.
 */
static void test_session__planted_cookies(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "planted.db");
    char *mine = key_new(db, "sales", "viewer", NULL);
    char *theirs = key_new(db, "attacker", "member", NULL);
    struct srv s;
    start(&s, "planted.db", NULL);
    struct signin a, b;
    sign_in(&s, mine, NULL, &a);
    sign_in(&s, theirs, NULL, &b);
    char junk_first[200], two_good[200], same_twice[200];
    snprintf(junk_first, sizeof(junk_first), "Cookie: ls_session=zz; ls_session=%s", a.token);
    snprintf(two_good, sizeof(two_good), "Cookie: ls_session=%s; ls_session=%s", b.token, a.token);
    snprintf(same_twice, sizeof(same_twice), "Cookie: ls_session=%s", a.token);
    const char *junk[] = {junk_first, NULL};
    json_t *j = expect(&s, "GET", "/session", NULL, NULL, junk, NULL, 200);
    assert_string_equal(h_str(json_object_get(j, "workspace"), "name"), "sales");
    json_decref(j);
    const char *good2[] = {two_good, NULL};
    char *msg = expect_error(&s, "GET", "/session", NULL, NULL, good2, NULL, 401, "unauthorized");
    assert_non_null(strstr(msg, "two different ls_session cookies"));
    free(msg);
    /* The same session sent twice (in two Cookie fields) is one session. */
    const char *twice[] = {same_twice, same_twice, NULL};
    j = expect(&s, "GET", "/session", NULL, NULL, twice, NULL, 200);
    assert_string_equal(h_str(json_object_get(j, "workspace"), "name"), "sales");
    json_decref(j);
    json_decref(a.body);
    json_decref(b.body);
    free(mine);
    free(theirs);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

int main(void)
{
    setenv("LS_HTTP_TIMEOUT_S", "60", 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session__sign_in_each_role),
        cmocka_unit_test(test_session__cookie_attributes),
        cmocka_unit_test(test_session__settings_checked_at_start),
        cmocka_unit_test(test_session__bad_sign_ins),
        cmocka_unit_test(test_session__cookie_authorises_by_role_and_origin),
        cmocka_unit_test(test_session__sign_out),
        cmocka_unit_test(test_session__revoked_key_ends_sessions),
        cmocka_unit_test(test_session__expired_is_refused_and_removed),
        cmocka_unit_test(test_session__stored_only_as_hash),
        cmocka_unit_test(test_session__open_mode),
        cmocka_unit_test(test_session__planted_cookies),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
