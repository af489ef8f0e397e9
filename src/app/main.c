/*
 * main.c - leadscore's entry point and command table.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"serve", ls_cmd_serve, "run the HTTP service"},
    {"score", ls_cmd_score, "score a leads CSV against an offer, no server needed"},
    {"keys", ls_cmd_keys, "create, list and revoke API keys"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: leadscore <command> [options]\n"
               "       leadscore --help | --version\n\n"
               "Scores sales leads 0-100: a rule layer (role, industry fit, completeness)\n"
               "plus an AI verdict (High/Medium/Low with a reason).\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'leadscore <command> --help' for a command's options.\n");
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LS_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("leadscore %s\n", LS_VERSION);
        return LS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "leadscore: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return LS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* Once, before any thread starts (libcurl-thread). */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "leadscore: cannot initialise libcurl\n");
        return LS_EXIT_SOFTWARE;
    }
    int rc = dispatch(argc, argv);
    curl_global_cleanup();
    return rc;
}
