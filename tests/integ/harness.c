/* harness.c - integration-test helpers (see harness.h). */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ls_test.h"

extern char **environ;

/* execve takes char *const[] but never writes: drop const the one sanctioned way. */
static char *unconst(const char *s)
{
    return (char *)(uintptr_t)s;
}

static char tmpdir[256];

const char *h_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof(tmpdir), "%s/ls-test-XXXXXX", base && *base ? base : "/tmp");
        if (mkdtemp(tmpdir) == NULL) {
            perror("mkdtemp");
            abort();
        }
    }
    return tmpdir;
}

void h_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", h_tmpdir(), name);
}

const char *h_repo(void)
{
    const char *r = getenv("LEADSCORE_REPO");
    return r && *r ? r : ".";
}

static const char *bin(void)
{
    const char *b = getenv("LEADSCORE_BIN");
    return b && *b ? b : "build/asan/leadscore";
}

void h_write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror(path);
        abort();
    }
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

char *h_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    size_t got;
    while ((got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
        }
    }
    fclose(f);
    p[n] = '\0';
    if (len)
        *len = n;
    return p;
}

/* Builds envp: the current environment plus extra (which wins). */
static char **make_env(const char *const *extra)
{
    size_t n = 0, m = 0;
    while (environ[n])
        n++;
    while (extra && extra[m])
        m++;
    char **envp = calloc(n + m + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool overridden = false;
        for (size_t j = 0; j < m; j++) {
            const char *eq = strchr(extra[j], '=');
            size_t kl = eq ? (size_t)(eq - extra[j]) : strlen(extra[j]);
            if (strncmp(environ[i], extra[j], kl) == 0 && environ[i][kl] == '=')
                overridden = true;
        }
        if (!overridden)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        envp[k++] = unconst(extra[j]);
    envp[k] = NULL;
    return envp;
}

char *h_srv_log(const struct srv *s)
{
    return h_read_file(s->log, NULL);
}

int h_srv_start(struct srv *s, const char *db, const char *const *env)
{
    static int seq;
    memset(s, 0, sizeof(*s));
    snprintf(s->db, sizeof(s->db), "%s", db);
    snprintf(s->log, sizeof(s->log), "%s/server-%d-%d.log", h_tmpdir(), (int)getpid(), ++seq);
    char **envp = make_env(env);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        close(fd);
        execle(bin(), bin(), "serve", "--host", "127.0.0.1", "--port", "0", "--db", db,
               (char *)NULL, envp);
        perror("exec");
        _exit(127);
    }
    free(envp);
    s->pid = pid;
    for (int i = 0; i < 500; i++) { /* up to 10 s: ASan start-up is slow */
        char *log = h_read_file(s->log, NULL);
        char *p = log ? strstr(log, "event=server.listening") : NULL;
        char *port = p ? strstr(p, "port=") : NULL;
        if (port) {
            s->port = atoi(port + 5);
            free(log);
            return 0;
        }
        free(log);
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            char *l = h_read_file(s->log, NULL);
            fprintf(stderr, "server exited early:\n%s\n", l ? l : "");
            free(l);
            s->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "server did not start\n");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    s->pid = 0;
    return -1;
}

int h_srv_start_fake(struct srv *s, const char *name, const char *const *extra)
{
    char base[128], db[600];
    const char *env[24];
    size_t n = 0;
    snprintf(base, sizeof(base), "GEMINI_BASE_URL=%s", h_fake.url);
    env[n++] = base;
    env[n++] = "GEMINI_API_KEY=your-key-here";
    env[n++] = "LEADSCORE_AI_PROVIDER=gemini";
    for (size_t i = 0; extra && extra[i] && n < 23; i++)
        env[n++] = extra[i];
    env[n] = NULL;
    h_path(db, sizeof(db), name);
    return h_srv_start(s, db, env);
}

