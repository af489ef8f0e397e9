/*
 * csv_in.h - streaming CSV ingest: bytes in, leads out. Pure (libcsv).
 *
 * Feed the file in chunks of any size; each accepted row is handed to a
 * callback as a struct ls_lead, each rejected row to another with its line
 * number and a reason. Memory stays bounded by the limits whatever the file
 * size: the whole file is never held.
 *
 * Rules (RFC 4180 via libcsv in strict mode):
 *  - the delimiter is ',', ';', tab or '|': given (ls_csv_in_set_dialect),
 *    named by an Excel first line "sep=X", or the one that makes the header
 *    yield the most known columns (',' on a tie);
 *  - the encoding is given, or UTF-16 LE/BE (a byte order mark, or the NUL
 *    bytes of UTF-16 ASCII), or else UTF-8 with or without a byte order mark,
 *    each field that is not valid UTF-8 read as Windows-1252;
 *  - quoted fields may hold delimiters, quotes ("") and newlines; lines end
 *    with CRLF, LF or a lone CR (classic Mac);
 *  - the header is the first line within the first 20 (after "sep=") that
 *    has the required columns - name (or First Name + Last Name), and role or
 *    company - so a preamble such as LinkedIn's "Notes:" is skipped; without
 *    such a line the first non-blank line is the header and the missing
 *    columns are a fatal LS_EINVAL (ls_csv_in_details); two equally named
 *    columns for one field are a fatal LS_EINVAL too (csv_header.h has the
 *    matching rules and aliases); other fields may be missing (read as "");
 *    every other column is an extra column of the lead;
 *  - a row with more fields than the header is rejected; fewer: the rest empty;
 *  - blank rows (no characters, or only empty fields) are skipped;
 *  - a malformed or unterminated quote rejects the row it starts and parsing
 *    resumes on the next line;
 *  - fields that are not valid UTF-8 are decoded as Windows-1252.
 */
#ifndef LS_CORE_CSV_IN_H
#define LS_CORE_CSV_IN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "lead.h"

struct ls_csv_limits {
    size_t max_field;  /* bytes per mapped field; a longer field rejects its row */
    size_t max_row;    /* raw bytes per record, quoted newlines included */
    uint64_t max_rows; /* accepted rows; one more is a fatal LS_ELIMIT */
};

/* 8 KiB per field, 256 KiB per record, 1,000,000 rows. */
void ls_csv_limits_default(struct ls_csv_limits *lim);

/*
 * Called for each accepted row. lead and its strings are borrowed for the
 * call only. line is the 1-based line the record starts on. A non-zero return
 * (an enum ls_status, with err filled) stops the ingest; ls_csv_in_feed then
 * returns it with that message.
 */
typedef int (*ls_csv_lead_fn)(void *ud, const struct ls_lead *lead, uint64_t line,
                              struct ls_err *err);

/* Called for each rejected row; msg is borrowed for the call only. */
typedef void (*ls_csv_reject_fn)(void *ud, uint64_t line, const char *msg);

struct ls_csv_in;

/* Owned: free with ls_csv_in_free. lim is copied. */
struct ls_csv_in *ls_csv_in_new(const struct ls_csv_limits *lim, ls_csv_lead_fn on_lead,
                                ls_csv_reject_fn on_reject, void *ud);
void ls_csv_in_free(struct ls_csv_in *in);

/*
 * Reads a ?delimiter= value: "," ";" "|" "tab", a TAB character or "\t".
 * LS_OK with *out set, or LS_EINVAL naming the value.
 */
int ls_csv_delimiter_parse(const char *s, char *out, struct ls_err *err);

/*
 * Fixes the dialect instead of detecting it; call before the first feed.
 * delimiter: ',' ';' '\t' '|', or 0 to detect. encoding (borrowed, may be
 * NULL or "" to detect): any name iconv knows. LS_EINVAL naming a delimiter or
 * encoding that cannot be read (ls_decoder_new).
 */
int ls_csv_in_set_dialect(struct ls_csv_in *in, char delimiter, const char *encoding,
                          struct ls_err *err);

/*
 * Parses the next len bytes. Returns LS_OK, or a fatal error that stays set
 * for every later call:
 *   LS_EINVAL - the header lacks required columns (see ls_csv_in_details);
 *   LS_ELIMIT - more than max_rows rows;
 *   any status returned by on_lead.
 */
int ls_csv_in_feed(struct ls_csv_in *in, const void *data, size_t len, struct ls_err *err);

/* Ends the input. Also LS_EINVAL "no leads found" when no row was accepted. */
int ls_csv_in_finish(struct ls_csv_in *in, struct ls_err *err);

struct ls_csv_stats {
    uint64_t accepted;
    uint64_t rejected;
    uint64_t lines; /* physical lines read */
    bool is_cp1252; /* at least one field was decoded as Windows-1252 */
    /* How the file was read (issue #9). */
    char delimiter;         /* the field delimiter used: ',', ';', '\t' or '|' */
    char encoding[32];      /* "utf-8", "utf-16le", "utf-16be", "windows-1252", or as asked */
    uint64_t skipped_lines; /* lines before the header (a preamble such as LinkedIn's Notes) */
    unsigned missing;       /* bit (1 << enum ls_field) per field the header has no column for */
    char warning[256];      /* "" or what is in doubt about the encoding, naming ?encoding= */
};
void ls_csv_in_stats(const struct ls_csv_in *in, struct ls_csv_stats *out);

/*
 * True when the encoding reported is known rather than guessed: it was asked
 * for, the file has a byte order mark, or every byte was valid UTF-8. False
 * for Windows-1252 (always a guess) and for UTF-16 inferred without a mark.
 */
bool ls_csv_in_encoding_certain(const struct ls_csv_in *in);

/*
 * After a missing-column error: {"missing": [...], "found": [...]}; after an
 * ambiguous one: {"ambiguous": [a, b], "field": name, "found": [...]};
 * otherwise NULL. A new reference.
 */
json_t *ls_csv_in_details(const struct ls_csv_in *in);

#endif
