#!/bin/bash
# The set-up check: what the README tells a new user to run, run where
# nothing is installed yet.  A minimal Debian bookworm root (mmdebstrap,
# variant apt: apt, make and git, nothing of the project's) is built once
# from this machine's own apt configuration (copied in at run time, never
# written into the repository) and cached; every run starts from a pristine
# copy of it, puts the working tree there (as a clean clone has it: tracked
# and new files, no build output), and runs `make all && make test-unit`,
# which must install every package they need by themselves.  On the
# Makefile of before this check existed, the first link there had no -l
# flags at all (pkg-config ran before the packages were installed).
#
# Environment: FRESH_CACHE (default .cache/fresh): the cached root and the
# root's own apt archive (so packages are downloaded once, not every run).
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${FRESH_CACHE:-$REPO/.cache/fresh}
ROOT=$CACHE/root
NPASS=0 NFAIL=0
pass() { echo "PASS $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }
say() { echo "# $*"; }

[ "$(id -u)" = 0 ] || { fail "setup: needs root (chroot, mounts)"; exit 1; }
command -v mmdebstrap >/dev/null || { fail "setup: mmdebstrap missing (scripts/install-deps.sh installs it)"; exit 1; }
mkdir -p "$CACHE/archives/partial"
exec 9>"$CACHE/lock"
flock -w 600 9 || { fail "setup: another run holds $CACHE/lock"; exit 1; }

unmount_all() {
	for m in var/cache/apt/archives dev/pts dev proc sys; do
		mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
	done
}
trap unmount_all EXIT

if [ ! -s "$CACHE/root.tar" ]; then
	say "building a minimal bookworm root (once; cached in $CACHE/root.tar)"
	unmount_all
	rm -rf --one-file-system "$ROOT"
	if ! mmdebstrap --quiet --variant=apt --include=make,git,ca-certificates bookworm "$ROOT" \
		/etc/apt/sources.list.d/debian.sources >"$CACHE/mmdebstrap.log" 2>&1; then
		fail "setup: mmdebstrap failed (see $CACHE/mmdebstrap.log)"
		exit 1
	fi
	tar -C "$ROOT" -cf "$CACHE/root.tar.tmp" . && mv "$CACHE/root.tar.tmp" "$CACHE/root.tar"
fi

# a pristine root, this machine's apt configuration, the working tree
unmount_all
rm -rf --one-file-system "$ROOT" && mkdir -p "$ROOT" && tar -C "$ROOT" -xf "$CACHE/root.tar" || {
	fail "setup: can't unpack the cached root"
	exit 1
}
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
cp /etc/apt/sources.list.d/*.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null
cp -n /etc/apt/apt.conf.d/* "$ROOT/etc/apt/apt.conf.d/" 2>/dev/null
# keep what apt downloads there between runs (our own archive, not the host's)
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$ROOT/etc/apt/apt.conf.d/99keep"
mkdir -p "$ROOT/src" "$ROOT/var/cache/apt/archives"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -cf - | tar -C "$ROOT/src" -xf - || { fail "setup: can't copy the tree"; exit 1; }
mount --bind /proc "$ROOT/proc" && mount --bind /sys "$ROOT/sys" &&
	mount --bind /dev "$ROOT/dev" && mount --bind /dev/pts "$ROOT/dev/pts" &&
	mount --bind "$CACHE/archives" "$ROOT/var/cache/apt/archives" || { fail "setup: mounts"; exit 1; }

check_in_root() {   # NAME COMMAND: run COMMAND in the root's /src, log to $CACHE/NAME.log
	local name=$1 cmd=$2 t0=$SECONDS rc
	chroot "$ROOT" bash -c "cd /src && $cmd" >"$CACHE/$name.log" 2>&1; rc=$?
	if [ "$rc" = 0 ]; then
		pass "setup: '$cmd' on a fresh bookworm root ($((SECONDS - t0)) s)"
	else
		fail "setup: '$cmd' on a fresh bookworm root exited $rc"
		grep -E 'undefined reference|error|Error|FAIL' "$CACHE/$name.log" | head -n 15
		tail -n 15 "$CACHE/$name.log"
	fi
	return $rc
}
# nothing of the project's is there before it starts
if chroot "$ROOT" sh -c 'command -v clang || command -v pkg-config || dpkg -s libbpf-dev' >/dev/null 2>&1; then
	fail "setup: the root is not fresh (clang, pkg-config or libbpf-dev already there)"
else
	pass "setup: the root starts without the project's packages"
fi
check_in_root build "make all" &&
	check_in_root unit "make test-unit"
echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"
[ "$NFAIL" = 0 ]