int h_srv_start_wire(struct srv *s, const char *name, const char *wire, const char *const *extra)
{
    char base[128], db[600];
    const char *env[32];
    size_t n = 0;
    bool gemini = strcmp(wire, "gemini") == 0;
    for (size_t i = 0; extra && extra[i] && n < 28; i++)
        env[n++] = extra[i];
    snprintf(base, sizeof(base), "%s_BASE_URL=%s%s", gemini ? "GEMINI" : "OPENAI", h_fake.url,
             gemini ? "" : "/v1");
    env[n++] = base;
    env[n++] = gemini ? "GEMINI_API_KEY=your-key-here" : "OPENAI_MODEL=fake-model";
    env[n++] = gemini ? "LEADSCORE_AI_PROVIDER=gemini" : "LEADSCORE_AI_PROVIDER=openai";
    env[n] = NULL;
    h_path(db, sizeof(db), name);
    return h_srv_start(s, db, env);
}

int h_srv_stop(struct srv *s, int sig)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    int status = 0;
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct resp *r = ud;
    size_t len = size * n;
    r->body = realloc(r->body, r->len + len + 1);
    memcpy(r->body + r->len, p, len);
    r->len += len;
    r->body[r->len] = '\0';
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    char **h = ud;
    size_t len = size * n, old = *h ? strlen(*h) : 0;
    *h = realloc(*h, old + len + 1);
    memcpy(*h + old, p, len);
    (*h)[old + len] = '\0';
    return len;
}

/* ---- response recording (LS_RESPONSE_LOG, for tests/conformance) ------------------- */

#define RECORD_BODY_MAX (8u << 20) /* larger bodies are recorded without their bytes */

/* The last header block of raw (after any interim 1xx) as {lowercased name: value}. */
static json_t *header_object(const char *raw)
{
    json_t *o = json_object();
    const char *block = raw;
    for (const char *p = raw; p && (p = strstr(p, "\r\n\r\n")) != NULL; p += 4) {
        if (p[4] != '\0')
            block = p + 4;
    }
    const char *line = block ? strstr(block, "\r\n") : NULL; /* skip the status line */
    while (line && line[2] != '\r' && line[2] != '\0') {
        const char *name = line + 2;
        const char *eol = strstr(name, "\r\n");
        const char *colon = memchr(name, ':', eol ? (size_t)(eol - name) : strlen(name));
        if (eol == NULL || colon == NULL)
            break;
        char key[128];
        size_t kn =
            (size_t)(colon - name) < sizeof(key) - 1 ? (size_t)(colon - name) : sizeof(key) - 1;
        for (size_t i = 0; i < kn; i++)
            key[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
        key[kn] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        json_t *value = json_stringn(v, (size_t)(eol - v));
        if (value)
            json_object_set_new(o, key, value);
        line = eol;
    }
    return o;
}

/* A gzip body decoded (owned: free), or NULL when it does not decode within the cap. */
static char *gunzip(const char *in, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return NULL;
    char *out = malloc(RECORD_BODY_MAX + 1);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = RECORD_BODY_MAX;
    int rc = inflate(&z, Z_FINISH);
    *out_len = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

json_t *h_record_json(const char *method, const char *path, const struct resp *r)
{
    json_t *headers = header_object(r->headers);
    const char *ct = json_string_value(json_object_get(headers, "content-type"));
    const char *te = json_string_value(json_object_get(headers, "transfer-encoding"));
    const char *ce = json_string_value(json_object_get(headers, "content-encoding"));
    json_t *line = json_pack("{s:s, s:s, s:i, s:s?, s:b}", "method", method, "path", path, "status",
                             (int)r->status, "content_type", ct, "streamed",
                             te && strcasecmp(te, "chunked") == 0);
    json_object_set_new(line, "headers", headers);
    /* A gzip body is recorded as what it encodes: the schema is about that. */
    size_t plain_len = 0;
    char *plain = ce && strcasecmp(ce, "gzip") == 0 ? gunzip(r->body, r->len, &plain_len) : NULL;
    json_t *body = plain                       ? json_stringn(plain, plain_len)
                   : r->len <= RECORD_BODY_MAX ? json_stringn(r->body, r->len)
                                               : NULL;
    free(plain);
    json_object_set_new(line, "body", body ? body : json_null());
    json_object_set_new(line, "body_len", json_integer((json_int_t)r->len));
    if (body == NULL)
        json_object_set_new(line, r->len > RECORD_BODY_MAX ? "truncated" : "binary", json_true());
    return line;
}

/*
 * Appends h_record_json's line to $LS_RESPONSE_LOG when it is set, with one
 * write on an O_APPEND descriptor, so that test binaries and threads can
 * share the file.
 */
static void record(const char *method, const char *path, const struct resp *r)
{
    const char *log = getenv("LS_RESPONSE_LOG");
    if (log == NULL || *log == '\0')
        return;
    json_t *line = h_record_json(method, path, r);
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (text == NULL)
        return;
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: written by length below */
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, text, n + 1) != (ssize_t)(n + 1))
            fprintf(stderr, "harness: short write to %s\n", log);
        close(fd);
    }
    free(text);
}

