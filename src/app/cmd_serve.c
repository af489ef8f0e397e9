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
#include "auth/keys.h"
#include "auth/sessions.h"
#include "http/http.h"
#include "http/results_cache.h"
#include "http/search_cache.h"
#include "http/summary_cache.h"
#include "jobs/housekeeping.h"
#include "sys/log.h"
#include "sys/metrics.h"
#include "sys/sys.h"

#define GRACE_MS 10000 /* for requests in flight at a shutdown */

static const char usage_text[] =
    "usage: leadscore serve [--host H] [--port P] [--db PATH] [--threads N] [--no-auth]\n"
    "\n"
    "Runs the HTTP service.\n"
    "\n"
    "  --host H      address to listen on (LEADSCORE_HOST, default 127.0.0.1)\n"
    "  --port P      port, 0 for any free port (LEADSCORE_PORT, default 5000)\n"
    "  --db PATH     SQLite database file (LEADSCORE_DB, default ./leadscore.db)\n"
    "  --threads N   HTTP I/O threads (LEADSCORE_THREADS, default 4)\n"
    "  --no-auth     serve without API keys even on a non-loopback address\n"
    "  --ai-provider P  auto, offline, gemini or openai (LEADSCORE_AI_PROVIDER, default auto)\n"
    "  --ai-model M     model name (GEMINI_MODEL / OPENAI_MODEL)\n"
    "\n"
    "With no API key in the store the server runs open (every request acts in the\n"
    "\"default\" workspace), but only on a loopback address; create keys with\n"
    "`leadscore keys create`. Other settings come from the environment or ./.env;\n"
    "see README.md.\n";

