/*
 * web_assets.h - the dashboard's files, embedded in the binary at build time.
 *
 * tools/embed_web.c reads web/ and writes build/gen/web_assets.c: every file
 * but the pages gets a URL carrying its content hash (/assets/app.<hash>.js),
 * so it can be cached for good; the pages (index.html at "/", 404.html for
 * unknown dashboard paths) have their {{asset:NAME}} references replaced by
 * those URLs and are revalidated by ETag. the scripts in web/js are joined, in name
 * order, into one script. Each file is also stored gzip-compressed.
 */
#ifndef LS_HTTP_WEB_ASSETS_H
#define LS_HTTP_WEB_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

struct ls_web_asset {
    const char *path; /* "/", "/assets/app.<hash>.js", or "" for the not-found page */
    const char *name; /* the source name: "index.html", "app.js", ... */
    const char *type; /* Content-Type */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* the same bytes gzip-compressed */
    size_t gz_len;
    const char *etag; /* strong validator of the identity form, quoted */
    bool immutable;   /* hashed URL: cache for a year */
};

/* All embedded files (static storage). */
extern const struct ls_web_asset ls_web_assets[];
extern const size_t ls_web_assets_n;

#endif
