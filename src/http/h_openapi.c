/*
 * h_openapi.c - GET /openapi.json: an OpenAPI 3.1 document built from the
 * route table itself, so that it always lists exactly the routes served.
 * Query parameters, bodies and schemas come from the small tables below.
 */
#include "http.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *schema; /* JSON */
    const char *description;
} query_params[] = {
    {"limit", "{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000}",
     "Items per page (listings: default 100, at most 1000; results: default 1000, at most 10000)"},
    {"offset", "{\"type\":\"integer\",\"minimum\":0}", "Items to skip"},
    {"intent", "{\"type\":\"string\",\"example\":\"High,Medium\"}",
     "Comma-separated intents to keep: High, Medium, Low"},
    {"min_score", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}", "Lowest score kept"},
    {"max_score", "{\"type\":\"integer\",\"minimum\":0,\"maximum\":100}", "Highest score kept"},
    {"q", "{\"type\":\"string\",\"maxLength\":200}",
     "Case-insensitive text matched in name, company or role"},
    {"sort", "{\"type\":\"string\",\"enum\":[\"-score\",\"score\",\"name\",\"company\"]}",
     "Order: -score (default: score descending, then upload order), score, name, company"},
    {"format", "{\"type\":\"string\",\"enum\":[\"csv\",\"jsonl\"]}", "Export format (default csv)"},
    {"filename", "{\"type\":\"string\"}", "Name recorded for a raw text/csv upload"},
};

static const char schemas[] =
    "{"
    "\"Error\":{\"type\":\"object\",\"required\":[\"error\",\"code\"],\"properties\":{"
    "\"error\":{\"type\":\"string\"},\"code\":{\"type\":\"string\"},\"details\":{}}},"
    "\"Offer\":{\"type\":\"object\",\"required\":[\"name\",\"value_props\",\"ideal_use_cases\"],"
    "\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1},"
    "\"value_props\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"string\"}},"
    "\"ideal_use_cases\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"string\"}},"
    "\"icp_industries\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"adjacent_industries\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}},"
    "\"JobRequest\":{\"type\":\"object\",\"properties\":{"
    "\"offer_id\":{\"type\":\"integer\",\"minimum\":1},"
    "\"upload_id\":{\"type\":\"integer\",\"minimum\":1}}},"
    "\"Job\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"queued\",\"running\",\"succeeded\",\"failed\","
    "\"cancelled\"]},\"offer_id\":{\"type\":\"integer\"},\"upload_id\":{\"type\":\"integer\"},"
    "\"total\":{\"type\":\"integer\"},\"done\":{\"type\":\"integer\"},"
    "\"failed\":{\"type\":\"integer\"},\"fallbacks\":{\"type\":\"integer\"},"
    "\"cache_hits\":{\"type\":\"integer\"},\"model_calls\":{\"type\":\"integer\"},"
    "\"tokens\":{\"type\":\"object\"},\"started_at\":{\"type\":[\"string\",\"null\"]},"
    "\"finished_at\":{\"type\":[\"string\",\"null\"]},"
    "\"elapsed_ms\":{\"type\":[\"integer\",\"null\"]},\"eta_ms\":{\"type\":[\"integer\",\"null\"]}}},"
    "\"Result\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
    "\"role\":{\"type\":\"string\"},\"company\":{\"type\":\"string\"},"
    "\"intent\":{\"type\":\"string\",\"enum\":[\"High\",\"Medium\",\"Low\"]},"
    "\"score\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100},"
    "\"reasoning\":{\"type\":\"string\"},\"industry\":{\"type\":\"string\"},"
    "\"location\":{\"type\":\"string\"},\"rule_score\":{\"type\":\"integer\"},"
    "\"ai_score\":{\"type\":\"integer\"},\"breakdown\":{\"type\":\"object\"},"
    "\"ai\":{\"type\":\"object\"}}}"
    "}";

static json_t *query_param(const char *name, size_t len)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(query_params); i++) {
        if (strlen(query_params[i].name) == len && strncmp(query_params[i].name, name, len) == 0)
            return json_pack("{s:s, s:s, s:b, s:s, s:o}", "name", query_params[i].name, "in",
                             "query", "required", 0, "description", query_params[i].description,
                             "schema", json_loads(query_params[i].schema, 0, NULL));
    }
    return json_pack("{s:s%, s:s, s:{s:s}}", "name", name, len, "in", "query", "schema", "type",
                     "string");
}

