/*
 * cmd_score.c - `leadscore score`: the whole pipeline with no server.
 *
 * Same steps and code as the HTTP flow: store the offer, stream the CSV into
 * a store upload, run a job, export its results with the shared exporter, so
 * `--format json` prints exactly what GET /results returns and `--format csv`
 * exactly what GET /results/export returns. Without --db the store is a
 * temporary file removed at exit.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/progress.h"
#include "core/decode.h"
#include "core/sha256.h"
#include "core/xalloc.h"
#include "jobs/estimate.h"
#include "jobs/export.h"
#include "jobs/job.h"
#include "sys/log.h"
#include "sys/sys.h"

#define OFFER_MAX     (1024 * 1024)
#define READ_CHUNK    (64 * 1024)
#define REJECTS_SHOWN 20
#define OUT_PATH_MAX  1023 /* bytes of --out */

static const char usage_text[] =
    "usage: leadscore score --offer FILE --leads FILE [--out FILE]\n"
    "                       [--format json|csv|csv-excel|xlsx] [--columns LIST]\n"
    "                       [--dedupe mark|drop] [--db PATH] [--workspace NAME]\n"
    "                       [--delimiter D] [--encoding NAME]\n"
    "\n"
    "Scores every lead in a CSV against an offer and prints the ranked results.\n"
    "\n"
    "  --offer FILE    offer JSON: {\"name\", \"value_props\": [...], \"ideal_use_cases\": [...]}\n"
    "  --leads FILE    leads CSV (name, and role or company; industry, location, linkedin_bio,\n"
    "                  email, linkedin_url, external_id optional; CRM export headers work)\n"
    "  --delimiter D   , ; | or tab (default: detected from the header)\n"
    "  --encoding E    the file's encoding, any iconv name: macintosh, shift_jis, ... (default:\n"
    "                  UTF-8, UTF-16 or Windows-1252, detected)\n"
    "  --out FILE      write results here instead of standard output\n"
    "  --format F      json (as GET /results, the default), csv (as GET /results/export) or\n"
    "                  csv-excel (UTF-8 BOM, CRLF, the file's own delimiter)\n"
    "                  xlsx (as GET /results/export?format=xlsx; needs --out or a pipe)\n"
    "  --columns LIST  the CSV columns, as ?columns= of GET /results/export\n"
    "  --dedupe MODE   mark (the default: repeated rows scored once, marked duplicate_of)\n"
    "                  or drop (repeated rows left out)\n"
    "  --db PATH       keep the run in this SQLite store (default: a temporary one)\n"
    "  --workspace W   the store's workspace to keep it in (default: default)\n"
    "  --ai-provider P auto, offline, gemini or openai (LEADSCORE_AI_PROVIDER, default auto)\n"
    "  --ai-model M    model name (GEMINI_MODEL / OPENAI_MODEL)\n"
    "  --estimate      print what the run would send, use, cost and take (JSON), and stop:\n"
    "                  no model is called\n"
    "  --budget-usd N  stop before a request would take the cost past N US dollars\n"
    "                  (LEADSCORE_AI_BUDGET_USD); with --db, the same command with a higher\n"
    "                  N goes on from where a run stopped\n"
    "  --mode M        standard, or batch: through the provider's batch API, cheaper and\n"
    "                  slower (LEADSCORE_AI_MODE, default standard)\n"
    "\n"
    "With --db, running the same command again (same offer, same file, same provider)\n"
    "resumes an interrupted run instead of starting over. Ctrl-C stops cleanly.\n"
    "\n"
    "exit status: 0 ok, 2 usage, 65 bad input data, 70 internal error, 130 interrupted\n";

