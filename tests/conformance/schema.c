/*
 * schema.c - the JSON Schema subset of schema.h. Every keyword either
 * constrains (and is checked here) or only annotates (and is listed in
 * annotations[]); anything else is "unknown" so that a schema can never
 * look stricter than the check it gets.
 */
#include "schema.h"

#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 64
#define WHERE_MAX 512
#define N_OF(a)   (sizeof(a) / sizeof((a)[0]))

struct ctx {
    const json_t *root;   /* borrowed */
    struct cf_errs *errs; /* borrowed; NULL: only the verdict is wanted */
    int depth;
};

void cf_errs_add(struct cf_errs *errs, const char *where, const char *fmt, ...)
{
    if (errs == NULL)
        return;
    if (errs->n < CF_ERRS_MAX) {
        char *m = errs->msg[errs->n];
        size_t cap = sizeof(errs->msg[0]);
        int w = snprintf(m, cap, "at %s: ", where[0] ? where : "/");
        va_list ap;
        va_start(ap, fmt);
        if (w >= 0 && (size_t)w < cap)
            vsnprintf(m + w, cap - (size_t)w, fmt, ap);
        va_end(ap);
        for (char *p = m; *p; p++) {
            if ((unsigned char)*p < 0x20)
                *p = ' '; /* a value quoted in a message stays on its line */
        }
    }
    errs->n++;
}

/* where + "/" + seg, cut at WHERE_MAX (the pointer only names the place in messages). */
static void at_key(char *out, const char *where, const char *seg)
{
    int n = snprintf(out, WHERE_MAX, "%s/%s", where, seg);
    if (n < 0)
        out[0] = '\0';
}

static void at_index(char *out, const char *where, size_t i)
{
    char seg[24];
    snprintf(seg, sizeof(seg), "%zu", i);
    at_key(out, where, seg);
}

/* ---- $ref ------------------------------------------------------------------------- */

const json_t *cf_schema_ref(const json_t *root, const char *ref)
{
    if (ref == NULL || ref[0] != '#')
        return NULL;
    const json_t *cur = root;
    const char *p = ref + 1;
    while (*p == '/' && cur) {
        p++;
        char tok[256];
        size_t n = 0;
        while (*p && *p != '/' && n + 1 < sizeof(tok)) {
            if (p[0] == '~' && p[1] == '1') {
                tok[n++] = '/';
                p += 2;
            } else if (p[0] == '~' && p[1] == '0') {
                tok[n++] = '~';
                p += 2;
            } else {
                tok[n++] = *p++;
            }
        }
        tok[n] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            char *end;
            unsigned long i = strtoul(tok, &end, 10);
            cur = *end == '\0' && n ? json_array_get(cur, i) : NULL;
        } else {
            cur = NULL;
        }
    }
    return *p == '\0' ? cur : NULL;
}

/* ---- single keywords ----------------------------------------------------------------- */

static const char *kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static bool is_integral(const json_t *v)
{
    if (json_is_integer(v))
        return true;
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v);
    return d >= -9.0e15 && d <= 9.0e15 && (double)(long long)d == d;
}

static bool type_is(const char *t, const json_t *v)
{
    if (strcmp(t, "integer") == 0)
        return is_integral(v);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    return strcmp(t, kind(v)) == 0;
}

static bool check_type(struct ctx *c, const json_t *t, const json_t *v, const char *where)
{
    if (json_is_string(t)) {
        if (type_is(json_string_value(t), v))
            return true;
        cf_errs_add(c->errs, where, "expected %s, got %s", json_string_value(t), kind(v));
        return false;
    }
    size_t i;
    const json_t *e;
    json_array_foreach(t, i, e)
    {
        if (json_is_string(e) && type_is(json_string_value(e), v))
            return true;
    }
    char *want = json_dumps(t, JSON_COMPACT);
    cf_errs_add(c->errs, where, "expected one of %s, got %s", want ? want : "?", kind(v));
    free(want);
    return false;
}

