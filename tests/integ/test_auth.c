/*
 * test_auth.c - issue #7, "Access: API keys, workspaces, roles", on the real
 * server and CLI: keys are random, shown once and stored as hashes; one
 * workspace's data is invisible to another (404, never 403); roles gate every
 * route; a server runs open only with no key on loopback; the Origin, Host and
 * CORS rules hold in every mode; no secret reaches a log or a reply.
 */
#define _DEFAULT_SOURCE
#include "ls_test.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth/keys.h"
#include "core/sha256.h"
#include "harness.h"
#include "store/store.h"
#include "sys/sys.h"

#define BOUND_MS  15000 /* a server starts or stops, a command ends, within this */
#define KEY_CHARS 52    /* "lsk_" and 48 hex digits */
#define NO_ID     "999999"

/* ---- small helpers -------------------------------------------------------------------- */

/* execv takes char *const[] but never writes: drop const the one sanctioned way. */
static char *unconst(const char *s)
{
    return (char *)(uintptr_t)s;
}

/* True when needle[0..m) occurs in hay[0..n). */
static bool has_bytes(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m && i + m <= n; i++) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return true;
    }
    return false;
}

static bool has(const char *hay, const char *needle)
{
    return hay && has_bytes(hay, strlen(hay), needle, strlen(needle));
}

/*
 * True when text holds something key-shaped: "lsk_" and more hex digits than
 * the 8 a listed prefix shows.
 */
static bool key_shaped(const char *text, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (memcmp(text + i, "lsk_", 4) != 0)
            continue;
        size_t h = 0;
        while (i + 4 + h < n && strchr("0123456789abcdefABCDEF", text[i + 4 + h]) &&
               text[i + 4 + h])
            h++;
        if (h > 8)
            return true;
    }
    return false;
}

/*
 * True when any 16 consecutive characters of key occur in text. Listings
 * may show a key's 12-character prefix, never more.
 */
static bool leaks(const char *text, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i + 16 <= kl; i++) {
        if (has_bytes(text, n, key + i, 16))
            return true;
    }
    return false;
}

/* True when s is "lsk_" and 48 lowercase hex digits, then the end (or "\n" and the end). */
static bool is_key(const char *s, bool newline)
{
    if (s == NULL || strncmp(s, "lsk_", 4) != 0)
        return false;
    for (int i = 4; i < KEY_CHARS; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return strcmp(s + KEY_CHARS, newline ? "\n" : "") == 0;
}

/* "Alpha 0", "Alpha 1"...: n leads whose names all start with prefix (owned). */
static char *leads_csv(const char *prefix, int n)
{
    size_t cap = 100 + (size_t)n * 120;
    char *csv = malloc(cap);
    size_t w = (size_t)snprintf(csv, cap, "name,role,company,industry,location,linkedin_bio\n");
    for (int i = 0; i < n; i++)
        w += (size_t)snprintf(csv + w, cap - w, "%s %d,VP of Sales,%s Co %d,B2B SaaS,Berlin,Bio\n",
                              prefix, i, prefix, i);
    return csv;
}

/* ---- the transcript: every reply the tests saw, except a key's creation reply ------------ */

static pthread_mutex_t seen_mu = PTHREAD_MUTEX_INITIALIZER;
static char *seen;
static size_t seen_len;

static void seen_add(const struct resp *r)
{
    if (r->status == 201 && r->body && strstr(r->body, "store this key now"))
        return; /* the creation reply, the one place a key is shown */
    const char *parts[] = {r->headers ? r->headers : "", r->body ? r->body : ""};
    size_t lens[] = {strlen(parts[0]), r->len};
    pthread_mutex_lock(&seen_mu);
    for (int i = 0; i < 2; i++) {
        seen = realloc(seen, seen_len + lens[i] + 2);
        memcpy(seen + seen_len, parts[i], lens[i]);
        seen_len += lens[i];
        seen[seen_len++] = '\n';
        seen[seen_len] = '\0';
    }
    pthread_mutex_unlock(&seen_mu);
}

/* ---- processes: servers and commands, every wait bounded ---------------------------------- */

/* The servers this binary started and has not stopped (killed by the per-test teardown). */
static pid_t live[8];

static void live_set(pid_t old, pid_t now)
{
    for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
        if (live[i] == old) {
            live[i] = now;
            return;
        }
    }
}

