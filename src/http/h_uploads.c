/* h_uploads.c - GET /uploads, /uploads/{id}, /uploads/{id}/leads. (POST is in h_upload.c.) */
#include "http.h"

#include <string.h>

#include "core/jsonx.h"

#define PAGE_DEFAULT  100
#define PAGE_MAX      1000
#define LEADS_DEFAULT 1000
#define LEADS_MAX     10000
#define ERRORS_SHOWN  100

static json_t *upload_json(const struct ls_upload_info *u)
{
    json_t *o = json_pack("{s:I, s:o, s:I, s:I, s:o, s:o}", "id", (json_int_t)u->id, "filename",
                          ls_json_text(u->filename, strlen(u->filename)), "count",
                          (json_int_t)u->accepted, "rejected", (json_int_t)u->rejected, "encoding",
                          ls_json_text(u->encoding, strlen(u->encoding)), "created_at",
                          ls_view_time(u->created_ms));
    /* Issue #9: how the file was read and what it held besides the known fields. */
    char delim[2] = {u->delimiter ? u->delimiter : ',', '\0'};
    json_t *missing = json_array(), *warnings = json_array();
    /* As the upload's 201 said: the scored fields without a column, and what that costs. */
    char names[128] = "";
    for (int f = 0; f < LS_F_COUNT; f++) {
        if (!(u->missing & (1u << f)))
            continue;
        json_array_append_new(missing, json_string(ls_field_names[f]));
        size_t w = strlen(names);
        snprintf(names + w, sizeof(names) - w, "%s%s", w ? ", " : "", ls_field_names[f]);
    }
    if (names[0]) {
        char m[256];
        snprintf(m, sizeof(m),
                 "no column for %s: read as empty, so those leads score lower on completeness",
                 names);
        json_array_append_new(warnings, json_string(m));
    }
    if (u->warning[0])
        json_array_append_new(warnings, ls_json_text(u->warning, strlen(u->warning)));
    json_object_set_new(o, "delimiter", json_string(delim));
    json_object_set_new(o, "skipped_lines", json_integer((json_int_t)u->skipped_lines));
    json_object_set_new(o, "missing_columns", missing);
    json_object_set_new(o, "warnings", warnings);
    json_object_set_new(o, "extra_columns",
                        u->extra_columns ? json_deep_copy(u->extra_columns) : json_array());
    json_object_set_new(o, "duplicates", json_integer((json_int_t)u->duplicates));
    return o;
}

static int add_upload(void *ud, const struct ls_upload_info *u, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, upload_json(u));
    return LS_OK;
}

int ls_h_uploads_list(struct ls_req *req)
{
    int r;
    int limit, offset;
    if (!ls_req_page(req, PAGE_DEFAULT, PAGE_MAX, &limit, &offset, &r))
        return r;
    struct ls_err err = {0};
    int64_t total = 0, current = 0;
    json_t *items = json_array();
    if (ls_store_uploads_list(req->app->store, req->auth.workspace, limit, offset, add_upload,
                              items, &total, &err) ||
        ls_store_current(req->app->store, req->auth.workspace, NULL, &current, NULL, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:I, s:I, s:o}", "total", (json_int_t)total, "current",
                                   (json_int_t)current, "items", items));
}

static int add_reject(void *ud, int64_t line, const char *msg, struct ls_err *err)
{
    (void)err;
    json_array_append_new(ud, json_pack("{s:I, s:o}", "line", (json_int_t)line, "error",
                                        ls_json_text(msg, strlen(msg))));
    return LS_OK;
}

int ls_h_upload_get(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "upload id", &id, &r))
        return r;
    struct ls_upload_info u;
    struct ls_err err = {0};
    if (ls_store_upload_get(req->app->store, req->auth.workspace, id, &u, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    json_t *errors = json_array();
    if (ls_store_upload_errors(req->app->store, req->auth.workspace, id, ERRORS_SHOWN, add_reject,
                               errors, &err)) {
        json_decref(errors);
        ls_upload_info_release(&u);
        return ls_reply_err(req, &err, NULL);
    }
    json_t *body = upload_json(&u);
    ls_upload_info_release(&u);
    json_object_set_new(body, "errors", errors);
    return ls_reply_json(req, LS_HTTP_OK, body);
}

static int add_lead(void *ud, int64_t idx, int64_t line, const struct ls_lead *lead,
                    struct ls_err *err)
{
    (void)err;
    json_t *o = json_pack("{s:I, s:I}", "idx", (json_int_t)idx, "line", (json_int_t)line);
    for (int f = 0; f < LS_F_COUNT; f++)
        json_object_set_new(o, ls_field_names[f], json_stringn(lead->f[f], lead->len[f]));
    json_array_append_new(ud, o);
    return LS_OK;
}

int ls_h_upload_leads(struct ls_req *req)
{
    int r;
    int64_t id;
    int limit, offset;
    if (!ls_req_id(req, 0, "upload id", &id, &r) ||
        !ls_req_page(req, LEADS_DEFAULT, LEADS_MAX, &limit, &offset, &r))
        return r;
    struct ls_upload_info u;
    struct ls_err err = {0};
    if (ls_store_upload_get(req->app->store, req->auth.workspace, id, &u, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    ls_upload_info_release(&u); /* only its count is needed */
    json_t *items = json_array();
    if (ls_store_upload_leads(req->app->store, req->auth.workspace, id, limit, offset, add_lead,
                              items, &err)) {
        json_decref(items);
        return ls_reply_err(req, &err, NULL);
    }
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)u.accepted, "limit",
                                   (json_int_t)limit, "offset", (json_int_t)offset, "items",
                                   items));
}

int ls_h_upload_delete(struct ls_req *req)
{
    int r;
    int64_t id;
    if (!ls_req_id(req, 0, "upload id", &id, &r))
        return r;
    struct ls_err err = {0};
    if (ls_store_upload_delete(req->app->store, req->auth.workspace, id, &err) != LS_OK)
        return ls_reply_err(req, &err, NULL);
    return ls_reply_json(req, LS_HTTP_OK,
                         json_pack("{s:s, s:I}", "message",
                                   "upload deleted with its leads and the results scored from them",
                                   "id", (json_int_t)id));
}