static double num(const json_t *v)
{
    return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

/* Characters (code points) of UTF-8 text: every byte that does not continue a sequence. */
static size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

static bool matches(const char *pattern, const char *s, bool *bad_pattern)
{
    regex_t re;
    *bad_pattern = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0;
    if (*bad_pattern)
        return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static const char date_time_re[] =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$";

static bool check_string(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    bool ok = true;
    const char *text = json_string_value(v);
    size_t chars = utf8_chars(text, json_string_length(v));
    const json_t *k;
    if ((k = json_object_get(s, "minLength")) && chars < (size_t)json_integer_value(k)) {
        cf_errs_add(c->errs, where, "%zu characters, fewer than minLength %lld", chars,
                    (long long)json_integer_value(k));
        ok = false;
    }
    if ((k = json_object_get(s, "maxLength")) && chars > (size_t)json_integer_value(k)) {
        cf_errs_add(c->errs, where, "%zu characters, more than maxLength %lld", chars,
                    (long long)json_integer_value(k));
        ok = false;
    }
    bool bad = false;
    if ((k = json_object_get(s, "pattern")) && !matches(json_string_value(k), text, &bad)) {
        cf_errs_add(c->errs, where,
                    bad ? "pattern \"%s\" does not compile"
                        : "\"%.60s\" does not match pattern \"%s\"",
                    bad ? json_string_value(k) : text, json_string_value(k));
        ok = false;
    }
    k = json_object_get(s, "format");
    if (k && strcmp(json_string_value(k), "date-time") == 0 && !matches(date_time_re, text, &bad)) {
        cf_errs_add(c->errs, where, "\"%.60s\" is not an RFC 3339 date-time", text);
        ok = false;
    }
    return ok;
}

static bool check_number(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    bool ok = true;
    const json_t *k;
    if ((k = json_object_get(s, "minimum")) && num(v) < num(k)) {
        cf_errs_add(c->errs, where, "%g is below minimum %g", num(v), num(k));
        ok = false;
    }
    if ((k = json_object_get(s, "maximum")) && num(v) > num(k)) {
        cf_errs_add(c->errs, where, "%g is above maximum %g", num(v), num(k));
        ok = false;
    }
    return ok;
}

static bool validate(struct ctx *c, const json_t *s, const json_t *v, const char *where);

static bool check_object(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    bool ok = true;
    char at[WHERE_MAX];
    const json_t *props = json_object_get(s, "properties");
    const json_t *extra = json_object_get(s, "additionalProperties");
    const json_t *req = json_object_get(s, "required");
    size_t i;
    const json_t *e;
    json_array_foreach(req, i, e)
    {
        if (json_object_get(v, json_string_value(e)) == NULL) {
            cf_errs_add(c->errs, where, "required property \"%s\" is missing",
                        json_string_value(e));
            ok = false;
        }
    }
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)(uintptr_t)v, key, val)
    {
        at_key(at, where, key);
        const json_t *ps = json_object_get(props, key);
        if (ps) {
            ok = validate(c, ps, val, at) && ok;
        } else if (json_is_false(extra)) {
            cf_errs_add(c->errs, where, "property \"%s\" is not in the schema", key);
            ok = false;
        } else if (json_is_object(extra)) {
            ok = validate(c, extra, val, at) && ok;
        }
    }
    return ok;
}

static bool check_array(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    bool ok = true;
    size_t n = json_array_size(v);
    const json_t *k;
    if ((k = json_object_get(s, "minItems")) && n < (size_t)json_integer_value(k)) {
        cf_errs_add(c->errs, where, "%zu items, fewer than minItems %lld", n,
                    (long long)json_integer_value(k));
        ok = false;
    }
    if ((k = json_object_get(s, "maxItems")) && n > (size_t)json_integer_value(k)) {
        cf_errs_add(c->errs, where, "%zu items, more than maxItems %lld", n,
                    (long long)json_integer_value(k));
        ok = false;
    }
    const json_t *items = json_object_get(s, "items");
    if (items) {
        char at[WHERE_MAX];
        for (size_t i = 0; i < n; i++) {
            at_index(at, where, i);
            ok = validate(c, items, json_array_get(v, i), at) && ok;
        }
    }
    return ok;
}

