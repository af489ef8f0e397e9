#!/usr/bin/python3
"""xlsx_check.py - checks an XLSX export against the CSV export of the same
query, for tests/integ/test_xlsx.c.

usage: xlsx_check.py BOOK.xlsx EXPORT.csv [--string TEXT]... [--rows-per-sheet N]

Two readers, so that 100,000 rows are checked in seconds:
 - Debian's python3-openpyxl (read_only=True) opens the workbook: the sheets
   are "results", "results 2", ... (one more per rows-per-sheet rows, default
   Excel's 1,048,575), each with the CSV's header row and as many rows as
   its dimension says; the first OPENPYXL_ROWS data rows are compared cell
   by cell, the integer columns must be numbers (data_type 'n') and every
   other cell a string ('s'); each --string TEXT must be one of those
   string cells (a formula-looking name stays text).
 - Every row is then compared with the CSV from the sheets' XML (zipfile and
   regular expressions, the issue's "unzip plus an XML check"): same order,
   same cells, no formula anywhere, numbers only in the integer columns.
Cells equal the CSV's but for its formula guard (a leading ' before = + - @).
Prints "rows N" and exits 0, or prints the first difference and exits 1.
"""
import csv
import re
import sys
import zipfile

import openpyxl

OPENPYXL_ROWS = 2000
NUMBER_COLS = {"score", "rule_score", "ai_score", "role_points", "industry_points",
               "completeness_points"}
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def fail(msg):
    print(msg)
    sys.exit(1)


def same(v, w):
    return v == w or (w == "'" + v and v[:1] in "=+-@")


def col_index(ref):
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n - 1


def check_openpyxl(book, header, rows, per_sheet, wanted):
    wb = openpyxl.load_workbook(book, read_only=True)
    n_sheets = max(1, -(-len(rows) // per_sheet))
    want_names = ["results"] + ["results %d" % k for k in range(2, n_sheets + 1)]
    if wb.sheetnames != want_names:
        fail("sheets %r, want %r" % (wb.sheetnames, want_names))
    for k, sheet in enumerate(wb.worksheets):
        n_rows = min(per_sheet, len(rows) - k * per_sheet)
        if sheet.max_row != n_rows + 1:
            fail("sheet %s: %s rows, want %d" % (sheet.title, sheet.max_row, n_rows + 1))
        it = sheet.iter_rows(max_row=min(n_rows, OPENPYXL_ROWS) + 1)
        got = [c.value for c in next(it)]
        if got != header or any(c.data_type != "s" for c in sheet[1]):
            fail("sheet %s: header %r, want %r" % (sheet.title, got, header))
        for i, cells in enumerate(it):
            want = rows[k * per_sheet + i]
            cells = list(cells) + [None] * (len(header) - len(cells))
            for name, cell, w in zip(header, cells, want):
                v = getattr(cell, "value", None)
                if v is None:
                    v = ""
                elif name in NUMBER_COLS:
                    if cell.data_type != "n" or not isinstance(v, int):
                        fail("row %d %s: %r is not a number" % (i + 1, name, v))
                    v = str(v)
                elif cell.data_type != "s":
                    fail("row %d %s: type %s, want s" % (i + 1, name, cell.data_type))
                else:
                    wanted.discard(v)
                if not same(v, w):
                    fail("row %d %s: %r, the CSV has %r" % (i + 1, name, v, w))
    if wanted:
        fail("no string cell holds %r" % sorted(wanted))
    return len(wb.sheetnames)


ROW = re.compile(r"<row [^>]*>(.*?)</row>|<row [^>]*/>", re.S)
CELL = re.compile(r'<c r="([A-Z]+)[0-9]+"([^>]*)>(?:<is><t[^>]*>(.*?)</t></is>|<v>([^<]*)</v>)</c>'
                  r'|<c [^>]*/>', re.S)
ENTITY = re.compile(r"&(amp|lt|gt|quot|apos);")
ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def text_of(raw):
    raw = ENTITY.sub(lambda m: ENTITIES[m.group(1)], raw)
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)


def check_xml(book, n_sheets, header, rows):
    """Regular expressions over the sheets' XML as libxlsxwriter writes it (inline strings)."""
    n = 0
    with zipfile.ZipFile(book) as z:
        for k in range(1, n_sheets + 1):
            xml = z.read("xl/worksheets/sheet%d.xml" % k).decode("utf-8")
            if re.search(r"<f[ >]", xml):
                fail("sheet %d: a formula" % k)
            first = True
            for row in ROW.finditer(xml):
                cells = [""] * len(header)
                body = row.group(1) or ""
                for c in CELL.finditer(body):
                    if c.group(1) is None:
                        continue  # an empty cell
                    i = col_index(c.group(1))
                    if c.group(3) is not None and 't="inlineStr"' in c.group(2):
                        cells[i] = text_of(c.group(3))
                    elif c.group(4) is not None and "t=" not in c.group(2) and not first \
                            and header[i] in NUMBER_COLS:
                        cells[i] = c.group(4)
                    else:
                        fail("sheet %d %s: not an inline string or an integer column's number"
                             % (k, c.group(0)[:80]))
                if first:
                    first = False
                    if cells != header:
                        fail("sheet %d: header %r" % (k, cells))
                    continue
                if n >= len(rows):
                    fail("more rows than the CSV's %d" % len(rows))
                for name, v, w in zip(header, cells, rows[n]):
                    if not same(v, w):
                        fail("row %d %s: %r, the CSV has %r" % (n + 1, name, v, w))
                n += 1
    if n != len(rows):
        fail("%d rows, the CSV has %d" % (n, len(rows)))
    return n


def main():
    args = sys.argv[1:]
    book, csv_path = args[0], args[1]
    wanted, per_sheet, i = set(), 1048575, 2
    while i < len(args):
        if args[i] == "--string":
            wanted.add(args[i + 1])
        elif args[i] == "--rows-per-sheet":
            per_sheet = int(args[i + 1])
        i += 2
    with open(csv_path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    header, rows = records[0], records[1:]
    n_sheets = check_openpyxl(book, header, rows, per_sheet, wanted)
    print("rows %d" % check_xml(book, n_sheets, header, rows))


main()