struct opts {
    const char *offer, *leads, *out, *db, *workspace;
    char delimiter;       /* --delimiter, 0 to detect */
    const char *encoding; /* --encoding (borrowed from argv), NULL to detect */
    const char *columns;  /* --columns, or NULL: the default */
    bool drop_duplicates;
    bool estimate;     /* --estimate */
    double budget_usd; /* --budget-usd; -1: LEADSCORE_AI_BUDGET_USD */
    int64_t ws;
    enum ls_export_format format;
    struct ls_config *cfg;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"offer", required_argument, NULL, 'o'},
        {"leads", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'O'},
        {"format", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"ai-provider", required_argument, NULL, 'a'},
        {"ai-model", required_argument, NULL, 'm'},
        {"workspace", required_argument, NULL, 'w'},
        {"delimiter", required_argument, NULL, 'D'},
        {"encoding", required_argument, NULL, 'E'},
        {"columns", required_argument, NULL, 'c'},
        {"dedupe", required_argument, NULL, 'U'},
        {"estimate", no_argument, NULL, 'X'},
        {"budget-usd", required_argument, NULL, 'B'},
        {"mode", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    struct ls_err err = {0};
    while ((c = getopt_long(argc, argv, "o:l:O:f:d:h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'D':
            if (ls_csv_delimiter_parse(optarg, &o->delimiter, &err) != LS_OK) {
                fprintf(stderr, "leadscore score: --delimiter: %s\n", err.msg);
                return LS_EXIT_USAGE;
            }
            break;
        case 'E': {
            struct ls_decoder *d = ls_decoder_new(optarg, &err);
            if (d == NULL) {
                fprintf(stderr, "leadscore score: --encoding: %s\n", err.msg);
                return LS_EXIT_USAGE;
            }
            ls_decoder_free(d);
            o->encoding = optarg;
            break;
        }
        case 'w':
            o->workspace = optarg;
            break;
        case 'X':
            o->estimate = true;
            break;
        case 'B': {
            char *end = NULL;
            o->budget_usd = strtod(optarg, &end);
            if (end == optarg || *end || !(o->budget_usd > 0) || o->budget_usd > 1e9) {
                fprintf(stderr,
                        "leadscore score: --budget-usd must be a number of US dollars above 0 "
                        "(got '%s')\n",
                        optarg);
                return LS_EXIT_USAGE;
            }
            break;
        }
        case 'c':
            o->columns = optarg;
            break;
        case 'U':
            if (strcmp(optarg, "mark") != 0 && strcmp(optarg, "drop") != 0) {
                fprintf(stderr, "leadscore score: --dedupe must be mark or drop (got '%s')\n",
                        optarg);
                return LS_EXIT_USAGE;
            }
            o->drop_duplicates = strcmp(optarg, "drop") == 0;
            break;
        case 'M':
            if (strcmp(optarg, "standard") != 0 && strcmp(optarg, "batch") != 0) {
                fprintf(stderr, "leadscore score: --mode must be standard or batch (got '%s')\n",
                        optarg);
                return LS_EXIT_USAGE;
            }
            o->cfg->batch.is_default = strcmp(optarg, "batch") == 0;
            break;
        case 'a':
            rc = ls_cli_set_text("score", "--ai-provider", optarg, o->cfg->provider,
                                 sizeof(o->cfg->provider));
            break;
        case 'm':
            rc = ls_cli_set_text("score", "--ai-model", optarg, o->cfg->model,
                                 sizeof(o->cfg->model));
            break;
        case 'o':
            o->offer = optarg;
            break;
        case 'l':
            o->leads = optarg;
            break;
        case 'O':
            /* The file is written beside it as "<out>.tmp.<pid>", in a buffer of its own: a
             * path that did not fit there was cut into another file's name. */
            if (strlen(optarg) > OUT_PATH_MAX) {
                fprintf(stderr, "leadscore score: --out takes at most %d bytes\n", OUT_PATH_MAX);
                return LS_EXIT_USAGE;
            }
            o->out = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0) {
                o->format = LS_EXPORT_JSON;
            } else if (strcmp(optarg, "csv") == 0) {
                o->format = LS_EXPORT_CSV;
            } else if (strcmp(optarg, "csv-excel") == 0) {
                o->format = LS_EXPORT_CSV_EXCEL;
            } else if (strcmp(optarg, "xlsx") == 0) {
                o->format = LS_EXPORT_XLSX;
            } else {
                fprintf(
                    stderr,
                    "leadscore score: --format must be json, csv, csv-excel or xlsx (got '%s')\n",
                    optarg);
                return LS_EXIT_USAGE;
            }
            break;
        default:
            return ls_cli_help_or_usage(c, usage_text);
        }
        if (rc)
            return rc;
    }
    int left = ls_cli_no_argument_left("score", argc, argv, optind);
    if (left)
        return left;
    if (o->offer == NULL || o->leads == NULL) {
        fprintf(stderr, "leadscore score: --offer and --leads are required\n\n%s", usage_text);
        return LS_EXIT_USAGE;
    }
    /* Checked before any scoring: a workbook's bytes would garble a terminal. */
    if (o->format == LS_EXPORT_XLSX && o->out == NULL && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "leadscore score: --format xlsx writes a binary file: give --out FILE "
                        "or redirect standard output\n");
        return LS_EXIT_USAGE;
    }
    if (o->budget_usd > 0 && o->cfg->batch.is_default) {
        fprintf(stderr, "leadscore score: --budget-usd cannot be kept in batch mode (a batch is "
                        "billed whole once it is sent): use --mode standard, or --estimate\n");
        return LS_EXIT_USAGE;
    }
    return 0;
}

