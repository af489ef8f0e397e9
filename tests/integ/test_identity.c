/*
 * test_identity.c - keeping what came in (issue #9): every lead's lead_id,
 * line, identity fields and extra columns reach the results and the export,
 * so that the export joins back to its input by external_id or email;
 * ?columns= chooses the export's columns; format=csv-excel writes Excel's
 * bytes; a repeated row is marked, counted and scored without a model call,
 * or left out with dedupe=drop; migration 11 keeps old rows readable.
 *
 * The join-back upload here is written through the store, by the same calls
 * the upload handler makes, so that it can hold every kind of value; the
 * vendors' real export files go through POST /uploads and the CLI in
 * test_joinback.c. The duplicates of a CSV upload go through HTTP.
 */
#include "ls_test.h"
#include <csv.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lead.h"
#include "harness.h"
#include "store/store.h"

#define N_ROWS  24
#define N_EXTRA 3

static const char *const extra_names[N_EXTRA] = {"Lead Source", "Owner; Team", "Notes"};

/* One input row: the fields the store gets, and what the export must give back. */
struct row {
    char name[64], role[64], company[64], email[64], url[96], ext_id[32];
    char extra[N_EXTRA][96];
    uint64_t line;
    int dup_of; /* the input row it repeats, -1 when none */
};

static struct row rows[N_ROWS];
static int n_rows;

static const char *const roles[] = {"CEO", "Marketing Manager", "Analyst", "VP of Sales"};

/*
 * 20 distinct leads, then 4 repeats: two by email (its case differs, and so
 * do the company and external id), one by name + company with no email
 * (case and inner blanks differ), and one by email with nothing else in
 * common. The distinct leads alternate between having an email and not;
 * some with an email have no external id.
 */
static void make_rows(void)
{
    n_rows = 0;
    for (int i = 0; i < 20; i++) {
        struct row *r = &rows[n_rows++];
        memset(r, 0, sizeof(*r));
        snprintf(r->name, sizeof(r->name), "Person %d", i);
        snprintf(r->role, sizeof(r->role), "%s", roles[i % 4]);
        snprintf(r->company, sizeof(r->company), "Company %d", i);
        if (i % 2 == 0)
            snprintf(r->email, sizeof(r->email), "person%d@example.com", i);
        snprintf(r->url, sizeof(r->url), "%s",
                 i % 3 == 0 ? "https://www.linkedin.com/in/p" : "javascript:alert(1)");
        if (i % 4 != 2) /* some rows join back by email alone */
            snprintf(r->ext_id, sizeof(r->ext_id), "CRM-%03d", i);
        snprintf(r->extra[0], sizeof(r->extra[0]), "%s", i % 2 ? "Web form" : "Event, Berlin");
        snprintf(r->extra[1], sizeof(r->extra[1]), "%s", i % 5 == 0 ? "=1+1" : "Sales; EMEA");
        snprintf(r->extra[2], sizeof(r->extra[2]), "said \"hi\" %d", i);
        r->line = (uint64_t)(2 + i);
        r->dup_of = -1;
    }
    static const struct {
        int of;
        const char *email, *name, *company;
    } dups[] = {
        {0, "PERSON0@Example.com", "Someone", "DupCo One"},
        {4, "person4@example.COM", "Person 4", "DupCo Two"},
        {1, "", "person   1", "COMPANY 1"},
        {2, "Person2@example.com", "Other", "DupCo Three"},
    };
    for (size_t k = 0; k < sizeof(dups) / sizeof(dups[0]); k++) {
        struct row *r = &rows[n_rows++];
        *r = rows[dups[k].of];
        snprintf(r->email, sizeof(r->email), "%s", dups[k].email);
        snprintf(r->name, sizeof(r->name), "%s", dups[k].name);
        snprintf(r->company, sizeof(r->company), "%s", dups[k].company);
        snprintf(r->ext_id, sizeof(r->ext_id), "CRM-D%zu", k);
        r->line = (uint64_t)(30 + k);
        r->dup_of = dups[k].of;
    }
}

