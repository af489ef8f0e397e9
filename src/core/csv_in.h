/*
 * csv_in.h - streaming CSV ingest: bytes in, leads out. Pure (libcsv).
 *
 * Feed the file in chunks of any size; each accepted row is handed to a
 * callback as a struct ls_lead, each rejected row to another with its line
 * number and a reason. Memory stays bounded by the limits whatever the file
 * size: the whole file is never held.
 *
 * Rules (RFC 4180 via libcsv in strict mode):
 *  - quoted fields may hold commas, quotes ("") and newlines; lines end
 *    with CRLF, LF or a lone CR (classic Mac); a UTF-8 byte order mark is
 *    skipped;
 *  - the first non-blank record is the header; names match case- and
 *    punctuation-insensitively, with aliases (see csv_in.c); extra columns are
 *    ignored; a missing column is a fatal LS_EINVAL;
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
 * After a missing-column error: {"missing": [...], "found": [...]}; otherwise
 * NULL. A new reference.
 */
json_t *ls_csv_in_details(const struct ls_csv_in *in);

#endif
