#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""feed_server - serve the paper-source fixtures and fault cases over HTTP.

Binds 127.0.0.1 on an ephemeral port and prints the port on stdout (one
line), then serves until killed.  Every request is appended to --log as
one JSON line {t, path, ua, inm, ims, ae} so tests can check headers,
conditional GETs and the spacing of API calls.

Routes (the last path segment is the arXiv category or ignored):
  /rss/<cat>            arxiv_rss_cs_LG.xml, application/rss+xml, with
                        ETag and Last-Modified; 304 on a matching
                        If-None-Match / If-Modified-Since
  /hf?date=D, /hf/...   hf_daily_papers.json, application/json (ETag too)
  /api?start=S&max_results=M
                        pages of arxiv_api_sample.xml: at most 5 entries
                        per page, totalResults 8 (so paging takes 2 calls)
  /api?id_list=A,B      only the fixture's entries with those ids (an id
                        the fixture lacks is left out, as arXiv does); an
                        id arXiv refuses (a five-digit number before 2015,
                        0801.00001) answers arXiv's error feed instead
  /apiempty?...         like /api, but the very first call answers an empty
                        result (totalResults 0), as arXiv sometimes does
  /bad/404/...          HTTP 404
  /bad/500/...          HTTP 500 every time
  /bad/429/...          HTTP 429 with Retry-After: 1 every time
  /bad/stall/...        headers and half the body, then silence (60 s)
  /bad/truncated/...    the RSS fixture cut in the middle
  /bad/notxml/...       plain text served as application/rss+xml
  /bad/bomb/...         a billion-laughs entity bomb
  /bad/oversize/...     a 2 MiB well-formed RSS document
  /bad/badjson/...      invalid JSON, application/json
  /bad/wrongshape/...   {"error": "Invalid date"}, application/json
  /bad/wrongtype/...    an HTML error page as text/html
  /bad/empty/...        an RSS channel without items (a weekend)
  /bad/partial/...      one good item and one without any arXiv id
  /flaky/N/<cat>        HTTP 500 for the first N requests of that path,
                        then the RSS fixture
  /rssfail/<bad>/<cat>  HTTP 404 when <cat> is <bad>, else like /rss/<cat>
                        (one arXiv category unreachable)
  /slow429/<cat>        HTTP 429 (Retry-After: 1) once, then the fixture
  /hold/...             reads the request and never answers (300 s), so a
                        fetch is in flight for as long as a test needs
  /slow/rss/<cat>, /slow/hf
                        the RSS or HF fixture after a 1 s pause (for the
                        one-connection-per-host and parallel-hosts checks)
"""
import argparse
import email.utils
import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXTURES = None  # set in main
LOG_LOCK = threading.Lock()
COUNTS = {}
LAST_MODIFIED = email.utils.formatdate(1794978014, usegmt=True)

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title>
<guid>oai:arXiv.org:2611.00001v1</guid></item></channel></rss>
"""

EMPTY_RSS = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0">
  <channel>
    <title>cs.LG updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/cs.LG</link>
    <description>cs.LG updates on the arXiv.org e-print archive.</description>
    <pubDate>Sat, 21 Nov 2026 00:00:00 -0500</pubDate>
    <skipDays><day>Sunday</day><day>Saturday</day></skipDays>
  </channel>
</rss>
"""

PARTIAL_RSS = b"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" version="2.0"><channel>
<title>cs.LG</title>
<item><title>A Good Paper</title><link>https://arxiv.org/abs/2611.55555</link>
<description>arXiv:2611.55555v1 Announce Type: new \nAbstract: Fine.</description>
<guid isPermaLink="false">oai:arXiv.org:2611.55555v1</guid>
<category>cs.LG</category><arxiv:announce_type>new</arxiv:announce_type></item>
<item><title>An Entry Without Id</title><description>Abstract: lost</description>
<category>cs.LG</category></item>
</channel></rss>
"""


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def oversize():
    item = (b"<item><title>Padding</title><guid>oai:arXiv.org:2611.00001v1"
            b"</guid><description>" + b"x" * 1000 + b"</description></item>")
    return (b"<?xml version='1.0'?><rss version='2.0'><channel>" +
            item * 2100 + b"</channel></rss>")


def api_page(start, count, ids=None):
    """A page of the API fixture: entries [start, start+count) of 8, or
    of those whose arXiv id is in ids."""
    doc = fixture("arxiv_api_sample.xml").decode("utf-8")
    head = doc[:doc.index("<entry>")]
    entries = re.findall(r"<entry>.*?</entry>", doc, re.S)
    if ids is not None:
        entries = [e for e in entries
                   if re.search(r"<id>http://arxiv\.org/abs/([^<v]+)", e)
                   and re.search(r"<id>http://arxiv\.org/abs/([^<v]+)",
                                 e).group(1) in ids]
    page = entries[start:start + count]
    head = re.sub(r"<opensearch:itemsPerPage>\d+<",
                  "<opensearch:itemsPerPage>%d<" % len(page), head)
    head = re.sub(r"<opensearch:totalResults>\d+<",
                  "<opensearch:totalResults>%d<" % len(entries), head)
    head = re.sub(r"<opensearch:startIndex>\d+<",
                  "<opensearch:startIndex>%d<" % start, head)
    return (head + "\n".join(page) + "\n</feed>\n").encode("utf-8")


