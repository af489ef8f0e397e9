/*
 * cmd_keys.c - `leadscore keys create|list|revoke`: API keys, on the store
 * directly (no server needed, and the way to make the first key).
 *
 * `create` prints the key alone on standard output, so that a script can
 * capture it (KEY=$(leadscore keys create ...)), and its id and details on
 * standard error. The key is never shown again and never stored in clear.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "auth/keys.h"
#include "sys/sys.h"

static const char usage_text[] =
    "usage: leadscore keys create [--db PATH] --workspace NAME --role ROLE [--name LABEL]\n"
    "       leadscore keys list [--db PATH] [--workspace NAME]\n"
    "       leadscore keys revoke [--db PATH] ID\n"
    "\n"
    "Manages API keys. ROLE is admin (everything, keys included), member (read and\n"
    "write data) or viewer (read only). A workspace is created when new; data in one\n"
    "workspace is invisible to keys of another. The key is printed once, alone on\n"
    "standard output.\n"
    "\n"
    "  --db PATH         SQLite database file (LEADSCORE_DB, default ./leadscore.db)\n"
    "  --workspace NAME  the workspace (create: required; list: only its keys)\n"
    "  --role ROLE       admin, member or viewer\n"
    "  --name LABEL      a label to recognise the key by (e.g. who has it)\n";

static const char *const role_names[] = {NULL, "viewer", "member", "admin"};

static int role_of(const char *s)
{
    for (int i = 1; s && i < 4; i++) {
        if (strcmp(s, role_names[i]) == 0)
            return i;
    }
    return 0;
}

struct keys_opts {
    const char *workspace, *role, *name;
    const char *cmd, *arg;
    int role_id;  /* create: the checked role */
    long long id; /* revoke: the checked key id */
};

static int parse(int argc, char **argv, struct ls_config *cfg, struct keys_opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},   {"workspace", required_argument, NULL, 'w'},
        {"role", required_argument, NULL, 'r'}, {"name", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:w:r:n:h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'd':
            rc = ls_cli_set_text("keys", "--db", optarg, cfg->db, sizeof(cfg->db));
            break;
        case 'w':
            o->workspace = optarg;
            break;
        case 'r':
            o->role = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        default:
            return ls_cli_help_or_usage(c, usage_text);
        }
        if (rc)
            return rc;
    }
    o->cmd = optind < argc ? argv[optind++] : NULL;
    o->arg = optind < argc ? argv[optind++] : NULL;
    if (o->cmd == NULL || optind < argc) {
        fputs(usage_text, stderr);
        return LS_EXIT_USAGE;
    }
    return 0;
}

/* A positional argument where the subcommand takes none: a usage error. */
static bool extra_arg(const struct keys_opts *o)
{
    if (o->arg == NULL)
        return false;
    fprintf(stderr, "leadscore keys %s: unexpected argument '%s'\n", o->cmd, o->arg);
    return true;
}

/* True when s holds a control character (a name must not rewrite a terminal or a listing). */
static bool has_control(const char *s)
{
    for (; s && *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    }
    return false;
}

static int create_check(struct keys_opts *o)
{
    if (extra_arg(o))
        return LS_EXIT_USAGE;
    o->role_id = role_of(o->role);
    if (o->workspace == NULL || o->workspace[0] == '\0' || o->role_id == 0) {
        fprintf(stderr, "leadscore keys create: --workspace NAME and --role admin|member|viewer "
                        "are required\n");
        return LS_EXIT_USAGE;
    }
    if (strlen(o->workspace) > 100 || (o->name && strlen(o->name) > 100)) {
        fprintf(stderr, "leadscore keys create: names are at most 100 bytes\n");
        return LS_EXIT_USAGE;
    }
    if (has_control(o->workspace) || has_control(o->name)) {
        fprintf(stderr, "leadscore keys create: names may not hold control characters\n");
        return LS_EXIT_USAGE;
    }
    return 0;
}

static int create(struct ls_store *store, const struct keys_opts *o)
{
    int role = o->role_id;
    struct ls_err err = {0};
    int64_t ws = 0;
    char key[LS_KEY_LEN + 1];
    struct ls_key_info info;
    if (ls_store_workspace_ensure(store, o->workspace, ls_now_ms(), &ws, &err) != LS_OK ||
        ls_keys_issue(store, ws, role, o->name, ls_now_ms(), key, &info, &err) != LS_OK) {
        fprintf(stderr, "leadscore keys create: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    /* The key exists only here now: one that cannot be written out (a full disk behind a
     * redirection) is revoked, never left active with nobody holding it. */
    bool is_written = printf("%s\n", key) > 0;
    is_written = fflush(stdout) == 0 && is_written && !ferror(stdout);
    memset(key, 0, sizeof(key));
    if (!is_written) {
        const char *why = strerror(errno);
        fprintf(stderr, "leadscore keys create: cannot write the key to standard output: %s\n",
                why);
        if (ls_store_key_revoke(store, 0, info.id, ls_now_ms(), &err) == LS_OK)
            fprintf(stderr, "leadscore keys create: key %lld revoked\n", (long long)info.id);
        else
            fprintf(stderr, "leadscore keys create: key %lld is active and unknown: %s\n",
                    (long long)info.id, err.msg);
        return LS_EXIT_SOFTWARE;
    }
    fprintf(stderr,
            "leadscore keys create: key %lld (%s) for workspace \"%s\", role %s%s%s%s; it is shown "
            "only this once\n",
            (long long)info.id, info.prefix, o->workspace, role_names[role],
            o->name ? ", name \"" : "", o->name ? o->name : "", o->name ? "\"" : "");
    return LS_EXIT_OK;
}

/* s with every control character as '?' (names stored before they were refused). */
static void defuse(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s);
    for (char *p = out; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    }
}