static json_t *request_body(enum ls_doc_body b)
{
    switch (b) {
    case LS_DOC_OFFER:
        return json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "application/json",
                         "schema", "$ref", "#/components/schemas/Offer");
    case LS_DOC_JOB:
        return json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 0, "content", "application/json",
                         "schema", "$ref", "#/components/schemas/JobRequest");
    case LS_DOC_CSV:
        return json_pack("{s:b, s:{s:{s:{s:s, s:{s:{s:s, s:s}}, s:[s]}}, s:{s:{s:s}}}}", "required",
                         1, "content", "multipart/form-data", "schema", "type", "object",
                         "properties", "file", "type", "string", "format", "binary", "required",
                         "file", "text/csv", "schema", "type", "string");
    case LS_DOC_KEY:
        return json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", 1, "content", "application/json",
                         "schema", "type", "object");
    case LS_DOC_NONE:
        break;
    }
    return NULL;
}

static json_t *operation(const struct ls_route *rt)
{
    char op_id[96];
    size_t w = (size_t)snprintf(op_id, sizeof(op_id), "%s", rt->method);
    for (const char *p = rt->pattern; *p && w + 1 < sizeof(op_id); p++)
        op_id[w++] = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_';
    op_id[w] = '\0';
    char status[8];
    snprintf(status, sizeof(status), "%u", rt->ok_status);
    json_t *op = json_pack("{s:s, s:s}", "summary", rt->summary, "operationId", op_id);
    json_t *params = json_array();
    for (const char *q = rt->query; q && *q;) {
        const char *sp = strchr(q, ' ');
        size_t len = sp ? (size_t)(sp - q) : strlen(q);
        json_array_append_new(params, query_param(q, len));
        q += len + (sp ? 1 : 0);
    }
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    json_t *body = request_body(rt->doc_body);
    if (body)
        json_object_set_new(op, "requestBody", body);
    json_t *ok_schema = strcmp(rt->ok_type, "application/json") == 0
                            ? json_pack("{s:s}", "type", "object")
                            : json_pack("{s:s}", "type", "string");
    json_object_set_new(op, "responses",
                        json_pack("{s:{s:s, s:{s:{s:o}}}, s:{s:s, s:{s:{s:{s:s}}}}}", status,
                                  "description", "success", "content", rt->ok_type, "schema",
                                  ok_schema, "default", "description", "error", "content",
                                  "application/json", "schema", "$ref",
                                  "#/components/schemas/Error"));
    return op;
}

/* {x} segments of a pattern as path parameters. */
static json_t *path_params(const char *pattern)
{
    json_t *a = json_array();
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        json_array_append_new(a, json_pack("{s:s%, s:s, s:b, s:{s:s, s:i}}", "name", p + 1,
                                           (size_t)(e - p - 1), "in", "path", "required", 1,
                                           "schema", "type", "integer", "minimum", 1));
    }
    return a;
}

int ls_h_openapi(struct ls_req *req)
{
    size_t n;
    const struct ls_route *routes = ls_routes_all(&n);
    json_t *paths = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_object_get(paths, routes[i].pattern);
        if (item == NULL) {
            item = json_object();
            json_t *pp = path_params(routes[i].pattern);
            if (json_array_size(pp))
                json_object_set_new(item, "parameters", pp);
            else
                json_decref(pp);
            json_object_set_new(paths, routes[i].pattern, item);
        }
        char method[16];
        size_t k = 0;
        for (; routes[i].method[k] && k < sizeof(method) - 1; k++)
            method[k] = (char)(routes[i].method[k] + ('a' - 'A'));
        method[k] = '\0';
        json_object_set_new(item, method, operation(&routes[i]));
    }
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:o}}", "openapi", "3.1.0", "info", "title", "leadscore",
        "version", LS_VERSION, "description",
        "Scores sales leads 0-100 for an offer: rules (role, industry, completeness) plus an AI "
        "verdict. Errors are {\"error\", \"code\", \"details\"?}.",
        "paths", paths, "components", "schemas", json_loads(schemas, 0, NULL));
    return ls_reply_json(req, LS_HTTP_OK, doc);
}
