/*
 * check.c - one recorded response against the OpenAPI document: which
 * operation it answers (method and path template, HEAD as GET, requests
 * outside every operation by x-leadscore-unrouted), then its status,
 * Content-Type, headers and body. See check.h.
 */
#include "check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

/* A Reference Object's target (or the object itself). Borrowed from doc. */
const json_t *cf_deref(const json_t *doc, const json_t *o)
{
    for (int i = 0; i < 8 && json_is_object(o); i++) {
        const json_t *r = json_object_get(o, "$ref");
        if (r == NULL)
            return o;
        o = cf_schema_ref(doc, json_string_value(r));
    }
    return o;
}

/* ---- matching a request ------------------------------------------------------------- */

/* The path of a request-target, percent-decoded, without the query or a trailing slash. */
static void request_path(const char *target, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = target; *p && *p != '?' && w + 1 < cap; p++) {
        if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
            char hex[3] = {p[1], p[2], 0};
            out[w++] = (char)strtol(hex, NULL, 16);
            p += 2;
        } else {
            out[w++] = *p;
        }
    }
    if (w > 1 && out[w - 1] == '/')
        w--; /* the server takes "/results/" for "/results" */
    out[w] = '\0';
}

/* Whether path fits template ("/jobs/{id}": {x} is one non-empty segment). */
static bool template_match(const char *tpl, const char *path)
{
    while (*tpl && *path) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            size_t n = strcspn(path, "/");
            if (close == NULL || n == 0)
                return false;
            tpl = close + 1;
            path += n;
        } else if (*tpl++ != *path++) {
            return false;
        }
    }
    return *tpl == '\0' && *path == '\0';
}

/* The path item whose template fits, in the document's (the route table's) order. */
static const json_t *path_item(const json_t *doc, const char *path, const char **tpl)
{
    const char *key;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), key, item)
    {
        if (template_match(key, path)) {
            *tpl = key;
            return item;
        }
    }
    return NULL;
}

/* ---- checking one response ----------------------------------------------------------- */

static void bad(struct cf_report *rep, const json_t *rec, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad(struct cf_report *rep, const json_t *rec, const char *fmt, ...)
{
    rep->n_bad++;
    if (rep->n_lines >= CF_SHOWN_MAX || rep->lines == NULL)
        return;
    char *l = rep->lines[rep->n_lines++];
    int w = snprintf(l, sizeof(rep->lines[0]),
                     "%s %.200s -> %lld: ", json_string_value(json_object_get(rec, "method")),
                     json_string_value(json_object_get(rec, "path")),
                     (long long)json_integer_value(json_object_get(rec, "status")));
    va_list ap;
    va_start(ap, fmt);
    if (w > 0 && (size_t)w < sizeof(rep->lines[0]))
        vsnprintf(l + w, sizeof(rep->lines[0]) - (size_t)w, fmt, ap);
    va_end(ap);
}

static void bad_errs(struct cf_report *rep, const json_t *rec, const char *what,
                     const struct cf_errs *e)
{
    for (size_t i = 0; i < e->n && i < CF_ERRS_MAX; i++)
        bad(rep, rec, "%s %s", what, e->msg[i]);
    if (e->n > CF_ERRS_MAX)
        bad(rep, rec, "%s: %zu more", what, e->n - CF_ERRS_MAX);
}

/* "Text/CSV ; charset=UTF-8" -> "text/csv;charset=utf-8". */
static void media_norm(const char *in, char *out, size_t cap)
{
    size_t w = 0;
    for (const char *p = in; *p && w + 1 < cap; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        out[w++] = (char)tolower((unsigned char)*p);
    }
    out[w] = '\0';
}

static const json_t *media_for(const json_t *content, const char *type, const char **key)
{
    char want[128], have[128];
    media_norm(type ? type : "", want, sizeof(want));
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)(uintptr_t)content, k, m)
    {
        media_norm(k, have, sizeof(have));
        if (strcmp(have, want) == 0) {
            *key = k;
            return m;
        }
    }
    return NULL;
}

static bool strict_int(const char *s, json_int_t *out)
{
    if (s[0] == '\0' || strspn(s, "0123456789") != strlen(s) || (s[0] == '0' && s[1]))
        return false;
    *out = (json_int_t)strtoll(s, NULL, 10);
    return true;
}