static void bin_path(char *out, size_t cap)
{
    const char *b = getenv("LEADSCORE_BIN");
    char cwd[700];
    if (b == NULL || *b == '\0')
        b = "build/asan/leadscore";
    if (b[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
        snprintf(out, cap, "%s/%s", cwd, b);
    else
        snprintf(out, cap, "%s", b);
}

/*
 * In a forked child: runs leadscore with argv in the temporary directory (no
 * ./.env), with the offline judge and none of the settings under test unless
 * env ("KEY=value", NULL-terminated) gives them. Never returns.
 */
static void exec_leadscore(const char *bin, const char *const *argv, const char *const *env,
                           const char *out, const char *err)
{
    static const char *const cleared[] = {"GEMINI_API_KEY",
                                          "OPENAI_API_KEY",
                                          "OPENAI_BASE_URL",
                                          "LEADSCORE_HOST",
                                          "LEADSCORE_PORT",
                                          "LEADSCORE_DB",
                                          "LEADSCORE_CORS_ORIGINS",
                                          "LEADSCORE_ALLOWED_HOSTS",
                                          "LEADSCORE_METRICS_PUBLIC",
                                          "LEADSCORE_LOG_LEVEL",
                                          NULL};
    for (size_t i = 0; cleared[i]; i++)
        unsetenv(cleared[i]);
    setenv("LEADSCORE_AI_PROVIDER", "offline", 1);
    for (size_t i = 0; env && env[i]; i++) {
        char kv[1024];
        snprintf(kv, sizeof(kv), "%s", env[i]);
        char *eq = strchr(kv, '=');
        if (eq) {
            *eq = '\0';
            setenv(kv, eq + 1, 1);
        }
    }
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = strcmp(out, err) == 0 ? fo : open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    if (chdir(h_tmpdir()) != 0)
        _exit(126);
    char *args[40];
    size_t n = 0;
    args[n++] = unconst(bin);
    for (size_t i = 0; argv[i] && n < 39; i++)
        args[n++] = unconst(argv[i]);
    args[n] = NULL;
    execv(bin, args);
    _exit(127);
}

/* The exit status of pid (128 + signal) once it ends within ms, or -1. */
static int wait_exit(pid_t pid, int ms)
{
    int64_t end = ls_mono_ms() + ms;
    do {
        int st = 0;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (ms)
            ls_sleep_ms(10);
    } while (ls_mono_ms() < end);
    return -1;
}

/*
 * `leadscore serve --host host --port 0 --db db args...`. Returns 0 once it
 * logs that it listens (s is filled), or the exit status of a server that
 * ended by itself (-1: neither within BOUND_MS; it is killed). env as for
 * exec_leadscore.
 */
static int serve(struct srv *s, const char *host, const char *db, const char *const *args,
                 const char *const *env)
{
    static int seq;
    memset(s, 0, sizeof(*s));
    snprintf(s->db, sizeof(s->db), "%s", db);
    snprintf(s->log, sizeof(s->log), "%s/auth-server-%d.log", h_tmpdir(), ++seq);
    const char *argv[32] = {"serve", "--host", host, "--port", "0", "--db", db};
    size_t n = 7;
    for (size_t i = 0; args && args[i] && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char bin[1024];
    bin_path(bin, sizeof(bin));
    pid_t pid = fork();
    if (pid == 0)
        exec_leadscore(bin, argv, env, s->log, s->log);
    live_set(0, pid);
    for (int64_t end = ls_mono_ms() + BOUND_MS; ls_mono_ms() < end; ls_sleep_ms(20)) {
        char *log = h_read_file(s->log, NULL);
        const char *p = log ? strstr(log, "event=server.listening") : NULL;
        p = p ? strstr(p, " port=") : NULL;
        if (p) {
            s->port = (int)strtol(p + 6, NULL, 10);
            s->pid = pid;
            free(log);
            return 0;
        }
        free(log);
        int st = wait_exit(pid, 0);
        if (st >= 0) {
            live_set(pid, 0);
            return st ? st : -2;
        }
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    live_set(pid, 0);
    return -1;
}

/* A loopback server on a database called name in the temporary directory. */
static void start(struct srv *s, const char *name, const char *const *args, const char *const *env)
{
    char db[600];
    h_path(db, sizeof(db), name);
    int rc = serve(s, "127.0.0.1", db, args, env);
    if (rc != 0) {
        char *log = h_srv_log(s);
        print_error("server on %s did not start (%d):\n%s\n", name, rc, log ? log : "");
        free(log);
        fail();
    }
}

/* SIGTERM, and the server must exit 0 within BOUND_MS. */
static void stop(struct srv *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    int st = wait_exit(s->pid, BOUND_MS);
    if (st < 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    live_set(s->pid, 0);
    s->pid = 0;
    assert_int_equal(st, 0);
    size_t n = 0;
    char *log = h_read_file(s->log, &n);
    bool bad = log && key_shaped(log, n);
    free(log);
    if (bad)
        fail_msg("the server log %s holds a key", s->log);
}

/* Per-test teardown: a test that failed half-way leaves no server behind. */
static int kill_leftovers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
        if (live[i] > 0) {
            kill(live[i], SIGKILL);
            waitpid(live[i], NULL, 0);
            live[i] = 0;
        }
    }
    return 0;
}

/* `leadscore argv...` within BOUND_MS; stdout and stderr in *out, *err (owned; may be NULL). */
static int cli(const char *const *argv, char **out, char **err)
{
    static int seq;
    char op[600], ep[600], bin[1024];
    snprintf(op, sizeof(op), "%s/auth-cli-%d.out", h_tmpdir(), ++seq);
    snprintf(ep, sizeof(ep), "%s/auth-cli-%d.err", h_tmpdir(), seq);
    bin_path(bin, sizeof(bin));
    pid_t pid = fork();
    if (pid == 0)
        exec_leadscore(bin, argv, NULL, op, ep);
    int st = wait_exit(pid, BOUND_MS);
    if (st < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("leadscore %s %s did not finish", argv[0], argv[1] ? argv[1] : "");
    }
    char *o = h_read_file(op, NULL), *e = h_read_file(ep, NULL);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return st;
}

/* `leadscore keys create --db db --workspace ws --role role`: the key (owned), its id in *id. */
static char *key_new(const char *db, const char *ws, const char *role, int64_t *id)
{
    const char *argv[] = {"keys", "create", "--db", db, "--workspace", ws, "--role", role, NULL};
    char *out, *err;
    int st = cli(argv, &out, &err);
    if (st != 0 || !is_key(out, true)) {
        print_error("keys create: exit %d, stdout %.60s, stderr %s\n", st, out, err);
        fail();
    }
    out[KEY_CHARS] = '\0';
    const char *p = strstr(err, ": key ");
    assert_non_null(p);
    if (id)
        *id = strtoll(p + 6, NULL, 10);
    free(err);
    return out;
}

/* `leadscore keys revoke --db db id`: its exit status. */
static int key_revoke_cli(const char *db, int64_t id)
{
    char ids[32];
    snprintf(ids, sizeof(ids), "%lld", (long long)id);
    const char *argv[] = {"keys", "revoke", "--db", db, ids, NULL};
    return cli(argv, NULL, NULL);
}

/* ---- HTTP ------------------------------------------------------------------------------- */

/*
 * One request as key (NULL: no Authorization) with more headers (may be
 * NULL). A body goes as application/json unless hdrs name a Content-Type
 * ("Content-Type:" alone sends none). No cmocka asserts: threads use it.
 * Returns h_http's result; the reply joins the transcript.
 */
static int try_req(const struct srv *s, const char *key, const char *method, const char *path,
                   const char *const *hdrs, const char *body, struct resp *r)
{
    const char *h[24];
    size_t n = 0;
    bool typed = false;
    char auth[160];
    for (size_t i = 0; hdrs && hdrs[i] && n < 20; i++) {
        h[n++] = hdrs[i];
        typed = typed || strncasecmp(hdrs[i], "Content-Type:", 13) == 0;
    }
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h[n++] = auth;
    }
    if (body && !typed)
        h[n++] = "Content-Type: application/json";
    h[n] = NULL;
    int rc = h_http(s, method, path, h, body, body ? strlen(body) : 0, r);
    if (rc == 0)
        seen_add(r);
    return rc;
}

static void send_req(const struct srv *s, const char *key, const char *method, const char *path,
                     const char *const *hdrs, const char *body, struct resp *r)
{
    if (try_req(s, key, method, path, hdrs, body, r) != 0)
        fail_msg("%s %s: no reply", method, path);
}

/* A request that must answer want: its JSON body (new reference; NULL when not JSON). */
static json_t *expect(const struct srv *s, const char *key, const char *method, const char *path,
                      const char *json, long want)
{
    struct resp r;
    send_req(s, key, method, path, NULL, json, &r);
    if (r.status != want) {
        print_error("%s %s as %.12s: %ld, want %ld: %s\n", method, path, key ? key : "no key",
                    r.status, want, r.body);
        fail();
    }
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}

static void check(const struct srv *s, const char *key, const char *method, const char *path,
                  const char *json, long want)
{
    json_decref(expect(s, key, method, path, json, want));
}

/*
 * A request with headers hdrs that must fail with want and the JSON error
 * body {"error", "code": code}; a 401 must carry WWW-Authenticate: Bearer.
 */
static void expect_error(const struct srv *s, const char *key, const char *method, const char *path,
                         const char *const *hdrs, const char *body, long want, const char *code)
{
    struct resp r;
    send_req(s, key, method, path, hdrs, body, &r);
    json_t *j = h_json(&r);
    char *ctype = h_header(&r, "Content-Type");
    char *www = h_header(&r, "WWW-Authenticate");
    if (r.status != want || j == NULL || strcmp(h_str(j, "code"), code) != 0 ||
        h_str(j, "error")[0] == '\0' || ctype == NULL || !has(ctype, "application/json") ||
        (want == 401 && (www == NULL || strncmp(www, "Bearer ", 7) != 0))) {
        print_error("%s %s (%s): %ld %s (WWW-Authenticate: %s), want %ld %s\n", method, path,
                    hdrs && hdrs[0] ? hdrs[0] : "", r.status, r.body, www ? www : "-", want, code);
        fail();
    }
    free(ctype);
    free(www);
    json_decref(j);
    h_resp_free(&r);
}

/* A multipart upload of file as key (what `curl -F file=@...` sends). No asserts. */
static int post_file(const struct srv *s, const char *key, const char *path, const char *file,
                     struct resp *out)
{
    char url[512], auth[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    memset(out, 0, sizeof(*out));
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filedata(part, file);
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        hl = curl_slist_append(hl, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    FILE *body = open_memstream(&out->body, &out->len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    CURLcode rc = curl_easy_perform(c);
    fclose(body);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hl);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK)
        seen_add(out);
    return rc == CURLE_OK ? 0 : -1;
}

/* POST /uploads of a CSV text as key (Content-Type: text/csv); the upload's id. */
static int64_t upload(const struct srv *s, const char *key, const char *csv)
{
    const char *h[] = {"Content-Type: text/csv", NULL};
    struct resp r;
    send_req(s, key, "POST", "/uploads?filename=leads.csv", h, csv, &r);
    if (r.status != 201) {
        print_error("upload: %ld %s\n", r.status, r.body);
        fail();
    }
    json_t *j = h_json(&r);
    int64_t id = h_num(j, "upload_id");
    json_decref(j);
    h_resp_free(&r);
    return id;
}

/* Offer, upload and POST /score as key: fills ids (offer, upload, job). */
static void make_data(const struct srv *s, const char *key, const char *prefix, int64_t ids[3])
{
    json_t *j = expect(s, key, "POST", "/offers", h_example_offer(), 201);
    ids[0] = h_num(j, "offer_id");
    json_decref(j);
    char *csv = leads_csv(prefix, 3);
    ids[1] = upload(s, key, csv);
    free(csv);
    j = expect(s, key, "POST", "/score", NULL, 200);
    ids[2] = h_num(j, "job_id");
    assert_int_equal(h_num(j, "scored"), 3);
    json_decref(j);
}

/*
 * Raw bytes to the server; everything it answers until it closes (owned),
 * its status in *status. The request should say Connection: close.
 */
static char *raw(const struct srv *s, const char *text, long *status)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    size_t cap = 8192, n = 0;
    char *out = malloc(cap + 1);
    ssize_t got;
    while ((got = read(fd, out + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap)
            out = realloc(out, (cap *= 2) + 1);
    }
    out[n] = '\0';
    close(fd);
    *status = strncmp(out, "HTTP/1.1 ", 9) == 0 ? strtol(out + 9, NULL, 10) : 0;
    return out;
}

/* ---- the route table, as /openapi.json documents it ---------------------------------------- */

struct route {
    char method[8];
    char path[96]; /* {id} replaced by an id that exists nowhere */
    int least;     /* 0 public, 1 viewer, 2 member, 3 admin */
};

/*
 * Every documented route with the least role issue #7 gives it: GET/HEAD
 * reads (viewer), every other method writes (member), /keys is for admins,
 * /healthz and /openapi.json are public.
 */
static size_t routes_documented(const struct srv *s, struct route *out, size_t cap)
{
    json_t *doc = expect(s, NULL, "GET", "/openapi.json", NULL, 200);
    const char *pattern;
    json_t *ops;
    size_t n = 0;
    json_object_foreach(json_object_get(doc, "paths"), pattern, ops)
    {
        const char *method;
        json_t *op;
        json_object_foreach(ops, method, op)
        {
            (void)op;
            if (strcmp(method, "get") != 0 && strcmp(method, "post") != 0 &&
                strcmp(method, "delete") != 0 && strcmp(method, "put") != 0 &&
                strcmp(method, "patch") != 0)
                continue; /* "parameters" and the like */
            assert_true(n < cap);
            struct route *r = &out[n++];
            memset(r, 0, sizeof(*r));
            for (size_t i = 0; i < sizeof(r->method) - 1 && method[i]; i++)
                r->method[i] = (char)(method[i] & ~0x20); /* "get" -> "GET" */
            size_t w = 0;
            for (const char *p = pattern; *p && w < sizeof(r->path) - 8;) {
                if (*p == '{') {
                    w += (size_t)snprintf(r->path + w, sizeof(r->path) - w, "%s", NO_ID);
                    p = strchr(p, '}') + 1;
                } else {
                    r->path[w++] = *p++;
                }
            }
            r->path[w] = '\0';
            bool read = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
            /* Signing in and out and the dashboard's files (issue #8) need no key; GET
             * /session is a read. */
            bool sign = strcmp(pattern, "/session") == 0 && !read;
            bool web = strcmp(pattern, "/") == 0 || strncmp(pattern, "/assets/", 8) == 0;
            r->least = strcmp(pattern, "/healthz") == 0 || strcmp(pattern, "/openapi.json") == 0 ||
                               sign || web
                           ? 0
                       : strncmp(pattern, "/keys", 5) == 0 ? 3
                       : read                              ? 1
                                                           : 2;
        }
    }
    json_decref(doc);
    return n;
}

/* Every documented route but /healthz, /openapi.json and the dashboard's files answers 401
 * without a key. */
static void all_routes_need_a_key(const struct srv *s)
{
    struct route rt[64];
    size_t n = routes_documented(s, rt, 64);
    assert_true(n >= 28);
    for (size_t i = 0; i < n; i++) {
        struct resp r;
        send_req(s, NULL, rt[i].method, rt[i].path, NULL, NULL, &r);
        if ((rt[i].least == 0) != (r.status != 401)) {
            print_error("%s %s without a key: %ld\n", rt[i].method, rt[i].path, r.status);
            fail();
        }
        h_resp_free(&r);
    }
}

/* ---- 1. protected mode --------------------------------------------------------------------- */

/*
 * No key and a loopback bind: the server runs open in the default workspace,
 * says so in one `event=auth.mode mode=open` line, and the README's
 * walk-through works exactly as written, without a key. A key that is sent
 * is checked even so.
 */
static void test_auth__open_on_loopback_without_keys(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "open.db", NULL, NULL);
    char *log = h_srv_log(&s);
    const char *line = strstr(log, "event=auth.mode");
    assert_non_null(line);
    assert_null(strstr(line + 1, "event=auth.mode"));
    assert_true(strncmp(line, "event=auth.mode mode=open", 25) == 0);
    free(log);

    /* The walk-through, byte for byte what its curl commands send. */
    struct resp r;
    char offer[600], leads[600];
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    snprintf(leads, sizeof(leads), "%s/examples/leads.csv", h_repo());
    char *offer_json = h_read_file(offer, NULL);
    assert_int_equal(h_post_json(&s, "/offer", offer_json, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    free(offer_json);
    assert_int_equal(h_upload(&s, "/leads/upload", leads, NULL, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "POST", "/score", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"scored\":4"));
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Ava Patel"));
    h_resp_free(&r);
    assert_int_equal(h_http(&s, "GET", "/results/export", NULL, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "Ava Patel"));
    h_resp_free(&r);
    json_t *j = expect(&s, NULL, "GET", "/healthz", NULL, 200);
    assert_string_equal(h_str(j, "auth"), "open");
    json_decref(j);

    /* Open, yet a key that is sent is checked: an unknown one is refused. */
    const char *wrong = "lsk_000000000000000000000000000000000000000000000000";
    expect_error(&s, wrong, "GET", "/results", NULL, NULL, 401, "unauthorized");
    expect_error(&s, wrong, "GET", "/healthz", NULL, NULL, 401, "unauthorized");
    stop(&s);
}

/*
 * No key and --host 0.0.0.0: the server refuses to start (exit 2) and says
 * how to create a key; with --no-auth it starts, open. Once a key exists,
 * even --no-auth requires it.
 */
static void test_auth__refuses_open_off_loopback(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "wide.db");
    struct srv s;
    assert_int_equal(serve(&s, "0.0.0.0", db, NULL, NULL), 2);
    char *log = h_srv_log(&s);
    assert_non_null(strstr(log, "leadscore keys create"));
    assert_non_null(strstr(log, "--no-auth"));
    assert_null(strstr(log, "event=server.listening"));
    free(log);

    const char *no_auth[] = {"--no-auth", NULL};
    assert_int_equal(serve(&s, "0.0.0.0", db, no_auth, NULL), 0);
    log = h_srv_log(&s);
    assert_non_null(strstr(log, "event=auth.mode mode=open"));
    free(log);
    check(&s, NULL, "GET", "/offers", NULL, 200);
    stop(&s);

    char *key = key_new(db, "default", "admin", NULL);
    assert_int_equal(serve(&s, "0.0.0.0", db, no_auth, NULL), 0);
    log = h_srv_log(&s);
    assert_non_null(strstr(log, "event=auth.mode mode=keys"));
    free(log);
    all_routes_need_a_key(&s);
    check(&s, key, "GET", "/offers", NULL, 200);
    stop(&s);
    free(key);
}

/*
 * A key created by the CLI while an open server runs protects it within
 * about a second: then every documented route but /healthz and
 * /openapi.json answers 401 without a key.
 */
static void test_auth__cli_key_protects_running_server(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "cli-protects.db", NULL, NULL);
    check(&s, NULL, "GET", "/offers", NULL, 200);
    int64_t t0 = ls_mono_ms();
    char *key = key_new(s.db, "default", "admin", NULL);
    int64_t created = ls_mono_ms();
    long status = 200;
    while (status == 200 && ls_mono_ms() - created < 1500) {
        struct resp r;
        send_req(&s, NULL, "GET", "/offers", NULL, NULL, &r);
        status = r.status;
        h_resp_free(&r);
        if (status == 200)
            ls_sleep_ms(20);
    }
    if (status != 401)
        fail_msg("still open %lld ms after the key was created (%lld ms to create it)",
                 (long long)(ls_mono_ms() - created), (long long)(created - t0));
    all_routes_need_a_key(&s);
    check(&s, key, "GET", "/offers", NULL, 200);
    stop(&s);
    free(key);
}

/*
 * POST /keys in open mode creates the first key (in the default workspace,
 * which keeps what was made while open) and ends open mode at once.
 */
static void test_auth__http_key_protects_at_once(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "http-protects.db", NULL, NULL);
    check(&s, NULL, "POST", "/offers", h_example_offer(), 201);
    struct resp r;
    send_req(&s, NULL, "POST", "/keys", NULL, "{\"role\":\"admin\",\"name\":\"first\"}", &r);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    char *key = strdup(h_str(j, "key"));
    json_decref(j);
    h_resp_free(&r);
    assert_true(is_key(key, false));
    all_routes_need_a_key(&s);
    j = expect(&s, key, "GET", "/offers", NULL, 200);
    assert_int_equal(h_num(j, "total"), 1);
    json_decref(j);
    j = expect(&s, key, "GET", "/keys", NULL, 200);
    assert_string_equal(h_str(json_array_get(json_object_get(j, "items"), 0), "workspace"),
                        "default");
    json_decref(j);
    j = expect(&s, NULL, "GET", "/healthz", NULL, 200);
    assert_string_equal(h_str(j, "auth"), "keys");
    json_decref(j);
    stop(&s);
    free(key);
}

/*
 * Protected mode is never left: revoking the last key (over HTTP, or with the
 * CLI before a start) does not make the server open again, where anyone on
 * the machine could mint a new admin key through POST /keys.
 */
static void test_auth__revoking_every_key_stays_protected(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "stays-protected.db", NULL, NULL);
    struct resp r;
    send_req(&s, NULL, "POST", "/keys", NULL, "{\"role\":\"admin\"}", &r);
    assert_int_equal(r.status, 201);
    json_t *j = h_json(&r);
    char *key = strdup(h_str(j, "key"));
    char path[64];
    snprintf(path, sizeof(path), "/keys/%lld", (long long)h_num(j, "id"));
    json_decref(j);
    h_resp_free(&r);
    check(&s, key, "DELETE", path, NULL, 200);
    all_routes_need_a_key(&s);
    ls_sleep_ms(1100); /* past any cached answer */
    all_routes_need_a_key(&s);
    stop(&s);
    free(key);

    char db[600];
    h_path(db, sizeof(db), "stays-protected-cli.db");
    int64_t id;
    free(key_new(db, "default", "admin", &id));
    assert_int_equal(key_revoke_cli(db, id), 0);
    assert_int_equal(serve(&s, "127.0.0.1", db, NULL, NULL), 0);
    char *log = h_srv_log(&s);
    assert_non_null(strstr(log, "event=auth.mode mode=keys"));
    free(log);
    expect_error(&s, NULL, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    stop(&s);
}

/* ---- 2. keys -----------------------------------------------------------------------------------
 */

/*
 * `keys create` prints exactly the key and a newline on stdout (exit 0) and
 * its id and prefix on stderr; keys are "lsk_" and 48 hex digits (192 bits)
 * and differ: no hex position is the same in 20 keys. Neither GET /keys nor
 * `keys list` shows a secret, only the prefix.
 */
static void test_auth__keys_random_and_shown_once(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "random.db");
    const char *argv[] = {"keys",   "create", "--db",   db,    "--workspace", "A",
                          "--role", "admin",  "--name", "ops", NULL};
    char *keys[20], *err;
    assert_int_equal(cli(argv, &keys[0], &err), 0);
    assert_true(is_key(keys[0], true));
    keys[0][KEY_CHARS] = '\0';
    assert_false(leaks(err, strlen(err), keys[0]));
    char want[80];
    snprintf(want, sizeof(want), "key 1 (%.12s)", keys[0]);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, "shown only this once"));
    free(err);
    assert_int_equal(cli(argv, &keys[1], NULL), 0);
    assert_true(is_key(keys[1], true));
    keys[1][KEY_CHARS] = '\0';
    assert_string_not_equal(keys[0], keys[1]);

    struct srv s;
    start(&s, "random.db", NULL, NULL);
    for (int i = 2; i < 20; i++) {
        struct resp r;
        send_req(&s, keys[0], "POST", "/keys", NULL, "{\"role\":\"viewer\"}", &r);
        assert_int_equal(r.status, 201);
        json_t *j = h_json(&r);
        keys[i] = strdup(h_str(j, "key"));
        assert_true(is_key(keys[i], false));
        assert_true(strncmp(h_str(j, "prefix"), keys[i], 12) == 0);
        assert_int_equal(strlen(h_str(j, "prefix")), 12);
        json_decref(j);
        h_resp_free(&r);
    }
    for (int pos = 4; pos < KEY_CHARS; pos++) {
        bool differs = false;
        for (int i = 1; i < 20; i++)
            differs = differs || keys[i][pos] != keys[0][pos];
        assert_true(differs);
    }
    for (int i = 0; i < 20; i++) {
        for (int k = i + 1; k < 20; k++)
            assert_string_not_equal(keys[i], keys[k]);
    }
    struct resp r;
    send_req(&s, keys[0], "GET", "/keys", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = h_json(&r);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 20);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(j, "items"), i, item)
    {
        assert_null(json_object_get(item, "key"));
        assert_true(strncmp(h_str(item, "prefix"), keys[i], 12) == 0);
    }
    json_decref(j);
    for (int k = 0; k < 20; k++)
        assert_false(leaks(r.body, r.len, keys[k]));
    h_resp_free(&r);
    stop(&s);

    const char *list[] = {"keys", "list", "--db", db, NULL};
    char *out;
    assert_int_equal(cli(list, &out, NULL), 0);
    for (int k = 0; k < 20; k++) {
        assert_false(leaks(out, strlen(out), keys[k]));
        snprintf(want, sizeof(want), "%.12s", keys[k]);
        assert_non_null(strstr(out, want));
    }
    free(out);
    for (int k = 0; k < 20; k++)
        free(keys[k]);
}

