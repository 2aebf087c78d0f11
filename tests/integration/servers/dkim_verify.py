#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""dkim_verify.py - verify the DKIM signatures of saved messages with
dkimpy (Debian python3-dkim), an implementation independent of the
libopendkim that signed them.  The public keys are given the way DNS
would give them: a dnsfunc answers SELECTOR._domainkey.DOMAIN with the TXT
record passed on the command line, and nothing else.

    dkim_verify.py --record NAME=TXT [--record ...] [--algos a,b]
                   [--headers h1,h2] [--oversigned h1,h2] [--expect-fail]
                   FILE...

Each FILE must carry one valid signature per algorithm in --algos (all
of them when --expect-fail is not given), each covering --headers, and
listing each --oversigned header once more than the message has it.
With --expect-fail every file must fail verification.  Prints one line
per file and exits 0 when all files are as expected, 1 otherwise.
"""
import argparse
import re
import sys

import dkim


def sig_tags(value):
    tags = {}
    for part in re.sub(rb"\s+", b"", value).split(b";"):
        if b"=" in part:
            k, v = part.split(b"=", 1)
            tags[k.decode()] = v.decode()
    return tags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="append", default=[])
    ap.add_argument("--algos", default="")
    ap.add_argument("--headers", default="")
    ap.add_argument("--oversigned", default="")
    ap.add_argument("--expect-fail", action="store_true")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    records = {}
    for r in a.record:
        name, txt = r.split("=", 1)
        records[name.rstrip(".").lower() + "."] = txt.encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        name = name.rstrip(".").lower() + "."
        return records.get(name)

    want_algos = [x for x in a.algos.split(",") if x]
    want_headers = [x.lower() for x in a.headers.split(",") if x]
    over = [x.lower() for x in a.oversigned.split(",") if x]
    bad = 0
    for path in a.files:
        msg = open(path, "rb").read()
        # the test server's trace lines are not part of the message
        while msg.startswith(b"X-Test-"):
            msg = msg.split(b"\r\n", 1)[1]
        d = dkim.DKIM(msg)
        sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
        results = []
        problems = []
        for i, value in enumerate(sigs):
            tags = sig_tags(value)
            ok = d.verify(idx=i, dnsfunc=dnsfunc)
            results.append((tags.get("a"), ok))
            h = [x.lower() for x in tags.get("h", "").split(":")]
            if tags.get("c") != "relaxed/relaxed":
                problems.append("c=%s" % tags.get("c"))
            for w in want_headers:
                if w not in h:
                    problems.append("%s not signed by %s" % (w, tags.get("a")))
            for o in over:
                present = sum(1 for (k, _) in d.headers if k.lower() == o.encode())
                if h.count(o) != present + 1:
                    problems.append("%s listed %d times for %d present"
                                    % (o, h.count(o), present))
        if a.expect_fail:
            good = bool(sigs) and not any(ok for (_, ok) in results)
        else:
            algos = sorted(x for (x, ok) in results if ok)
            good = (bool(sigs) and all(ok for (_, ok) in results)
                    and algos == sorted(want_algos) and not problems)
        print("%s %s %s %s" % ("ok" if good else "BAD", path, results,
                               "; ".join(problems)))
        bad += not good
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
