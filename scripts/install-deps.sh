#!/usr/bin/env bash
# install-deps.sh - install what paperboy needs on Debian 12, as root.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also what the test suite and benchmarks use
# Safe to run again: apt-get skips what is installed.
set -euo pipefail

# libcurl3-gnutls is named although libcurl4-gnutls-dev pulls it in: a
# runtime-only install needs it for the fetch helper, paperboy-fetch.
build_pkgs=(build-essential cmake pkg-config ca-certificates tzdata
  libcurl4-gnutls-dev libcurl3-gnutls libetpan-dev libsqlite3-dev libmicrohttpd-dev
  libexpat1-dev libcjson-dev libinih-dev libsodium-dev libidn2-dev
  libgnutls28-dev libstemmer-dev libopendkim-dev libldns-dev
  libssl-dev)  # libcrypto.pc: the DKIM key cache (dkim_keycache.c)
test_pkgs=(sqlite3 python3 python3-aiosmtpd python3-feedparser postfix wrk
  nginx-light chromium clang libclang-rt-14-dev openssl curl time procps
  psmisc groff-base man-db python3-dkim python3-dnspython dovecot-imapd
  dovecot-pop3d)
# Node.js and npm run the browser test; a machine may already have them from
# elsewhere (Debian's nodejs then conflicts), so install them only if absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    test_pkgs+=(nodejs npm)
fi

# test packages wanted only for their binaries, and the service each
# would otherwise enable
# (Dovecot: tests/integration/73-bounces starts its own on loopback)
declare -A binary_only_services=([nginx-light]=nginx [postfix]=postfix
  [dovecot-imapd]=dovecot [dovecot-pop3d]=dovecot)

# disable_service NAME: not started at boot, by systemd or SysV init, with
# or without a running systemd (a chroot, a container being built)
disable_service() {
    if command -v systemctl >/dev/null; then
        systemctl disable --quiet "$1.service" 2>/dev/null || true
    fi
    if command -v deb-systemd-helper >/dev/null; then
        deb-systemd-helper disable "$1.service" 2>/dev/null || true
    fi
    if command -v update-rc.d >/dev/null && [ -e "/etc/init.d/$1" ]; then
        update-rc.d "$1" disable >/dev/null 2>&1 || true
    fi
}

pkgs=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
    pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages: ${missing[*]} (run as root)" >&2
        exit 1
    fi
    # Postfix, nginx and Dovecot are installed only for their binaries
    # (smtp-sink, smtp-source, nginx run by the benchmarks, dovecot by the
    # bounce test); keep their services from
    # starting while the packages install.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod +x "$policy"
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
    [ "$made_policy" = 1 ] && rm -f "$policy"
    # ...nor leave them enabled for the next boot (nginx on port 80 of a
    # machine that only wanted to run tests).  Only packages this run
    # installed: a service the machine already had is left as it was.
    for m in "${missing[@]}"; do
        svc=${binary_only_services[$m]:-}
        [ -n "$svc" ] && disable_service "$svc"
    done
fi

# The browser driver at exactly the release package-lock.json pins (one
# whose engines accept Debian 12's own Node.js: tests/integration/
# 56-browser-engines checks that); a node_modules left by another release
# is replaced.
if [ "${1:-}" = "--test" ]; then
    want=$(sed -n '/"node_modules\/playwright-core"/,/}/s/.*"version": "\(.*\)".*/\1/p' \
        tests/browser/package-lock.json)
    have=$(sed -n 's/^  "version": "\(.*\)".*/\1/p' \
        tests/browser/node_modules/playwright-core/package.json 2>/dev/null || true)
    if [ "$have" != "$want" ]; then
        (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