/* Every value of every table of the SQLite file at path, one after another (owned). */
static char *db_values(const char *path, size_t *len)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *tables = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    char *out = NULL;
    size_t n = 0;
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\"", sqlite3_column_text(tables, 0));
        sqlite3_stmt *rows = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        sqlite3_free(sql);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const void *v = sqlite3_column_blob(rows, c);
                size_t vl = (size_t)sqlite3_column_bytes(rows, c);
                out = realloc(out, n + vl + 2);
                if (vl)
                    memcpy(out + n, v, vl);
                n += vl;
                out[n++] = '\n';
            }
        }
        sqlite3_finalize(rows);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    *len = n;
    return out;
}

/* True when a file's bytes (absent: none) hold any 16 characters of key. */
static bool file_leaks(const char *path, const char *key)
{
    size_t n = 0;
    char *p = h_read_file(path, &n);
    bool bad = p && leaks(p, n, key);
    free(p);
    return bad;
}

/*
 * A key is stored only as its SHA-256 and its 12-character prefix: no column
 * of any table holds it, nor do the bytes of the database, its WAL or
 * shared-memory file (checked while the server runs and after it stopped).
 */
static void test_auth__keys_stored_only_as_hash(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "hashed.db");
    char *keys[3];
    keys[0] = key_new(db, "A", "admin", NULL);
    struct srv s;
    start(&s, "hashed.db", NULL, NULL);
    for (int i = 1; i < 3; i++) {
        json_t *j = expect(&s, keys[0], "POST", "/keys", "{\"role\":\"member\"}", 201);
        keys[i] = strdup(h_str(j, "key"));
        json_decref(j);
        check(&s, keys[i], "GET", "/offers", NULL, 200);
    }
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char path[640];
    for (int i = 0; i < 3; i++) {
        for (size_t k = 0; k < 4; k++) {
            snprintf(path, sizeof(path), "%s%s", db, suffixes[k]);
            assert_false(file_leaks(path, keys[i]));
        }
    }
    stop(&s);
    size_t n;
    char *all = db_values(db, &n);
    for (int i = 0; i < 3; i++) {
        assert_false(leaks(all, n, keys[i]));
        for (size_t k = 0; k < 4; k++) {
            snprintf(path, sizeof(path), "%s%s", db, suffixes[k]);
            assert_false(file_leaks(path, keys[i]));
        }
    }
    free(all);

    /* What is there is the hash and the prefix. */
    sqlite3 *sq = NULL;
    assert_int_equal(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(sq, "SELECT hash, prefix FROM api_keys ORDER BY id", -1, &st, NULL),
        SQLITE_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        unsigned char want[LS_SHA256_LEN];
        struct ls_sha256 c;
        ls_sha256_init(&c);
        ls_sha256_update(&c, keys[i], KEY_CHARS);
        ls_sha256_final(&c, want);
        assert_int_equal(sqlite3_column_bytes(st, 0), LS_SHA256_LEN);
        assert_memory_equal(sqlite3_column_blob(st, 0), want, LS_SHA256_LEN);
        assert_int_equal(sqlite3_column_bytes(st, 1), 12);
        assert_memory_equal(sqlite3_column_text(st, 1), keys[i], 12);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(sq);
    for (int i = 0; i < 3; i++)
        free(keys[i]);
}

/* One CLI call: its argv, the exit status it must give, and text stderr must hold. */
struct cli_case {
    const char *argv[12];
    int status;
    const char *err_has;
};

/*
 * The CLI's contract: usage errors exit 2 and print no key; `create` exits 0
 * with the key alone on stdout; `list` shows prefixes, never secrets, and
 * only the asked workspace (without creating it); `revoke` exits 0, then 65
 * for an already revoked or unknown id.
 */
static void test_auth__cli_contract(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "cli.db");
    char long_name[120];
    memset(long_name, 'n', 101);
    long_name[101] = '\0';