def api_error(bad):
    """The API's answer to an id it refuses: one error entry."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n'
            '<title>arXiv Query: id_list=%s</title>\n'
            '<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_%s'
            '</id><title>Error</title>'
            '<summary>incorrect id format for %s</summary></entry>\n'
            '</feed>\n' % (bad, bad, bad)).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def record(self):
        if not self.server.logfile:
            return
        line = json.dumps({
            "t": time.time(),
            "path": self.path,
            "ua": self.headers.get("User-Agent", ""),
            "inm": self.headers.get("If-None-Match", ""),
            "ims": self.headers.get("If-Modified-Since", ""),
            "ae": self.headers.get("Accept-Encoding", ""),
        })
        with LOG_LOCK:
            with open(self.server.logfile, "a") as f:
                f.write(line + "\n")

    def send(self, status, body, ctype, extra=None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def conditional(self, body, ctype):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        hdrs = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if (inm and inm == etag) or (not inm and ims == LAST_MODIFIED):
            self.send_response(304)
            for k, v in hdrs.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send(200, body, ctype, hdrs)

    def do_HEAD(self):
        self.do_GET()

    def count(self, key):
        with LOG_LOCK:
            COUNTS[key] = COUNTS.get(key, 0) + 1
            return COUNTS[key]

    def do_GET(self):
        self.record()
        url = urllib.parse.urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        q = urllib.parse.parse_qs(url.query)
        if not parts:
            return self.send(404, b"not found\n", "text/plain")
        head = parts[0]
        if head == "rss":
            return self.conditional(fixture("arxiv_rss_cs_LG.xml"), RSS_TYPE)
        if head == "rssfail" and len(parts) >= 3:
            if parts[2] == parts[1]:
                return self.send(404, b"<html>Not Found</html>", "text/html")
            return self.conditional(fixture("arxiv_rss_cs_LG.xml"), RSS_TYPE)
        if head == "hf":
            return self.conditional(fixture("hf_daily_papers.json"), JSON_TYPE)
        if head == "apiempty" and self.count(url.path) == 1:
            return self.send(200, api_page(0, 0).replace(
                b"<opensearch:totalResults>8<",
                b"<opensearch:totalResults>0<"), ATOM_TYPE)
        if head in ("api", "apiempty"):
            start = int(q.get("start", ["0"])[0])
            maxr = int(q.get("max_results", ["10"])[0])
            ids = None
            if "id_list" in q:
                ids = set(q["id_list"][0].split(","))
                bad = sorted(i for i in ids
                             if re.match(r"^(0\d|1[0-4])\d\d\.\d{5}$", i))
                if bad:
                    return self.send(200, api_error(bad[0]), ATOM_TYPE)
            return self.send(200, api_page(start, min(maxr, 5), ids),
                             ATOM_TYPE)
        if head == "flaky" and len(parts) >= 2:
            n = self.count(url.path)
            if n <= int(parts[1]):
                return self.send(500, b"oops\n", "text/plain")
            return self.send(200, fixture("arxiv_rss_cs_LG.xml"), RSS_TYPE)
        if head == "slow" and len(parts) >= 2:
            time.sleep(1)
            if parts[1] == "hf":
                return self.send(200, fixture("hf_daily_papers.json"),
                                 JSON_TYPE)
            return self.send(200, fixture("arxiv_rss_cs_LG.xml"), RSS_TYPE)
        if head == "hold":
            time.sleep(300)
            return
        if head == "slow429":
            if self.count(url.path) == 1:
                return self.send(429, b"slow down\n", "text/plain",
                                 {"Retry-After": "1"})
            return self.send(200, fixture("arxiv_rss_cs_LG.xml"), RSS_TYPE)
        if head != "bad" or len(parts) < 2:
            return self.send(404, b"not found\n", "text/plain")
        kind = parts[1]
        rss = fixture("arxiv_rss_cs_LG.xml")
        if kind == "404":
            return self.send(404, b"<html>Not Found</html>", "text/html")
        if kind == "500":
            return self.send(500, b"<html>Internal error</html>", "text/html")
        if kind == "503":
            return self.send(503, b"busy\n", "text/plain",
                             {"Retry-After": "1"})
        if kind == "429":
            return self.send(429, b"Too many requests\n", "text/plain",
                             {"Retry-After": "1"})
        if kind == "stall":
            self.send_response(200)
            self.send_header("Content-Type", RSS_TYPE)
            self.send_header("Content-Length", str(len(rss)))
            self.end_headers()
            self.wfile.write(rss[:len(rss) // 2])
            self.wfile.flush()
            time.sleep(60)
            return
        if kind == "truncated":
            return self.send(200, rss[:len(rss) // 2], RSS_TYPE)
        if kind == "notxml":
            return self.send(200, b"Service notice: feeds are rebuilt at "
                             b"midnight. Please come back later.\n", RSS_TYPE)
        if kind == "bomb":
            return self.send(200, BOMB, RSS_TYPE)
        if kind == "oversize":
            return self.send(200, oversize(), RSS_TYPE)
        if kind == "badjson":
            return self.send(200, b'[{"paper": {"id": "2611.15034", "title": ',
                             JSON_TYPE)
        if kind == "wrongshape":
            return self.send(200, b'{"error": "Invalid date"}', JSON_TYPE)
        if kind == "wrongtype":
            return self.send(200, b"<!DOCTYPE html><html><body>Rate limited"
                             b"</body></html>", "text/html; charset=utf-8")
        if kind == "empty":
            return self.send(200, EMPTY_RSS, RSS_TYPE)
        if kind == "partial":
            return self.send(200, PARTIAL_RSS, RSS_TYPE)
        return self.send(404, b"unknown fault\n", "text/plain")


def main():
    global FIXTURES
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--log", default="")
    args = ap.parse_args()
    FIXTURES = args.fixtures
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.logfile = args.log
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
