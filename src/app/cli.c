/*
 * cli.c - what the subcommands' option parsing shares (cmd_serve.c,
 * cmd_score.c, cmd_keys.c): text options copied whole, the help and usage
 * arms of a getopt_long loop, and the check that no argument is left over.
 */
#include <stdio.h>

#include "app/app.h"

int ls_cli_set_text(const char *cmd, const char *opt, const char *arg, char *dst, size_t cap)
{
    struct ls_err err = {0};
    if (ls_config_set_text(dst, cap, opt, arg, &err) == LS_OK)
        return 0;
    fprintf(stderr, "leadscore %s: %s\n", cmd, err.msg);
    return LS_EXIT_USAGE;
}

int ls_cli_help_or_usage(int c, const char *usage)
{
    if (c == 'h') {
        fputs(usage, stdout);
        return -1;
    }
    fputs(usage, stderr);
    return LS_EXIT_USAGE;
}

int ls_cli_no_argument_left(const char *cmd, int argc, char **argv, int next)
{
    if (next >= argc)
        return 0;
    fprintf(stderr, "leadscore %s: unexpected argument '%s'\n", cmd, argv[next]);
    return LS_EXIT_USAGE;
}