#define D "--db", db
    const struct cli_case usage[] = {
        {{"keys", NULL}, 2, "usage: leadscore keys"},
        {{"keys", "frob", D, NULL}, 2, "unknown subcommand"},
        {{"keys", "create", D, NULL}, 2, "--workspace NAME and --role"},
        {{"keys", "create", D, "--workspace", "A", NULL}, 2, "--role"},
        {{"keys", "create", D, "--role", "admin", NULL}, 2, "--workspace"},
        {{"keys", "create", D, "--workspace", "", "--role", "admin", NULL}, 2, "--workspace"},
        {{"keys", "create", D, "--workspace", "A", "--role", "root", NULL}, 2, "--role"},
        {{"keys", "create", D, "--workspace", "A", "--role", "Admin", NULL}, 2, "--role"},
        {{"keys", "create", D, "--workspace", "A", "--role", "admin", "--name", long_name, NULL},
         2,
         "at most 100"},
        {{"keys", "create", D, "--workspace", long_name, "--role", "admin", NULL},
         2,
         "at most 100"},
        {{"keys", "create", D, "--workspace", "A", "--role", "admin", "--name", "a\nb", NULL},
         2,
         "control"},
        {{"keys", "create", D, "--workspace", "A", "--role", "admin", "extra", NULL},
         2,
         "unexpected argument"},
        {{"keys", "create", D, "--workspace", "A", "--role", "admin", "--bogus", NULL}, 2, "usage"},
        {{"keys", "list", D, "extra", NULL}, 2, "unexpected argument"},
        {{"keys", "revoke", D, NULL}, 2, "give the key's id"},
        {{"keys", "revoke", D, "abc", NULL}, 2, "give the key's id"},
        {{"keys", "revoke", D, "0", NULL}, 2, "give the key's id"},
        {{"keys", "revoke", D, "1x", NULL}, 2, "give the key's id"},
        {{"keys", "revoke", D, "1", "2", NULL}, 2, "usage"},
    };
    for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++) {
        char *out, *err;
        int st = cli(usage[i].argv, &out, &err);
        if (st != usage[i].status || out[0] != '\0' || !has(err, usage[i].err_has)) {
            print_error("case %zu (keys %s): exit %d, stdout \"%s\", stderr \"%s\"\n", i,
                        usage[i].argv[1] ? usage[i].argv[1] : "", st, out, err);
            fail();
        }
        free(out);
        free(err);
    }
    /* No usage error wrote a key, or even created the database. */
    assert_int_not_equal(access(db, F_OK), 0);

    const char *help[] = {"keys", "--help", NULL};
    char *out, *err;
    assert_int_equal(cli(help, &out, &err), 0);
    assert_non_null(strstr(out, "usage: leadscore keys create"));
    free(out);
    free(err);

    int64_t a_id, b_id;
    char *ka = key_new(db, "A", "admin", &a_id);
    char *kb = key_new(db, "B", "viewer", &b_id);
    sqlite3 *sq = NULL;
    assert_int_equal(sqlite3_open_v2(db, &sq, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    const char *list_all[] = {"keys", "list", D, NULL};
    assert_int_equal(cli(list_all, &out, &err), 0);
    assert_true(strncmp(out, "ID", 2) == 0 && has(out, "PREFIX") && has(out, "WORKSPACE") &&
                has(out, "ROLE") && has(out, "STATUS"));
    char pa[16], pb[16];
    snprintf(pa, sizeof(pa), "%.12s", ka);
    snprintf(pb, sizeof(pb), "%.12s", kb);
    assert_true(has(out, pa) && has(out, pb));
    assert_false(leaks(out, strlen(out), ka) || leaks(out, strlen(out), kb));
    assert_false(leaks(err, strlen(err), ka) || leaks(err, strlen(err), kb));
    free(out);
    free(err);
    const char *list_a[] = {"keys", "list", D, "--workspace", "A", NULL};
    assert_int_equal(cli(list_a, &out, NULL), 0);
    assert_true(has(out, pa) && !has(out, pb));
    free(out);
    const char *list_none[] = {"keys", "list", D, "--workspace", "nosuch", NULL};
    assert_int_equal(cli(list_none, &out, NULL), 0);
    assert_false(has(out, pa) || has(out, pb));
    free(out);
    assert_int_equal(sqlite3_prepare_v2(sq, "SELECT count(*) FROM workspaces WHERE name = 'nosuch'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0); /* listing did not create it */
    sqlite3_finalize(st);

    /* A name with control characters (stored before they were refused) is listed defused. */
    assert_int_equal(sqlite3_exec(sq, "UPDATE api_keys SET name = 'x' || char(10) || '99 fake'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(sq);
    assert_int_equal(cli(list_all, &out, NULL), 0);
    assert_null(strstr(out, "\n99 fake"));
    free(out);

    assert_int_equal(key_revoke_cli(db, a_id), 0);
    assert_int_equal(key_revoke_cli(db, a_id), 65);
    assert_int_equal(key_revoke_cli(db, 424242), 65);
    assert_int_equal(cli(list_a, &out, NULL), 0);
    assert_non_null(strstr(out, "revoked"));
    free(out);

    /* A database that cannot be opened is an internal error, and prints no key. */
    const char *bad_db[] = {"keys",   "create", "--db", "/nonexistent/dir/x.db", "--workspace", "A",
                            "--role", "admin",  NULL};
    assert_int_equal(cli(bad_db, &out, NULL), 70);
    assert_string_equal(out, "");
    free(out);
    free(ka);
    free(kb);
#undef D
}

/* ---- 3. credentials ------------------------------------------------------------------------- */

/*
 * A wrong key, a malformed Authorization header and no key at all are 401
 * JSON with WWW-Authenticate: Bearer, on /healthz too when a key is sent; a
 * valid key is accepted there, and the scheme's case does not matter.
 */
static void test_auth__bad_credentials_are_401(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "creds.db");
    char *key = key_new(db, "A", "admin", NULL);
    struct srv s;
    start(&s, "creds.db", NULL, NULL);
    char upper[KEY_CHARS + 1], longer[KEY_CHARS + 2], h_upper[100], h_longer[100], h_raw[100],
        h_lower[100], h_token[100];
    for (int i = 0; i <= KEY_CHARS; i++)
        upper[i] = (char)(i >= 4 && key[i] >= 'a' && key[i] <= 'f' ? key[i] - 32 : key[i]);
    snprintf(longer, sizeof(longer), "%s0", key);
    snprintf(h_upper, sizeof(h_upper), "Authorization: Bearer %s", upper);
    snprintf(h_longer, sizeof(h_longer), "Authorization: Bearer %s", longer);
    snprintf(h_raw, sizeof(h_raw), "Authorization: %s", key);
    snprintf(h_token, sizeof(h_token), "Authorization: Token %s", key);
    snprintf(h_lower, sizeof(h_lower), "Authorization: bearer %s", key);
    const char *const bad[] = {
        "Authorization: Bearer lsk_000000000000000000000000000000000000000000000000",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "Authorization: Bearer",
        "Authorization: Bearer lsk_123",
        "Authorization: Bearer x",
        h_upper,
        h_longer,
        h_raw,
        h_token,
    };
    const char *const paths[] = {"/offers", "/healthz", "/keys", "/openapi.json"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++) {
            const char *h[] = {bad[i], NULL};
            expect_error(&s, NULL, "GET", paths[p], h, NULL, 401, "unauthorized");
        }
    }
    expect_error(&s, NULL, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    struct resp r;
    send_req(&s, NULL, "GET", "/offers", NULL, NULL, &r);
    assert_non_null(strstr(r.body, "leadscore keys create"));
    h_resp_free(&r);
    check(&s, key, "GET", "/healthz", NULL, 200);
    check(&s, key, "GET", "/offers", NULL, 200);
    const char *lower[] = {h_lower, NULL};
    send_req(&s, NULL, "GET", "/offers", lower, NULL, &r);
    assert_int_equal(r.status, 200);
    h_resp_free(&r);
    /* Two Authorization headers: one of them would go unchecked, so neither counts. */
    const char *wrong = "lsk_000000000000000000000000000000000000000000000000";
    const char *pairs[][2] = {{key, wrong}, {wrong, key}, {key, key}};
    for (int i = 0; i < 3; i++) {
        char text[400];
        snprintf(text, sizeof(text),
                 "GET /offers HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                 "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                 s.port, pairs[i][0], pairs[i][1]);
        long status;
        char *reply = raw(&s, text, &status);
        assert_int_equal(status, 401);
        assert_non_null(strstr(reply, "WWW-Authenticate: Bearer"));
        free(reply);
    }
    stop(&s);
    free(key);
}

/*
 * A key revoked by `leadscore keys revoke` while the server runs stops
 * working within 1.5 s, though the server had just checked (and cached) it;
 * the answer says it was revoked, and other keys keep working.
 */
static void test_auth__revoked_by_cli_within_1500ms(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "revoke-cli.db");
    int64_t id;
    char *key = key_new(db, "A", "member", &id);
    char *other = key_new(db, "A", "member", NULL);
    struct srv s;
    start(&s, "revoke-cli.db", NULL, NULL);
    check(&s, key, "GET", "/offers", NULL, 200);
    assert_int_equal(key_revoke_cli(db, id), 0);
    int64_t revoked = ls_mono_ms();
    struct resp r = {0};
    for (;;) {
        send_req(&s, key, "GET", "/offers", NULL, NULL, &r);
        if (r.status != 200 || ls_mono_ms() - revoked > 1500)
            break;
        h_resp_free(&r);
        ls_sleep_ms(20);
    }
    if (r.status != 401)
        fail_msg("the revoked key still works after %lld ms", (long long)(ls_mono_ms() - revoked));
    assert_non_null(strstr(r.body, "revoked"));
    h_resp_free(&r);
    expect_error(&s, key, "GET", "/healthz", NULL, NULL, 401, "unauthorized");
    check(&s, other, "GET", "/offers", NULL, 200);
    stop(&s);
    free(key);
    free(other);
}

struct hammer {
    const struct srv *s;
    const char *key;
    atomic_bool stop;
};

static void *hammer_run(void *ud)
{
    struct hammer *h = ud;
    while (!atomic_load(&h->stop)) {
        struct resp r;
        if (try_req(h->s, h->key, "GET", "/healthz", NULL, NULL, &r) == 0)
            h_resp_free(&r);
    }
    return NULL;
}

/*
 * DELETE /keys/{id} takes effect at once: the next request with that key is
 * 401, even while other requests check the same key at that very moment
 * (20 rounds with two threads hammering it). An admin may revoke their own
 * key; a second DELETE is 409.
 */
static void test_auth__revoked_by_http_at_once(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "revoke-http.db");
    char *admin = key_new(db, "A", "admin", NULL);
    struct srv s;
    const char *threads[] = {"--threads", "4", NULL};
    start(&s, "revoke-http.db", threads, NULL);
    for (int round = 0; round < 20; round++) {
        json_t *j = expect(&s, admin, "POST", "/keys", "{\"role\":\"viewer\"}", 201);
        char *key = strdup(h_str(j, "key"));
        char path[64];
        snprintf(path, sizeof(path), "/keys/%lld", (long long)h_num(j, "id"));
        json_decref(j);
        check(&s, key, "GET", "/offers", NULL, 200);
        struct hammer h = {.s = &s, .key = key};
        atomic_init(&h.stop, false);
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, hammer_run, &h);
        ls_sleep_ms(round % 5 * 3);
        check(&s, admin, "DELETE", path, NULL, 200);
        struct resp r;
        send_req(&s, key, "GET", "/offers", NULL, NULL, &r);
        long after = r.status;
        h_resp_free(&r);
        atomic_store(&h.stop, true);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        if (after != 401)
            fail_msg("round %d: the revoked key answered %ld", round, after);
        expect_error(&s, key, "GET", "/healthz", NULL, NULL, 401, "unauthorized");
        expect_error(&s, admin, "DELETE", path, NULL, NULL, 409, "conflict");
        free(key);
    }
    json_t *j = expect(&s, admin, "GET", "/keys", NULL, 200);
    char self[64];
    snprintf(self, sizeof(self), "/keys/%lld",
             (long long)h_num(json_array_get(json_object_get(j, "items"), 0), "id"));
    json_decref(j);
    check(&s, admin, "DELETE", self, NULL, 200);
    expect_error(&s, admin, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    stop(&s);
    free(admin);
}

/*
 * The store's key reads, wrapped: the first one after race.armed is set
 * finishes, then what a concurrent request would do at that very moment
 * happens (another request's DELETE /keys/{id}, or its POST /keys), then
 * the read's answer goes back to the key cache.
 */
static const struct ls_store_ops *real_ops;
static struct {
    struct ls_store *st;
    struct ls_keys *keys;
    bool armed;
    int64_t revoke_id; /* revoke this key; 0: issue one */
} race;

static void race_act(void)
{
    if (!race.armed)
        return;
    race.armed = false;
    if (race.revoke_id) {
        assert_int_equal(ls_store_key_revoke(race.st, 0, race.revoke_id, ls_now_ms(), NULL), 0);
    } else {
        char key[LS_KEY_LEN + 1];
        struct ls_key_info info;
        assert_int_equal(
            ls_keys_issue(race.st, 1, LS_KEY_ADMIN, "late", ls_now_ms(), key, &info, NULL), 0);
    }
    ls_keys_changed(race.keys);
}

static int race_lookup(struct ls_store *st, const unsigned char *hash, struct ls_key_info *out,
                       struct ls_err *err)
{
    int rc = real_ops->key_lookup(st, hash, out, err);
    race_act();
    return rc;
}

static int race_list(struct ls_store *st, int64_t ws, ls_store_key_fn cb, void *ud,
                     struct ls_err *err)
{
    int rc = real_ops->keys_list(st, ws, cb, ud, err);
    race_act();
    return rc;
}

static int race_active(struct ls_store *st, int64_t *n, struct ls_err *err)
{
    int rc = real_ops->keys_active(st, n, err);
    race_act();
    return rc;
}

/*
 * In process, on the real key cache and store: an answer read from the store
 * while this process changed a key is never cached. A first key issued while
 * a request asks "open?" protects the next request; a key revoked while a
 * request checks it fails the next one (not a second later).
 */
static void test_auth__key_cache_never_outlives_a_change(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "cache.db");
    struct ls_err err = {0};
    struct ls_store *st = ls_store_open_sqlite(db, NULL, &err);
    assert_non_null(st);
    struct ls_keys *keys = ls_keys_new(st, true);
    struct ls_store_ops ops = *st->ops;
    ops.key_lookup = race_lookup;
    ops.keys_list = race_list;
    ops.keys_active = race_active;
    real_ops = st->ops;
    st->ops = &ops;
    race.st = st;
    race.keys = keys;

    race.armed = true;
    race.revoke_id = 0;
    assert_true(ls_keys_open(keys)); /* it asked before the key existed */
    assert_false(race.armed);
    assert_false(ls_keys_open(keys));

    char key[LS_KEY_LEN + 1];
    struct ls_key_info info, got;
    assert_int_equal(ls_keys_issue(st, 1, LS_KEY_ADMIN, "k", ls_now_ms(), key, &info, &err), 0);
    ls_keys_changed(keys);
    race.armed = true;
    race.revoke_id = info.id;
    assert_int_equal(ls_keys_verify(keys, key, LS_KEY_LEN, &got, &err), LS_OK);
    assert_false(race.armed);
    assert_int_equal(ls_keys_verify(keys, key, LS_KEY_LEN, &got, &err), LS_EUNAUTHORIZED);
    st->ops = real_ops;
    ls_keys_free(keys);
    ls_store_close(st);
}

/* ---- 4. roles ----------------------------------------------------------------------------------
 */

/*
 * Every documented route against each role: below its least role a caller
 * with a key gets 403 JSON {"code": "forbidden"} and one without a key 401;
 * at or above it, neither. So: admin everything, member all but /keys,
 * viewer only reads.
 */
static void test_auth__roles_gate_every_route(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "roles.db");
    char *keys[4] = {NULL};
    keys[1] = key_new(db, "R", "viewer", NULL);
    keys[2] = key_new(db, "R", "member", NULL);
    keys[3] = key_new(db, "R", "admin", NULL);
    struct srv s;
    start(&s, "roles.db", NULL, NULL);
    struct route rt[64];
    size_t n = routes_documented(&s, rt, 64);
    assert_true(n >= 28);
    for (int role = 0; role < 4; role++) {
        for (size_t i = 0; i < n; i++) {
            if (role < rt[i].least) {
                expect_error(&s, keys[role], rt[i].method, rt[i].path, NULL, NULL, role ? 403 : 401,
                             role ? "forbidden" : "unauthorized");
                continue;
            }
            struct resp r;
            send_req(&s, keys[role], rt[i].method, rt[i].path, NULL, NULL, &r);
            if (r.status == 401 || r.status == 403) {
                print_error("role %d, %s %s: %ld %s\n", role, rt[i].method, rt[i].path, r.status,
                            r.body);
                fail();
            }
            h_resp_free(&r);
        }
    }
    /* The 403 says who needs what. */
    json_t *j = expect(&s, keys[1], "POST", "/score", NULL, 403);
    json_t *d = json_object_get(j, "details");
    assert_string_equal(h_str(d, "role"), "viewer");
    assert_string_equal(h_str(d, "required"), "member");
    json_decref(j);
    stop(&s);
    for (int i = 1; i < 4; i++)
        free(keys[i]);
}