static int perform(CURL *c, struct curl_slist *hl, struct resp *out)
{
    memset(out, 0, sizeof(*out));
    out->body = calloc(1, 1);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    const char *t = getenv("LS_HTTP_TIMEOUT_S"); /* benchmarks wait longer than tests */
    curl_easy_setopt(c, CURLOPT_TIMEOUT, t && *t ? atol(t) : 120L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        fprintf(stderr, "curl: %s\n", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    return 0;
}

static int http_do(const struct srv *s, const char *method, const char *path,
                   const char *const *headers, const char *body, size_t len, struct resp *out,
                   bool is_recorded)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    int rc = perform(c, hl, out);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (rc == 0 && is_recorded)
        record(method, path, out);
    return rc;
}

int h_http(const struct srv *s, const char *method, const char *path, const char *const *headers,
           const char *body, size_t len, struct resp *out)
{
    return http_do(s, method, path, headers, body, len, out, true);
}

int h_upload(const struct srv *s, const char *path, const char *file, const char *field,
             struct resp *out)
{
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, field ? field : "file");
    curl_mime_filedata(part, file);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    int rc = perform(c, hl, out);
    curl_slist_free_all(hl);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    if (rc == 0)
        record("POST", path, out);
    return rc;
}

int h_post_json(const struct srv *s, const char *path, const char *json, struct resp *out)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    return h_http(s, "POST", path, h, json, strlen(json), out);
}

json_t *h_json(const struct resp *r)
{
    json_error_t e;
    return json_loadb(r->body, r->len, 0, &e);
}

const char *h_str(const json_t *j, const char *k)
{
    const char *v = json_string_value(json_object_get(j, k));
    return v ? v : "";
}

json_int_t h_num(const json_t *j, const char *k)
{
    return json_integer_value(json_object_get(j, k));
}

char *h_header(const struct resp *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            return strndup(v, (size_t)(eol - v));
        }
        p = eol + 2;
    }
    return NULL;
}

void h_resp_free(struct resp *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof(*r));
}

static char *drain(int fd)
{
    size_t cap = 4096, n = 0;
    char *p = malloc(cap + 1);
    ssize_t got;
    while ((got = read(fd, p + n, cap - n)) > 0) {
        n += (size_t)got;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
        }
    }
    p[n] = '\0';
    return p;
}

int h_run_cli(const char *const *argv, const char *const *env, char **out, char **err)
{
    return h_run_cli_in(NULL, argv, env, out, err);
}

