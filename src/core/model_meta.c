/* model_meta.c - reading model metadata bodies (see model_meta.h). Pure. */
#include "model_meta.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

bool ls_model_meta_date(const char *s, size_t len, const char *provider, const char *model,
                        char *out, size_t cap)
{
    static const char *const keys[] = {"shutdown_date", "shutdownDate", "deprecation_date",
                                       "deprecationDate"};
    /* Duplicate keys allowed: this only looks for a hint, it validates nothing. */
    json_t *root = json_loadb(s, len, 0, NULL);
    bool has_date = false;
    for (size_t i = 0; json_is_object(root) && cap > 0 && i < LS_ARRAY_LEN(keys); i++) {
        const char *v = json_string_value(json_object_get(root, keys[i]));
        if (v && v[0]) {
            snprintf(out, cap, "%s model %s: the service gives %s %.40s", provider, model, keys[i],
                     v);
            has_date = true;
            break;
        }
    }
    json_decref(root);
    return has_date;
}

bool ls_model_meta_names_model(const char *body, const char *model, bool is_gemini)
{
    return strstr(body, "model_not_found") ||
           (is_gemini && strstr(body, "NOT_FOUND") && strstr(body, "models/")) ||
           (model[0] && strstr(body, model));
}
