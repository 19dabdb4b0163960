#!/bin/sh
# Install, idempotently, every Debian package xennet-xdp needs to build and
# to run its tests and demo.  Quiet and quick when all are present.
#   --check-build: only say which packages building the installed files
#                  needs and are missing (exit 1 if any); never apt-get.
set -eu
# what building xennet-xdp, its filters, man pages and completion needs
# (debian/control's Build-Depends say the same)
BUILD="make gcc clang llvm pkg-config libxen-dev libbpf-dev libxdp-dev bpftool
libnl-route-3-dev libjson-c-dev libelf-dev zlib1g-dev libsystemd-dev scdoc"
# ...and what the tests, the demo, the benchmark (perf: its syscall
# counts) and the package check need besides
TEST="xdp-tools libcmocka-dev libclang-rt-14-dev iproute2 iputils-ping ncat ethtool coreutils procps
xenstore-utils jq mmdebstrap dpkg-dev debhelper fakeroot lintian man-db systemd linux-perf"
PKGS="$BUILD $TEST"
[ "${1:-}" = --check-build ] && PKGS=$BUILD
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "${1:-}" = --check-build ]; then
	echo "install-deps: building xennet-xdp needs these Debian packages, missing here:$missing" >&2
	echo "install-deps: apt-get install$missing (or make deps)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
