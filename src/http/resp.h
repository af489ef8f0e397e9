/*
 * resp.h - the reply a handler built, as the server sends it. Internal to
 * src/http (reply.c builds it, server.c writes it).
 */
#ifndef LS_HTTP_RESP_H
#define LS_HTTP_RESP_H

#include "http/http.h"

enum ls_resp_body { LS_RB_NONE, LS_RB_MEM, LS_RB_STATIC, LS_RB_BLOB, LS_RB_STREAM };

struct ls_resp {
    unsigned status;
    struct ls_buf headers; /* "Name: value\r\n" lines */
    char content_type[96];
    enum ls_resp_body kind;
    char *mem; /* owned (LS_RB_MEM) */
    size_t mem_len;
    const char *stat; /* borrowed, static storage (LS_RB_STATIC) */
    size_t stat_len;
    struct ls_blob *blob; /* one reference owned (LS_RB_BLOB) */
    ls_stream_fn fn;      /* LS_RB_STREAM */
    void *ud;
    void (*release)(void *ud);
    bool close;
    bool live; /* a stream that ends when the client leaves (ls_resp_live) */
};

/* Bytes of the body when it is known (MEM, BLOB, NONE); -1 for a stream. */
int64_t ls_resp_length(const struct ls_resp *r);

#endif