/* Reads the offer file; exit status on failure (the message is printed). */
static int load_offer(const char *path, struct ls_offer *offer)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "leadscore score: %s: %s\n", path, strerror(errno));
        return LS_EXIT_DATAERR;
    }
    struct ls_buf b;
    ls_buf_init(&b, OFFER_MAX);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (ls_buf_add(&b, chunk, n) != LS_OK) {
            fprintf(stderr, "leadscore score: %s: larger than the %d-byte limit for offers\n", path,
                    OFFER_MAX);
            rc = LS_EXIT_DATAERR;
            break;
        }
    }
    fclose(f);
    struct ls_err err = {0};
    if (rc == 0 && ls_offer_parse(ls_buf_str(&b), b.len, offer, &err) != LS_OK) {
        fprintf(stderr, "leadscore score: %s: %s\n", path, err.msg);
        rc = LS_EXIT_DATAERR;
    }
    ls_buf_release(&b);
    return rc;
}

struct ingest {
    struct ls_store_upload *up;
    const char *path;
    uint64_t shown;
};

static int on_lead(void *ud, const struct ls_lead *lead, uint64_t line, struct ls_err *err)
{
    struct ingest *in = ud;
    return ls_store_upload_add(in->up, lead, line, err);
}

static void on_reject(void *ud, uint64_t line, const char *msg)
{
    struct ingest *in = ud;
    if (in->shown++ < REJECTS_SHOWN)
        fprintf(stderr, "leadscore score: %s: line %llu: row skipped: %s\n", in->path,
                (unsigned long long)line, msg);
    ls_store_upload_reject(in->up, line, msg, NULL);
}

/* Streams the CSV into a new upload; exit status on failure. */
/* What a reply's missing_columns and warnings say, on stderr (issue #9). */
static void print_reading(const char *path, const struct ls_csv_stats *st)
{
    char names[128] = "";
    size_t w = 0;
    for (int f = 0; f < LS_F_COUNT; f++) {
        if (st->missing & (1u << f))
            w += (size_t)snprintf(names + w, sizeof(names) - w, "%s%s", w ? ", " : "",
                                  ls_field_names[f]);
    }
    if (w)
        fprintf(stderr,
                "leadscore score: %s: warning: missing_columns: %s (read as empty, so those leads "
                "score lower on completeness)\n",
                path, names);
    if (st->warning[0])
        fprintf(stderr, "leadscore score: %s: warning: %s\n", path, st->warning);
}