/* Stores rows[] as one upload of workspace 1 (the open-mode one), read with delimiter. */
static int64_t store_rows(const char *db_name, char delimiter, bool drop)
{
    char path[600];
    struct ls_err err = {0};
    h_path(path, sizeof(path), db_name);
    struct ls_store *st = ls_store_open_sqlite(path, NULL, &err);
    assert_non_null(st);
    struct ls_store_upload *up = ls_store_upload_begin(st, 1, "crm.csv", NULL, 1, &err);
    assert_non_null(up);
    up->drop_duplicates = drop;
    for (int i = 0; i < n_rows; i++) {
        struct row *r = &rows[i];
        struct ls_lead lead;
        const char *vals[N_EXTRA];
        size_t lens[N_EXTRA];
        ls_lead_clear(&lead);
        ls_lead_set(&lead, LS_F_NAME, r->name);
        ls_lead_set(&lead, LS_F_ROLE, r->role);
        ls_lead_set(&lead, LS_F_COMPANY, r->company);
        ls_lead_set(&lead, LS_F_INDUSTRY, "B2B SaaS");
        ls_lead_set(&lead, LS_F_LOCATION, "Berlin");
        ls_lead_set(&lead, LS_F_BIO, "Building pipeline for a SaaS team.");
        ls_lead_set(&lead, LS_F_EMAIL, r->email);
        ls_lead_set(&lead, LS_F_LINKEDIN_URL, r->url);
        ls_lead_set(&lead, LS_F_EXTERNAL_ID, r->ext_id);
        for (int x = 0; x < N_EXTRA; x++) {
            vals[x] = r->extra[x];
            lens[x] = strlen(r->extra[x]);
        }
        lead.n_extra = N_EXTRA;
        lead.extra_name = extra_names;
        lead.extra = vals;
        lead.extra_len = lens;
        assert_int_equal(ls_store_upload_add(up, &lead, r->line, &err), LS_OK);
    }
    struct ls_csv_stats stats = {.accepted = (uint64_t)n_rows, .delimiter = delimiter};
    snprintf(stats.encoding, sizeof(stats.encoding), "utf-8");
    int64_t id = 0;
    assert_int_equal(ls_store_upload_commit(up, &stats, &id, &err), LS_OK);
    ls_store_close(st);
    return id;
}

static void start(struct srv *s, const char *db_name)
{
    assert_int_equal(h_srv_start_fake(s, db_name, NULL), 0);
    json_decref(h_call(s, "POST", "/offer", h_example_offer(), 201));
}

static void score(struct srv *s)
{
    struct resp r;
    assert_int_equal(h_http(s, "POST", "/score", NULL, NULL, 0, &r), 0);
    if (r.status != 200) {
        print_error("POST /score: %ld %s\n", r.status, r.body);
        fail();
    }
    h_resp_free(&r);
}

/* ---- a CSV export, parsed ---- */

#define MAX_CELLS 32
#define MAX_RECS  64

struct table {
    char *cell[MAX_RECS][MAX_CELLS]; /* owned */
    int n_cells[MAX_RECS];
    int n;
};

static void on_field(void *s, size_t len, void *ud)
{
    struct table *t = ud;
    assert_true(t->n < MAX_RECS && t->n_cells[t->n] < MAX_CELLS);
    char *c = malloc(len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    t->cell[t->n][t->n_cells[t->n]++] = c;
}

static void on_record(int ch, void *ud)
{
    (void)ch;
    struct table *t = ud;
    t->n++;
}

static void parse_csv(const char *body, size_t len, char delim, struct table *t)
{
    struct csv_parser p;
    memset(t, 0, sizeof(*t));
    assert_int_equal(csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI), 0);
    csv_set_delim(&p, (unsigned char)delim);
    assert_int_equal(csv_parse(&p, body, len, on_field, on_record, t), len);
    assert_int_equal(csv_fini(&p, on_field, on_record, t), 0);
    csv_free(&p);
}

static void table_free(struct table *t)
{
    for (int i = 0; i < MAX_RECS; i++) {
        for (int c = 0; c < t->n_cells[i]; c++)
            free(t->cell[i][c]);
    }
}

static int col_of(const struct table *t, const char *name)
{
    for (int c = 0; c < t->n_cells[0]; c++) {
        if (strcmp(t->cell[0][c], name) == 0)
            return c;
    }
    print_error("no column %s in the export\n", name);
    fail();
    return -1;
}

