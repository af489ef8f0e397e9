/*
 * harness.h - integration-test helpers: run the real leadscore binary (as a
 * server on a free loopback port, or as a command), talk HTTP to it with
 * libcurl, and read JSON replies. The binary comes from $LEADSCORE_BIN.
 */
#ifndef LS_TEST_HARNESS_H
#define LS_TEST_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct srv {
    pid_t pid;
    int port;
    char db[512];
    char log[512];
};

/* A fresh temporary directory for this test binary (created once). */
const char *h_tmpdir(void);

/* Joins h_tmpdir() and name into a static-per-call buffer the caller copies. */
void h_path(char *out, size_t cap, const char *name);

/*
 * Starts `leadscore serve --port 0 --db db` with extra environment entries
 * ("KEY=value", NULL-terminated; may be NULL). Waits for its listening line.
 * Returns 0 or -1 (the log is printed).
 */
int h_srv_start(struct srv *s, const char *db, const char *const *env);
/*
 * h_srv_start on database name in h_tmpdir(), with the provider set to
 * Gemini at the fake (h_fake), plus extra "KEY=value" entries (may be NULL).
 */
int h_srv_start_fake(struct srv *s, const char *name, const char *const *extra);

/* Sends sig and waits; returns the exit status (or 128+signal). */
int h_srv_stop(struct srv *s, int sig);

/* The server's log so far (owned: free). */
char *h_srv_log(const struct srv *s);

struct resp {
    long status;
    char *body; /* owned, NUL-terminated */
    size_t len;
    char *headers; /* owned, raw header block */
};

/*
 * One request. headers: NULL-terminated "Name: value" list (may be NULL).
 * Returns 0, or -1 on a transport error. When LS_RESPONSE_LOG names a file,
 * h_http, h_upload and h_post_json append the response to it as one JSON
 * line (method, path, status, content_type, headers, body) for
 * tests/conformance; requests to the fake model server are not recorded.
 */
int h_http(const struct srv *s, const char *method, const char *path, const char *const *headers,
           const char *body, size_t len, struct resp *out);

/*
 * A response as the line LS_RESPONSE_LOG gets (new reference): method, path,
 * status, content_type, streamed, headers ({lower-case name: value}), body
 * (a string, or null with "binary" or "truncated": true) and body_len.
 */
json_t *h_record_json(const char *method, const char *path, const struct resp *r);

/* POST a file as multipart field `field` (NULL: "file"). */
int h_upload(const struct srv *s, const char *path, const char *file, const char *field,
             struct resp *out);

/* POST JSON text with Content-Type: application/json. */
int h_post_json(const struct srv *s, const char *path, const char *json, struct resp *out);

/* The parsed body (new reference) or NULL. */
json_t *h_json(const struct resp *r);

/* A response header's value (owned: free) or NULL. Case-insensitive name. */
char *h_header(const struct resp *r, const char *name);

void h_resp_free(struct resp *r);

/* Writes len bytes to path. */
void h_write_file(const char *path, const char *data, size_t len);

/* Reads a whole file (owned: free) or NULL; *len gets its size. */
char *h_read_file(const char *path, size_t *len);

/*
 * Runs the leadscore binary with argv (argv[0] is the first argument after
 * the program), capturing stdout and stderr. Returns the exit status.
 */
int h_run_cli(const char *const *argv, const char *const *env, char **out, char **err);
/* The same, run in directory dir (NULL: the current one). */
int h_run_cli_in(const char *dir, const char *const *argv, const char *const *env, char **out,
                 char **err);

/* Directory of the repository's examples/ and tests/data/. */
const char *h_repo(void);

/* The text of examples/offer.json (static; read once). */
const char *h_example_offer(void);


/* ---- raw sockets, for requests sent in pieces ---- */

/* A connection to 127.0.0.1:port; -1 when it cannot be made. */
int h_raw_connect(int port);
/* Sends all of p; false once the server has stopped reading (it replied and closed). */
bool h_raw_send(int fd, const char *p, size_t len);
/* Reads one reply (framed by Content-Length); its status, *body the body (owned: free). */
long h_raw_reply(int fd, char **body);

/* ---- the fake model server (tests/integ/fake_llm.c, from $FAKE_LLM_BIN) ---- */

struct fake {
    pid_t pid;
    int port;
    char url[64]; /* http://127.0.0.1:PORT */
};

int h_fake_start(struct fake *f);
void h_fake_stop(struct fake *f);
/* POSTs a JSON config (merged into the fake's) or resets it. */
void h_fake_config(const struct fake *f, const char *json);
void h_fake_reset(const struct fake *f);
/* GET /_fake/requests (new reference). */
json_t *h_fake_requests(const struct fake *f);

/* One fake per test binary: cmocka group setup/teardown, and a per-test reset. */
extern struct fake h_fake;
int h_fake_group_setup(void **state);
int h_fake_group_teardown(void **state);
int h_fake_each(void **state);

#endif
