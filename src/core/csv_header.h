/*
 * csv_header.h - which lead field each column of a CSV header holds. Pure.
 *
 * Header names match case-, space- and punctuation-insensitively against the
 * aliases of the CRM and LinkedIn exports leadscore reads (README, "Column
 * names"): "Country/Region", "country region" and "COUNTRY_REGION" are one
 * name. A field takes its most preferred direct column ("Full Name" over
 * "Name"); when it has none, its part columns are joined ("First Name" +
 * "Last Name"; City, State/Region, Country/Region). Every other column is an
 * extra column, kept with the lead in file order.
 */
#ifndef LS_CORE_CSV_HEADER_H
#define LS_CORE_CSV_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "lead.h"

#define LS_CSV_PART_SLOTS 3 /* first/last name; city, state, country */

enum ls_csv_col_kind {
    LS_CSV_COL_EXTRA,  /* no field: kept as an extra column */
    LS_CSV_COL_DIRECT, /* holds the whole field */
    LS_CSV_COL_PART,   /* one part of a field, joined with the others in slot order */
};

struct ls_csv_col {
    enum ls_csv_col_kind kind;
    enum ls_field field; /* DIRECT and PART */
    unsigned slot;       /* PART: its place in the joined field */
};

struct ls_csv_header_map {
    unsigned missing; /* bit (1 << field) per field with no column at all */
    size_t n_known;   /* columns whose name is a known alias (used or not) */
    /* Two columns with equally preferred names for one field: -1 when none. */
    int ambiguous_field;
    size_t ambiguous[2]; /* their column indexes, in file order */
};

/*
 * Maps n header names (borrowed, NUL-terminated UTF-8) to cols[0..n) (filled by
 * the caller's array) and summarises the result in *map. Never fails: see
 * ls_csv_header_usable for whether leads can be read with it.
 */
void ls_csv_header_map(const char *const *names, size_t n, struct ls_csv_col *cols,
                       struct ls_csv_header_map *map);

/* True when the required columns are there (name, and role or company) and none is ambiguous. */
bool ls_csv_header_usable(const struct ls_csv_header_map *map);

/* True when the required columns are there: a name, and a role or a company. */
bool ls_csv_header_has_required(const struct ls_csv_header_map *map);

/* The separator between the parts of field f ("Ava" "Patel"; "Berlin", "Germany"). Static. */
const char *ls_csv_part_sep(enum ls_field f);

#endif
