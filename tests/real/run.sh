#!/bin/bash
# The real tier, as tests/run.sh (and so CI) calls it: real Xen 4.17 with
# Linux xen-netback as the backend, under QEMU TCG; see scripts/xen/run.sh.
# One boot: the kernel's xen-netfront (the baseline), then xennet-xdp taking
# the vif over from it, side by side.  xennet-xdp is this tree's .deb
# (scripts/mkdeb.sh), installed in the domU with dpkg, unless XENNET_DEB
# names another .deb or XENNET_BIN a binary to copy in instead.  Prints
# PASS/FAIL lines; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
what="this tree's .deb"
[ -n "${XENNET_DEB:-}" ] && what="XENNET_DEB=$XENNET_DEB"
[ -n "${XENNET_BIN:-}" ] && what="XENNET_BIN=$XENNET_BIN"
echo "real tier: the kernel's xen-netfront and xennet-xdp ($what)"
exec scripts/xen/run.sh both