/* How many of the schemas in list v conforms to; the errors of each go to errs when asked. */
static size_t count_matching(struct ctx *c, const json_t *list, const json_t *v, const char *where,
                             bool report)
{
    size_t n = 0, i;
    const json_t *sub;
    json_array_foreach(list, i, sub)
    {
        struct ctx quiet = {c->root, NULL, c->depth};
        if (validate(&quiet, sub, v, where)) {
            n++;
        } else if (report && c->errs) {
            struct cf_errs one = {0};
            struct ctx loud = {c->root, &one, c->depth};
            validate(&loud, sub, v, where);
            if (one.n)
                cf_errs_add(c->errs, where, "branch %zu: %s", i, one.msg[0]);
        }
    }
    return n;
}

static bool check_composition(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    bool ok = true;
    const json_t *k;
    size_t i;
    const json_t *sub;
    if ((k = json_object_get(s, "allOf"))) {
        json_array_foreach(k, i, sub)
        {
            ok = validate(c, sub, v, where) && ok;
        }
    }
    if ((k = json_object_get(s, "anyOf")) && count_matching(c, k, v, where, false) == 0) {
        cf_errs_add(c->errs, where, "matches none of the %zu anyOf schemas", json_array_size(k));
        count_matching(c, k, v, where, true);
        ok = false;
    }
    if ((k = json_object_get(s, "oneOf"))) {
        size_t n = count_matching(c, k, v, where, false);
        if (n != 1) {
            cf_errs_add(c->errs, where, "matches %zu of the %zu oneOf schemas (want exactly 1)", n,
                        json_array_size(k));
            if (n == 0)
                count_matching(c, k, v, where, true);
            ok = false;
        }
    }
    if ((k = json_object_get(s, "not"))) {
        struct ctx quiet = {c->root, NULL, c->depth};
        if (validate(&quiet, k, v, where)) {
            cf_errs_add(c->errs, where, "matches the schema under \"not\"");
            ok = false;
        }
    }
    return ok;
}

static bool validate(struct ctx *c, const json_t *s, const json_t *v, const char *where)
{
    if (json_is_true(s))
        return true;
    if (json_is_false(s) || !json_is_object(s)) {
        cf_errs_add(c->errs, where,
                    json_is_false(s) ? "no value is allowed here" : "the schema is not an object");
        return false;
    }
    if (c->depth >= DEPTH_MAX) {
        cf_errs_add(c->errs, where, "schemas nest deeper than %d (a $ref loop?)", DEPTH_MAX);
        return false;
    }
    c->depth++;
    bool ok = true;
    const json_t *k;
    if ((k = json_object_get(s, "$ref"))) {
        const json_t *target = cf_schema_ref(c->root, json_string_value(k));
        if (target == NULL) {
            cf_errs_add(c->errs, where, "$ref \"%s\" does not resolve", json_string_value(k));
            ok = false;
        } else {
            ok = validate(c, target, v, where);
        }
    }
    if ((k = json_object_get(s, "type")) && !check_type(c, k, v, where)) {
        c->depth--;
        return false; /* the other keywords would only repeat it */
    }
    if ((k = json_object_get(s, "const")) && !json_equal(k, v)) {
        char *want = json_dumps(k, JSON_COMPACT | JSON_ENCODE_ANY);
        cf_errs_add(c->errs, where, "expected the constant %s", want ? want : "?");
        free(want);
        ok = false;
    }
    if ((k = json_object_get(s, "enum"))) {
        bool found = false;
        size_t i;
        const json_t *e;
        json_array_foreach(k, i, e)
        {
            found = found || json_equal(e, v);
        }
        if (!found) {
            char *got = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            cf_errs_add(c->errs, where, "%.80s is not one of the %zu enum values", got ? got : "?",
                        json_array_size(k));
            free(got);
            ok = false;
        }
    }
    if (json_is_string(v))
        ok = check_string(c, s, v, where) && ok;
    else if (json_is_number(v))
        ok = check_number(c, s, v, where) && ok;
    else if (json_is_object(v))
        ok = check_object(c, s, v, where) && ok;
    else if (json_is_array(v))
        ok = check_array(c, s, v, where) && ok;
    ok = check_composition(c, s, v, where) && ok;
    c->depth--;
    return ok;
}

