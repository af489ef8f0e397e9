/*
 * app.h - the command line's subcommands (as in git.c, a table in main.c
 * dispatches to them). A command only parses its arguments and calls the
 * same store, job and core functions the HTTP handlers call.
 */
#ifndef LS_APP_APP_H
#define LS_APP_APP_H

#include "app/config.h"
#include "core/rules.h"
#include "llm/provider.h"

/* sysexits.h values, spelled out so the contract is visible here. */
#define LS_EXIT_OK          0
#define LS_EXIT_USAGE       2
#define LS_EXIT_DATAERR     65
#define LS_EXIT_SOFTWARE    70
#define LS_EXIT_INTERRUPTED 130 /* 128 + SIGINT, as shells report it */

int ls_cmd_serve(int argc, char **argv);
int ls_cmd_score(int argc, char **argv);
int ls_cmd_keys(int argc, char **argv);

/*
 * What the subcommands' option parsing shares (cli.c). Each returns 0 when parsing goes
 * on, -1 for "exit 0 now" (--help) or LS_EXIT_USAGE after saying why on stderr, as
 * "leadscore <cmd>: ..." (cmd, opt, arg and usage are borrowed).
 */
/* Copies the text option opt's argument arg whole into dst (cap bytes), or fails: never cut. */
int ls_cli_set_text(const char *cmd, const char *opt, const char *arg, char *dst, size_t cap);
/*
 * The arms a getopt_long loop ends with: c 'h' prints usage on stdout (-1); any other c,
 * an unknown option or a missing argument getopt has reported, prints it on stderr.
 */
int ls_cli_help_or_usage(int c, const char *usage);
/* After the options (next is optind): an argument left over is a usage error. */
int ls_cli_no_argument_left(const char *cmd, int argc, char **argv, int next);

/* The AI provider the configuration asks for (owned: ls_provider_free); rules is borrowed. */
struct ls_provider *ls_app_provider(const struct ls_config *cfg, const struct ls_rules *rules,
                                    struct ls_err *err);

#endif
