/*
 * sha256.h - SHA-256 (FIPS 180-4), for content-addressed keys such as the
 * verdict cache's. Pure.
 */
#ifndef LS_CORE_SHA256_H
#define LS_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define LS_SHA256_LEN 32

struct ls_sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes hashed */
    unsigned char block[64];
    size_t used;
};

void ls_sha256_init(struct ls_sha256 *c);
void ls_sha256_update(struct ls_sha256 *c, const void *data, size_t len);
void ls_sha256_final(struct ls_sha256 *c, unsigned char out[LS_SHA256_LEN]);

/* Hashes len (as 8 bytes, big-endian) then the bytes, so that fields cannot run together. */
void ls_sha256_field(struct ls_sha256 *c, const void *data, size_t len);

#endif
