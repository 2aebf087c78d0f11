#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 56-browser-engines: the browser driver runs on the Node.js that the
# install step gives a bare Debian 12 machine.  A machine carrying a newer
# Node from elsewhere (CI's included) would hide a driver whose `engines`
# need more than Debian's nodejs, so three things are checked:
#   - the installed playwright-core is the release tests/browser pins
#     (package-lock.json), so a stale node_modules cannot stand in for it;
#   - the `node` on PATH satisfies the driver's engines.node;
#   - so does every nodejs version apt can install here (on a bare
#     Debian 12 that is Debian's own 18.x), whatever `node` is on PATH.
# Everything checked here is provided by scripts/install-deps.sh --test:
# a missing piece is a failure, not a skip.
. "$(dirname "$0")/lib.sh"

BROWSER_DIR=$SRC_DIR/tests/browser
PY=/usr/bin/python3
[ -x "$PY" ] || fail "no /usr/bin/python3 (scripts/install-deps.sh --test)"
command -v node >/dev/null 2>&1 || fail "node not installed (scripts/install-deps.sh --test)"
command -v apt-cache >/dev/null 2>&1 || skip "not a Debian machine: no apt-cache"
pkg=$BROWSER_DIR/node_modules/playwright-core/package.json
[ -f "$pkg" ] || fail "playwright-core not installed (scripts/install-deps.sh --test)"

node_version=$(node --version)
apt_versions=$(apt-cache madison nodejs 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | sort -u)
[ -n "$apt_versions" ] || fail "apt knows no nodejs package (run apt-get update)"

# check_engines: each argument "WHAT VERSION"; prints one line per check
# and exits 1 when any version does not satisfy engines.node.  Only the
# simple ">=X[.Y[.Z]]" form is understood: a range of another shape is a
# failure, so a driver update that changes it is looked at by a person.
"$PY" - "$pkg" "$BROWSER_DIR/package-lock.json" "node on PATH $node_version" \
    $(printf 'apt %s\n' $apt_versions | sed 's/ /=/') <<'PYEOF' >"$TMP/check.out" 2>&1
import json, re, sys

pkg = json.load(open(sys.argv[1]))
lock = json.load(open(sys.argv[2]))
pinned = lock["packages"]["node_modules/playwright-core"]["version"]
if pkg["version"] != pinned:
    print(f"installed playwright-core {pkg['version']} is not the pinned {pinned}"
          " (run scripts/install-deps.sh --test)")
    sys.exit(1)
rng = pkg.get("engines", {}).get("node", "")
m = re.fullmatch(r"\s*>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*", rng)
if not m:
    print(f"playwright-core {pinned}: engines.node {rng!r} is not of the form >=X.Y.Z")
    sys.exit(1)
want = tuple(int(x or 0) for x in m.groups())

def parse(v):
    # "v20.20.2", "18.20.4+dfsg-1~deb12u3", "1:20.1.0-1": upstream X.Y.Z
    v = v.split(":", 1)[-1].lstrip("v")
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", v)
    return tuple(int(x or 0) for x in m.groups()) if m else None

bad = 0
for arg in sys.argv[3:]:
    what, _, ver = arg.rpartition(" ") if arg.startswith("node") else arg.partition("=")
    have = parse(ver)
    ok = have is not None and have >= want
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {what} {ver} vs playwright-core {pinned} engines.node {rng}")
sys.exit(1 if bad else 0)
PYEOF
rc=$?
cat "$TMP/check.out"
[ "$rc" = 0 ] || fail "the browser driver does not run on every Node.js the install step can give"
assert_contains "$(cat "$TMP/check.out")" "ok   apt " "at least one apt nodejs version checked"
pass