static int parse_args(int argc, char **argv, struct ls_config *cfg)
{
    static const struct option opts[] = {
        {"host", required_argument, NULL, 'H'},
        {"port", required_argument, NULL, 'p'},
        {"db", required_argument, NULL, 'd'},
        {"threads", required_argument, NULL, 't'},
        {"ai-provider", required_argument, NULL, 'a'},
        {"ai-model", required_argument, NULL, 'm'},
        {"no-auth", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    long long n;
    optind = 1;
    while ((c = getopt_long(argc, argv, "H:p:d:t:h", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'a':
            rc = ls_cli_set_text("serve", "--ai-provider", optarg, cfg->provider,
                                 sizeof(cfg->provider));
            break;
        case 'm':
            rc = ls_cli_set_text("serve", "--ai-model", optarg, cfg->model, sizeof(cfg->model));
            break;
        case 'H':
            rc = ls_cli_set_text("serve", "--host", optarg, cfg->host, sizeof(cfg->host));
            break;
        case 'p':
            if (!ls_parse_int(optarg, 0, 65535, &n)) {
                fprintf(stderr, "leadscore serve: --port must be 0-65535 (got '%s')\n", optarg);
                return LS_EXIT_USAGE;
            }
            cfg->port = (int)n;
            break;
        case 'd':
            rc = ls_cli_set_text("serve", "--db", optarg, cfg->db, sizeof(cfg->db));
            break;
        case 't':
            if (!ls_parse_int(optarg, 1, 256, &n)) {
                fprintf(stderr, "leadscore serve: --threads must be 1-256 (got '%s')\n", optarg);
                return LS_EXIT_USAGE;
            }
            cfg->threads = (int)n;
            break;
        case 'N':
            cfg->no_auth = true;
            break;
        default:
            return ls_cli_help_or_usage(c, usage_text);
        }
        if (rc)
            return rc;
    }
    return ls_cli_no_argument_left("serve", argc, argv, optind);
}

/* No keys, a non-loopback address and no --no-auth: refuse, and say what to do. */
static int refuse_open(const struct ls_config *cfg)
{
    fprintf(stderr,
            "leadscore serve: refusing to listen on %s without API keys: anyone who can reach "
            "it could read every lead and spend the model quota.\n"
            "Create a key first:\n"
            "  leadscore keys create --db %s --workspace default --role admin\n"
            "and send it as \"Authorization: Bearer <key>\". To serve without keys on purpose, "
            "pass --no-auth.\n",
            cfg->host, cfg->db);
    return LS_EXIT_USAGE;
}

static void fill_http_config(struct ls_http_config *h, const struct ls_config *cfg)
{
    *h = (struct ls_http_config){
        .host = cfg->host,
        .port = cfg->port,
        .threads = cfg->threads,
        .max_json = cfg->max_json,
        .max_upload = cfg->max_upload,
        .max_head = cfg->max_head,
        .header_timeout_ms = cfg->header_timeout_ms,
        .idle_timeout_ms = cfg->idle_timeout_ms,
        .io_timeout_ms = cfg->io_timeout_ms,
        .max_connections = cfg->max_connections,
        .max_connections_ip = cfg->max_connections_ip,
        .cors_origins = cfg->cors_origins,
        .allowed_hosts = cfg->allowed_hosts,
        .no_auth = cfg->no_auth,
        .metrics_public = cfg->metrics_public,
        .cookie_secure = cfg->cookie_secure,
        .csv = cfg->csv,
    };
}

int ls_cmd_serve(int argc, char **argv)
{
    struct ls_config cfg;
    struct ls_err err = {0};
    struct ls_store *store = NULL;
    struct ls_rules *rules = NULL;
    struct ls_provider *provider = NULL;
    struct ls_runner *runner = NULL;
    struct ls_keys *keys = NULL;
    struct ls_sessions *sessions = NULL;
    struct ls_housekeeping *hk = NULL;
    struct ls_results_cache *cache = NULL;
    struct ls_summary_cache *summaries = NULL;
    struct ls_search_cache *search = NULL;
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

    struct ls_store_options sopt = {.max_bytes = (int64_t)cfg.db_max_mb * 1024 * 1024,
                                    .max_queued_jobs = cfg.max_queued_jobs};
    store = ls_store_open_sqlite(cfg.db, &sopt, &err);
    if (store == NULL)
        goto fail;
    bool loopback = ls_host_is_loopback(cfg.host);
    keys = ls_keys_new(store, loopback || cfg.no_auth);
    if (!ls_keys_any(keys) && !loopback && !cfg.no_auth) {
        rc = refuse_open(&cfg);
        goto out;
    }
    sessions = ls_sessions_new(store, keys, (int64_t)cfg.session_hours * 3600 * 1000);
    rules = ls_rules_new(ls_rules_default_config());
    provider = ls_app_provider(&cfg, rules, &err);
    if (provider == NULL) {
        rc = LS_EXIT_USAGE;
        goto fail;
    }
    runner = ls_runner_new(store, provider, rules);
    ls_runner_set_batch(runner, &cfg.batch);
    cache = ls_results_cache_new((size_t)cfg.results_cache_mb * 1024 * 1024);
    summaries = ls_summary_cache_new();
    search = ls_search_cache_new(store, (size_t)cfg.search_cache_mb * 1024 * 1024);
    struct ls_app app = {
        .store = store,
        .runner = runner,
        .provider = provider,
        .rules = rules,
        .keys = keys,
        .sessions = sessions,
        .cache = cache,
        .summaries = summaries,
        .search = search,
        .started_ms = ls_now_ms(),
    };
    atomic_init(&app.stopping, false);
    fill_http_config(&app.cfg, &cfg);
    char export_dir[sizeof(cfg.db)];
    ls_config_export_dir(&cfg, export_dir, sizeof(export_dir));
    app.cfg.export_dir = export_dir;
    size_t n_routes;
    const struct ls_route *routes = ls_routes_all(&n_routes);
    const char *templates[LS_METRICS_ROUTES_MAX], *methods[LS_METRICS_ROUTES_MAX];
    for (size_t i = 0; i < n_routes && i < LS_METRICS_ROUTES_MAX; i++) {
        templates[i] = routes[i].pattern;
        methods[i] = routes[i].method;
    }
    ls_metrics_set_routes(templates, methods, n_routes);
    if (ls_runner_start(runner, &err) != LS_OK)
        goto fail;
    hk = ls_housekeeping_start(store, cfg.retention_days, cfg.cache_max_rows);
    srv = ls_server_start(&app, &err);
    if (srv == NULL)
        goto fail;
    atomic_store(&app.server, srv);
    if (ls_keys_any(keys))
        ls_log(LS_LOG_INFO, "auth.mode", "mode=keys detail=%s",
               "every route but GET /healthz needs an API key");
    else
        ls_log(LS_LOG_INFO, "auth.mode", "mode=open detail=%s",
               loopback ? "no API key exists and the address is loopback: requests act in the "
                          "default workspace; create a key with 'leadscore keys create' to "
                          "require keys"
                        : "--no-auth: anyone who reaches this address can use the service");
    ls_log(LS_LOG_INFO, "server.listening", "host=%s port=%d db=%s provider=%s model=%s version=%s",
           cfg.host, ls_server_port(srv), cfg.db, provider->name,
           provider->model[0] ? provider->model : "-", LS_VERSION);

    int sig = 0;
    sigwait(&sigs, &sig);
    ls_log(LS_LOG_INFO, "server.stopping", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /*
     * Stop accepting, then stop the job worker at once: a running job is
     * interrupted and saved (it resumes at the next start), and requests
     * waiting for it are answered 503 now rather than after the grace.
     */
    atomic_store(&app.stopping, true);
    ls_server_quiesce(srv, 0);
    ls_runner_stop(runner);
    ls_server_quiesce(srv, GRACE_MS);
    ls_server_stop(srv);
    srv = NULL;
    ls_log(LS_LOG_INFO, "server.stopped", "signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = LS_EXIT_OK;
    goto out;

fail:
    ls_log(LS_LOG_ERROR, "server.error", "error=%s", err.msg);
out:
    ls_server_stop(srv);
    ls_housekeeping_stop(hk);
    ls_runner_free(runner);
    ls_provider_free(provider);
    ls_rules_free(rules);
    ls_sessions_free(sessions);
    ls_keys_free(keys);
    ls_results_cache_free(cache);
    ls_summary_cache_free(summaries);
    ls_search_cache_free(search);
    ls_store_close(store);
    return rc;
}
