/*
 * decode.h - text encodings of uploaded files: detection from the first
 * bytes, streaming conversion to UTF-8, and a plausibility check for text
 * read as Windows-1252. Pure (glibc iconv, which only reads its own tables).
 *
 * The decoder takes input in pieces split anywhere - inside a UTF-16 code
 * unit, between the halves of a surrogate pair, inside a multibyte character
 * - and gives the same UTF-8 as one whole feed. Bytes that are not valid in
 * the encoding become U+FFFD and are counted; the output is always valid
 * UTF-8, and a leading byte order mark is dropped.
 */
#ifndef LS_CORE_DECODE_H
#define LS_CORE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define LS_ENCODING_NAME_MAX 31 /* bytes of an encoding name (?encoding=) */

/* What the first bytes of a file say about its encoding. */
struct ls_encoding_sniff {
    const char *name; /* static: "utf-8", "utf-16le", "utf-16be"; NULL: no sign (UTF-8 or cp1252) */
    size_t bom_len;   /* bytes of byte order mark to skip (0, 2 or 3) */
    bool is_certain;  /* a byte order mark; false for UTF-16 inferred from its NUL bytes */
};

/*
 * Looks at the first len bytes of a file (a few hundred are enough; fewer
 * when the file is shorter): a UTF-8 or UTF-16 byte order mark, or, without
 * one, the NUL bytes that ASCII text has in every other byte in UTF-16.
 */
void ls_encoding_sniff(const void *p, size_t len, struct ls_encoding_sniff *out);

struct ls_decoder;

/*
 * Owned: free with ls_decoder_free. name (borrowed) is any encoding iconv
 * knows ("macintosh", "shift_jis", "UTF-16LE", ...), case-insensitive; UTF-16
 * LE/BE are converted without iconv. Returns NULL with LS_EINVAL naming it
 * when the name is malformed (letters, digits, "-_.:" only, at most
 * LS_ENCODING_NAME_MAX bytes) or unknown.
 */
struct ls_decoder *ls_decoder_new(const char *name, struct ls_err *err);
void ls_decoder_free(struct ls_decoder *d);

/*
 * Converts p[0..len) and appends the UTF-8 to out. A character cut at the end
 * is held for the next call; is_final ends the input (a cut character then
 * becomes U+FFFD). LS_OK, or LS_ELIMIT when out's cap is reached.
 */
int ls_decoder_feed(struct ls_decoder *d, const void *p, size_t len, bool is_final,
                    struct ls_buf *out);

/* Input sequences replaced by U+FFFD so far. */
uint64_t ls_decoder_replaced(const struct ls_decoder *d);

/*
 * True when s[0..len), which is not UTF-8, does not read as Windows-1252 text
 * either: it holds a byte Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90
 * 0x9D, which Shift_JIS and others use), or an unlikely pair such as a symbol
 * between two letters or a capital right after a small letter ("Andr\x8E" is
 * MacRoman's "André" and reads "AndrŽ"). why (cap bytes) then says which, for
 * a message.
 */
bool ls_cp1252_doubtful(const char *s, size_t len, char *why, size_t cap);

#endif
