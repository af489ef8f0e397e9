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

/* The AI provider the configuration asks for (owned: ls_provider_free); rules is borrowed. */
struct ls_provider *ls_app_provider(const struct ls_config *cfg, const struct ls_rules *rules,
                                    struct ls_err *err);

#endif
