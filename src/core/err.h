/*
 * err.h - status codes and the error message channel.
 *
 * Every fallible function returns LS_OK (0) or a negative enum ls_status and,
 * when given one, fills a struct ls_err with a human message. Pure: no I/O.
 */
#ifndef LS_CORE_ERR_H
#define LS_CORE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum ls_status {
    LS_OK = 0,
    LS_EINVAL = -1,         /* input has the wrong shape or value */
    LS_EPARSE = -2,         /* input is not well-formed (JSON, CSV) */
    LS_ENOTFOUND = -3,      /* the named thing does not exist */
    LS_ECONFLICT = -4,      /* the request conflicts with the current state */
    LS_ELIMIT = -5,         /* a size or count limit was exceeded */
    LS_EIO = -6,            /* file, socket or database failure */
    LS_ETIMEOUT = -7,       /* an operation ran out of time */
    LS_EUPSTREAM = -8,      /* a remote service (language model) failed */
    LS_EINTERNAL = -9,      /* a bug or an impossible state */
    LS_ECANCELLED = -10,    /* the operation was cancelled on request */
    LS_EUNSUPPORTED = -11,  /* e.g. a content type the endpoint does not take */
    LS_ESCHEMA = -12,       /* well-formed input whose fields have the wrong shape */
    LS_EUNAUTHORIZED = -13, /* no credentials, or wrong or revoked ones */
    LS_EFORBIDDEN = -14,    /* the caller's role does not allow this */
    LS_EBUSY = -15,         /* a queue is full: try again later */
    LS_ENOSPACE = -16,      /* the store is full (disk, or its configured size cap) */
    LS_EUNAVAILABLE = -17,  /* the store cannot be written (read-only, deleted, I/O error) */
};

#define LS_ERR_MSG_MAX 256

struct ls_err {
    int code;                 /* an enum ls_status, LS_OK when nothing failed */
    char msg[LS_ERR_MSG_MAX]; /* lower case, no full stop, what failed first */
};

/* Static name of a status ("invalid input", ...). Never NULL. */
const char *ls_strerror(int code);

/* Stable machine name of a status ("invalid", "parse_error", ...). Never NULL. */
const char *ls_status_name(int code);

/*
 * Records code and a printf-style message in err (which may be NULL) and
 * returns code, so that a function can end with `return ls_err_set(...)`.
 * The message is truncated to LS_ERR_MSG_MAX - 1 bytes.
 */
int ls_err_set(struct ls_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err to LS_OK with an empty message. err may be NULL. */
void ls_err_clear(struct ls_err *err);

#define LS_UNREACHABLE() __builtin_unreachable()
#define LS_ARRAY_LEN(a)  (sizeof(a) / sizeof((a)[0]))

#endif
