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
#include <stdint.h>
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

/* j's member k as a string (borrowed from j), or "" when it is missing or not a string. */
const char *h_str(const json_t *j, const char *k);
/* j's member k as an integer, or 0 when it is missing or not an integer. */
json_int_t h_num(const json_t *j, const char *k);

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
/* GET path on the fake: the parsed reply (new reference) or NULL. Not recorded. */
json_t *h_fake_get(const struct fake *f, const char *path);
/* POSTs JSON text to path on the fake; the reply's status, or -1. Not recorded. */
long h_fake_post(const struct fake *f, const char *path, const char *json);

/* One fake per test binary: cmocka group setup/teardown, and a per-test reset. */
extern struct fake h_fake;
int h_fake_group_setup(void **state);
int h_fake_group_teardown(void **state);
int h_fake_each(void **state);

/*
 * h_srv_start on database name in h_tmpdir() with the provider set to wire
 * ("gemini" or "openai") at h_fake: <WIRE>_BASE_URL, GEMINI_API_KEY for
 * gemini, OPENAI_MODEL=fake-model for openai, LEADSCORE_AI_PROVIDER. extra
 * ("KEY=value", NULL-terminated; may be NULL) comes first, so it wins
 * (getenv finds the first of equal names). Returns 0 or -1 (the log is printed).
 */
int h_srv_start_wire(struct srv *s, const char *name, const char *wire, const char *const *extra);

/* ---- checks: a failed one fails the running cmocka test (it prints why) ---- */

/*
 * One request whose status must be want. json: the body, sent as
 * application/json (NULL: no body and no Content-Type). Returns the parsed
 * reply (new reference), or NULL when it is not JSON.
 */
json_t *h_call(const struct srv *s, const char *method, const char *path, const char *json,
               long want);
/* h_call, and the reply's Location header in *location (owned: free; NULL when absent). */
json_t *h_call_loc(const struct srv *s, const char *method, const char *path, const char *json,
                   long want, char **location);
/*
 * h_call_loc with the request's headers ("Name: value", NULL-terminated; may
 * be NULL) as given, Content-Type included, and body (may be NULL) sent as it
 * is. location may be NULL.
 */
json_t *h_call_with(const struct srv *s, const char *method, const char *path,
                    const char *const *headers, const char *body, long want, char **location);

/* GET path with headers (NULL-terminated; may be NULL); the status must be want. out: as h_http. */
void h_get(const struct srv *s, const char *path, const char *const *headers, long want,
           struct resp *out);

/*
 * Writes len bytes of text to the file name in h_tmpdir() and POSTs it as the
 * multipart field "file" to path; the status must be want. Returns the parsed
 * reply (new reference), or NULL when it is not JSON.
 */
json_t *h_upload_text(const struct srv *s, const char *path, const char *name, const char *text,
                      size_t len, long want);

/* h_upload_text of a leads CSV to /uploads, which must be 201 with an upload_id; that id. */
int64_t h_upload_csv(const struct srv *s, const char *name, const char *text, size_t len);

/*
 * GETs path (a job; 200 with a "status" or the test fails) every 50 ms until
 * its status is neither queued nor running; returns that job (new reference).
 * Fails after timeout_ms (and one last look).
 */
json_t *h_wait_job(const struct srv *s, const char *path, int timeout_ms);
/*
 * POST /jobs with no body (202, JSON, a Location), then h_wait_job on that
 * Location; the job (new reference), which must be JSON.
 */
json_t *h_run_job(const struct srv *s, int timeout_ms);

/*
 * The bodies h_fake was sent (new reference: an array), each parsed (one that
 * is not JSON fails, as does a fake whose log cannot be read), with the fake's reply status as
 * "_status" and the text as sent as "_raw".
 */
json_t *h_fake_bodies(void);

/* Fails, naming what, unless text contains want. */
void h_contains(const char *what, const char *text, const char *want);

/* ---- the database file, on a connection of its own (busy timeout 10 s) ---- */

/* Runs sql on the existing file db_path; the SQLite result code. */
int h_sql_exec(const char *db_path, const char *sql);
/*
 * The first column of the first row sql (printf format) gives on db_path, as
 * text (owned: free; "" for NULL), or NULL on an error or no row (printed, but
 * for a table not created yet).
 */
char *h_sql_text(const char *db_path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same as an integer (0 for NULL), or -1 on an error or no row. */
int64_t h_sql_int(const char *db_path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the server's log ---- */

/* Whether the server's log holds needle. */
bool h_srv_log_has(const struct srv *s, const char *needle);
/* Whether it does within ms (checked every 20 ms). */
bool h_srv_log_wait(const struct srv *s, const char *needle, int ms);

/* ---- for the benchmarks ---- */

/* Seconds on the monotonic clock. */
double h_now_s(void);
/* The environment variable name as a number, dflt when unset or empty. */
long h_env_long(const char *name, long dflt);
/*
 * POSTs the offer in the file offer_path to /offer and uploads the leads CSV
 * in the file csv_path to /leads/upload. Returns 0, or -1 when either is
 * refused (the reply is printed).
 */
int h_load_files(const struct srv *s, const char *offer_path, const char *csv_path);
/*
 * POST /score with no body, timed: *seconds the wall time. The reply (new
 * reference), or NULL when the request fails or is not 200 (the body printed).
 */
json_t *h_score_timed(const struct srv *s, double *seconds);

#endif