/* What a spreadsheet-safe cell holds for s: s, or ' + s when it would start a formula. */
static void guarded(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", strchr("=+-@", s[0]) && s[0] ? "'" : "", s);
}

/* ---- the tests ---- */

static void test_identity__export_joins_back_to_its_input(void **state)
{
    (void)state;
    make_rows();
    int64_t upload = store_rows("join.db", ',', false);
    struct srv s;
    start(&s, "join.db");
    score(&s);

    struct resp r;
    h_get(&s, "/results/export", NULL, 200, &r);
    struct table t;
    parse_csv(r.body, r.len, ',', &t);
    h_resp_free(&r);
    /* The 13 columns of before, the 5 identity columns, then the extra columns in file order. */
    static const char *const head[] = {"name",
                                       "role",
                                       "company",
                                       "intent",
                                       "score",
                                       "reasoning",
                                       "industry",
                                       "location",
                                       "rule_score",
                                       "ai_score",
                                       "role_points",
                                       "industry_points",
                                       "completeness_points",
                                       "lead_id",
                                       "line",
                                       "email",
                                       "linkedin_url",
                                       "external_id",
                                       "Lead Source",
                                       "Owner; Team",
                                       "Notes"};
    assert_int_equal(t.n_cells[0], 21);
    for (int c = 0; c < 21; c++)
        assert_string_equal(t.cell[0][c], head[c]);
    assert_int_equal(t.n, n_rows + 1);

    int c_ext = col_of(&t, "external_id"), c_email = col_of(&t, "email");
    int c_id = col_of(&t, "lead_id"), c_line = col_of(&t, "line");
    bool seen[N_ROWS] = {false};
    char lead_ids[N_ROWS][48];
    for (int i = 1; i < t.n; i++) {
        /* Joined by external_id, as a CRM import would; by email when that is what it has. */
        int in = -1;
        for (int k = 0; k < n_rows && in < 0; k++) {
            if ((rows[k].ext_id[0] && strcmp(rows[k].ext_id, t.cell[i][c_ext]) == 0) ||
                (rows[k].email[0] && strcmp(rows[k].email, t.cell[i][c_email]) == 0 &&
                 t.cell[i][c_ext][0] == '\0'))
                in = k;
        }
        assert_true(in >= 0);
        assert_false(seen[in]);
        seen[in] = true;
        const struct row *w = &rows[in];
        assert_string_equal(t.cell[i][col_of(&t, "name")], w->name);
        assert_string_equal(t.cell[i][c_email], w->email);
        assert_string_equal(t.cell[i][col_of(&t, "linkedin_url")], w->url);
        char want[128];
        for (int x = 0; x < N_EXTRA; x++) {
            guarded(w->extra[x], want, sizeof(want)); /* the formula guard stays on */
            assert_string_equal(t.cell[i][col_of(&t, extra_names[x])], want);
        }
        assert_int_equal(strtoull(t.cell[i][c_line], NULL, 10), w->line);
        snprintf(lead_ids[in], sizeof(lead_ids[in]), "%s", t.cell[i][c_id]);
    }
    for (int k = 0; k < n_rows; k++)
        assert_true(seen[k]);
    /* lead_id: "<upload>-<idx>", idx in upload order, so unique. */
    for (int k = 0; k < n_rows; k++) {
        char want[48];
        snprintf(want, sizeof(want), "%lld-%d", (long long)upload, k);
        assert_string_equal(lead_ids[k], want);
    }
    table_free(&t);

    /* The JSON results carry the same, with the extra columns as an ordered object. */
    json_t *page = h_call(&s, "GET", "/results?limit=100", NULL, 200);
    assert_int_equal(json_array_size(page), (size_t)n_rows);
    size_t i;
    json_t *res;
    json_array_foreach(page, i, res)
    {
        int k = -1;
        for (int q = 0; q < n_rows; q++) {
            if (strcmp(lead_ids[q], h_str(res, "lead_id")) == 0)
                k = q;
        }
        assert_true(k >= 0);
        assert_string_equal(h_str(res, "external_id"), rows[k].ext_id);
        assert_string_equal(h_str(res, "email"), rows[k].email);
        assert_string_equal(h_str(res, "linkedin_bio"), "Building pipeline for a SaaS team.");
        assert_int_equal(json_integer_value(json_object_get(res, "line")), rows[k].line);
        json_t *extra = json_object_get(res, "extra");
        assert_int_equal(json_object_size(extra), N_EXTRA);
        int x = 0;
        const char *key;
        json_t *v;
        json_object_foreach(extra, key, v)
        {
            assert_string_equal(key, extra_names[x]); /* file order */
            assert_string_equal(json_string_value(v), rows[k].extra[x]);
            x++;
        }
    }
    json_decref(page);

    /* The upload says what it kept. */
    char path[64];
    snprintf(path, sizeof(path), "/uploads/%lld", (long long)upload);
    json_t *u = h_call(&s, "GET", path, NULL, 200);
    json_t *names = json_object_get(u, "extra_columns");
    assert_int_equal(json_array_size(names), N_EXTRA);
    for (size_t x = 0; x < N_EXTRA; x++)
        assert_string_equal(json_string_value(json_array_get(names, x)), extra_names[x]);
    assert_int_equal(json_integer_value(json_object_get(u, "duplicates")), 4);
    assert_string_equal(h_str(u, "delimiter"), ",");
    json_decref(u);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_identity__duplicates_cost_no_model_call(void **state)
{
    (void)state;
    make_rows();
    int64_t upload = store_rows("dups.db", ',', false);
    struct srv s;
    start(&s, "dups.db");
    score(&s);

    /* The model saw each distinct lead once, and none of the repeats. */
    json_t *log = h_fake_requests(&h_fake);
    size_t i, prospects = 0;
    json_t *req;
    json_array_foreach(json_object_get(log, "requests"), i, req)
    {
        const char *body = h_str(req, "body");
        assert_null(strstr(body, "DupCo"));
        for (const char *p = body; (p = strstr(p, "\\\"company\\\":")) != NULL; p++)
            prospects++;
    }
    json_decref(log);
    assert_int_equal(prospects, 20);

    json_t *page = h_call(&s, "GET", "/results?limit=100", NULL, 200);
    assert_int_equal(json_array_size(page), (size_t)n_rows);
    char by_idx[N_ROWS][48];
    json_t *by_lead[N_ROWS] = {NULL};
    json_t *res;
    json_array_foreach(page, i, res)
    {
        int idx = atoi(strchr(h_str(res, "lead_id"), '-') + 1);
        assert_true(idx >= 0 && idx < n_rows);
        by_lead[idx] = res;
        snprintf(by_idx[idx], sizeof(by_idx[idx]), "%s", h_str(res, "lead_id"));
    }
    for (int k = 0; k < n_rows; k++) {
        json_t *ai = json_object_get(by_lead[k], "ai");
        json_t *dup = json_object_get(by_lead[k], "duplicate_of");
        if (rows[k].dup_of < 0) {
            assert_true(json_is_null(dup));
            assert_string_equal(h_str(ai, "status"), "ok");
            continue;
        }
        /* Marked, flagged, and given the original's verdict. */
        assert_string_equal(json_string_value(dup), by_idx[rows[k].dup_of]);
        assert_string_equal(h_str(ai, "status"), "duplicate");
        json_t *orig = by_lead[rows[k].dup_of];
        assert_string_equal(h_str(by_lead[k], "intent"), h_str(orig, "intent"));
        assert_string_equal(h_str(by_lead[k], "reasoning"), h_str(orig, "reasoning"));
    }
    json_decref(page);

    json_t *job = h_call(&s, "GET", "/jobs/1", NULL, 200);
    assert_string_equal(h_str(job, "status"), "succeeded");
    assert_int_equal(json_integer_value(json_object_get(job, "done")), n_rows);
    json_decref(job);
    (void)upload;
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_identity__columns_choose_and_order_the_export(void **state)
{
    (void)state;
    make_rows();
    store_rows("cols.db", ',', false);
    struct srv s;
    start(&s, "cols.db");
    score(&s);
    struct resp r;
    h_get(&s, "/results/export?columns=external_id,email,%20score%20,Notes,Owner%3B%20Team", NULL,
          200, &r);
    struct table t;
    parse_csv(r.body, r.len, ',', &t);
    static const char *const head[] = {"external_id", "email", "score", "Notes", "Owner; Team"};
    assert_int_equal(t.n_cells[0], 5);
    for (int c = 0; c < 5; c++)
        assert_string_equal(t.cell[0][c], head[c]);
    for (int i = 1; i < t.n; i++)
        assert_int_equal(t.n_cells[i], 5);
    assert_int_equal(t.n, n_rows + 1);
    table_free(&t);
    h_resp_free(&r);

    /* The same on a job's own export; and with jsonl the list is checked too. */
    h_get(&s, "/jobs/1/results/export?columns=lead_id,name", NULL, 200, &r);
    assert_true(strncmp(r.body, "lead_id,name\r\n", 14) == 0);
    h_resp_free(&r);

    static const char *const bad[] = {
        "/results/export?columns=name,nope",
        "/jobs/1/results/export?columns=Lead%20source",
        "/results/export?columns=%2C%2C",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        json_t *e = h_call(&s, "GET", bad[k], NULL, 400);
        assert_string_equal(h_str(e, "code"), "invalid");
        assert_string_equal(h_str(json_object_get(e, "details"), "parameter"), "columns");
        if (k == 0)
            assert_non_null(strstr(h_str(e, "error"), "\"nope\""));
        if (k == 1)
            assert_non_null(strstr(h_str(e, "error"), "\"Lead source\"")); /* exact headers */
        json_decref(e);
    }
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_identity__csv_excel_has_bom_crlf_and_the_uploads_delimiter(void **state)
{
    (void)state;
    make_rows();
    store_rows("excel.db", ';', false);
    struct srv s;
    start(&s, "excel.db");
    score(&s);
    struct resp r;
    h_get(&s, "/results/export?format=csv-excel", NULL, 200, &r);
    char *ct = h_header(&r, "Content-Type");
    assert_non_null(strstr(ct, "text/csv"));
    free(ct);
    assert_memory_equal(r.body, "\xEF\xBB\xBFname;role;company;intent;score;", 33);
    /* Every line ends CRLF: no LF alone (no cell holds a line break here). */
    size_t lines = 0;
    for (size_t i = 0; i < r.len; i++) {
        if (r.body[i] == '\n') {
            assert_true(i > 0 && r.body[i - 1] == '\r');
            lines++;
        }
    }
    assert_int_equal(lines, (size_t)n_rows + 1);
    assert_true(r.len >= 2 && memcmp(r.body + r.len - 2, "\r\n", 2) == 0);
    /* Split on ';' every record has every column: a ';' inside a cell is quoted. */
    struct table t;
    parse_csv(r.body + 3, r.len - 3, ';', &t);
    assert_int_equal(t.n, n_rows + 1);
    for (int i = 0; i < t.n; i++)
        assert_int_equal(t.n_cells[i], 21);
    int c_owner = col_of(&t, "Owner; Team");
    bool quoted_semicolon = false;
    for (int i = 1; i < t.n; i++)
        quoted_semicolon |= strcmp(t.cell[i][c_owner], "Sales; EMEA") == 0;
    assert_true(quoted_semicolon);
    table_free(&t);
    h_resp_free(&r);

    /* Plain csv stays comma-separated, without a BOM, whatever the upload used. */
    h_get(&s, "/results/export?format=csv", NULL, 200, &r);
    assert_true(strncmp(r.body, "name,role,", 10) == 0);
    h_resp_free(&r);
    json_t *e = h_call(&s, "GET", "/results/export?format=xls", NULL, 400);
    assert_non_null(strstr(h_str(e, "error"), "csv-excel"));
    json_decref(e);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

/* A CSV with repeats by name + company (what the reader maps today). */
static const char dup_csv[] = "name,role,company,industry,location,linkedin_bio\n"
                              "Ann Lee,CEO,Acme,B2B SaaS,Berlin,Bio one\n"
                              "Bob Roe,Analyst,Beta,B2B SaaS,Paris,Bio two\n"
                              "  ann   LEE ,CTO,ACME,Retail,Rome,Bio three\n"
                              "Cy Doe,VP of Sales,Gamma,B2B SaaS,Oslo,Bio four\n"
                              "Bob Roe,Intern,Beta,Retail,Lima,Bio five\n"
                              "Bob Roe,Intern,,Retail,Lima,no company: never a repeat\n";

static json_t *upload(struct srv *s, const char *query, long want)
{
    char path[128];
    snprintf(path, sizeof(path), "/uploads%s", query);
    return h_upload_text(s, path, "dups.csv", dup_csv, sizeof(dup_csv) - 1, want);
}

static void test_identity__http_upload_marks_or_drops_duplicates(void **state)
{
    (void)state;
    struct srv s;
    start(&s, "http-dups.db");
    json_t *up = upload(&s, "", 201);
    assert_int_equal(json_integer_value(json_object_get(up, "count")), 6);
    assert_int_equal(json_integer_value(json_object_get(up, "duplicates")), 2);
    json_decref(up);
    score(&s);
    json_t *log = h_fake_requests(&h_fake);
    size_t i, prospects = 0;
    json_t *req;
    json_array_foreach(json_object_get(log, "requests"), i, req)
    {
        const char *body = h_str(req, "body");
        assert_null(strstr(body, "Bio three")); /* a repeat never reaches the model */
        assert_null(strstr(body, "Bio five"));
        for (const char *p = body; (p = strstr(p, "\\\"company\\\":")) != NULL; p++)
            prospects++;
    }
    json_decref(log);
    assert_int_equal(prospects, 4);
    json_t *page = h_call(&s, "GET", "/results?limit=100", NULL, 200);
    size_t n_dup = 0;
    json_t *res;
    json_array_foreach(page, i, res)
    {
        if (json_is_string(json_object_get(res, "duplicate_of"))) {
            n_dup++;
            assert_string_equal(h_str(json_object_get(res, "ai"), "status"), "duplicate");
            /* Ann Lee is idx 0, Bob Roe idx 1, of the same upload as the repeat. */
            const char *of = h_str(res, "duplicate_of"), *id = h_str(res, "lead_id");
            assert_memory_equal(of, id, (size_t)(strchr(id, '-') - id + 1));
            assert_true(strcmp(strchr(of, '-'), "-0") == 0 || strcmp(strchr(of, '-'), "-1") == 0);
        }
    }
    assert_int_equal(n_dup, 2);
    json_decref(page);

    /* dedupe=drop leaves the repeats out; they are still counted. */
    h_fake_reset(&h_fake);
    up = upload(&s, "?dedupe=drop", 201);
    assert_int_equal(json_integer_value(json_object_get(up, "count")), 4);
    assert_int_equal(json_integer_value(json_object_get(up, "duplicates")), 2);
    char path[64];
    snprintf(path, sizeof(path), "/uploads/%lld",
             (long long)json_integer_value(json_object_get(up, "upload_id")));
    json_decref(up);
    json_t *u = h_call(&s, "GET", path, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(u, "count")), 4);
    assert_int_equal(json_integer_value(json_object_get(u, "duplicates")), 2);
    json_decref(u);
    /* The leads kept keep their idx (so their lead_id): pages count the leads, not the gaps. */
    char leads_path[96];
    snprintf(leads_path, sizeof(leads_path), "%s/leads?limit=2&offset=2", path);
    json_t *lp = h_call(&s, "GET", leads_path, NULL, 200);
    assert_int_equal(json_integer_value(json_object_get(lp, "total")), 4);
    json_t *items = json_object_get(lp, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "idx")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 1), "idx")), 5);
    json_decref(lp);
    snprintf(leads_path, sizeof(leads_path), "%s/leads?offset=4", path);
    lp = h_call(&s, "GET", leads_path, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(lp, "items")), 0);
    json_decref(lp);
    score(&s);
    page = h_call(&s, "GET", "/results?limit=100", NULL, 200);
    assert_int_equal(json_array_size(page), 4);
    json_array_foreach(page, i, res)
        assert_true(json_is_null(json_object_get(res, "duplicate_of")));
    json_decref(page);

    /* The seed route takes it too; a bad value is a 400 naming the parameter. */
    json_t *e = upload(&s, "?dedupe=yes", 400);
    assert_string_equal(h_str(json_object_get(e, "details"), "parameter"), "dedupe");
    json_decref(e);
    json_t *list = h_call(&s, "GET", "/uploads", NULL, 200);
    json_t *first = json_array_get(json_object_get(list, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "duplicates")), 2);
    assert_true(json_is_array(json_object_get(first, "extra_columns")));
    json_decref(list);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