bool cf_schema_validate(const json_t *root, const json_t *schema, const json_t *instance,
                        struct cf_errs *errs)
{
    struct ctx c = {root, errs, 0};
    return validate(&c, schema, instance, "");
}

/* ---- which keywords a document uses -------------------------------------------------- */

/* Checked above. */
static const char *const checked[] = {
    "$ref",     "type",      "const",     "enum",     "properties",
    "required", "items",     "minItems",  "maxItems", "minimum",
    "maximum",  "minLength", "maxLength", "pattern",  "allOf",
    "anyOf",    "oneOf",     "not",       "format",   "additionalProperties",
};

/* Say something about a value but constrain nothing. */
static const char *const annotations[] = {
    "title",    "description", "default",          "examples",        "deprecated",
    "readOnly", "writeOnly",   "contentMediaType", "contentEncoding", "$comment",
};

static bool listed(const char *const *list, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], key) == 0)
            return true;
    }
    return false;
}

size_t cf_schema_unknown_keywords(const json_t *root, const json_t *schema, const char *where,
                                  struct cf_errs *errs)
{
    if (json_is_boolean(schema))
        return 0;
    if (!json_is_object(schema)) {
        cf_errs_add(errs, where, "a schema must be an object or a boolean");
        return 1;
    }
    size_t n = 0;
    char at[WHERE_MAX];
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)(uintptr_t)schema, key, val)
    {
        at_key(at, where, key);
        if (strncmp(key, "x-", 2) == 0 || listed(annotations, N_OF(annotations), key))
            continue;
        if (!listed(checked, N_OF(checked), key)) {
            cf_errs_add(errs, where, "keyword \"%s\" is not checked by the validator", key);
            n++;
            continue;
        }
        if (strcmp(key, "$ref") == 0 && cf_schema_ref(root, json_string_value(val)) == NULL) {
            cf_errs_add(errs, where, "$ref \"%s\" does not resolve", json_string_value(val));
            n++;
        } else if (strcmp(key, "format") == 0 && strcmp(json_string_value(val), "date-time")) {
            cf_errs_add(errs, where, "format \"%s\" is not checked", json_string_value(val));
            n++;
        } else if (strcmp(key, "properties") == 0) {
            const char *p;
            json_t *sub;
            json_object_foreach(val, p, sub)
            {
                char pat[WHERE_MAX];
                at_key(pat, at, p);
                n += cf_schema_unknown_keywords(root, sub, pat, errs);
            }
        } else if (strcmp(key, "items") == 0 || strcmp(key, "not") == 0 ||
                   (strcmp(key, "additionalProperties") == 0 && json_is_object(val))) {
            n += cf_schema_unknown_keywords(root, val, at, errs);
        } else if (strcmp(key, "allOf") == 0 || strcmp(key, "anyOf") == 0 ||
                   strcmp(key, "oneOf") == 0) {
            size_t i;
            json_t *sub;
            json_array_foreach(val, i, sub)
            {
                char sat[WHERE_MAX];
                at_index(sat, at, i);
                n += cf_schema_unknown_keywords(root, sub, sat, errs);
            }
        }
    }
    return n;
}
