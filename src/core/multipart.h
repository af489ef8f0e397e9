/*
 * multipart.h - a streaming multipart/form-data reader (RFC 7578, RFC 2046
 * section 5.1). Pure.
 *
 * Bytes go in as they arrive, in chunks of any size; parts come out as a
 * begin callback (its name, filename and content type), data callbacks and
 * an end callback. Nothing is buffered but the part headers (capped) and a
 * staging block for data: the delimiter is found with a KMP matcher whose
 * partial match is always a prefix of the delimiter itself, so a delimiter
 * split across chunks costs no copy.
 */
#ifndef LS_CORE_MULTIPART_H
#define LS_CORE_MULTIPART_H

#include <stddef.h>

#include "err.h"

#define LS_MULTIPART_BOUNDARY_MAX 70    /* RFC 2046 */
#define LS_MULTIPART_HEADERS_MAX  8192  /* bytes of one part's header block */
#define LS_MULTIPART_PREAMBLE_MAX 65536 /* bytes before the first boundary */
#define LS_MULTIPART_VALUE_MAX    256   /* bytes kept of a name, filename or type */
#define LS_MULTIPART_PARTS_MAX    64    /* parts per body */

struct ls_multipart_part {
    const char *name;         /* borrowed for the callback; "" when absent */
    const char *filename;     /* borrowed; NULL when the part is not a file */
    const char *content_type; /* borrowed; "" when absent */
};

/* Callbacks return LS_OK or an error (with err set), which stops the reader. */
typedef int (*ls_multipart_begin_fn)(void *ud, const struct ls_multipart_part *p,
                                     struct ls_err *err);
typedef int (*ls_multipart_data_fn)(void *ud, const char *data, size_t len, struct ls_err *err);
typedef int (*ls_multipart_end_fn)(void *ud, struct ls_err *err);

struct ls_multipart;

/*
 * Extracts the boundary parameter of a multipart Content-Type value into out
 * (cap >= LS_MULTIPART_BOUNDARY_MAX + 1). LS_EINVAL with a message when the
 * type is not multipart or the boundary is missing, empty or too long.
 */
int ls_multipart_boundary(const char *content_type, char *out, size_t cap, struct ls_err *err);

/* Owned: ls_multipart_free. boundary is copied; ud is passed to the callbacks. */
struct ls_multipart *ls_multipart_new(const char *boundary, ls_multipart_begin_fn begin,
                                      ls_multipart_data_fn data, ls_multipart_end_fn end, void *ud);
void ls_multipart_free(struct ls_multipart *m);

/*
 * Feeds the next bytes. LS_OK, LS_EPARSE with a message when the body is
 * malformed (a part header block over its cap or without a name, no first
 * boundary within the preamble cap, too many parts), or a callback's error.
 * After an error every further call returns it again.
 */
int ls_multipart_feed(struct ls_multipart *m, const char *data, size_t len, struct ls_err *err);

/* The body ended: LS_EPARSE when it ended before the closing boundary. */
int ls_multipart_finish(struct ls_multipart *m, struct ls_err *err);

#endif
