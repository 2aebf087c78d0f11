#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""check_eml - verify a message written by compose.c, byte by byte and
after parsing it with Python's email package in strict mode.

usage: check_eml.py FILE [--kind digest|confirm] [--subject TEXT]
                    [--to ADDR] [--contains TEXT]... [--html-contains TEXT]...
                    [--html-lacks TEXT]...
Exit 0 when every check passes; otherwise prints each failure and exits 1.
"""
import argparse
import email
import email.policy
import email.utils
import re
import sys
from email.parser import BytesParser

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--kind", default="digest", choices=["digest", "confirm"])
    ap.add_argument("--subject")
    ap.add_argument("--to")
    ap.add_argument("--contains", action="append", default=[])
    ap.add_argument("--html-contains", action="append", default=[])
    ap.add_argument("--html-lacks", action="append", default=[])
    a = ap.parse_args()

    raw = open(a.file, "rb").read()

    # 1. raw bytes: CRLF only, lines <= 998 octets, 7-bit clean
    check(raw.endswith(b"\r\n"), "message does not end with CRLF")
    lines = raw.split(b"\r\n")
    for i, line in enumerate(lines):
        check(b"\n" not in line and b"\r" not in line,
              "bare CR or LF in line %d" % (i + 1))
        check(len(line) <= 998, "line %d is %d octets" % (i + 1, len(line)))
    check(all(b < 128 for b in raw), "message is not 7-bit (QP and encoded "
          "words should make it ASCII)")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")

    # 2. strict parse
    try:
        msg = BytesParser(policy=email.policy.strict).parsebytes(raw)
    except Exception as e:  # strict raises on any defect
        print("strict parse failed: %r" % (e,))
        return 1
    check(not msg.defects, "defects: %r" % (msg.defects,))

    def one(name):
        v = msg.get_all(name) or []
        check(len(v) == 1, "%s appears %d times" % (name, len(v)))
        return str(v[0]) if v else ""

    frm = one("From")
    to = one("To")
    subject = one("Subject")
    date = one("Date")
    mid = one("Message-ID")
    check(one("MIME-Version") == "1.0", "MIME-Version is not 1.0")
    check("@" in frm, "From has no address")
    if a.to:
        check(to == a.to, "To is %r, want %r" % (to, a.to))
    try:
        d = email.utils.parsedate_to_datetime(date)
        check(d.utcoffset() is not None, "Date has no zone")
    except Exception as e:
        check(False, "Date %r does not parse: %r" % (date, e))
    if a.kind == "digest":
        check(re.fullmatch(r"<d\.\d+\.\d{4}-\d\d-\d\d\.[0-9a-f]{16}@[^<>@\s]+>",
                           mid) is not None, "Message-ID %r" % mid)
    else:
        check(re.fullmatch(r"<c\.\d+\.\d+\.[0-9a-f]{16}@[^<>@\s]+>",
                           mid) is not None, "Message-ID %r" % mid)
    if a.subject is not None:
        check(subject == a.subject, "Subject is %r, want %r" % (subject,
                                                                a.subject))
    raw_subject = re.search(r"^Subject:(.*(?:\r\n[ \t].*)*)", head, re.M)
    check(raw_subject is not None, "no raw Subject")
    if raw_subject and any(ord(c) > 127 for c in subject):
        check("=?UTF-8?B?" in raw_subject.group(1) or
              "=?utf-8?" in raw_subject.group(1).lower(),
              "non-ASCII subject is not RFC 2047 encoded")
        for w in re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", raw_subject.group(1)):
            check(len(w) <= 75, "encoded word longer than 75: %r" % w)

    if a.kind == "digest":
        lid = one("List-Id")
        check(re.fullmatch(r"<[a-z0-9_-]+\.[^<>\s]+>", lid) is not None,
              "List-Id %r" % lid)
        lu = one("List-Unsubscribe")
        check(re.fullmatch(r"<https?://[^<>\s]+/unsubscribe/[A-Za-z0-9_-]+>,\s*"
                           r"<mailto:[^<>\s]+@[^<>\s]+>", lu) is not None,
              "List-Unsubscribe %r" % lu)
        check(one("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click",
              "List-Unsubscribe-Post")

    # 3. structure: multipart/alternative, text/plain then text/html
    check(msg.get_content_type() == "multipart/alternative",
          "top type is %s" % msg.get_content_type())
    parts = list(msg.iter_parts()) if msg.is_multipart() else []
    check(len(parts) == 2, "%d parts" % len(parts))
    if len(parts) == 2:
        want = ["text/plain", "text/html"]
        for p, w in zip(parts, want):
            check(p.get_content_type() == w, "part %s, want %s" %
                  (p.get_content_type(), w))
            check((p.get_content_charset() or "").lower() == "utf-8",
                  "%s charset %r" % (w, p.get_content_charset()))
            check(p["Content-Transfer-Encoding"].lower() == "quoted-printable",
                  "%s not quoted-printable" % w)
        text = parts[0].get_content()
        html = parts[1].get_content()
        for s in a.contains:
            check(s in text, "text part lacks %r" % s)
            check(s in html, "html part lacks %r" % s)
        for s in a.html_contains:
            check(s in html, "html part lacks %r" % s)
        for s in a.html_lacks:
            check(s not in html, "html part has %r" % s)
        for i, line in enumerate(text.split("\n")):
            if "://" not in line:
                check(len(line) <= 76, "text line %d is %d chars: %r" %
                      (i + 1, len(line), line))
        check("<html" in html and "</html>" in html, "html part is no page")
        check(html.lstrip().lower().startswith("<!doctype html>"),
              "html part does not start with <!DOCTYPE html>: %r" % html[:60])
        for name, body in (("text", text), ("html", html)):
            check("{{" not in body and "}}" not in body,
                  "%s part has template syntax left in it" % name)
        check("<script" not in html.lower(), "html part has a script")

    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