/*
 * The same with real data and real bodies: a viewer reads everything of its
 * workspace but cannot create an offer, upload (multipart or text/csv),
 * score, start a job, delete or touch keys, and nothing changes; a member
 * does all of that but /keys (no creating an admin key for itself either);
 * an admin manages keys.
 */
static void test_auth__roles_with_data(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "roles-data.db");
    int64_t viewer_id;
    char *admin = key_new(db, "W", "admin", NULL);
    char *member = key_new(db, "W", "member", NULL);
    char *viewer = key_new(db, "W", "viewer", &viewer_id);
    struct srv s;
    start(&s, "roles-data.db", NULL, NULL);
    int64_t ids[3];
    make_data(&s, admin, "Wlead", ids);
    char p[12][80];
    snprintf(p[0], 80, "/offers/%lld", (long long)ids[0]);
    snprintf(p[1], 80, "/uploads/%lld", (long long)ids[1]);
    snprintf(p[2], 80, "/uploads/%lld/leads", (long long)ids[1]);
    snprintf(p[3], 80, "/jobs/%lld", (long long)ids[2]);
    snprintf(p[4], 80, "/jobs/%lld/results", (long long)ids[2]);
    snprintf(p[5], 80, "/jobs/%lld/results/export", (long long)ids[2]);
    snprintf(p[6], 80, "/keys/%lld", (long long)viewer_id);
    snprintf(p[7], 80, "/jobs/%lld/results/summary", (long long)ids[2]);
    const char *reads[] = {p[0],
                           p[1],
                           p[2],
                           p[3],
                           p[4],
                           p[5],
                           p[7],
                           "/results/summary",
                           "/offers",
                           "/uploads",
                           "/jobs",
                           "/results",
                           "/results/export",
                           "/results/csv",
                           "/metrics"};
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
        check(&s, viewer, "GET", reads[i], NULL, 200);

    char *csv = leads_csv("Vlead", 2);
    char file[600];
    h_path(file, sizeof(file), "viewer.csv");
    h_write_file(file, csv, strlen(csv));
    const char *text_csv[] = {"Content-Type: text/csv", NULL};
    expect_error(&s, viewer, "POST", "/offer", NULL, h_example_offer(), 403, "forbidden");
    expect_error(&s, viewer, "POST", "/offers", NULL, h_example_offer(), 403, "forbidden");
    expect_error(&s, viewer, "POST", "/uploads", text_csv, csv, 403, "forbidden");
    expect_error(&s, viewer, "POST", "/leads/upload", text_csv, csv, 403, "forbidden");
    struct resp r;
    if (post_file(&s, viewer, "/leads/upload", file, &r) == 0) /* it may close mid-body */
        assert_int_equal(r.status, 403);
    h_resp_free(&r);
    expect_error(&s, viewer, "POST", "/score", NULL, "{}", 403, "forbidden");
    expect_error(&s, viewer, "POST", "/score", NULL, NULL, 403, "forbidden");
    expect_error(&s, viewer, "POST", "/jobs", NULL, "{}", 403, "forbidden");
    expect_error(&s, viewer, "POST", "/keys", NULL, "{\"role\":\"viewer\"}", 403, "forbidden");
    const char *deletes[] = {p[0], p[1], p[3], p[4], p[6]};
    for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++)
        expect_error(&s, viewer, "DELETE", deletes[i], NULL, NULL, 403, "forbidden");
    snprintf(p[7], 80, "/jobs/%lld?purge=1", (long long)ids[2]);
    expect_error(&s, viewer, "DELETE", p[7], NULL, NULL, 403, "forbidden");
    expect_error(&s, viewer, "GET", "/keys", NULL, NULL, 403, "forbidden");
    /* Nothing changed. */
    const char *lists[] = {"/offers", "/uploads", "/jobs"};
    for (size_t i = 0; i < 3; i++) {
        json_t *j = expect(&s, admin, "GET", lists[i], NULL, 200);
        assert_int_equal(h_num(j, "total"), 1);
        json_decref(j);
    }
    check(&s, admin, "GET", p[4], NULL, 200);

    /* A member writes data... */
    check(&s, member, "POST", "/offer", h_example_offer(), 201);
    upload(&s, member, csv);
    assert_int_equal(post_file(&s, member, "/leads/upload", file, &r), 0);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    check(&s, member, "POST", "/score", "{}", 200);
    json_t *j = expect(&s, member, "POST", "/jobs", "{}", 202);
    json_decref(j);
    check(&s, member, "GET", "/results", NULL, 200);
    check(&s, member, "DELETE", p[0], NULL, 200);
    /* ...but not keys. */
    expect_error(&s, member, "GET", "/keys", NULL, NULL, 403, "forbidden");
    expect_error(&s, member, "POST", "/keys", NULL, "{\"role\":\"admin\"}", 403, "forbidden");
    expect_error(&s, member, "POST", "/keys", NULL, "{\"role\":\"viewer\"}", 403, "forbidden");
    expect_error(&s, member, "DELETE", p[6], NULL, NULL, 403, "forbidden");
    check(&s, viewer, "GET", "/offers", NULL, 200);
    j = expect(&s, admin, "GET", "/keys", NULL, 200);
    assert_int_equal(h_num(j, "total"), 3);
    json_decref(j);

    /* An admin does. */
    j = expect(&s, admin, "POST", "/keys", "{\"role\":\"admin\",\"name\":\"second\"}", 201);
    char *admin2 = strdup(h_str(j, "key"));
    json_decref(j);
    check(&s, admin2, "GET", "/keys", NULL, 200);
    check(&s, admin, "DELETE", p[6], NULL, 200);
    expect_error(&s, viewer, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    stop(&s);
    free(csv);
    free(admin);
    free(admin2);
    free(member);
    free(viewer);
}

/* ---- 5. workspaces ------------------------------------------------------------------------------
 */

/* Polls GET path (a job) as key until it is no longer queued or running, for up to 10 s. */
static void wait_job(const struct srv *s, const char *key, const char *path)
{
    for (int64_t end = ls_mono_ms() + 10000; ls_mono_ms() < end; ls_sleep_ms(20)) {
        json_t *j = expect(s, key, "GET", path, NULL, 200);
        bool busy =
            strcmp(h_str(j, "status"), "queued") == 0 || strcmp(h_str(j, "status"), "running") == 0;
        json_decref(j);
        if (!busy)
            return;
    }
    fail_msg("%s did not finish", path);
}

/*
 * An offer, upload, jobs and results made with A's key are invisible to B:
 * every GET and DELETE of A's ids (and DELETE /keys/{A's key}) answers 404,
 * never 403; B's lists hold only B's; B cannot score A's offer by id; and
 * A's data is untouched afterwards.
 */
static void test_auth__workspaces_isolate_data(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "isolate.db");
    int64_t a_key_id, b_key_id;
    char *a = key_new(db, "A", "admin", &a_key_id);
    char *b = key_new(db, "B", "admin", &b_key_id);
    struct srv s;
    start(&s, "isolate.db", NULL, NULL);
    int64_t ids[3];
    make_data(&s, a, "Alead", ids);
    char loc_job[64];
    json_t *j = expect(&s, a, "POST", "/jobs", "{}", 202);
    snprintf(loc_job, sizeof(loc_job), "/jobs/%lld", (long long)h_num(j, "id"));
    json_decref(j);
    wait_job(&s, a, loc_job);

    char p[16][96];
    int n = 0;
    snprintf(p[n++], 96, "/offers/%lld", (long long)ids[0]);
    snprintf(p[n++], 96, "/uploads/%lld", (long long)ids[1]);
    snprintf(p[n++], 96, "/uploads/%lld/leads", (long long)ids[1]);
    snprintf(p[n++], 96, "/jobs/%lld", (long long)ids[2]);
    snprintf(p[n++], 96, "/jobs/%lld/results", (long long)ids[2]);
    snprintf(p[n++], 96, "/jobs/%lld/results/export", (long long)ids[2]);
    snprintf(p[n++], 96, "%s", loc_job);
    snprintf(p[n++], 96, "%s/results", loc_job);
    for (int i = 0; i < n; i++)
        expect_error(&s, b, "GET", p[i], NULL, NULL, 404, "not_found");
    const int dels[] = {0, 1, 3, 4, 6, 7};
    for (size_t i = 0; i < sizeof(dels) / sizeof(dels[0]); i++)
        expect_error(&s, b, "DELETE", p[dels[i]], NULL, NULL, 404, "not_found");
    char extra[3][96];
    snprintf(extra[0], 96, "/jobs/%lld?purge=1", (long long)ids[2]);
    snprintf(extra[1], 96, "/keys/%lld", (long long)a_key_id);
    snprintf(extra[2], 96, "/jobs/%lld/results/export?format=jsonl", (long long)ids[2]);
    expect_error(&s, b, "DELETE", extra[0], NULL, NULL, 404, "not_found");
    expect_error(&s, b, "DELETE", extra[1], NULL, NULL, 404, "not_found");
    expect_error(&s, b, "GET", extra[2], NULL, NULL, 404, "not_found");
    char body[128];
    snprintf(body, sizeof(body), "{\"offer_id\":%lld,\"upload_id\":%lld}", (long long)ids[0],
             (long long)ids[1]);
    expect_error(&s, b, "POST", "/jobs", NULL, body, 404, "not_found");
    expect_error(&s, b, "POST", "/score", NULL, body, 404, "not_found");

    /* B's lists and "current" things are B's own: empty. */
    const char *lists[] = {"/offers", "/uploads", "/jobs"};
    for (size_t i = 0; i < 3; i++) {
        j = expect(&s, b, "GET", lists[i], NULL, 200);
        assert_int_equal(h_num(j, "total"), 0);
        assert_int_equal(json_array_size(json_object_get(j, "items")), 0);
        json_decref(j);
    }
    j = expect(&s, b, "GET", "/keys", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_int_equal(h_num(json_array_get(json_object_get(j, "items"), 0), "id"), b_key_id);
    json_decref(j);
    expect_error(&s, b, "GET", "/results", NULL, NULL, 409, "conflict");
    expect_error(&s, b, "GET", "/results/export", NULL, NULL, 409, "conflict");
    expect_error(&s, b, "POST", "/score", NULL, NULL, 409, "conflict");
    expect_error(&s, b, "POST", "/jobs", NULL, "{}", 409, "conflict");

    /* A still has everything, and its key still works. */
    for (int i = 0; i < n; i++)
        check(&s, a, "GET", p[i], NULL, 200);
    for (size_t i = 0; i < 3; i++) {
        j = expect(&s, a, "GET", lists[i], NULL, 200);
        assert_int_equal(h_num(j, "total"), i == 2 ? 2 : 1);
        json_decref(j);
    }
    j = expect(&s, a, "GET", "/keys", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    assert_int_equal(h_num(json_array_get(json_object_get(j, "items"), 0), "id"), a_key_id);
    json_decref(j);
    j = expect(&s, a, "GET", "/results", NULL, 200);
    assert_int_equal(json_array_size(j), 3);
    json_decref(j);

    /* B's own data stays B's. */
    int64_t bids[3];
    make_data(&s, b, "Blead", bids);
    j = expect(&s, a, "GET", "/offers", NULL, 200);
    assert_int_equal(h_num(j, "total"), 1);
    json_decref(j);
    snprintf(p[0], 96, "/offers/%lld", (long long)bids[0]);
    expect_error(&s, a, "GET", p[0], NULL, NULL, 404, "not_found");
    stop(&s);
    free(a);
    free(b);
}

/*
 * A loopback socket that takes connections and never answers: a model server
 * behind it keeps a job running for as long as a test needs. Returns the fd
 * (close it when done) and its port in *port.
 */
static int mute_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 64), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/*
 * An offer or upload that another workspace's running job uses is 404 to
 * this workspace, like any id it does not own - a 409 would tell that it
 * exists and is busy.
 */
