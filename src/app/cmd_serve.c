/*
 * cmd_serve.c - `leadscore serve`: the HTTP service.
 *
 * Signals are blocked in every thread and taken synchronously here with
 * sigwait. On SIGINT or SIGTERM: stop accepting, let in-flight requests
 * finish, stop the job worker (a running job is saved and resumes at the next
 * start), close the store, exit 0.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "http/http.h"
#include "sys/log.h"
#include "sys/sys.h"

#define GRACE_MS      10000 /* for in-flight requests */
#define GRACE_JOBS_MS 5000  /* for replies to requests waiting on a job */

static const char usage_text[] =
    "usage: leadscore serve [--host H] [--port P] [--db PATH] [--threads N]\n"
    "\n"
    "Runs the HTTP service.\n"
    "\n"
    "  --host H      address to listen on (LEADSCORE_HOST, default 127.0.0.1)\n"
    "  --port P      port, 0 for any free port (LEADSCORE_PORT, default 5000)\n"
    "  --db PATH     SQLite database file (LEADSCORE_DB, default ./leadscore.db)\n"
    "  --threads N   HTTP worker threads (LEADSCORE_THREADS, default 4)\n"
    "  --ai-provider P  auto, offline, gemini or openai (LEADSCORE_AI_PROVIDER, default auto)\n"
    "  --ai-model M     model name (GEMINI_MODEL / OPENAI_MODEL)\n"
    "\n"
    "Other settings come from the environment or ./.env; see README.md.\n";

static int parse_args(int argc, char **argv, struct ls_config *cfg)
{
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"db", required_argument, NULL, 'd'},
        {"threads", required_argument, NULL, 't'},
        {"ai-provider", required_argument, NULL, 'a'},
        {"ai-model", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long long n;
    optind = 1;
    while ((c = getopt_long(argc, argv, "H:p:d:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            snprintf(cfg->provider, sizeof(cfg->provider), "%s", optarg);
            break;
        case 'm':
            snprintf(cfg->model, sizeof(cfg->model), "%s", optarg);
            break;
        case 'H':
            snprintf(cfg->host, sizeof(cfg->host), "%s", optarg);
            break;
        case 'p':
            if (!ls_parse_int(optarg, 0, 65535, &n)) {
                fprintf(stderr, "leadscore serve: --port must be 0-65535 (got '%s')\n", optarg);
                return LS_EXIT_USAGE;
            }
            cfg->port = (int)n;
            break;
        case 'd':
            snprintf(cfg->db, sizeof(cfg->db), "%s", optarg);
            break;
        case 't':
            if (!ls_parse_int(optarg, 1, 256, &n)) {
                fprintf(stderr, "leadscore serve: --threads must be 1-256 (got '%s')\n", optarg);
                return LS_EXIT_USAGE;
            }
            cfg->threads = (int)n;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return -1;
        default:
            fputs(usage_text, stderr);
            return LS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "leadscore serve: unexpected argument '%s'\n", argv[optind]);
        return LS_EXIT_USAGE;
    }
    return 0;
}

int ls_cmd_serve(int argc, char **argv)
{
    struct ls_config cfg;
    struct ls_err err = {0};
    struct ls_store *store = NULL;
    struct ls_rules *rules = NULL;
    struct ls_provider *provider = NULL;
    struct ls_runner *runner = NULL;
    struct ls_server *srv = NULL;
    int rc = LS_EXIT_SOFTWARE;

    if (ls_env_load_file(".env", &err) || ls_config_load(&cfg, &err)) {
        fprintf(stderr, "leadscore serve: %s\n", err.msg);
        return LS_EXIT_USAGE;
    }
    int a = parse_args(argc, argv, &cfg);
    if (a)
        return a < 0 ? LS_EXIT_OK : a;
    ls_log_threshold = cfg.log_level;

    /* Block before any thread starts so that every thread inherits the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    store = ls_store_open_sqlite(cfg.db, &err);
    if (store == NULL)
        goto fail;
    rules = ls_rules_new(ls_rules_default_config());
    provider = ls_app_provider(&cfg, rules, &err);
    if (provider == NULL) {
        rc = LS_EXIT_USAGE;
        goto fail;
    }
    runner = ls_runner_new(store, provider, rules);
    struct ls_app app = {
        .store = store,
        .runner = runner,
        .provider = provider,
        .rules = rules,
        .started_ms = ls_now_ms(),
        .cfg =
            {
                .host = cfg.host,
                .port = cfg.port,
                .threads = cfg.threads,
                .max_json = cfg.max_json,
                .max_upload = cfg.max_upload,
                .csv = cfg.csv,
            },
    };
    if (ls_runner_start(runner, &err) != LS_OK)
        goto fail;
    srv = ls_server_start(&app, &err);
    if (srv == NULL)
        goto fail;
    ls_log(LS_LOG_INFO, "server.listening", "host=%s port=%d db=%s provider=%s model=%s version=%s",
           cfg.host, ls_server_port(srv), cfg.db, provider->name,
           provider->model[0] ? provider->model : "-", LS_VERSION);

    int sig = 0;
    sigwait(&sigs, &sig);
    ls_log(LS_LOG_INFO, "server.stopping", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    ls_server_quiesce(srv, GRACE_MS);
    ls_runner_stop(runner); /* wakes requests that wait on a job */
    ls_server_quiesce(srv, GRACE_JOBS_MS);
    ls_server_stop(srv);
    ls_runner_free(runner);
    ls_provider_free(provider);
    ls_rules_free(rules);
    ls_store_close(store);
    ls_log(LS_LOG_INFO, "server.stopped", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return LS_EXIT_OK;

fail:
    ls_log(LS_LOG_ERROR, "server.error", "error=%s", err.msg);
    ls_server_stop(srv);
    ls_runner_free(runner);
    ls_provider_free(provider);
    ls_rules_free(rules);
    ls_store_close(store);
    return rc;
}