int h_run_cli_in(const char *dir, const char *const *argv, const char *const *env, char **out,
                 char **err)
{
    char binpath[1024];
    /* The binary path may be relative to where the tests run, not to dir. */
    if (bin()[0] != '/' && getcwd(binpath, sizeof(binpath)) != NULL) {
        size_t l = strlen(binpath);
        snprintf(binpath + l, sizeof(binpath) - l, "/%s", bin());
    } else {
        snprintf(binpath, sizeof(binpath), "%s", bin());
    }
    char outp[600], errp[600];
    static int seq;
    snprintf(outp, sizeof(outp), "%s/cli-%d.out", h_tmpdir(), ++seq);
    snprintf(errp, sizeof(errp), "%s/cli-%d.err", h_tmpdir(), seq);
    size_t n = 0;
    while (argv[n])
        n++;
    char **args = calloc(n + 2, sizeof(char *));
    args[0] = binpath;
    for (size_t i = 0; i < n; i++)
        args[i + 1] = unconst(argv[i]);
    char **envp = make_env(env);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fo, STDOUT_FILENO);
        dup2(fe, STDERR_FILENO);
        close(fo);
        close(fe);
        if (dir && chdir(dir) != 0)
            _exit(126);
        execve(binpath, args, envp);
        _exit(127);
    }
    free(args);
    free(envp);
    int status = 0;
    waitpid(pid, &status, 0);
    int fo = open(outp, O_RDONLY), fe = open(errp, O_RDONLY);
    char *o = drain(fo), *e = drain(fe);
    close(fo);
    close(fe);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- the fake model server --------------------------------------------------- */

int h_fake_start(struct fake *f)
{
    const char *b = getenv("FAKE_LLM_BIN");
    char out[600];
    static int seq;
    snprintf(out, sizeof(out), "%s/fake-%d-%d.out", h_tmpdir(), (int)getpid(), ++seq);
    memset(f, 0, sizeof(*f));
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
        const char *bin_path = b && *b ? b : "build/asan/tests/fake_llm";
        execl(bin_path, bin_path, (char *)NULL);
        _exit(127);
    }
    f->pid = pid;
    for (int i = 0; i < 500; i++) {
        char *s = h_read_file(out, NULL);
        char *p = s ? strstr(s, "port=") : NULL;
        if (p) {
            f->port = atoi(p + 5);
            snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->port);
            free(s);
            return 0;
        }
        free(s);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

void h_fake_stop(struct fake *f)
{
    if (f->pid > 0) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
    }
    f->pid = 0;
}

/* The fake's own replies are not leadscore's: never recorded. */
long h_fake_post(const struct fake *f, const char *path, const char *json)
{
    struct srv s = {.port = f->port};
    struct resp r;
    const char *h[] = {"Content-Type: application/json", NULL};
    long status = http_do(&s, "POST", path, h, json, strlen(json), &r, false) == 0 ? r.status : -1;
    h_resp_free(&r);
    return status;
}

json_t *h_fake_get(const struct fake *f, const char *path)
{
    struct srv s = {.port = f->port};
    struct resp r;
    json_t *j = http_do(&s, "GET", path, NULL, NULL, 0, &r, false) == 0 ? h_json(&r) : NULL;
    h_resp_free(&r);
    return j;
}

void h_fake_config(const struct fake *f, const char *json)
{
    h_fake_post(f, "/_fake/config", json);
}

void h_fake_reset(const struct fake *f)
{
    h_fake_post(f, "/_fake/reset", "{}");
}

json_t *h_fake_requests(const struct fake *f)
{
    return h_fake_get(f, "/_fake/requests");
}

const char *h_example_offer(void)
{
    static char *text;
    if (text == NULL) {
        char p[600];
        snprintf(p, sizeof(p), "%s/examples/offer.json", h_repo());
        text = h_read_file(p, NULL);
        if (text == NULL) {
            perror(p);
            abort();
        }
    }
    return text;
}

struct fake h_fake;

int h_fake_group_setup(void **state)
{
    (void)state;
    return h_fake_start(&h_fake);
}