static void test_auth__busy_ids_of_other_workspaces_are_404(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "busy-ws.db");
    char *a = key_new(db, "A", "admin", NULL);
    char *b = key_new(db, "B", "admin", NULL);
    int port;
    int mute = mute_listener(&port);
    char base[80];
    snprintf(base, sizeof(base), "OPENAI_BASE_URL=http://127.0.0.1:%d/v1", port);
    const char *env[] = {"LEADSCORE_AI_PROVIDER=openai", base, "OPENAI_MODEL=m",
                         "LEADSCORE_AI_TIMEOUT_MS=60000", NULL};
    struct srv s;
    start(&s, "busy-ws.db", NULL, env);
    json_t *j = expect(&s, a, "POST", "/offers", h_example_offer(), 201);
    int64_t offer = h_num(j, "offer_id");
    json_decref(j);
    char *csv = leads_csv("Busy", 3);
    int64_t up = upload(&s, a, csv);
    free(csv);
    json_decref(expect(&s, a, "POST", "/jobs", "{}", 202));
    char p[2][64];
    snprintf(p[0], sizeof(p[0]), "/offers/%lld", (long long)offer);
    snprintf(p[1], sizeof(p[1]), "/uploads/%lld", (long long)up);
    for (int i = 0; i < 2; i++) {
        expect_error(&s, a, "DELETE", p[i], NULL, NULL, 409, "conflict"); /* A's own: busy */
        expect_error(&s, b, "DELETE", p[i], NULL, NULL, 404, "not_found");
    }
    stop(&s);
    close(mute);
    free(a);
    free(b);
}

struct walk {
    const struct srv *s;
    const char *key;
    const char *prefix; /* every lead's name starts with it */
    int n_leads;
    char why[400]; /* empty while every step went right */
};

/* Steps a walk may take without cmocka (threads): false with w->why set. */
static bool walk_step(struct walk *w, const char *method, const char *path, const char *body,
                      long want, struct resp *r)
{
    if (try_req(w->s, w->key, method, path, NULL, body, r) != 0) {
        snprintf(w->why, sizeof(w->why), "%s %s: no reply", method, path);
        return false;
    }
    if (r->status == want)
        return true;
    snprintf(w->why, sizeof(w->why), "%s %s: %ld %.200s", method, path, r->status, r->body);
    h_resp_free(r);
    return false;
}

/* The README walk-through three times as w->key; the results must be its own leads. */
static void *walk_run(void *ud)
{
    struct walk *w = ud;
    char *csv = leads_csv(w->prefix, w->n_leads), file[600], name[64];
    snprintf(name, sizeof(name), "walk-%s.csv", w->prefix);
    h_path(file, sizeof(file), name);
    h_write_file(file, csv, strlen(csv));
    free(csv);
    for (int round = 0; round < 3 && !w->why[0]; round++) {
        struct resp r;
        if (!walk_step(w, "POST", "/offer", h_example_offer(), 201, &r))
            break;
        h_resp_free(&r);
        if (post_file(w->s, w->key, "/leads/upload", file, &r) != 0 || r.status != 201) {
            snprintf(w->why, sizeof(w->why), "upload: %ld %.200s", r.status, r.body);
            h_resp_free(&r);
            break;
        }
        h_resp_free(&r);
        if (!walk_step(w, "POST", "/score", NULL, 200, &r))
            break;
        json_t *j = h_json(&r);
        if (h_num(j, "scored") != w->n_leads)
            snprintf(w->why, sizeof(w->why), "scored %lld, not %d", (long long)h_num(j, "scored"),
                     w->n_leads);
        json_decref(j);
        h_resp_free(&r);
        if (w->why[0] || !walk_step(w, "GET", "/results", NULL, 200, &r))
            break;
        j = h_json(&r);
        size_t i;
        json_t *item;
        if (json_array_size(j) != (size_t)w->n_leads)
            snprintf(w->why, sizeof(w->why), "%zu results, not %d", json_array_size(j), w->n_leads);
        json_array_foreach(j, i, item)
        {
            if (strncmp(h_str(item, "name"), w->prefix, strlen(w->prefix)) != 0)
                snprintf(w->why, sizeof(w->why), "a result of another workspace: %s",
                         h_str(item, "name"));
        }
        json_decref(j);
        h_resp_free(&r);
        if (w->why[0] || !walk_step(w, "GET", "/results/export", NULL, 200, &r))
            break;
        int lines = 0;
        for (const char *l = strchr(r.body, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
            lines++;
            if (strncmp(l + 1, w->prefix, strlen(w->prefix)) != 0)
                snprintf(w->why, sizeof(w->why), "an exported row of another workspace: %.40s",
                         l + 1);
        }
        if (lines != w->n_leads && !w->why[0])
            snprintf(w->why, sizeof(w->why), "%d exported rows, not %d", lines, w->n_leads);
        h_resp_free(&r);
    }
    return NULL;
}

/*
 * "The current" offer, upload and job are per workspace: two workspaces
 * following the README walk-through at the same time each score and see
 * only their own leads.
 */
static void test_auth__current_is_per_workspace(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "current.db");
    char *a = key_new(db, "A", "member", NULL);
    char *b = key_new(db, "B", "member", NULL);
    struct srv s;
    start(&s, "current.db", NULL, NULL);
    struct walk w[2] = {{.s = &s, .key = a, .prefix = "Alpha", .n_leads = 4},
                        {.s = &s, .key = b, .prefix = "Beta", .n_leads = 7}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, walk_run, &w[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        if (w[i].why[0])
            fail_msg("workspace %s: %s", w[i].prefix, w[i].why);
    }
    for (int i = 0; i < 2; i++) {
        json_t *j = expect(&s, w[i].key, "GET", "/jobs", NULL, 200);
        assert_int_equal(h_num(j, "total"), 3);
        json_decref(j);
    }
    stop(&s);
    free(a);
    free(b);
}

/* ---- 6. keys over HTTP ---------------------------------------------------------------------- */

/*
 * An admin's GET /keys, POST /keys and DELETE /keys/{id} stay in its own
 * workspace; POST /keys answers 201 with the secret once, Location and
 * Cache-Control: no-store; bad bodies are 422 naming the field, or 400/415.
 */
static void test_auth__keys_over_http(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "keys-http.db");
    int64_t b_id;
    char *a = key_new(db, "A", "admin", NULL);
    char *b = key_new(db, "B", "viewer", &b_id);
    struct srv s;
    start(&s, "keys-http.db", NULL, NULL);
    check(&s, a, "POST", "/offers", h_example_offer(), 201);

    struct resp r;
    send_req(&s, a, "POST", "/keys", NULL, "{\"role\":\"member\",\"name\":\"ci bot\"}", &r);
    assert_int_equal(r.status, 201);
    char *cc = h_header(&r, "Cache-Control"), *loc = h_header(&r, "Location");
    assert_string_equal(cc, "no-store");
    json_t *j = h_json(&r);
    char *key = strdup(h_str(j, "key"));
    char want_loc[64];
    snprintf(want_loc, sizeof(want_loc), "/keys/%lld", (long long)h_num(j, "id"));
    assert_string_equal(loc, want_loc);
    assert_string_equal(h_str(j, "role"), "member");
    assert_string_equal(h_str(j, "name"), "ci bot");
    assert_true(strncmp(h_str(j, "prefix"), key, 12) == 0);
    json_decref(j);
    free(cc);
    free(loc);
    h_resp_free(&r);
    assert_true(is_key(key, false));
    /* The new key is A's: it sees A's offer. */
    j = expect(&s, key, "GET", "/offers", NULL, 200);
    assert_int_equal(h_num(j, "total"), 1);
    json_decref(j);

    j = expect(&s, a, "GET", "/keys", NULL, 200);
    assert_int_equal(h_num(j, "total"), 2);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(j, "items"), i, item)
    {
        assert_string_equal(h_str(item, "workspace"), "A");
        assert_null(json_object_get(item, "key"));
        assert_int_not_equal(h_num(item, "id"), b_id);
    }
    json_decref(j);

    char name100[101], name101[102];
    memset(name100, 'n', 100);
    name100[100] = '\0';
    memset(name101, 'n', 101);
    name101[101] = '\0';
    char body100[200], body101[200];
    snprintf(body100, sizeof(body100), "{\"role\":\"viewer\",\"name\":\"%s\"}", name100);
    snprintf(body101, sizeof(body101), "{\"role\":\"viewer\",\"name\":\"%s\"}", name101);
    const struct {
        const char *body, *field;
    } invalid[] = {
        {"{}", "role"},
        {"{\"name\":\"x\"}", "role"},
        {"{\"role\":\"root\"}", "role"},
        {"{\"role\":\"Admin\"}", "role"},
        {"{\"role\":3}", "role"},
        {"{\"role\":null}", "role"},
        {"{\"role\":\"viewer\",\"name\":7}", "name"},
        {"{\"role\":\"viewer\",\"name\":null}", "name"},
        {body101, "name"},
        {"{\"role\":\"viewer\",\"name\":\"a\\nb\"}", "name"},
        {"{\"role\":\"viewer\",\"name\":\"a\\u001b[31m\"}", "name"},
        {"{\"role\":\"viewer\",\"workspace\":\"B\"}", "workspace"},
        {"[]", "body"},
        {"[{\"role\":\"admin\"}]", "body"},
    };
    for (size_t k = 0; k < sizeof(invalid) / sizeof(invalid[0]); k++) {
        send_req(&s, a, "POST", "/keys", NULL, invalid[k].body, &r);
        j = h_json(&r);
        if (r.status != 422 || strcmp(h_str(j, "code"), "validation_error") != 0 ||
            strcmp(h_str(json_object_get(j, "details"), "field"), invalid[k].field) != 0 ||
            strstr(h_str(j, "error"), invalid[k].field) == NULL) {
            print_error("POST /keys %s: %ld %s\n", invalid[k].body, r.status, r.body);
            fail();
        }
        json_decref(j);
        h_resp_free(&r);
    }
    check(&s, a, "POST", "/keys", body100, 201);
    expect_error(&s, a, "POST", "/keys", NULL, "{\"role\":", 400, "parse_error");
    expect_error(&s, a, "POST", "/keys", NULL, "\"admin\"", 400, "parse_error");
    expect_error(&s, a, "POST", "/keys", NULL, "{\"role\":\"admin\",\"role\":\"viewer\"}", 400,
                 "parse_error");
    const char *text[] = {"Content-Type: text/plain", NULL};
    expect_error(&s, a, "POST", "/keys", text, "{\"role\":\"viewer\"}", 415,
                 "unsupported_media_type");
    j = expect(&s, a, "GET", "/keys", NULL, 200);
    assert_int_equal(h_num(j, "total"), 3); /* only the valid one was added */
    json_decref(j);

    /* DELETE: only A's keys, positive ids, once. */
    char bpath[64];
    snprintf(bpath, sizeof(bpath), "/keys/%lld", (long long)b_id);
    expect_error(&s, a, "DELETE", bpath, NULL, NULL, 404, "not_found");
    check(&s, b, "GET", "/offers", NULL, 200);
    expect_error(&s, a, "DELETE", "/keys/abc", NULL, NULL, 400, "invalid");
    expect_error(&s, a, "DELETE", "/keys/0", NULL, NULL, 400, "invalid");
    expect_error(&s, a, "DELETE", "/keys/" NO_ID, NULL, NULL, 404, "not_found");
    j = expect(&s, a, "DELETE", want_loc, NULL, 200);
    assert_string_equal(h_str(j, "message"), "key revoked");
    json_decref(j);
    expect_error(&s, a, "DELETE", want_loc, NULL, NULL, 409, "conflict");
    j = expect(&s, a, "GET", "/keys", NULL, 200);
    assert_true(json_is_string(
        json_object_get(json_array_get(json_object_get(j, "items"), 1), "revoked_at")));
    json_decref(j);
    expect_error(&s, key, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    stop(&s);
    free(key);
    free(a);
    free(b);
}