/* ud: the workspace asked for (borrowed), or NULL for all. */
static int print_key(void *ud, const struct ls_key_info *k, struct ls_err *err)
{
    (void)err;
    const char *only = ud;
    if (only && strcmp(only, k->workspace_name) != 0)
        return LS_OK;
    char created[40], used[40] = "never", ws[sizeof(k->workspace_name)], name[sizeof(k->name)];
    ls_format_time(k->created_ms, created, sizeof(created));
    if (k->last_used_ms)
        ls_format_time(k->last_used_ms, used, sizeof(used));
    defuse(k->workspace_name, ws, sizeof(ws));
    defuse(k->name, name, sizeof(name));
    printf("%-6lld %-14s %-16s %-7s %-10s %-26s %-26s %s\n", (long long)k->id, k->prefix, ws,
           k->role >= 1 && k->role <= 3 ? role_names[k->role] : "?",
           k->revoked_ms ? "revoked" : "active", created, used, name);
    return LS_OK;
}

static int list_check(struct keys_opts *o)
{
    return extra_arg(o) ? LS_EXIT_USAGE : 0;
}

static int list(struct ls_store *store, const struct keys_opts *o)
{
    struct ls_err err = {0};
    printf("%-6s %-14s %-16s %-7s %-10s %-26s %-26s %s\n", "ID", "PREFIX", "WORKSPACE", "ROLE",
           "STATUS", "CREATED", "LAST USED", "NAME");
    /* Filtered here, by name: listing an unknown workspace must not create it. */
    if (ls_store_keys_list(store, 0, print_key, (void *)(uintptr_t)o->workspace, &err) != LS_OK) {
        fprintf(stderr, "leadscore keys list: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    return LS_EXIT_OK;
}

static int revoke_check(struct keys_opts *o)
{
    if (o->arg == NULL || !ls_parse_int(o->arg, 1, 0x7fffffffffffffffLL, &o->id)) {
        fprintf(stderr, "leadscore keys revoke: give the key's id (see leadscore keys list)\n");
        return LS_EXIT_USAGE;
    }
    return 0;
}

static int revoke(struct ls_store *store, const struct keys_opts *o)
{
    long long id = o->id;
    struct ls_err err = {0};
    if (ls_store_key_revoke(store, 0, id, ls_now_ms(), &err) != LS_OK) {
        fprintf(stderr, "leadscore keys revoke: %s\n", err.msg);
        return err.code == LS_ENOTFOUND || err.code == LS_ECONFLICT ? LS_EXIT_DATAERR
                                                                    : LS_EXIT_SOFTWARE;
    }
    fprintf(stderr, "leadscore keys revoke: key %lld revoked\n", id);
    return LS_EXIT_OK;
}

/* The subcommands, as in git.c: arguments are checked before the store is opened. */
static const struct keys_cmd {
    const char *name;
    int (*check)(struct keys_opts *o);
    int (*run)(struct ls_store *store, const struct keys_opts *o);
} keys_cmds[] = {
    {"create", create_check, create},
    {"list", list_check, list},
    {"revoke", revoke_check, revoke},
};

int ls_cmd_keys(int argc, char **argv)
{
    struct ls_config cfg;
    struct ls_err err = {0};
    struct keys_opts o = {0};
    if (ls_env_load_file(".env", &err) || ls_config_load(&cfg, &err)) {
        fprintf(stderr, "leadscore keys: %s\n", err.msg);
        return LS_EXIT_USAGE;
    }
    int rc = parse(argc, argv, &cfg, &o);
    if (rc)
        return rc < 0 ? LS_EXIT_OK : rc;
    const struct keys_cmd *cmd = NULL;
    for (size_t i = 0; i < LS_ARRAY_LEN(keys_cmds); i++) {
        if (strcmp(o.cmd, keys_cmds[i].name) == 0)
            cmd = &keys_cmds[i];
    }
    if (cmd == NULL) {
        fprintf(stderr, "leadscore keys: unknown subcommand '%s'\n\n%s", o.cmd, usage_text);
        return LS_EXIT_USAGE;
    }
    /* Arguments first: a usage error must not create (or migrate) a database. */
    rc = cmd->check(&o);
    if (rc)
        return rc;
    struct ls_store *store = ls_store_open_sqlite(cfg.db, NULL, &err);
    if (store == NULL) {
        fprintf(stderr, "leadscore keys: %s\n", err.msg);
        return LS_EXIT_SOFTWARE;
    }
    rc = cmd->run(store, &o);
    ls_store_close(store);
    return rc;
}