static int load_leads(struct ls_store *store, int64_t ws, const struct ls_config *cfg,
                      const struct opts *o, const unsigned char *hash, int64_t *upload_id,
                      struct ls_csv_stats *stats)
{
    const char *path = o->leads;
    struct ls_err err = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "leadscore score: %s: %s\n", path, strerror(errno));
        return LS_EXIT_DATAERR;
    }
    const char *base = strrchr(path, '/');
    struct ingest in = {.path = path};
    in.up = ls_store_upload_begin(store, ws, base ? base + 1 : path, hash, ls_now_ms(), &err);
    if (in.up == NULL) {
        fclose(f);
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    in.up->drop_duplicates = o->drop_duplicates;
    struct ls_csv_in *csv = ls_csv_in_new(&cfg->csv, on_lead, on_reject, &in);
    char *chunk = ls_xmalloc(READ_CHUNK);
    size_t n;
    int rc = ls_csv_in_set_dialect(csv, o->delimiter, o->encoding, &err); /* checked: LS_OK */
    while (rc == LS_OK && (n = fread(chunk, 1, READ_CHUNK, f)) > 0)
        rc = ls_csv_in_feed(csv, chunk, n, &err);
    if (rc == LS_OK && ferror(f))
        rc = ls_err_set(&err, LS_EIO, "read error: %s", strerror(errno));
    if (rc == LS_OK)
        rc = ls_csv_in_finish(csv, &err);
    ls_csv_in_stats(csv, stats);
    ls_csv_in_free(csv);
    free(chunk);
    fclose(f);
    if (rc == LS_OK) {
        struct ls_store_upload *up = in.up;
        in.up = NULL;
        rc = ls_store_upload_commit(up, stats, upload_id, &err);
    }
    if (rc == LS_OK)
        print_reading(path, stats);
    if (rc == LS_OK)
        return 0;
    ls_store_upload_abort(in.up);
    /* Header problems are on the header's line; row problems carry their own line. */
    bool header = strstr(err.msg, "column") != NULL;
    if (header)
        fprintf(stderr, "leadscore score: %s: line %llu: %s\n", path,
                (unsigned long long)stats->skipped_lines + 1, err.msg);
    else
        fprintf(stderr, "leadscore score: %s: %s\n", path, err.msg);
    return rc == LS_EIO && strncmp(err.msg, "read error", 10) != 0 ? LS_EXIT_SOFTWARE
                                                                   : LS_EXIT_DATAERR;
}

static int write_results(struct ls_store *store, const struct ls_job *job, const struct opts *o)
{
    struct ls_err err = {0};
    char tmp[OUT_PATH_MAX + 32] = ""; /* + ".tmp.<pid>" */
    FILE *f = stdout;
    if (o->out) {
        /* Write beside the target and rename: a reader never sees half a file. */
        snprintf(tmp, sizeof(tmp), "%s.tmp.%d", o->out, (int)getpid());
        f = fopen(tmp, "wb");
        if (f == NULL) {
            fprintf(stderr, "leadscore score: %s: %s\n", tmp, strerror(errno));
            return LS_EXIT_SOFTWARE;
        }
    }
    struct ls_export *e = ls_export_new(store, job, NULL, o->format);
    /* The workbook is built beside its destination: that disk is meant to take it. */
    char dir[OUT_PATH_MAX + 1] = "";
    const char *slash = o->out ? strrchr(o->out, '/') : NULL;
    if (o->out)
        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - o->out) : 1, slash ? o->out : ".");
    if (dir[0] == '\0' && slash)
        snprintf(dir, sizeof(dir), "/");
    ls_export_set_dir(e, dir[0] ? dir : NULL);
    struct ls_buf b;
    ls_buf_init(&b, SIZE_MAX);
    int rc = ls_export_prepare(e, o->columns, &err); /* checked before scoring: see prepare() */
    while (rc >= 0 && (rc = ls_export_next(e, &b, &err)) > 0) {
        if (rc == LS_EXPORT_WAIT) { /* a workbook being compressed */
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (b.len >= 64 * 1024) {
            fwrite(b.data, 1, b.len, f);
            ls_buf_reset(&b);
        }
    }
    if (b.len)
        fwrite(b.data, 1, b.len, f);
    ls_buf_release(&b);
    ls_export_free(e);
    bool write_failed = fflush(f) != 0 || ferror(f);
    if (o->out) {
        write_failed = fclose(f) != 0 || write_failed;
        if (rc == 0 && !write_failed && rename(tmp, o->out) != 0)
            write_failed = true;
        if (rc != 0 || write_failed)
            unlink(tmp);
    }
    if (rc < 0) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    if (write_failed) {
        fprintf(stderr, "leadscore score: cannot write %s: %s\n", o->out ? o->out : "output",
                strerror(errno));
        return LS_EXIT_SOFTWARE;
    }
    return 0;
}

static void remove_db(const char *path)
{
    char p[1100];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-lock", path);
    unlink(p);
}

/* SHA-256 of a file's bytes: how a repeated run recognises the same leads. */
static int hash_file(const char *path, unsigned char out[LS_SHA256_LEN])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "leadscore score: %s: %s\n", path, strerror(errno));
        return LS_EXIT_DATAERR;
    }
    struct ls_sha256 c;
    ls_sha256_init(&c);
    char *chunk = ls_xmalloc(READ_CHUNK);
    size_t n;
    while ((n = fread(chunk, 1, READ_CHUNK, f)) > 0)
        ls_sha256_update(&c, chunk, n);
    free(chunk);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        fprintf(stderr, "leadscore score: %s: read error\n", path);
        return LS_EXIT_DATAERR;
    }
    ls_sha256_final(&c, out);
    return 0;
}