/* ---- 7. browsers: Origin, CORS, Host ----------------------------------------------------------
 */

/*
 * A POST, PUT, PATCH or DELETE whose Origin is neither the server's own
 * (http://<Host>) nor configured is 403 JSON, in open mode and with a valid
 * key; GETs from a foreign origin still work but carry no
 * Access-Control-Allow-Origin.
 */
static void test_auth__foreign_origin_refused(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_CORS_ORIGINS=https://app.example, http://tools.example:8080",
                         NULL};
    struct srv s;
    start(&s, "origin.db", NULL, env);
    check(&s, NULL, "POST", "/offers", h_example_offer(), 201);
    char own[64], own_localhost[64], host_localhost[64];
    snprintf(own, sizeof(own), "Origin: http://127.0.0.1:%d", s.port);
    snprintf(own_localhost, sizeof(own_localhost), "Origin: http://localhost:%d", s.port);
    snprintf(host_localhost, sizeof(host_localhost), "Host: localhost:%d", s.port);
    const char *const foreign[] = {
        "Origin: http://evil.example",
        "Origin: null",
        "Origin: https://app.example.evil.example",
        "Origin: https://app.exampl",
        "Origin: http://app.example",        /* the scheme is part of the origin */
        "Origin: http://tools.example:8081", /* so is the port */
        "Origin: http://127.0.0.1",          /* another port of this host */
        own_localhost,                       /* another host name than the request's */
    };
    const struct {
        const char *method, *path;
    } writes[] = {
        {"POST", "/offers"},     {"POST", "/offer"},    {"POST", "/score"},
        {"POST", "/jobs"},       {"POST", "/keys"},     {"POST", "/uploads"},
        {"DELETE", "/offers/1"}, {"DELETE", "/jobs/1"}, {"PUT", "/offers/1"},
        {"PATCH", "/offers/1"},  {"PUT", "/keys"},      {"PATCH", "/results"},
    };
    for (size_t o = 0; o < sizeof(foreign) / sizeof(foreign[0]); o++) {
        for (size_t w = 0; w < sizeof(writes) / sizeof(writes[0]); w++) {
            const char *h[] = {foreign[o], NULL};
            const char *body = strcmp(writes[w].path, "/offers") == 0 ? h_example_offer() : NULL;
            expect_error(&s, NULL, writes[w].method, writes[w].path, h, body, 403,
                         "forbidden_origin");
        }
    }
    /* Nothing was deleted or added. */
    json_t *j = expect(&s, NULL, "GET", "/offers", NULL, 200);
    assert_int_equal(h_num(j, "total"), 1);
    json_decref(j);

    /* The server's own origin may write. */
    const char *h_own[] = {own, NULL};
    struct resp r;
    send_req(&s, NULL, "POST", "/offers", h_own, h_example_offer(), &r);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    const char *h_loc[] = {own_localhost, host_localhost, NULL};
    send_req(&s, NULL, "POST", "/offers", h_loc, h_example_offer(), &r);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);

    /* Reads from anywhere work, but a foreign page cannot read them. */
    const char *h_evil[] = {"Origin: http://evil.example", NULL};
    send_req(&s, NULL, "GET", "/offers", h_evil, NULL, &r);
    assert_int_equal(r.status, 200);
    char *acao = h_header(&r, "Access-Control-Allow-Origin");
    assert_null(acao);
    h_resp_free(&r);

    /* With keys, the same: a valid key does not make a foreign origin acceptable. */
    j = expect(&s, NULL, "POST", "/keys", "{\"role\":\"admin\"}", 201);
    char *key = strdup(h_str(j, "key"));
    json_decref(j);
    expect_error(&s, key, "POST", "/offers", h_evil, h_example_offer(), 403, "forbidden_origin");
    expect_error(&s, key, "DELETE", "/offers/1", h_evil, NULL, 403, "forbidden_origin");
    send_req(&s, key, "POST", "/offers", h_own, h_example_offer(), &r);
    assert_int_equal(r.status, 201);
    h_resp_free(&r);
    send_req(&s, key, "GET", "/offers", h_evil, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(h_header(&r, "Access-Control-Allow-Origin"));
    h_resp_free(&r);
    stop(&s);
    free(key);
}

/* Asserts a header of r holds want (case-insensitive name). */
static void header_has(const struct resp *r, const char *name, const char *want)
{
    char *v = h_header(r, name);
    if (v == NULL || !has(v, want)) {
        print_error("%s: \"%s\", want it to hold \"%s\"\n", name, v ? v : "(none)", want);
        fail();
    }
    free(v);
}

/*
 * A configured origin gets CORS: its OPTIONS preflight is 204 with
 * Access-Control-Allow-Origin, -Methods, -Headers and -Max-Age (no key
 * needed, even in protected mode), and its real requests, errors included,
 * carry Access-Control-Allow-Origin and Vary: Origin. A preflight from an
 * unlisted origin is 403.
 */
static void test_auth__cors_for_configured_origins(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "cors.db");
    char *key = key_new(db, "A", "admin", NULL);
    const char *env[] = {"LEADSCORE_CORS_ORIGINS=https://app.example, http://tools.example:8080",
                         NULL};
    struct srv s;
    start(&s, "cors.db", NULL, env);
    const char *origins[] = {"https://app.example", "http://tools.example:8080"};
    for (int o = 0; o < 2; o++) {
        char origin[80];
        snprintf(origin, sizeof(origin), "Origin: %s", origins[o]);
        const char *pre[] = {origin, "Access-Control-Request-Method: POST",
                             "Access-Control-Request-Headers: authorization, content-type", NULL};
        const char *paths[] = {"/offers", "/score", "/keys", "/jobs/1"};
        for (size_t p = 0; p < 4; p++) {
            struct resp r;
            send_req(&s, NULL, "OPTIONS", paths[p], pre, NULL, &r);
            assert_int_equal(r.status, 204);
            header_has(&r, "Access-Control-Allow-Origin", origins[o]);
            header_has(&r, "Access-Control-Allow-Methods", p == 3 ? "DELETE" : "POST");
            header_has(&r, "Access-Control-Allow-Headers", "Authorization");
            header_has(&r, "Access-Control-Allow-Headers", "Content-Type");
            char *age = h_header(&r, "Access-Control-Max-Age");
            assert_non_null(age);
            assert_true(strtol(age, NULL, 10) > 0);
            free(age);
            h_resp_free(&r);
        }
        const char *h[] = {origin, NULL};
        struct resp r;
        send_req(&s, key, "POST", "/offers", h, h_example_offer(), &r);
        assert_int_equal(r.status, 201);
        header_has(&r, "Access-Control-Allow-Origin", origins[o]);
        header_has(&r, "Vary", "Origin");
        h_resp_free(&r);
        send_req(&s, key, "GET", "/offers", h, NULL, &r);
        assert_int_equal(r.status, 200);
        header_has(&r, "Access-Control-Allow-Origin", origins[o]);
        header_has(&r, "Vary", "Origin");
        h_resp_free(&r);
        send_req(&s, key, "GET", "/offers/" NO_ID, h, NULL, &r);
        assert_int_equal(r.status, 404);
        header_has(&r, "Access-Control-Allow-Origin", origins[o]);
        h_resp_free(&r);
        send_req(&s, NULL, "GET", "/offers", h, NULL, &r); /* a 401 the page can read */
        assert_int_equal(r.status, 401);
        header_has(&r, "Access-Control-Allow-Origin", origins[o]);
        h_resp_free(&r);
    }
    const char *unlisted[] = {"Origin: http://evil.example", "Access-Control-Request-Method: POST",
                              NULL};
    expect_error(&s, NULL, "OPTIONS", "/offers", unlisted, NULL, 403, "forbidden_origin");
    const char *null_origin[] = {"Origin: null", "Access-Control-Request-Method: DELETE", NULL};
    expect_error(&s, NULL, "OPTIONS", "/offers/1", null_origin, NULL, 403, "forbidden_origin");
    stop(&s);
    free(key);
}

/*
 * The Host header must name the bind address, localhost or an entry of
 * LEADSCORE_ALLOWED_HOSTS; anything else, as a DNS-rebinding page sends, is
 * 421 JSON, before any access decision. An absolute-form target names the
 * host too.
 */
static void test_auth__host_check(void **state)
{
    (void)state;
    const char *env[] = {"LEADSCORE_ALLOWED_HOSTS=leads.internal, Other.Example", NULL};
    struct srv s;
    start(&s, "host.db", NULL, env);
    char ok[6][80], bad[7][80];
    snprintf(ok[0], 80, "Host: 127.0.0.1:%d", s.port);
    snprintf(ok[1], 80, "Host: localhost:%d", s.port);
    snprintf(ok[2], 80, "Host: LOCALHOST");
    snprintf(ok[3], 80, "Host: leads.internal:%d", s.port);
    snprintf(ok[4], 80, "Host: other.example");
    snprintf(ok[5], 80, "Host: LEADS.INTERNAL");
    snprintf(bad[0], 80, "Host: attacker.example:%d", s.port);
    snprintf(bad[1], 80, "Host: 127.0.0.2:%d", s.port);
    snprintf(bad[2], 80, "Host: localhost.attacker.example:%d", s.port);
    snprintf(bad[3], 80, "Host: leads.internal.attacker.example");
    snprintf(bad[4], 80, "Host: 127.0.0.1.attacker.example:%d", s.port);
    snprintf(bad[5], 80, "Host: [::1]:%d", s.port);
    snprintf(bad[6], 80, "Host: attacker.example:%d", s.port);
    for (int i = 0; i < 6; i++) {
        const char *h[] = {ok[i], NULL};
        struct resp r;
        send_req(&s, NULL, "GET", "/offers", h, NULL, &r);
        if (r.status != 200)
            fail_msg("%s: %ld", ok[i], r.status);
        h_resp_free(&r);
    }
    for (int i = 0; i < 7; i++) {
        const char *h[] = {bad[i], NULL};
        expect_error(&s, NULL, "GET", "/offers", h, NULL, 421, "misdirected_request");
        expect_error(&s, NULL, "GET", "/healthz", h, NULL, 421, "misdirected_request");
        expect_error(&s, NULL, "POST", "/offers", h, h_example_offer(), 421, "misdirected_request");
    }
    char text[400];
    snprintf(text, sizeof(text),
             "GET http://attacker.example:%d/offers HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
             "Connection: close\r\n\r\n",
             s.port, s.port);
    long status;
    char *reply = raw(&s, text, &status);
    assert_int_equal(status, 421);
    free(reply);

    /* In protected mode the Host check still comes first: 421, not 401. */
    json_t *j = expect(&s, NULL, "POST", "/keys", "{\"role\":\"admin\"}", 201);
    json_decref(j);
    const char *h[] = {bad[0], NULL};
    expect_error(&s, NULL, "GET", "/offers", h, NULL, 421, "misdirected_request");
    stop(&s);
}