static void check_headers(const json_t *doc, const json_t *resp, const json_t *rec,
                          struct cf_report *rep)
{
    const json_t *got = json_object_get(rec, "headers");
    const char *name;
    json_t *h;
    json_object_foreach(json_object_get(resp, "headers"), name, h)
    {
        const json_t *def = cf_deref(doc, h);
        char lower[128];
        size_t i = 0;
        for (; name[i] && i + 1 < sizeof(lower); i++)
            lower[i] = (char)tolower((unsigned char)name[i]);
        lower[i] = '\0';
        const char *value = json_string_value(json_object_get(got, lower));
        if (value == NULL) {
            if (json_is_true(json_object_get(def, "required")))
                bad(rep, rec, "required header %s is missing", name);
            continue;
        }
        const json_t *schema = json_object_get(def, "schema");
        const char *type = json_string_value(json_object_get(schema, "type"));
        json_int_t n;
        json_t *v = type && strcmp(type, "integer") == 0 && strict_int(value, &n)
                        ? json_integer(n)
                        : json_string(value);
        struct cf_errs e = {0};
        if (!cf_schema_validate(doc, schema, v, &e)) {
            char what[160];
            snprintf(what, sizeof(what), "header %s \"%.60s\"", name, value);
            bad_errs(rep, rec, what, &e);
        }
        json_decref(v);
    }
}

static void check_lines(const json_t *doc, const json_t *item_schema, const char *body,
                        const json_t *rec, struct cf_report *rep)
{
    size_t n = 0;
    for (const char *p = body; *p;) {
        const char *eol = strchr(p, '\n');
        if (eol == NULL) {
            bad(rep, rec, "line %zu does not end with LF", n + 1);
            return;
        }
        json_error_t je;
        json_t *v = json_loadb(p, (size_t)(eol - p), 0, &je);
        struct cf_errs e = {0};
        char what[48];
        snprintf(what, sizeof(what), "line %zu", ++n);
        if (v == NULL)
            bad(rep, rec, "%s is not JSON: %s", what, je.text);
        else if (!cf_schema_validate(doc, item_schema, v, &e))
            bad_errs(rep, rec, what, &e);
        json_decref(v);
        p = eol + 1;
    }
}

/* One Server-Sent Events block as an object of its fields (new reference); NULL with why. */
static json_t *event_object(const char *p, size_t len, char *why, size_t cap)
{
    json_t *o = json_object();
    for (const char *end = p + len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
        const char *colon = memchr(p, ':', n);
        if (colon == p) { /* a comment line */
            p += n + 1;
            continue;
        }
        size_t nl = colon ? (size_t)(colon - p) : n;
        const char *v = colon ? colon + 1 : p + n;
        if (v < p + n && *v == ' ')
            v++; /* one space after the colon is not part of the value */
        size_t vl = (size_t)(p + n - v);
        char name[32];
        snprintf(name, sizeof(name), "%.*s", (int)nl, p);
        json_t *val = NULL;
        json_int_t num;
        char text[32];
        snprintf(text, sizeof(text), "%.*s", (int)(vl < 31 ? vl : 31), v);
        if (strcmp(name, "data") == 0) {
            json_error_t je;
            val = json_loadb(v, vl, JSON_DECODE_ANY, &je);
            if (val == NULL) {
                snprintf(why, cap, "data is not JSON: %s", je.text);
                json_decref(o);
                return NULL;
            }
        } else if (strcmp(name, "retry") == 0 && vl < 31 && strict_int(text, &num)) {
            val = json_integer(num);
        } else {
            val = json_stringn(v, vl);
        }
        if (json_object_get(o, name)) {
            snprintf(why, cap, "field %s twice in one event", name);
            json_decref(val);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, name, val);
        p += n + 1;
    }
    return o;
}

/* text/event-stream: each event (a block ended by an empty line) against item_schema. */
static void check_events(const json_t *doc, const json_t *item_schema, const char *body,
                         const json_t *rec, struct cf_report *rep)
{
    size_t n = 0;
    for (const char *p = body; *p;) {
        const char *end = strstr(p, "\n\n");
        char what[48];
        snprintf(what, sizeof(what), "event %zu", ++n);
        if (end == NULL) {
            bad(rep, rec, "%s does not end with an empty line", what);
            return;
        }
        char why[200] = "";
        json_t *v = event_object(p, (size_t)(end - p), why, sizeof(why));
        struct cf_errs e = {0};
        if (v == NULL)
            bad(rep, rec, "%s: %s", what, why);
        else if (!cf_schema_validate(doc, item_schema, v, &e))
            bad_errs(rep, rec, what, &e);
        json_decref(v);
        p = end + 2;
    }
}

/*
 * True when the document describes key's bodies as bytes rather than text:
 * a string schema whose contentMediaType is the media type itself and is
 * none of the text or JSON types.
 */
static bool is_binary_media(const json_t *doc, const char *key, const json_t *schema)
{
    const json_t *ref = json_object_get(schema, "$ref");
    if (ref)
        schema = cf_schema_ref(doc, json_string_value(ref));
    const char *cmt = json_string_value(json_object_get(schema, "contentMediaType"));
    return cmt && strcmp(cmt, key) == 0 && strncmp(key, "text/", 5) != 0 &&
           strstr(key, "json") == NULL;
}

