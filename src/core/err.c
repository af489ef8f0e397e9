/* err.c - status names and the error message channel. Pure. */
#include "err.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

static const struct {
    int code;
    const char *name;
    const char *text;
} statuses[] = {
    {LS_OK, "ok", "success"},
    {LS_EINVAL, "invalid", "invalid input"},
    {LS_EPARSE, "parse_error", "malformed input"},
    {LS_ENOTFOUND, "not_found", "not found"},
    {LS_ECONFLICT, "conflict", "conflict with current state"},
    {LS_ELIMIT, "too_large", "limit exceeded"},
    {LS_EIO, "io_error", "input/output error"},
    {LS_ETIMEOUT, "timeout", "timed out"},
    {LS_EUPSTREAM, "upstream_error", "upstream service failed"},
    {LS_EINTERNAL, "internal", "internal error"},
    {LS_ECANCELLED, "cancelled", "cancelled"},
    {LS_EUNSUPPORTED, "unsupported_media_type", "unsupported"},
    {LS_ESCHEMA, "validation_error", "invalid field"},
    {LS_EUNAUTHORIZED, "unauthorized", "unauthorized"},
    {LS_EFORBIDDEN, "forbidden", "forbidden"},
    {LS_EBUSY, "queue_full", "busy"},
    {LS_ENOSPACE, "storage_unavailable", "storage full"},
    {LS_EUNAVAILABLE, "storage_unavailable", "storage unavailable"},
};

const char *ls_strerror(int code)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(statuses); i++) {
        if (statuses[i].code == code)
            return statuses[i].text;
    }
    return "unknown error";
}

const char *ls_status_name(int code)
{
    for (size_t i = 0; i < LS_ARRAY_LEN(statuses); i++) {
        if (statuses[i].code == code)
            return statuses[i].name;
    }
    return "internal";
}

int ls_err_set(struct ls_err *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    /* A message may quote outside text cut at a byte limit: keep it valid UTF-8. */
    ls_utf8_sanitize(err->msg);
    return code;
}

void ls_err_clear(struct ls_err *err)
{
    if (err == NULL)
        return;
    err->code = LS_OK;
    err->msg[0] = '\0';
}
