/*
 * embed_web.c - build tool: turns web/ into a C file of byte arrays
 * (src/http/web_assets.h describes the result).
 *
 *   embed_web WEBDIR OUT.c
 *
 * Files directly in WEBDIR are embedded; WEBDIR/js/\*.js are joined in name
 * order, inside one strict-mode function, into "app.js". Every file that is
 * not a page (.html) is served at /assets/<stem>.<hash>.<ext>; pages and
 * stylesheets may name those URLs as {{asset:NAME}}, replaced here, so a
 * page always points at the exact bytes built with it. An unknown NAME, or
 * gzip-compressed assets over the budget, fail the build.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/sha256.h"

#define MAX_FILES 64
#define GZ_BUDGET (250 * 1000) /* issue #8: all assets together at most 250 KB gzip */
#define HASH_HEX  12           /* in URLs: 48 bits tell builds apart */
#define ETAG_HEX  24

struct file {
    char name[128]; /* "index.html", "app.js" */
    char path[192]; /* the URL it is served at */
    unsigned char *data;
    size_t len;
    unsigned char *gz;
    size_t gz_len;
    char etag[ETAG_HEX + 3];
    int stage; /* 0: plain asset, 1: stylesheet, 2: page (their references are resolved in order) */
};

static struct file files[MAX_FILES];
static size_t n_files;

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "embed_web: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Appends len bytes to *buf (of *n bytes, malloc'd). */
static void append(unsigned char **buf, size_t *n, const void *data, size_t len)
{
    unsigned char *p = realloc(*buf, *n + len + 1);
    if (p == NULL)
        die("%s", "out of memory");
    memcpy(p + *n, data, len);
    *n += len;
    p[*n] = '\0';
    *buf = p;
}