/* --columns against the file's own headers, before any lead is scored. */
static int check_columns(struct ls_store *store, const struct opts *o, int64_t upload_id)
{
    struct ls_job like = {.workspace = o->ws, .upload_id = upload_id};
    struct ls_err err = {0};
    struct ls_export *e = ls_export_new(store, &like, NULL, o->format);
    int rc = ls_export_prepare(e, o->columns, &err);
    ls_export_free(e);
    if (rc == LS_OK)
        return 0;
    fprintf(stderr, "leadscore score: --columns: %s\n", err.msg);
    return rc == LS_EINVAL ? LS_EXIT_USAGE : LS_EXIT_SOFTWARE;
}

/* Issue #10: a run stopped at its budget goes on when the budget given is above its cost. */
static int resume_stopped(struct ls_store *store, const struct opts *o,
                          const struct ls_provider *provider, struct ls_job *job)
{
    struct ls_err err = {0};
    /* Only a raised budget goes on: the same one would stop at the same request. */
    if (o->budget_usd <= job->budget_usd || o->budget_usd <= job->n.cost_usd || !provider->priced) {
        fprintf(stderr,
                "leadscore score: job %lld stopped at its budget of %.6f USD after %lld of %lld "
                "leads (%.6f USD spent): give --budget-usd above %.6f to go on\n",
                (long long)job->id, job->budget_usd, (long long)job->n.done, (long long)job->total,
                job->n.cost_usd, job->budget_usd);
        return LS_EXIT_USAGE;
    }
    if (ls_store_job_resume(store, o->ws, job->id, o->budget_usd, &err) != LS_OK ||
        ls_store_job_get(store, o->ws, job->id, job, &err) != LS_OK) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    return 0;
}

/* --estimate: the dry run's figures as JSON on standard output. */
static int print_estimate(struct ls_store *store, struct ls_provider *p, const struct ls_job *job,
                          bool batch_mode)
{
    struct ls_job_estimate e;
    struct ls_err err = {0};
    bool batch = batch_mode && p->pace.batch > 0; /* --mode batch: the batch rates */
    if (ls_job_estimate(store, p, job->workspace, job->offer_id, job->upload_id, batch, NULL, &e,
                        &err)) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I}, s:o, s:I}", "provider",
                  p->name, "model", p->model, "tier", batch ? "batch" : ls_price_tier_name(p->tier),
                  "leads", (json_int_t)e.leads, "duplicates", (json_int_t)e.duplicates,
                  "cache_hits", (json_int_t)e.cache_hits, "to_send", (json_int_t)e.to_send,
                  "requests", (json_int_t)e.requests, "tokens", "input", (json_int_t)e.input_tokens,
                  "output", (json_int_t)e.output_tokens, "cost_usd",
                  e.priced ? json_real(e.cost_usd) : json_null(), "wall_ms", (json_int_t)e.wall_ms);
    char *text = json_dumps(j, JSON_INDENT(2));
    puts(text);
    free(text);
    json_decref(j);
    return 0;
}

/*
 * The offer, upload and job of this run. With --db, the same offer, the same
 * file and the same provider find the run an earlier invocation left
 * unfinished, which then resumes instead of starting over.
 */
