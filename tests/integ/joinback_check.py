#!/usr/bin/env python3
"""joinback_check.py INPUT ENCODING DELIMITER EXPORT - issue #9: a CRM export, scored by
leadscore, joins back to the CRM. Reads INPUT with Python's own csv module (an independent
reader: ENCODING as Python names it, DELIMITER one character, a preamble before the header
line that names the key columns skipped) and EXPORT (leadscore's CSV export, UTF-8), then
checks that every exported row matches exactly one input row by external_id, or by email
when it has none, that every input row is exported once, and that every extra column of
the export (those after external_id) holds the input's value for that header, trimmed,
with the export's formula guard (a ' before = + - @) allowed. Exit 0, or 1 with the first
difference on stderr."""
import csv
import io
import sys

GUARD = ("=", "+", "-", "@", "\t", "\r", "\n")


def fail(msg):
    sys.stderr.write("joinback: " + msg + "\n")
    sys.exit(1)


def read_input(path, encoding, delim, extras):
    with open(path, "rb") as f:
        text = f.read().decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    for i, r in enumerate(rows):  # the header: the first row holding every extra header
        if all(h in r for h in extras):
            return r, rows[i + 1:]
    fail("no input line holds the export's extra headers %r" % (extras,))


def main():
    path, encoding, delim, export = sys.argv[1:5]
    delim = "\t" if delim == "tab" else delim
    with open(export, encoding="utf-8", newline="") as f:
        out = list(csv.reader(f))
    head, body = out[0], out[1:]
    if "external_id" not in head or "email" not in head:
        fail("export header lacks external_id or email: %r" % (head,))
    extras = head[head.index("external_id") + 1:]
    in_head, in_rows = read_input(path, encoding, delim, extras)
    in_rows = [r for r in in_rows if any(c.strip() for c in r)]
    if len(body) != len(in_rows):
        fail("%d rows exported, %d in the input" % (len(body), len(in_rows)))
    used = set()
    for row in body:
        rec = dict(zip(head, row))
        key = rec["external_id"] or rec["email"] or rec.get("linkedin_url", "")
        if not key:
            fail("an exported row has no external_id, email or linkedin_url: %r" % (row,))
        hits = [i for i, r in enumerate(in_rows) if key in (c.strip() for c in r)]
        if len(hits) != 1:
            fail("%r matches %d input rows" % (key, len(hits)))
        if hits[0] in used:
            fail("input row %d exported twice" % hits[0])
        used.add(hits[0])
        src = in_rows[hits[0]]
        for h in extras:
            want = src[in_head.index(h)].strip() if in_head.index(h) < len(src) else ""
            got = rec[h]
            if got != want and not (want.startswith(GUARD) and got == "'" + want):
                fail("%r: column %r is %r, the input has %r" % (key, h, got, want))
    print("joinback: %d rows joined back, %d extra columns each" % (len(body), len(extras)))


main()
