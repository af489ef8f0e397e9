/*
 * reply.c - JSON replies and the one table that maps an enum ls_status to an
 * HTTP status. Every error body is {"error": "...", "code": "...", "details"?}.
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const struct {
    int code;
    unsigned http;
} status_map[] = {
    {LS_OK, MHD_HTTP_OK},
    {LS_EINVAL, MHD_HTTP_BAD_REQUEST},
    {LS_EPARSE, MHD_HTTP_BAD_REQUEST},
    {LS_ESCHEMA, MHD_HTTP_UNPROCESSABLE_CONTENT},
    {LS_ENOTFOUND, MHD_HTTP_NOT_FOUND},
    {LS_ECONFLICT, MHD_HTTP_CONFLICT},
    {LS_ELIMIT, MHD_HTTP_CONTENT_TOO_LARGE},
    {LS_EUNSUPPORTED, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE},
    {LS_ETIMEOUT, MHD_HTTP_GATEWAY_TIMEOUT},
    {LS_EUPSTREAM, MHD_HTTP_BAD_GATEWAY},
    {LS_ECANCELLED, MHD_HTTP_CONFLICT},
};

unsigned ls_http_status_for(int code)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(status_map); i++) {
        if (status_map[i].code == code)
            return status_map[i].http;
    }
    return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

enum MHD_Result ls_reply_response(struct ls_req *req, unsigned status, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", req->id);
    enum MHD_Result r = MHD_queue_response(req->conn, status, resp);
    MHD_destroy_response(resp);
    req->status = status;
    req->replied = true;
    return r;
}

static struct MHD_Response *json_response(json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL)
        text = ls_xstrdup("{}");
    size_t len = strlen(text);
    /* Replies end with a newline so that curl output reads well in a terminal. */
    text = ls_xrealloc(text, len + 2);
    text[len] = '\n';
    text[len + 1] = '\0';
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len + 1, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    return resp;
}

enum MHD_Result ls_reply_json(struct ls_req *req, unsigned status, json_t *body)
{
    return ls_reply_response(req, status, json_response(body));
}

enum MHD_Result ls_reply_json_hdr(struct ls_req *req, unsigned status, json_t *body,
                                  const char *const *headers)
{
    struct MHD_Response *resp = json_response(body);
    for (size_t i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    return ls_reply_response(req, status, resp);
}

static json_t *error_body(const char *code, const char *msg, json_t *details)
{
    json_t *j = json_pack("{s:s, s:s}", "error", msg, "code", code);
    if (details)
        json_object_set_new(j, "details", details);
    return j;
}

enum MHD_Result ls_reply_error(struct ls_req *req, unsigned status, const char *code,
                               const char *msg, json_t *details)
{
    return ls_reply_json(req, status, error_body(code, msg, details));
}

enum MHD_Result ls_reply_err(struct ls_req *req, const struct ls_err *err, json_t *details)
{
    unsigned status = ls_http_status_for(err->code);
    const char *msg = err->msg[0] ? err->msg : ls_strerror(err->code);
    if (status >= 500 && status != MHD_HTTP_BAD_GATEWAY && status != MHD_HTTP_GATEWAY_TIMEOUT)
        msg = "internal error; see the server log";
    return ls_reply_error(req, status, ls_status_name(err->code), msg, details);
}

void ls_reply_defer_error(struct ls_req *req, unsigned status, const char *code, const char *msg,
                          json_t *details)
{
    if (req->deferred) {
        json_decref(details);
        return; /* the first problem is the one reported */
    }
    req->deferred = json_response(error_body(code, msg, details));
    req->deferred_status = status;
}

enum MHD_Result ls_reply_deferred(struct ls_req *req)
{
    struct MHD_Response *resp = req->deferred;
    req->deferred = NULL;
    return ls_reply_response(req, req->deferred_status, resp);
}
