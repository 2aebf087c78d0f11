#!/bin/bash
# SPDX-License-Identifier: MIT
# 70-grafana-dashboard: packaging/grafana-dashboard.json is valid JSON in
# Grafana's dashboard shape (a title, panels each with a datasource and
# targets with a PromQL expr), and every paperboy_* metric its queries
# name is one that a running serve prints on /metrics (a family declared
# by "# TYPE", or the _sum/_count/_bucket series of a summary or
# histogram).  The checker is shown to refuse a metric that does not
# exist, so the test can fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"
trap web_cleanup EXIT

DASH=$SRC_DIR/packaging/grafana-dashboard.json
assert_file_exists "$DASH"
web_config
web_start
http GET /metrics
assert_eq "$CODE" 200 "/metrics"
printf '%s\n' "$BODY" >"$TMP/metrics.txt"
web_stop

/usr/bin/python3 - "$DASH" "$TMP/metrics.txt" <<'PYEOF' || fail "the dashboard does not match /metrics"
import json, re, sys

dash = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
assert types, "no # TYPE lines in /metrics"

def known(name):
    if name in types:
        return True
    for suffix in ("_sum", "_count", "_bucket"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("summary", "histogram"):
            return True
    return False

def missing(exprs):
    return sorted({m for e in exprs for m in re.findall(r"\bpaperboy_[a-z0-9_]+", e)
                   if not known(m)})

# the checker can fail
assert missing(['rate(paperboy_no_such_metric_total[5m])']) == ["paperboy_no_such_metric_total"]
assert missing(['paperboy_outbox_depth']) == []

assert isinstance(dash.get("title"), str) and dash["title"], "no title"
panels = dash.get("panels")
assert isinstance(panels, list) and panels, "no panels"
exprs, ids = [], set()
for p in panels:
    assert p.get("title"), "a panel without a title"
    assert p.get("id") not in ids, "duplicate panel id %r" % p.get("id")
    ids.add(p.get("id"))
    assert "gridPos" in p and "datasource" in p, "panel %r lacks gridPos or datasource" % p["title"]
    targets = p.get("targets")
    assert targets, "panel %r has no targets" % p["title"]
    for t in targets:
        assert t.get("expr"), "panel %r has a target without expr" % p["title"]
        exprs.append(t["expr"])
for v in dash.get("templating", {}).get("list", []):
    if v.get("query"):
        exprs.append(v["query"])
names = {m for e in exprs for m in re.findall(r"\bpaperboy_[a-z0-9_]+", e)}
assert len(names) >= 8, "the dashboard queries only %d metrics" % len(names)
bad = missing(exprs)
assert not bad, "metrics the dashboard queries but /metrics does not print: %s" % bad
print("dashboard: %d panels, %d metrics, all on /metrics" % (len(panels), len(names)))
PYEOF
pass