/*
 * POST /score and POST /jobs take a body only as application/json (415
 * otherwise, the way an HTML form posts), and no body only without an
 * Origin header, which a browser always sends.
 */
static void test_auth__score_body_rules(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "score-body.db", NULL, NULL);
    int64_t ids[3];
    make_data(&s, NULL, "Slead", ids);
    char own[64];
    snprintf(own, sizeof(own), "Origin: http://127.0.0.1:%d", s.port);
    const char *routes[] = {"/score", "/jobs"};
    const long ok_status[] = {200, 202};
    for (int i = 0; i < 2; i++) {
        const char *plain[] = {"Content-Type: text/plain", NULL};
        const char *form[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
        const char *multi[] = {"Content-Type: multipart/form-data; boundary=x", NULL};
        const char *none[] = {"Content-Type:", NULL};
        const char *jsonx[] = {"Content-Type: application/jsonx", NULL};
        const char *own_plain[] = {own, "Content-Type: text/plain", NULL};
        const char *own_only[] = {own, NULL};
        const char *const *refused[] = {plain, form, multi, none, jsonx, own_plain};
        for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
            expect_error(&s, NULL, "POST", routes[i], refused[k], "{}", 415,
                         "unsupported_media_type");
        expect_error(&s, NULL, "POST", routes[i], own_only, NULL, 415, "unsupported_media_type");
        struct resp r;
        const char *charset[] = {"Content-Type: application/json; charset=utf-8", NULL};
        send_req(&s, NULL, "POST", routes[i], charset, "{}", &r);
        assert_int_equal(r.status, ok_status[i]);
        h_resp_free(&r);
        send_req(&s, NULL, "POST", routes[i], own_only, "{}", &r);
        assert_int_equal(r.status, ok_status[i]);
        h_resp_free(&r);
        send_req(&s, NULL, "POST", routes[i], NULL, NULL, &r); /* curl -X POST */
        assert_int_equal(r.status, ok_status[i]);
        h_resp_free(&r);
    }
    /* The same with a raw body and no Content-Type at all. */
    char text[300];
    snprintf(text, sizeof(text),
             "POST /score HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 2\r\n"
             "Connection: close\r\n\r\n{}",
             s.port);
    long status;
    char *reply = raw(&s, text, &status);
    assert_int_equal(status, 415);
    free(reply);
    stop(&s);
}

/* ---- 8. secrets ---------------------------------------------------------------------------- */

/*
 * After keys were created (CLI and POST /keys) and used - valid, wrong,
 * malformed, revoked, on good and bad requests - neither a key nor any
 * Authorization value appears in the server's log (at debug level) or in any
 * reply but the one that created the key.
 */
static void test_auth__secrets_stay_out_of_logs_and_replies(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "secrets.db");
    int64_t cli_id;
    char *keys[4];
    keys[0] = key_new(db, "S", "admin", &cli_id);
    const char *env[] = {"LEADSCORE_LOG_LEVEL=debug", NULL};
    struct srv s;
    start(&s, "secrets.db", NULL, env);
    struct resp r;
    const char *roles[] = {"member", "viewer", "admin"};
    for (int i = 1; i < 4; i++) {
        char body[64];
        snprintf(body, sizeof(body), "{\"role\":\"%s\"}", roles[i - 1]);
        const char *h[3] = {"Content-Type: application/json", NULL, NULL};
        char auth[120];
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", keys[0]);
        h[1] = auth;
        /* The creation reply, and only it, holds the key: not in the transcript. */
        assert_int_equal(h_http(&s, "POST", "/keys", h, body, strlen(body), &r), 0);
        assert_int_equal(r.status, 201);
        json_t *j = h_json(&r);
        keys[i] = strdup(h_str(j, "key"));
        json_decref(j);
        h_resp_free(&r);
    }
    int64_t ids[3];
    make_data(&s, keys[1], "Secret", ids);
    char path[64];
    snprintf(path, sizeof(path), "/jobs/%lld/results/export", (long long)ids[2]);
    for (int i = 0; i < 4; i++) {
        check(&s, keys[i], "GET", "/offers", NULL, 200);
        check(&s, keys[i], "GET", path, NULL, 200);
        check(&s, keys[i], "GET", "/healthz", NULL, 200);
        check(&s, keys[i], "GET", "/offers/" NO_ID, NULL, 404);
        check(&s, keys[i], "GET", "/offers?bogus=1", NULL, 400);
        check(&s, keys[i], "POST", "/offers", "{\"name\":", i == 2 ? 403 : 400);
        check(&s, keys[i], "GET", "/metrics", NULL, 200);
    }
    check(&s, keys[2], "DELETE", "/offers/1", NULL, 403);
    check(&s, keys[0], "GET", "/keys", NULL, 200);
    assert_int_equal(key_revoke_cli(db, cli_id), 0);
    char wrong[KEY_CHARS + 1];
    snprintf(wrong, sizeof(wrong), "lsk_%048d", 7);
    const char *basic = "Basic c2VjcmV0dXNlcjpzZWNyZXRwYXNzd29yZA==";
    char h_basic[100];
    snprintf(h_basic, sizeof(h_basic), "Authorization: %s", basic);
    const char *hb[] = {h_basic, NULL};
    for (int i = 0; i < 3; i++) {
        check(&s, wrong, "GET", "/offers", NULL, 401);
        send_req(&s, NULL, "GET", "/offers", hb, NULL, &r);
        assert_int_equal(r.status, 401);
        h_resp_free(&r);
        char longer[KEY_CHARS + 8];
        snprintf(longer, sizeof(longer), "%sabc", keys[1]);
        check(&s, longer, "GET", "/offers", NULL, 401);
    }
    ls_sleep_ms(1100); /* the CLI's revocation has reached the server */
    check(&s, keys[0], "GET", "/offers", NULL, 401);
    stop(&s);

    char *log = h_srv_log(&s);
    size_t log_len = strlen(log);
    assert_non_null(strstr(log, "event=http.request")); /* it did log the requests */
    pthread_mutex_lock(&seen_mu);
    for (int i = 0; i < 4; i++) {
        assert_false(leaks(log, log_len, keys[i]));
        assert_false(leaks(seen, seen_len, keys[i]));
    }
    assert_false(leaks(log, log_len, wrong));
    assert_false(leaks(seen, seen_len, wrong));
    assert_false(has(log, "c2VjcmV0dXNlcjpzZWNyZXRwYXNzd29yZA"));
    assert_false(has_bytes(seen, seen_len, "c2VjcmV0dXNlcjpzZWNyZXRwYXNzd29yZA", 34));
    assert_false(has(log, "Bearer lsk_"));
    pthread_mutex_unlock(&seen_mu);
    free(log);
    for (int i = 0; i < 4; i++)
        free(keys[i]);
}

/* ---- 9. public routes ------------------------------------------------------------------------ */

/*
 * GET /healthz is public and says nothing about data (only status, version,
 * AI provider, store, auth mode, uptime: no counts, ids, names); GET /metrics
 * needs a key unless LEADSCORE_METRICS_PUBLIC=1, and holds no names either.
 */
static void test_auth__healthz_public_metrics_gated(void **state)
{
    (void)state;
    char db[600];
    h_path(db, sizeof(db), "public.db");
    char *key = key_new(db, "ws-zanzibar", "admin", NULL);
    struct srv s;
    start(&s, "public.db", NULL, NULL);
    check(&s, key, "POST", "/offers",
          "{\"name\":\"Quetzal Offer\",\"value_props\":[\"a\"],\"ideal_use_cases\":[\"b\"]}", 201);
    char *csv = leads_csv("Xylophone", 3);
    upload(&s, key, csv);
    free(csv);
    check(&s, key, "POST", "/score", NULL, 200);
    struct resp r;
    send_req(&s, NULL, "GET", "/healthz", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    json_t *j = h_json(&r);
    static const char *const allowed[] = {"status",       "version", "ai",      "store",
                                          "store_status", "auth",    "uptime_s"};
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
            known = known || strcmp(k, allowed[i]) == 0;
        if (!known)
            fail_msg("/healthz tells \"%s\"", k);
    }
    json_object_foreach(json_object_get(j, "ai"), k, v)
    {
        if (strcmp(k, "provider") != 0 && strcmp(k, "model") != 0)
            fail_msg("/healthz tells ai.%s", k);
    }
    json_decref(j);
    const char *names[] = {"zanzibar", "Quetzal", "Xylophone", "lsk_", ".db"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_false(has(r.body, names[i]));
    h_resp_free(&r);
    check(&s, NULL, "GET", "/openapi.json", NULL, 200);
    expect_error(&s, NULL, "GET", "/metrics", NULL, NULL, 401, "unauthorized");
    send_req(&s, key, "GET", "/metrics", NULL, NULL, &r);
    assert_int_equal(r.status, 200);
    for (size_t i = 0; i < 4; i++)
        assert_false(has(r.body, names[i]));
    h_resp_free(&r);
    stop(&s);

    const char *env[] = {"LEADSCORE_METRICS_PUBLIC=1", NULL};
    assert_int_equal(serve(&s, "127.0.0.1", db, NULL, env), 0);
    check(&s, NULL, "GET", "/metrics", NULL, 200);
    expect_error(&s, NULL, "GET", "/offers", NULL, NULL, 401, "unauthorized");
    expect_error(&s, "lsk_000000000000000000000000000000000000000000000000", "GET", "/metrics",
                 NULL, NULL, 401, "unauthorized");
    stop(&s);
    free(key);
}

/*
 * Last: no reply of any test above, but the replies that created keys, held
 * anything key-shaped (each server's log was checked as it stopped).
 */
static void test_auth__no_reply_held_a_key(void **state)
{
    (void)state;
    pthread_mutex_lock(&seen_mu);
    bool bad = key_shaped(seen, seen_len);
    size_t n = seen_len;
    pthread_mutex_unlock(&seen_mu);
    assert_true(n > 100000); /* the transcript did record the tests' replies */
    assert_true(key_shaped("{\"key\":\"lsk_0123456789\"}", 24)); /* and the check bites */
    assert_false(key_shaped("{\"prefix\":\"lsk_01234567\"}", 26));
    assert_false(bad);
}

int main(void)
{
    setenv("LS_HTTP_TIMEOUT_S", "60", 0); /* every request of the harness is bounded */
    curl_global_init(CURL_GLOBAL_DEFAULT);
#define T(name) cmocka_unit_test_teardown(name, kill_leftovers)
    const struct CMUnitTest tests[] = {
        T(test_auth__open_on_loopback_without_keys),
        T(test_auth__refuses_open_off_loopback),
        T(test_auth__cli_key_protects_running_server),
        T(test_auth__http_key_protects_at_once),
        T(test_auth__revoking_every_key_stays_protected),
        T(test_auth__keys_random_and_shown_once),
        T(test_auth__keys_stored_only_as_hash),
        T(test_auth__cli_contract),
        T(test_auth__bad_credentials_are_401),
        T(test_auth__revoked_by_cli_within_1500ms),
        T(test_auth__revoked_by_http_at_once),
        T(test_auth__key_cache_never_outlives_a_change),
        T(test_auth__roles_gate_every_route),
        T(test_auth__roles_with_data),
        T(test_auth__workspaces_isolate_data),
        T(test_auth__busy_ids_of_other_workspaces_are_404),
        T(test_auth__current_is_per_workspace),
        T(test_auth__keys_over_http),
        T(test_auth__foreign_origin_refused),
        T(test_auth__cors_for_configured_origins),
        T(test_auth__host_check),
        T(test_auth__score_body_rules),
        T(test_auth__secrets_stay_out_of_logs_and_replies),
        T(test_auth__healthz_public_metrics_gated),
        T(test_auth__no_reply_held_a_key),
    };
#undef T
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(seen);
    curl_global_cleanup();
    return rc;
}
