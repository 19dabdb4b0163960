#!/bin/bash
# The real tier, as tests/run.sh (and so CI) calls it: real Xen 4.17 with
# Linux xen-netback as the backend, under QEMU TCG; see scripts/xen/run.sh.
# One boot: the kernel's xen-netfront (the baseline), then xennet-xdp taking
# the vif over from it, side by side, when XENNET_BIN names an executable
# (default build/xennet-xdp); else the baseline only.  Prints PASS/FAIL
# lines; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
XENNET_BIN=${XENNET_BIN:-build/xennet-xdp}
if [ -x "$XENNET_BIN" ]; then
	XENNET_BIN=$(realpath "$XENNET_BIN")
	echo "real tier: the kernel's xen-netfront and xennet-xdp (XENNET_BIN=$XENNET_BIN)"
	export XENNET_BIN
	exec scripts/xen/run.sh both
fi
echo "real tier: the kernel's xen-netfront only: no xennet-xdp binary at XENNET_BIN=$XENNET_BIN"
exec scripts/xen/run.sh netfront
