#!/bin/bash
# The systemd unit xennet-xdp@.service as make writes it, here with this
# tree's program in ExecStart= (systemd-analyze checks that it is there):
#   - systemd-analyze verify finds nothing to say, its Documentation= man
#     page (this tree's) included;
#   - ExecStart='s command line is one xennet-xdp up takes;
#   - the directives the service depends on are there (Type=notify ...);
#   - systemd-analyze security --offline rates its exposure OK or better.
# Prints PASS/FAIL lines; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
B=${XENNET_BUILD:-build}
NPASS=0 NFAIL=0
pass() { echo "PASS $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
T=$(mktemp -d /tmp/xennet-unit.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! command -v systemd-analyze >/dev/null || [ ! -x "$B/xennet-xdp" ]; then
	fail "systemd: no systemd-analyze or no $B/xennet-xdp (make deps; make)"
	exit 1
fi
U=$T/b/systemd/xennet-xdp@.service
make -s B="$T/b" SBINDIR="$PWD/$B" SYSCONFDIR=/etc "$U" >"$T/make.log" 2>&1 ||
	{ fail "systemd: make could not write the unit"; cat "$T/make.log"; exit 1; }
mkdir -p "$T/man/man8" && cp "$B/man/xennet-xdp.8" "$T/man/man8/"
MANPATH=$T/man systemd-analyze verify "$U" >"$T/verify" 2>&1; rc=$?
check "systemd: systemd-analyze verify xennet-xdp@.service: exit 0, nothing said" \
	eval '[ $rc = 0 ] && [ ! -s "$T/verify" ]' || sed 's/^/  /' "$T/verify"

exec_start=$(sed -n 's/^ExecStart=//p' "$U")
check "systemd: ExecStart= is $PWD/$B/xennet-xdp up --config /etc/xennet-xdp/%i.conf --ifname %i" \
	[ "$exec_start" = "$PWD/$B/xennet-xdp up --config /etc/xennet-xdp/%i.conf --ifname %i" ]
# the same words with an instance's name: up takes them (it fails on the
# config file it can't read, not on its command line)
# (a name and a run directory of its own: never a live instance's)
"$B/xennet-xdp" --run-dir "$T/run" up --config "$T/none.conf" --ifname "xnsd$$" >"$T/out" 2>&1; rc=$?
check "systemd: up takes ExecStart='s options (exit 2 on the missing file, not on an option)" \
	eval '[ $rc = 2 ] && grep -q "can.t use the config file $T/none.conf" "$T/out"' || cat "$T/out"

for d in Type=notify NotifyAccess=main Restart=on-failure RestartPreventExitStatus=2 KillMode=process \
	ConditionVirtualization=xen RuntimeDirectory=xennet RuntimeDirectoryPreserve=yes; do
	check "systemd: the unit says $d" grep -qx "$d" "$U"
done
check "systemd: the interface is made before the network is set up (Wants=, Before=network-pre.target)" \
	eval 'grep -qx "Wants=network-pre.target" "$U" && grep -Eq "^Before=(.* )?network-pre.target( |\$)" "$U"'

systemd-analyze security --offline=true "$U" >"$T/security" 2>&1
level=$(sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$T/security")
echo "# systemd-analyze security: exposure $level (0 safe .. 10 unsafe)"
check "systemd: exposure $level, OK or better (below 5.0)" \
	eval '[ -n "$level" ] && awk -v l="$level" "BEGIN { exit !(l < 5.0) }"' || tail -3 "$T/security"
echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"
[ "$NFAIL" = 0 ]