int h_fake_group_teardown(void **state)
{
    (void)state;
    h_fake_stop(&h_fake);
    return 0;
}

int h_fake_each(void **state)
{
    (void)state;
    h_fake_reset(&h_fake);
    return 0;
}

/* ---- raw sockets ---- */

int h_raw_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

bool h_raw_send(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

long h_raw_reply(int fd, char **body)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    long clen = -1;
    for (;;) {
        if (end && clen >= 0 && n >= (size_t)(end + 4 - buf) + (size_t)clen)
            break;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t got = recv(fd, buf + n, cap - n, 0);
        if (got <= 0)
            break;
        n += (size_t)got;
        buf[n] = '\0';
        if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            const char *cl = strstr(buf, "Content-Length: ");
            clen = cl && cl < end ? atol(cl + 16) : 0;
        }
    }
    buf[n] = '\0';
    long status = strncmp(buf, "HTTP/1.1 ", 9) == 0 ? atol(buf + 9) : -1;
    *body = strdup(end ? end + 4 : "");
    free(buf);
    return status;
}

/* ---- checks ---- */

json_t *h_call_with(const struct srv *s, const char *method, const char *path,
                    const char *const *headers, const char *body, long want, char **location)
{
    struct resp r;
    assert_int_equal(h_http(s, method, path, headers, body, body ? strlen(body) : 0, &r), 0);
    if (r.status != want) {
        print_error("%s %s: %ld %s\n", method, path, r.status, r.body);
        fail();
    }
    if (location)
        *location = h_header(&r, "Location");
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}

json_t *h_call_loc(const struct srv *s, const char *method, const char *path, const char *json,
                   long want, char **location)
{
    const char *h[] = {"Content-Type: application/json", NULL};
    return h_call_with(s, method, path, json ? h : NULL, json, want, location);
}

json_t *h_call(const struct srv *s, const char *method, const char *path, const char *json,
               long want)
{
    return h_call_loc(s, method, path, json, want, NULL);
}

void h_get(const struct srv *s, const char *path, const char *const *headers, long want,
           struct resp *out)
{
    assert_int_equal(h_http(s, "GET", path, headers, NULL, 0, out), 0);
    if (out->status != want) {
        print_error("GET %s: %ld, want %ld: %.300s\n", path, out->status, want, out->body);
        fail();
    }
}

json_t *h_upload_text(const struct srv *s, const char *path, const char *name, const char *text,
                      size_t len, long want)
{
    char file[600];
    struct resp r;
    h_path(file, sizeof(file), name);
    h_write_file(file, text, len);
    assert_int_equal(h_upload(s, path, file, NULL, &r), 0);
    if (r.status != want) {
        print_error("POST %s (%s): %ld %s\n", path, name, r.status, r.body);
        fail();
    }
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}