static int prepare(struct ls_store *store, const struct ls_config *cfg, const struct opts *o,
                   const struct ls_offer *offer, const struct ls_provider *provider,
                   struct ls_job *job, struct ls_csv_stats *stats)
{
    struct ls_err err = {0};
    unsigned char hash[LS_SHA256_LEN];
    int64_t offer_id = 0, upload_id = 0, job_id = 0;
    int rc;
    if (o->db && (rc = hash_file(o->leads, hash)))
        return rc;
    if (o->db && ls_store_offer_find(store, o->ws, offer, &offer_id, &err) != LS_OK)
        goto fail;
    if (offer_id == 0 &&
        ls_store_offer_put(store, o->ws, offer, ls_now_ms(), &offer_id, &err) != LS_OK)
        goto fail;
    if (o->db && ls_store_upload_find(store, o->ws, hash, &upload_id, &err) != LS_OK)
        goto fail;
    if (upload_id) {
        struct ls_upload_info u;
        if (ls_store_upload_get(store, o->ws, upload_id, &u, &err) != LS_OK)
            goto fail;
        ls_upload_info_release(&u);
        memset(stats, 0, sizeof(*stats));
        stats->accepted = (uint64_t)u.accepted;
        stats->rejected = (uint64_t)u.rejected;
    } else if ((rc = load_leads(store, o->ws, cfg, o, o->db ? hash : NULL, &upload_id, stats))) {
        return rc;
    }
    if (o->columns && (rc = check_columns(store, o, upload_id)))
        return rc;
    memset(job, 0, sizeof(*job));
    job->workspace = o->ws;
    job->offer_id = offer_id;
    job->upload_id = upload_id;
    if (o->estimate)
        return 0; /* no job: the estimate needs the offer and the leads only */
    /* A batch is billed whole once sent: budgets hold for standard runs only. */
    job->budget_usd = cfg->batch.is_default ? 0
                      : o->budget_usd >= 0  ? o->budget_usd
                      : provider->priced    ? provider->default_budget_usd
                                            : 0;
    job->created_ms = ls_now_ms();
    snprintf(job->provider, sizeof(job->provider), "%s", provider->name);
    snprintf(job->model, sizeof(job->model), "%s", provider->model);
    snprintf(job->mode, sizeof(job->mode), "%s", cfg->batch.is_default ? "batch" : "standard");
    if (o->db && ls_store_job_find_resumable(store, job, &job_id, &err) != LS_OK)
        goto fail;
    if (job_id) {
        if (ls_store_job_get(store, o->ws, job_id, job, &err) != LS_OK)
            goto fail;
        if (job->status == LS_JOB_STOPPED && (rc = resume_stopped(store, o, provider, job)))
            return rc;
        fprintf(stderr, "leadscore score: resuming job %lld: %lld of %lld leads already scored\n",
                (long long)job_id, (long long)job->n.done, (long long)job->total);
        return 0;
    }
    /* Created already ours: a server on the same --db must not take it first. */
    job->owner = ls_store_instance(store);
    if (ls_store_job_create(store, job, &err) != LS_OK)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "leadscore score: %s\n", err.msg);
    return LS_EXIT_SOFTWARE;
}

/* Ctrl-C: stop after the leads in flight, keeping the job resumable. */
static atomic_bool interrupted;
static atomic_bool keep_resumable;

static void on_sigint(int sig)
{
    (void)sig;
    atomic_store(&interrupted, true);
    signal(SIGINT, SIG_DFL); /* a second Ctrl-C ends the process at once */
}

static void show_progress(void *ud, const struct ls_job *job)
{
    ls_progress_update(ud, job);
}

