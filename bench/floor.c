/*
 * floor.c - the floor for an upload: (1) libcsv parsing the file with no
 * other work, and (2) SQLite inserting the same rows in one transaction into
 * a table shaped like leadscore's leads table. leadscore's upload is compared
 * against (1) + (2).
 *
 *   floor LEADS.csv DB
 */
#include <csv.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct rows {
    char **f; /* 6 per row */
    size_t n, cap;
    int col;
    size_t fields;
};

static void count_field(void *s, size_t len, void *ud)
{
    (void)s;
    (void)len;
    ((struct rows *)ud)->fields++;
}

static void keep_field(void *s, size_t len, void *ud)
{
    struct rows *r = ud;
    if (r->col < 6) {
        if (r->n * 6 + 6 > r->cap) {
            r->cap = r->cap ? r->cap * 2 : 6 * 1024;
            r->f = realloc(r->f, r->cap * sizeof(char *));
        }
        char *p = malloc(len + 1);
        memcpy(p, s, len);
        p[len] = '\0';
        r->f[r->n * 6 + (size_t)r->col] = p;
    }
    r->col++;
}

static void keep_row(int c, void *ud)
{
    (void)c;
    struct rows *r = ud;
    while (r->col < 6)
        r->f[r->n * 6 + (size_t)r->col++] = strdup("");
    r->n++;
    r->col = 0;
}

static void parse(const char *path, void (*cb1)(void *, size_t, void *), void (*cb2)(int, void *),
                  void *ud)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_APPEND_NULL);
    static char buf[1 << 20];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (csv_parse(&p, buf, n, cb1, cb2, ud) != n) {
            fprintf(stderr, "parse error: %s\n", csv_strerror(csv_error(&p)));
            exit(1);
        }
    }
    csv_fini(&p, cb1, cb2, ud);
    csv_free(&p);
    fclose(f);
}

static void check(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: floor LEADS.csv DB\n");
        return 2;
    }
    struct rows counted = {0};
    double t0 = now();
    parse(argv[1], count_field, NULL, &counted);
    double t_parse = now() - t0;

    struct rows rows = {0};
    parse(argv[1], keep_field, keep_row, &rows);

    unlink(argv[2]);
    sqlite3 *db;
    check(sqlite3_open(argv[2], &db), db, "open");
    check(sqlite3_exec(db,
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE leads (upload_id INTEGER NOT NULL, idx INTEGER NOT NULL,"
                       " line INTEGER NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,"
                       " company TEXT NOT NULL, industry TEXT NOT NULL, location TEXT NOT NULL,"
                       " bio TEXT NOT NULL, PRIMARY KEY (upload_id, idx)) WITHOUT ROWID;",
                       NULL, NULL, NULL),
          db, "schema");
    sqlite3_stmt *st;
    check(sqlite3_prepare_v2(db, "INSERT INTO leads VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1,
                             &st, NULL),
          db, "prepare");
    t0 = now();
    check(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), db, "begin");
    for (size_t i = 1; i < rows.n; i++) { /* row 0 is the header */
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i - 1);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1);
        for (int k = 0; k < 6; k++)
            sqlite3_bind_text(st, 3 + k, rows.f[i * 6 + (size_t)k], -1, SQLITE_STATIC);
        check(sqlite3_step(st), db, "insert");
    }
    check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
    double t_insert = now() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("floor_rows=%zu parse_s=%.3f insert_s=%.3f floor_s=%.3f\n", rows.n - 1, t_parse,
           t_insert, t_parse + t_insert);
    for (size_t i = 0; i < rows.n * 6; i++)
        free(rows.f[i]);
    free(rows.f);
    return 0;
}
