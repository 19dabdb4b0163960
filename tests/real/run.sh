#!/bin/bash
# The real tier, as tests/run.sh (and so CI) calls it: real Xen 4.17 with
# Linux xen-netback as the backend, under QEMU TCG; see scripts/xen/run.sh.
# Both frontends (kernel xen-netfront as the baseline, then xennet-xdp) when
# XENNET_BIN names an executable (default build/xennet-xdp), else the
# baseline only.  Prints PASS/FAIL lines; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
XENNET_BIN=${XENNET_BIN:-build/xennet-xdp}
if [ -x "$XENNET_BIN" ]; then
	XENNET_BIN=$(realpath "$XENNET_BIN")
	echo "real tier: modes netfront and xennet (XENNET_BIN=$XENNET_BIN)"
	export XENNET_BIN
	exec scripts/xen/run.sh both
fi
echo "real tier: mode netfront only: no xennet-xdp binary at XENNET_BIN=$XENNET_BIN"
exec scripts/xen/run.sh netfront