static void read_file(const char *path, unsigned char **buf, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("cannot read %s", path);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        append(buf, n, chunk, got);
    if (ferror(f))
        die("cannot read %s", path);
    fclose(f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir that end with suffix ("" for all), hidden files left out. */
static size_t list_dir(const char *dir, const char *suffix, char **names, size_t cap)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
            continue;
        if (n == cap)
            die("%s: too many files", dir);
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            die("%s", "out of memory");
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    return n;
}

static struct file *add_file(const char *name)
{
    if (n_files == MAX_FILES)
        die("%s", "too many files");
    struct file *f = &files[n_files++];
    if (strlen(name) >= sizeof(f->name))
        die("file name too long: %s", name);
    strcpy(f->name, name);
    f->stage = ends_with(name, ".html") ? 2 : ends_with(name, ".css") ? 1 : 0;
    return f;
}

static struct file *find(const char *name, size_t len)
{
    for (size_t i = 0; i < n_files; i++)
        if (strlen(files[i].name) == len && memcmp(files[i].name, name, len) == 0)
            return &files[i];
    return NULL;
}

/* Replaces every {{asset:NAME}} in f by NAME's URL; NAME must be an earlier stage. */
static void resolve(struct file *f)
{
    static const char open[] = "{{asset:";
    unsigned char *out = NULL;
    size_t n = 0;
    const char *p = (const char *)f->data, *end = p + f->len;
    while (p < end) {
        const char *at = strstr(p, open);
        if (at == NULL || at >= end) {
            append(&out, &n, p, (size_t)(end - p));
            break;
        }
        append(&out, &n, p, (size_t)(at - p));
        const char *name = at + sizeof(open) - 1;
        const char *close = strstr(name, "}}");
        if (close == NULL)
            die("%s: unterminated {{asset:", f->name);
        struct file *ref = find(name, (size_t)(close - name));
        if (ref == NULL || ref->stage >= f->stage)
            die("%s: {{asset:...}} names no embeddable asset", f->name);
        append(&out, &n, ref->path, strlen(ref->path));
        p = close + 2;
    }
    free(f->data);
    f->data = out;
    f->len = n;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void finish(struct file *f)
{
    if (f->stage > 0)
        resolve(f);
    unsigned char digest[LS_SHA256_LEN];
    struct ls_sha256 c;
    ls_sha256_init(&c);
    ls_sha256_update(&c, f->data, f->len);
    ls_sha256_final(&c, digest);
    char h[2 * LS_SHA256_LEN + 1];
    hex(digest, LS_SHA256_LEN, h);
    snprintf(f->etag, sizeof(f->etag), "\"%.*s\"", ETAG_HEX, h);
    if (strcmp(f->name, "index.html") == 0) {
        strcpy(f->path, "/");
    } else if (strcmp(f->name, "404.html") == 0) {
        f->path[0] = '\0';
    } else if (f->stage == 2) {
        die("%s: pages are index.html and 404.html only", f->name);
    } else {
        const char *dot = strrchr(f->name, '.');
        if (dot == NULL)
            die("%s: an asset needs an extension", f->name);
        snprintf(f->path, sizeof(f->path), "/assets/%.*s.%.*s%s", (int)(dot - f->name), f->name,
                 HASH_HEX, h, dot);
    }
    /* gzip (windowBits 15 + 16), level 9: done once here, never per request. */
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        die("%s", "deflateInit2 failed");
    uLong cap = deflateBound(&z, (uLong)f->len) + 32;
    f->gz = malloc(cap);
    if (f->gz == NULL)
        die("%s", "out of memory");
    z.next_in = f->data;
    z.avail_in = (uInt)f->len;
    z.next_out = f->gz;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        die("%s: deflate failed", f->name);
    f->gz_len = z.total_out;
    deflateEnd(&z);
}

static const char *content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (ends_with(name, types[i].ext))
            return types[i].type;
    die("%s: no content type for this extension", name);
    return NULL;
}

static void emit_bytes(FILE *out, const char *id, const unsigned char *d, size_t n)
{
    fprintf(out, "static const unsigned char %s[%zu] = {", id, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%u,", i % 24 ? "" : "\n    ", d[i]);
    fprintf(out, "%s};\n", n ? "\n" : "0");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: embed_web WEBDIR OUT.c\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[4096];
    char *names[MAX_FILES];

    size_t n = list_dir(dir, "", names, MAX_FILES);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (strcmp(names[i], "js") != 0 && strchr(names[i], '.') != NULL) {
            struct file *f = add_file(names[i]);
            read_file(path, &f->data, &f->len);
        }
        free(names[i]);
    }
    snprintf(path, sizeof(path), "%s/js", dir);
    size_t nj = list_dir(path, ".js", names, MAX_FILES);
    if (nj > 0) {
        if (find("app.js", 6))
            die("%s", "web/app.js and web/js/ both exist: the script is built from web/js/");
        struct file *f = add_file("app.js");
        static const char head[] = "(function () {\n'use strict';\n";
        append(&f->data, &f->len, head, sizeof(head) - 1);
        for (size_t i = 0; i < nj; i++) {
            char mark[200];
            int m = snprintf(mark, sizeof(mark), "/* js/%s */\n", names[i]);
            append(&f->data, &f->len, mark, (size_t)m);
            snprintf(path, sizeof(path), "%s/js/%s", dir, names[i]);
            read_file(path, &f->data, &f->len);
            append(&f->data, &f->len, "\n", 1);
            free(names[i]);
        }
        append(&f->data, &f->len, "})();\n", 6);
    }
    if (!find("index.html", 10))
        die("%s: no index.html", dir);

    size_t raw = 0, gz = 0;
    for (int stage = 0; stage <= 2; stage++)
        for (size_t i = 0; i < n_files; i++)
            if (files[i].stage == stage)
                finish(&files[i]);
    for (size_t i = 0; i < n_files; i++) {
        raw += files[i].len;
        gz += files[i].gz_len;
    }
    if (gz > GZ_BUDGET) {
        die("%zu bytes gzip, over the %d-byte budget", gz, GZ_BUDGET);
    }

    FILE *out = fopen(argv[2], "w");
    if (out == NULL)
        die("cannot write %s", argv[2]);
    fprintf(out, "/* Generated by tools/embed_web.c from web/: do not edit. */\n"
                 "#include \"http/web_assets.h\"\n\n");
    for (size_t i = 0; i < n_files; i++) {
        char id[32];
        snprintf(id, sizeof(id), "f%zu", i);
        emit_bytes(out, id, files[i].data, files[i].len);
        snprintf(id, sizeof(id), "f%zu_gz", i);
        emit_bytes(out, id, files[i].gz, files[i].gz_len);
    }
    fprintf(out, "\nconst struct ls_web_asset ls_web_assets[] = {\n");
    for (size_t i = 0; i < n_files; i++) {
        const struct file *f = &files[i];
        fprintf(out, "    {\"%s\", \"%s\", \"%s\", f%zu, %zu, f%zu_gz, %zu, \"\\%.*s\\\"\", %s},\n",
                f->path, f->name, content_type(f->name), i, f->len, i, f->gz_len,
                (int)strlen(f->etag) - 1, f->etag, f->stage == 2 ? "false" : "true");
    }
    fprintf(out, "};\nconst size_t ls_web_assets_n = %zu;\n", n_files);
    if (fclose(out) != 0)
        die("cannot write %s", argv[2]);
    fprintf(stderr, "embed_web: %zu files, %zu bytes, %zu bytes gzip (budget %d)\n", n_files, raw,
            gz, GZ_BUDGET);
    return 0;
}