int ls_cmd_score(int argc, char **argv)
{
    struct opts o = {.format = LS_EXPORT_JSON, .budget_usd = -1};
    struct ls_config cfg;
    struct ls_err err = {0};
    struct ls_offer offer = {0};
    struct ls_store *store = NULL;
    struct ls_rules *rules = NULL;
    struct ls_provider *provider = NULL;
    struct ls_progress *progress = NULL;
    char tmpdb[512] = "";
    int rc;

    if (ls_env_load_file(".env", &err) || ls_config_load(&cfg, &err)) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        return LS_EXIT_USAGE;
    }
    o.cfg = &cfg;
    rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? LS_EXIT_OK : rc;
    ls_log_threshold = cfg.log_level > LS_LOG_WARN ? LS_LOG_WARN : cfg.log_level;

    rc = load_offer(o.offer, &offer);
    if (rc)
        goto out;
    rules = ls_rules_new(ls_rules_default_config());
    provider = ls_app_provider(&cfg, rules, &err);
    if (provider == NULL) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        rc = LS_EXIT_USAGE;
        goto out;
    }
    if (o.db == NULL) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmpdb, sizeof(tmpdb), "%s/leadscore-XXXXXX", dir && *dir ? dir : "/tmp");
        int fd = mkstemp(tmpdb);
        if (fd < 0) {
            fprintf(stderr, "leadscore score: cannot create a temporary store: %s\n",
                    strerror(errno));
            rc = LS_EXIT_SOFTWARE;
            goto out;
        }
        close(fd);
    }
    store = ls_store_open_sqlite(o.db ? o.db : tmpdb, NULL, &err);
    if (store == NULL) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }

    if (ls_store_workspace_ensure(store, o.workspace ? o.workspace : "default", ls_now_ms(), &o.ws,
                                  &err) != LS_OK) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }
    struct ls_csv_stats stats;
    struct ls_job job;
    rc = prepare(store, &cfg, &o, &offer, provider, &job, &stats);
    if (rc)
        goto out;
    if (o.estimate) {
        rc = print_estimate(store, provider, &job, cfg.batch.is_default);
        goto out;
    }

    progress = ls_progress_new(stderr, job.n.done);
    atomic_store(&interrupted, false);
    atomic_store(&keep_resumable, true);
    struct ls_job_env env = {.store = store,
                             .provider = provider,
                             .rules = rules,
                             .stop = &interrupted,
                             .stop_is_shutdown = &keep_resumable,
                             .progress = show_progress,
                             .progress_ud = progress,
                             .batch = &cfg.batch};
    signal(SIGINT, on_sigint);
    int run = ls_job_run(&env, job.id, &job, &err);
    signal(SIGINT, SIG_DFL);
    ls_progress_end(progress);
    if (run == LS_ECONFLICT) {
        fprintf(stderr,
                "leadscore score: %s (is a server running on %s? it will finish it; see GET "
                "/jobs/%lld)\n",
                err.msg, o.db ? o.db : "this store", (long long)job.id);
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }
    if (run != LS_OK) {
        fprintf(stderr, "leadscore score: %s\n", err.msg);
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }
    if (job.status == LS_JOB_RUNNING && atomic_load(&interrupted)) {
        fprintf(stderr,
                "leadscore score: interrupted: %lld of %lld leads scored (High %lld, Medium %lld, "
                "Low %lld)%s\n",
                (long long)job.n.done, (long long)job.total,
                (long long)job.n.intents[LS_INTENT_HIGH],
                (long long)job.n.intents[LS_INTENT_MEDIUM], (long long)job.n.intents[LS_INTENT_LOW],
                o.db ? "; they are kept: run the same command again to resume"
                     : "; without --db nothing is kept (use --db to be able to resume)");
        rc = LS_EXIT_INTERRUPTED;
        goto out;
    }
    if (job.status == LS_JOB_STOPPED) {
        fprintf(stderr,
                "leadscore score: stopped at the budget: %lld of %lld leads scored, %.6f USD "
                "spent%s\n",
                (long long)job.n.done, (long long)job.total, job.n.cost_usd,
                o.db ? "; they are kept: run the same command with a higher --budget-usd to go on"
                     : "; without --db nothing is kept (use --db to be able to go on)");
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }
    if (job.status != LS_JOB_SUCCEEDED) {
        fprintf(stderr, "leadscore score: scoring %s: %s\n", ls_job_status_name(job.status),
                job.error);
        rc = LS_EXIT_SOFTWARE;
        goto out;
    }
    rc = write_results(store, &job, &o);
    if (rc == 0)
        fprintf(
            stderr,
            "leadscore score: scored %lld leads (High %lld, Medium %lld, Low %lld); "
            "%llu rows rejected; fallbacks %lld (blocked %lld), cache hits %lld, model calls %lld, "
            "retries %lld, tokens %lld prompt / %lld output; provider %s%s%s; job %lld\n",
            (long long)job.n.done, (long long)job.n.intents[LS_INTENT_HIGH],
            (long long)job.n.intents[LS_INTENT_MEDIUM], (long long)job.n.intents[LS_INTENT_LOW],
            (unsigned long long)stats.rejected, (long long)job.n.fallbacks,
            (long long)job.n.blocked, (long long)job.n.cache_hits, (long long)job.n.model_calls,
            (long long)job.n.retries, (long long)job.n.prompt_tokens,
            (long long)job.n.output_tokens, provider->name, provider->model[0] ? " " : "",
            provider->model, (long long)job.id);
out:
    ls_progress_free(progress);
    ls_store_close(store);
    if (tmpdb[0])
        remove_db(tmpdb);
    ls_provider_free(provider);
    ls_rules_free(rules);
    ls_offer_release(&offer);
    return rc;
}
