#!/bin/sh
# Install, idempotently, every Debian package xennet-xdp needs to build and
# to run its tests and demo.  Quiet and quick when all are present.
set -eu
PKGS="make gcc clang llvm pkg-config libxen-dev libbpf-dev libxdp-dev bpftool
xdp-tools libnl-route-3-dev libjson-c-dev libcmocka-dev libelf-dev zlib1g-dev
iproute2 iputils-ping ncat ethtool coreutils procps xenstore-utils jq libsystemd-dev
mmdebstrap"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
