/* offer.c - offer validation and JSON mapping. Pure. */
#include "offer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonx.h"
#include "sha256.h"
#include "text.h"
#include "xalloc.h"

static void strlist_release(struct ls_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void ls_offer_release(struct ls_offer *o)
{
    free(o->name);
    o->name = NULL;
    strlist_release(&o->value_props);
    strlist_release(&o->ideal_use_cases);
    strlist_release(&o->icp_industries);
    strlist_release(&o->adjacent_industries);
}

/* Copies a JSON string, trimmed; LS_ESCHEMA when it is not a non-empty string. */
static int take_string(const json_t *v, const char *what, char **out, struct ls_err *err)
{
    if (!json_is_string(v))
        return ls_err_set(err, LS_ESCHEMA, "%s must be a non-empty string", what);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len) != NULL)
        return ls_err_set(err, LS_ESCHEMA, "%s must not contain NUL characters", what);
    ls_text_trim(&s, &len);
    if (len == 0)
        return ls_err_set(err, LS_ESCHEMA, "%s must be a non-empty string", what);
    if (len > LS_OFFER_STR_MAX)
        return ls_err_set(err, LS_ESCHEMA, "%s must be at most %d bytes", what, LS_OFFER_STR_MAX);
    *out = ls_xmemdup0(s, len);
    return LS_OK;
}

static int take_list(const json_t *obj, const char *key, bool required, struct ls_strlist *out,
                     struct ls_err *err)
{
    const json_t *a = json_object_get(obj, key);
    if (a == NULL || json_is_null(a)) {
        if (required)
            return ls_err_set(err, LS_ESCHEMA, "%s is required (an array of strings)", key);
        return LS_OK;
    }
    if (!json_is_array(a))
        return ls_err_set(err, LS_ESCHEMA, "%s must be an array of strings", key);
    size_t n = json_array_size(a);
    if (n == 0 && required)
        return ls_err_set(err, LS_ESCHEMA, "%s must have at least one element", key);
    if (n > LS_OFFER_ITEMS_MAX)
        return ls_err_set(err, LS_ESCHEMA, "%s must have at most %d elements", key,
                          LS_OFFER_ITEMS_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!json_is_string(json_array_get(a, i)))
            return ls_err_set(err, LS_ESCHEMA,
                              "%s must be an array of strings (element %zu is not a string)", key,
                              i);
    }
    out->v = ls_xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof(what), "%s[%zu]", key, i);
        int rc = take_string(json_array_get(a, i), what, &out->v[out->n], err);
        if (rc)
            return rc;
        out->n++;
    }
    return LS_OK;
}

int ls_offer_from_json(const json_t *j, struct ls_offer *out, struct ls_err *err)
{
    struct ls_offer o = {0};
    int rc;
    if (!json_is_object(j)) {
        rc = ls_err_set(err, LS_ESCHEMA, "offer must be a JSON object");
        goto out;
    }
    const json_t *name = json_object_get(j, "name");
    if (name == NULL) {
        rc = ls_err_set(err, LS_ESCHEMA, "name is required (a non-empty string)");
        goto out;
    }
    rc = take_string(name, "name", &o.name, err);
    if (rc)
        goto out;
    rc = take_list(j, "value_props", true, &o.value_props, err);
    if (rc)
        goto out;
    rc = take_list(j, "ideal_use_cases", true, &o.ideal_use_cases, err);
    if (rc)
        goto out;
    rc = take_list(j, "icp_industries", false, &o.icp_industries, err);
    if (rc)
        goto out;
    rc = take_list(j, "adjacent_industries", false, &o.adjacent_industries, err);
    if (rc)
        goto out;
    *out = o;
    return LS_OK;
out:
    ls_offer_release(&o);
    return rc;
}

int ls_offer_parse(const char *text, size_t len, struct ls_offer *out, struct ls_err *err)
{
    json_t *j = NULL;
    int rc = ls_json_parse(text, len, &j, err);
    if (rc)
        return rc;
    rc = ls_offer_from_json(j, out, err);
    json_decref(j);
    return rc;
}

static json_t *list_json(const struct ls_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

json_t *ls_offer_to_json(const struct ls_offer *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(o->name));
    json_object_set_new(j, "value_props", list_json(&o->value_props));
    json_object_set_new(j, "ideal_use_cases", list_json(&o->ideal_use_cases));
    if (o->icp_industries.n)
        json_object_set_new(j, "icp_industries", list_json(&o->icp_industries));
    if (o->adjacent_industries.n)
        json_object_set_new(j, "adjacent_industries", list_json(&o->adjacent_industries));
    return j;
}

const struct ls_strlist *ls_offer_icp(const struct ls_offer *o)
{
    return o->icp_industries.n ? &o->icp_industries : &o->ideal_use_cases;
}

void ls_offer_digest(const struct ls_offer *o, unsigned char out[LS_OFFER_DIGEST_LEN])
{
    json_t *j = ls_offer_to_json(o);
    char *canon = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, canon, strlen(canon));
    ls_sha256_final(&c, out);
    free(canon);
}

bool ls_offer_err_field(const char *msg, char *out, size_t cap)
{
    size_t n = strcspn(msg, " ");
    if (n == 0 || n >= cap || strncmp(msg, "offer ", 6) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = msg[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '[' || c == ']'))
            return false;
    }
    memcpy(out, msg, n);
    out[n] = '\0';
    return true;
}