static void check_body(const json_t *doc, const json_t *resp, const json_t *rec, bool is_head,
                       struct cf_report *rep)
{
    const json_t *content = json_object_get(resp, "content");
    const char *type = json_string_value(json_object_get(rec, "content_type"));
    const json_t *body = json_object_get(rec, "body");
    json_int_t len = json_integer_value(json_object_get(rec, "body_len"));
    if (json_object_size(content) == 0) {
        if (len != 0 || type)
            bad(rep, rec, "a body (%s) where the document has none", type ? type : "untyped");
        return;
    }
    const char *key = NULL;
    const json_t *media = media_for(content, type, &key);
    if (media == NULL) {
        char *want = json_dumps(content, JSON_COMPACT);
        bad(rep, rec, "Content-Type \"%s\" is not one of the response's (%.200s)",
            type ? type : "(none)", want ? want : "");
        free(want);
        return;
    }
    if (is_head || json_is_true(json_object_get(rec, "truncated"))) {
        rep->n_skipped++;
        return;
    }
    const json_t *schema = json_object_get(media, "schema");
    if (!json_is_string(body) && json_is_true(json_object_get(rec, "binary")) &&
        is_binary_media(doc, key, schema)) {
        /* A binary download (XLSX): only its media type and presence can be checked here. */
        if (len == 0)
            bad(rep, rec, "an empty %s body", key);
        rep->n_skipped++;
        return;
    }
    if (!json_is_string(body)) {
        bad(rep, rec, "the %s body is not UTF-8 text", key);
        return;
    }
    struct cf_errs e = {0};
    rep->n_bodies++;
    if (strncmp(key, "application/json", 16) == 0) {
        json_error_t je;
        json_t *v = json_loadb(json_string_value(body), json_string_length(body), 0, &je);
        if (v == NULL)
            bad(rep, rec, "the body is not JSON: %s", je.text);
        else if (!cf_schema_validate(doc, schema, v, &e))
            bad_errs(rep, rec, "body", &e);
        json_decref(v);
        return;
    }
    if (!cf_schema_validate(doc, schema, body, &e))
        bad_errs(rep, rec, "body", &e);
    const json_t *items = json_object_get(media, "x-itemSchema");
    if (items && strcmp(key, "text/event-stream") == 0)
        check_events(doc, items, json_string_value(body), rec, rep);
    else if (items)
        check_lines(doc, items, json_string_value(body), rec, rep);
}

/*
 * The responses that apply to a recorded request (borrowed from doc), and
 * in name what to call them in messages: the operationId, or which kind of
 * request outside every operation it is.
 */
static const json_t *responses_for(const json_t *doc, const json_t *rec, char *name, size_t cap,
                                   bool *is_head)
{
    const char *method = json_string_value(json_object_get(rec, "method"));
    char path[1024], m[16];
    request_path(json_string_value(json_object_get(rec, "path")), path, sizeof(path));
    *is_head = strcmp(method, "HEAD") == 0;
    size_t i = 0;
    for (; method[i] && i + 1 < sizeof(m); i++)
        m[i] = (char)tolower((unsigned char)method[i]);
    m[i] = '\0';
    const json_t *unrouted = json_object_get(doc, "x-leadscore-unrouted");
    const char *tpl = NULL;
    const json_t *item = path_item(doc, path, &tpl);
    if (item == NULL) {
        snprintf(name, cap, "an unknown path");
        return json_object_get(unrouted, "unknownPath");
    }
    if (strcmp(m, "options") == 0) {
        snprintf(name, cap, "OPTIONS %s", tpl);
        return json_object_get(unrouted, "options");
    }
    const json_t *op = json_object_get(item, *is_head ? "get" : m);
    if (op == NULL) {
        snprintf(name, cap, "%s %s (no such operation)", method, tpl);
        return json_object_get(unrouted, "otherMethod");
    }
    snprintf(name, cap, "%s", json_string_value(json_object_get(op, "operationId")));
    return json_object_get(op, "responses");
}

void cf_check_response(const json_t *doc, const json_t *rec, struct cf_report *rep, json_t *seen)
{
    rep->n_checked++;
    char name[300], status[16];
    bool is_head;
    const json_t *responses = responses_for(doc, rec, name, sizeof(name), &is_head);
    if (seen)
        json_object_set_new(seen, name, json_true());
    snprintf(status, sizeof(status), "%lld",
             (long long)json_integer_value(json_object_get(rec, "status")));
    const json_t *resp = cf_deref(doc, json_object_get(responses, status));
    if (resp == NULL) {
        /* default is there for generic clients; every real status must be listed. */
        char listed[200] = "";
        size_t w = 0;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)(uintptr_t)responses, k, v)
        {
            if (strcmp(k, "default") != 0 && w + 6 < sizeof(listed))
                w += (size_t)snprintf(listed + w, sizeof(listed) - w, "%s%s", w ? " " : "", k);
        }
        bad(rep, rec, "status not documented for %s (it lists %s)", name, listed);
        return;
    }
    check_headers(doc, resp, rec, rep);
    check_body(doc, resp, rec, is_head, rep);
}
