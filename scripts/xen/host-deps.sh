#!/bin/bash
# Install, idempotently, what the host needs to boot real Xen under emulation:
# QEMU 10 from bookworm-backports (bookworm's QEMU 7.2 is too old for a
# multi-threaded TCG boot of Xen that is quick enough) and cpio.
# Quiet and instant when they are already there.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

qemu_ok() {
	command -v qemu-system-x86_64 >/dev/null 2>&1 || return 1
	# "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)"
	local v
	v=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([0-9]*\)\..*/\1/p')
	[ "${v:-0}" -ge 10 ]
}

if qemu_ok && command -v cpio >/dev/null && command -v xz >/dev/null; then
	exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to install qemu-system-x86 and cpio"
apt_setup
say "installing qemu-system-x86 (bookworm-backports), cpio, xz-utils"
DEBIAN_FRONTEND=noninteractive apt_private -y -qq -t bookworm-backports \
	install --no-install-recommends qemu-system-x86 cpio xz-utils >/dev/null ||
	die "apt-get install failed"
qemu_ok || die "qemu-system-x86_64 >= 10 still missing after install"