static void test_identity__cli_columns_csv_excel_and_dedupe(void **state)
{
    (void)state;
    char leads[600], offer[600];
    h_path(leads, sizeof(leads), "cli-dups.csv");
    h_write_file(leads, dup_csv, sizeof(dup_csv) - 1);
    snprintf(offer, sizeof(offer), "%s/examples/offer.json", h_repo());
    const char *env[] = {"LEADSCORE_AI_PROVIDER=offline", NULL};
    const char *argv[] = {"score",    "--offer",   offer,       "--leads",           leads,
                          "--format", "csv-excel", "--columns", "name,line,lead_id", "--dedupe",
                          "drop",     NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(h_run_cli(argv, env, &out, &err), 0);
    assert_memory_equal(out, "\xEF\xBB\xBFname,line,lead_id\r\n", 22);
    size_t lines = 0;
    for (const char *p = out; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    assert_int_equal(lines, 5); /* the header and the 4 leads left */
    free(out);
    free(err);

    const char *bad[] = {"score", "--offer", offer, "--leads", leads, "--columns", "nope", NULL};
    assert_int_equal(h_run_cli(bad, env, &out, &err), 2);
    assert_non_null(strstr(err, "unknown column \"nope\""));
    free(out);
    free(err);
    const char *bad2[] = {"score", "--offer", offer, "--leads", leads, "--dedupe", "x", NULL};
    assert_int_equal(h_run_cli(bad2, env, &out, &err), 2);
    free(out);
    free(err);

    /* JSON marks the repeats without --dedupe. */
    const char *json_argv[] = {"score", "--offer", offer, "--leads", leads, NULL};
    assert_int_equal(h_run_cli(json_argv, env, &out, &err), 0);
    json_t *res = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(res), 6);
    size_t i, n_dup = 0;
    json_t *it;
    json_array_foreach(res, i, it) n_dup += json_is_string(json_object_get(it, "duplicate_of"));
    assert_int_equal(n_dup, 2);
    json_decref(res);
    free(out);
    free(err);
}

static int row_count(void *ud, const struct ls_result *r, struct ls_err *err)
{
    (void)err;
    int *n = ud;
    assert_string_equal(r->lead.f[LS_F_EMAIL], "");
    assert_int_equal(r->lead.n_extra, 0);
    assert_false(r->is_duplicate);
    assert_true(r->line >= 2);
    (*n)++;
    return LS_OK;
}

static void test_identity__migration_11_keeps_old_rows_readable(void **state)
{
    (void)state;
    /* A v10 database with an upload scored, as leadscore left it before issue #9. */
    struct srv s;
    start(&s, "v10.db");
    json_t *up = upload(&s, "", 201);
    json_decref(up);
    score(&s);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
    char path[600];
    h_path(path, sizeof(path), "v10.db");
    /* Migration 14 (issue #10's batch tables refer to jobs) in a statement of its own. */
    assert_int_equal(
        h_sql_exec(
            path, "DROP TABLE batch_items; DROP TABLE batches; ALTER TABLE jobs DROP COLUMN mode;"),
        0);
    assert_int_equal(
        h_sql_exec(
            path, /* migration 13 (issue #10) next */
            "ALTER TABLE jobs DROP COLUMN cached_tokens; ALTER TABLE jobs DROP COLUMN thought_tokens;"
            "ALTER TABLE jobs DROP COLUMN cost_usd; ALTER TABLE jobs DROP COLUMN budget_usd;"
            "ALTER TABLE jobs DROP COLUMN stop_reason; ALTER TABLE jobs DROP COLUMN warning;"
            "ALTER TABLE leads DROP COLUMN email; ALTER TABLE leads DROP COLUMN linkedin_url;"
            "ALTER TABLE leads DROP COLUMN external_id; ALTER TABLE leads DROP COLUMN extra;"
            "ALTER TABLE leads DROP COLUMN dup_key; ALTER TABLE leads DROP COLUMN duplicate_of;"
            "ALTER TABLE uploads DROP COLUMN delimiter;"
            "ALTER TABLE uploads DROP COLUMN skipped_lines;"
            "ALTER TABLE uploads DROP COLUMN missing_fields;"
            "ALTER TABLE uploads DROP COLUMN warning;"
            "ALTER TABLE uploads DROP COLUMN extra_columns;"
            "ALTER TABLE uploads DROP COLUMN duplicates;"
            "ALTER TABLE uploads DROP COLUMN dropped;"
            "UPDATE results SET status = 0 WHERE status = 3;"
            /* and migration 12 (issue #10) */
            "ALTER TABLE jobs DROP COLUMN blocked; ALTER TABLE jobs DROP COLUMN ai_mode;"
            "ALTER TABLE jobs DROP COLUMN ai_tokens_param;"
            "ALTER TABLE jobs DROP COLUMN ai_reasoning; ALTER TABLE jobs DROP COLUMN ai_thinking;"
            "DROP TABLE llm_learnt;"
            "PRAGMA user_version = 10"),
        SQLITE_OK);

    struct ls_err err = {0};
    struct ls_store *st = ls_store_open_sqlite(path, NULL, &err);
    assert_non_null(st);
    struct ls_upload_info u;
    assert_int_equal(ls_store_upload_get(st, 1, 1, &u, &err), LS_OK);
    assert_int_equal(u.accepted, 6);
    assert_int_equal(u.delimiter, ',');
    assert_int_equal(u.duplicates, 0);
    assert_null(u.extra_columns);
    ls_upload_info_release(&u);
    struct ls_job job;
    assert_int_equal(ls_store_job_get(st, 1, 1, &job, &err), LS_OK);
    struct ls_result_cursor cur = {0};
    int n = 0;
    assert_int_equal(ls_store_results_page(st, &job, NULL, &cur, 100, row_count, &n, &err), 6);
    assert_int_equal(n, 6);
    ls_result_cursor_clear(&cur);
    ls_store_close(st);

    /* And the server reads them: the new fields empty, duplicate_of null. */
    assert_int_equal(h_srv_start_fake(&s, "v10.db", NULL), 0);
    json_t *page = h_call(&s, "GET", "/results?limit=100", NULL, 200);
    assert_int_equal(json_array_size(page), 6);
    size_t i;
    json_t *res;
    json_array_foreach(page, i, res)
    {
        assert_string_equal(h_str(res, "email"), "");
        assert_true(json_is_null(json_object_get(res, "duplicate_of")));
        assert_int_equal(json_object_size(json_object_get(res, "extra")), 0);
    }
    json_decref(page);
    json_t *list = h_call(&s, "GET", "/uploads", NULL, 200);
    json_t *first = json_array_get(json_object_get(list, "items"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "duplicates")), 0);
    assert_string_equal(h_str(first, "delimiter"), ",");
    json_decref(list);
    struct resp r;
    h_get(&s, "/results/export", NULL, 200, &r);
    assert_non_null(strstr(r.body, ",lead_id,line,email,linkedin_url,external_id\r\n"));
    h_resp_free(&r);
    assert_int_equal(h_srv_stop(&s, SIGTERM), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_identity__export_joins_back_to_its_input, h_fake_each),
        cmocka_unit_test_setup(test_identity__duplicates_cost_no_model_call, h_fake_each),
        cmocka_unit_test_setup(test_identity__columns_choose_and_order_the_export, h_fake_each),
        cmocka_unit_test_setup(test_identity__csv_excel_has_bom_crlf_and_the_uploads_delimiter,
                               h_fake_each),
        cmocka_unit_test_setup(test_identity__http_upload_marks_or_drops_duplicates, h_fake_each),
        cmocka_unit_test_setup(test_identity__cli_columns_csv_excel_and_dedupe, h_fake_each),
        cmocka_unit_test_setup(test_identity__migration_11_keeps_old_rows_readable, h_fake_each),
    };
    return cmocka_run_group_tests(tests, h_fake_group_setup, h_fake_group_teardown);
}