int64_t h_upload_csv(const struct srv *s, const char *name, const char *text, size_t len)
{
    json_t *j = h_upload_text(s, "/uploads", name, text, len, 201);
    int64_t id = h_num(j, "upload_id");
    json_decref(j);
    if (id <= 0)
        fail_msg("POST /uploads answered 201 without an upload_id");
    return id;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

json_t *h_wait_job(const struct srv *s, const char *path, int timeout_ms)
{
    /* Polled once more after the deadline, so a slow machine's last sleep is not a failure. */
    for (double end = h_now_s() + timeout_ms / 1000.0;; sleep_ms(50)) {
        bool late = h_now_s() >= end;
        json_t *j = h_call(s, "GET", path, NULL, 200);
        if (j == NULL || !json_is_string(json_object_get(j, "status")))
            fail_msg("GET %s answered 200 without a job status", path);
        const char *st = h_str(j, "status");
        if (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
            return j;
        json_decref(j);
        if (late)
            break;
    }
    fail_msg("%s did not finish in %d ms", path, timeout_ms);
    return NULL;
}

json_t *h_run_job(const struct srv *s, int timeout_ms)
{
    char *loc = NULL;
    json_t *created = h_call_loc(s, "POST", "/jobs", NULL, 202, &loc);
    assert_non_null(created);
    json_decref(created);
    assert_non_null(loc);
    json_t *j = h_wait_job(s, loc, timeout_ms);
    free(loc);
    assert_non_null(j);
    return j;
}

json_t *h_fake_bodies(void)
{
    json_t *log = h_fake_requests(&h_fake);
    if (log == NULL) /* else "nothing was sent" would pass for a fake that did not answer */
        fail_msg("the fake's request log could not be read");
    json_t *out = json_array();
    size_t i;
    json_t *rq;
    json_array_foreach(json_object_get(log, "requests"), i, rq)
    {
        json_error_t e;
        json_t *b = json_loads(h_str(rq, "body"), 0, &e);
        assert_non_null(b);
        json_object_set_new(b, "_status", json_integer(h_num(rq, "status")));
        json_object_set_new(b, "_raw", json_string(h_str(rq, "body")));
        json_array_append_new(out, b);
    }
    json_decref(log);
    return out;
}

void h_contains(const char *what, const char *text, const char *want)
{
    if (strstr(text, want) == NULL)
        fail_msg("%s: \"%s\" does not contain \"%s\"", what, text, want);
}

/* ---- the database file ---- */

int h_sql_exec(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close(db);
    return rc;
}

char *h_sql_text(const char *db_path, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 10000);
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            v = strdup(t ? (const char *)t : "");
        } else if (strstr(sqlite3_errmsg(db), "no such table") == NULL) { /* not created yet */
            fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        }
    } else {
        fprintf(stderr, "%s: cannot open %s\n", sql, db_path);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

int64_t h_sql_int(const char *db_path, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    char *t = h_sql_text(db_path, "%s", sql);
    int64_t v = t ? strtoll(t, NULL, 10) : -1;
    free(t);
    return v;
}

/* ---- the server's log ---- */

bool h_srv_log_has(const struct srv *s, const char *needle)
{
    char *log = h_srv_log(s);
    bool found = log && strstr(log, needle);
    free(log);
    return found;
}

bool h_srv_log_wait(const struct srv *s, const char *needle, int ms)
{
    for (double end = h_now_s() + ms / 1000.0; h_now_s() < end; sleep_ms(20)) {
        if (h_srv_log_has(s, needle))
            return true;
    }
    return false;
}

/* ---- for the benchmarks ---- */

double h_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long h_env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    return v && *v ? atol(v) : dflt;
}

int h_load_files(const struct srv *s, const char *offer_path, const char *csv_path)
{
    struct resp r;
    char *offer = h_read_file(offer_path, NULL);
    if (offer == NULL) {
        perror(offer_path);
        return -1;
    }
    int rc = h_post_json(s, "/offer", offer, &r);
    free(offer);
    if (rc == 0 && r.status == 201) {
        h_resp_free(&r);
        rc = h_upload(s, "/leads/upload", csv_path, NULL, &r);
        if (rc == 0 && r.status == 201) {
            h_resp_free(&r);
            return 0;
        }
    }
    if (rc == 0)
        fprintf(stderr, "harness: loading %s and %s: %ld %s\n", offer_path, csv_path, r.status,
                r.body);
    h_resp_free(&r);
    return -1;
}

json_t *h_score_timed(const struct srv *s, double *seconds)
{
    struct resp r;
    double t0 = h_now_s();
    if (h_http(s, "POST", "/score", NULL, NULL, 0, &r) != 0 || r.status != 200) {
        fprintf(stderr, "%s\n", r.body ? r.body : "");
        h_resp_free(&r);
        return NULL;
    }
    *seconds = h_now_s() - t0;
    json_t *j = h_json(&r);
    h_resp_free(&r);
    return j;
}
