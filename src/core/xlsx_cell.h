/*
 * xlsx_cell.h - the text of one XLSX (Excel) cell (issue #9). Pure: the
 * writer (src/jobs/export_xlsx.c) hands the result to libxlsxwriter as an
 * inline string, so everything Excel would reject or misread is settled here,
 * where a unit test can reach it.
 */
#ifndef LS_CORE_XLSX_CELL_H
#define LS_CORE_XLSX_CELL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Excel's limit on the text of a cell: 32,767 characters, counted in UTF-16 code units. */
#define LS_XLSX_CELL_MAX 32767

/*
 * Appends s[0..len) to out as the text of one cell: NUL-free, valid UTF-8,
 * XML 1.0 characters only.
 *  - Bytes that are not valid UTF-8 are read as Windows-1252 (as in CSV).
 *  - CR LF and a lone CR become LF, the line break Excel keeps in a cell.
 *  - NUL, the other C0 controls but TAB and LF, U+FFFE and U+FFFF (none
 *    allowed in XML 1.0) become U+FFFD.
 *  - An underscore that starts "_xHHHH_" becomes "_x005F_": Excel decodes
 *    that pattern, so without the escape "_x0041_" would show as "A".
 *  - The text is cut on a character boundary so that it is at most
 *    LS_XLSX_CELL_MAX UTF-16 code units as Excel shows it and at most
 *    LS_XLSX_CELL_MAX characters as written (escapes included), the check
 *    libxlsxwriter 1.1.4 makes before refusing a string.
 * *is_clipped (may be NULL) says whether anything was cut off. LS_OK, or
 * LS_ELIMIT when out's cap is reached (out may then hold part of the cell).
 */
int ls_xlsx_cell_text(const char *s, size_t len, struct ls_buf *out, bool *is_clipped);

/*
 * True when s[0..len) is a plain decimal integer ("0", "42", "-7": no plus,
 * no leading zero, no blank, at most 15 digits so a double holds it exactly);
 * *out gets its value. The writer stores such cells of numeric columns as
 * numbers and everything else as text.
 */
bool ls_xlsx_cell_number(const char *s, size_t len, double *out);

#endif
