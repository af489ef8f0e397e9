/* provider_select.c - which AI provider the configuration asks for. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"

struct ls_provider *ls_app_provider(const struct ls_config *cfg, const struct ls_rules *rules,
                                    struct ls_err *err)
{
    const char *p = cfg->provider;
    if (strcmp(p, "auto") == 0 || strcmp(p, "offline") == 0)
        return ls_provider_offline_new(rules);
    ls_err_set(err, LS_EINVAL, "LEADSCORE_AI_PROVIDER must be auto or offline (got \"%s\")", p);
    return NULL;
}
