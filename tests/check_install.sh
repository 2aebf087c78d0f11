#!/bin/bash
# SPDX-License-Identifier: MIT
# check_install.sh BUILD_DIR: `cmake --install` into a temporary prefix puts
# the program, its fetch helper, both man pages and the example config where GNUInstallDirs
# says, and man finds the installed pages by name.
set -u
build=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! cmake --install "$build" --prefix "$tmp/usr" >"$tmp/log" 2>&1; then
    echo "FAIL: cmake --install"; cat "$tmp/log"; exit 1
fi
rc=0
for f in bin/paperboy libexec/paperboy/paperboy-fetch share/man/man8/paperboy.8 share/man/man5/paperboy.ini.5 \
         share/doc/paperboy/config.example.ini share/paperboy/web/templates; do
    [ -e "$tmp/usr/$f" ] || { echo "FAIL: $f not installed"; rc=1; }
done
for page in 8:paperboy 5:paperboy.ini; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -M "$tmp/usr/share/man" "${page%%:*}" "${page#*:}" 2>&1)
    case $out in
    *"${page#*:} - "* | *"${page#*:} "*"- "*) ;;
    *) echo "FAIL: man -M PREFIX/share/man ${page%%:*} ${page#*:}:"; echo "$out" | head -5; rc=1 ;;
    esac
done
[ $rc -eq 0 ] && echo "ok: installed and found by man"
exit $rc
