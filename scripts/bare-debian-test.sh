#!/usr/bin/env bash
# bare-debian-test.sh - run scripts/test.sh the way a new user's machine
# meets it: in a fresh minbase Debian 12 root (debootstrap) with only git
# and ca-certificates added, on a clone of this repository's HEAD (commit
# first: uncommitted changes are not in the clone).  Afterwards it checks
# that the install step left no service enabled that the tests only wanted
# for its binaries (nginx, postfix).
#
# This is what CI cannot show: a CI machine may carry tools from elsewhere
# (a newer Node.js) that hide a missing or too-old install.  It needs root,
# debootstrap and the network to Debian's archive and the npm registry, and
# takes 15-25 minutes on 2 cores, so it is run by hand before a release or
# after changing scripts/install-deps.sh, not by .ci/run.
#
# Usage: scripts/bare-debian-test.sh [--keep] [DIR] [-- TEST_SH_ARGS...]
#   DIR      where the root is made (default /var/tmp/paperboy-bare); it
#            must not exist yet
#   --keep   leave the root in place afterwards (to look around in it)
#   e.g.     scripts/bare-debian-test.sh -- --quick
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

keep=0
root=/var/tmp/paperboy-bare
args=()
while [ $# -gt 0 ]; do
    case $1 in
    --keep) keep=1 ;;
    --) shift; args=("$@"); break ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bare-debian-test: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) root=$1 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "bare-debian-test: run as root" >&2; exit 1; }
command -v debootstrap >/dev/null || {
    echo "bare-debian-test: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
[ ! -e "$root" ] || { echo "bare-debian-test: '$root' exists; remove it or name another" >&2; exit 1; }

mounts=()
cleanup() {
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount -l "${mounts[$i]}" 2>/dev/null || true
    done
    if [ "$keep" = 1 ]; then
        echo "bare-debian-test: root kept in $root"
    else
        rm -rf --one-file-system "$root"
    fi
}
trap cleanup EXIT

echo "== debootstrap --variant=minbase bookworm $root (git, ca-certificates)"
debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" >"$root.log" 2>&1 ||
    { tail -20 "$root.log"; exit 1; }
rm -f "$root.log"
for m in proc sys dev dev/pts; do
    mount --bind "/$m" "$root/$m"
    mounts+=("$root/$m")
done
mount -t tmpfs tmpfs "$root/dev/shm" && mounts+=("$root/dev/shm")
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The host's own certificate authorities (a TLS-inspecting proxy's, say)
# come along, so that the root reaches the registries as the host does;
# a real bare machine has no need of them.
extra_env=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null 2>&1
    extra_env=(NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi

echo "== clone of $(git rev-parse --short HEAD) into $root/root/paperboy"
git clone -q "$src" "$root/root/paperboy"
if [ -d "$src/../shared" ]; then
    cp -r "$src/../shared" "$root/root/shared"
fi

echo "== scripts/test.sh ${args[*]:-} inside the bare root"
rc=0
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${extra_env[@]}" \
    bash -c 'cd /root/paperboy && scripts/test.sh "$@"' test.sh "${args[@]}" || rc=$?
echo "== node in the bare root: $(chroot "$root" node --version 2>&1 || true)"

echo "== services left enabled by the install step"
left=$(find "$root/etc/systemd/system" -name 'nginx.service' -o -name 'postfix*.service' \
    2>/dev/null | grep '\.wants/' || true)
left+=$(find "$root"/etc/rc[2-5].d -name 'S*nginx' -o -name 'S*postfix' 2>/dev/null || true)
if [ -n "$left" ]; then
    echo "enabled: $left"
    rc=1
else
    echo "none"
fi
[ "$rc" = 0 ] && echo "== bare Debian 12: passed" || echo "== bare Debian 12: FAILED"
exit "$rc"
