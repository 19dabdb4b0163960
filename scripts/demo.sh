#!/bin/bash
# make demo: a userspace Xen netfront carrying traffic through the
# simulated backend, in namespaces this script makes and removes.
set -u
cd "$(dirname "$0")/.."
B=${XENNET_BUILD:-build}
XN=$PWD/$B/xennet-xdp SB=$PWD/$B/xennet-simback
T=$(mktemp -d /tmp/xennet-demo.XXXXXX)
# its own names and run directory: a guest's real xennet0 is never touched
TAG=${XENNET_DEMO_TAG:-$$}
WIRE=xndemo-w$TAG GUEST=xndemo-g$TAG
IFN=${XENNET_DEMO_IFNAME:-xndemo0}
export XENNET_RUN_DIR=$T/run
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
	[ -n "${UP:-}" ] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
	[ -n "${SIM:-}" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	"$XN" down --ifname "$IFN" >/dev/null 2>&1
	ip netns del $WIRE 2>/dev/null; ip netns del $GUEST 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it makes network namespaces)"; exit 1; }
ip netns del $WIRE 2>/dev/null; ip netns del $GUEST 2>/dev/null
ip netns add $WIRE && ip netns add $GUEST || exit 1

say "the simulated backend (xennet-simback) plays Xen: XenStore, grants, event channels, netback"
ip netns exec $WIRE "$SB" --socket "$T/sim.sock" --tap wire0 >"$T/sim.log" 2>&1 & SIM=$!
for _ in $(seq 100); do [ -S "$T/sim.sock" ] && break; sleep 0.05; done
cat "$T/sim.log"
export XENSTORED_PATH=$T/sim.sock
echo "XenStore before the frontend starts (the toolstack's nodes):"
xenstore-ls -f /local/domain/1/device/vif/0 | sed 's/^/  /'

say "xennet-xdp up: the xenbus handshake (diagnostics as xennet(4) prints them)"
"$XN" up --sim "$T/sim.sock" --ifname "$IFN" --netns $GUEST > >(sed 's/^/  /') 2>&1 & UP=$!
for _ in $(seq 100); do ip netns exec $GUEST ip link show $IFN >/dev/null 2>&1 && "$XN" stats $IFN >/dev/null 2>&1 && break; sleep 0.1; done
sleep 1
echo "XenStore after: the keys the frontend wrote, and both states (4 = Connected):"
xenstore-ls -f /local/domain/1/device/vif/0 | sed 's/^/  /'
echo "  backend state = $(xenstore-read /local/domain/0/backend/vif/1/0/state)"

say "addresses: $IFN 198.18.0.2 in the guest namespace, the wire 198.18.0.1"
ip netns exec $WIRE ip addr add 198.18.0.1/24 dev wire0
ip netns exec $GUEST ip addr add 198.18.0.2/24 dev $IFN
ip netns exec $GUEST ip link set $IFN up
ip netns exec $GUEST ip -br link show $IFN | sed 's/^/  /'

say "ping: guest -> backend wire, and back"
ip netns exec $GUEST ping -c 3 -i 0.2 198.18.0.1 | sed 's/^/  /'
ip netns exec $WIRE ping -c 3 -i 0.2 198.18.0.2 | sed 's/^/  /'

say "xennet-xdp status: what this instance is connected to, and how"
"$XN" status $IFN | sed 's/^/  /'

say "a filter: deny UDP port 7001 to the guest (bpf/filters/xennet_port_deny)"
"$XN" filter attach $IFN "$B/filters/xennet_port_deny.bpf.o" | sed 's/^/  /'
"$XN" filter rule $IFN port add 7001/udp
"$XN" filter rule $IFN port list | sed 's/^/  /'
ip netns exec $WIRE sh -c 'for p in 7001 7002; do echo hello | ncat -u -w1 198.18.0.2 $p; done' 2>/dev/null
sleep 0.3
"$XN" stats $IFN | grep '^filter xennet_port_deny' | sed 's/^/  /'
"$XN" filter detach $IFN --prog xennet_port_deny | sed 's/^/  /'

say "counters: xennet-xdp stats, and the built-in XDP program's map through bpftool"
"$XN" stats $IFN | grep -E '^(rx|tx)_(packets|bytes|invalid)|$IFN' | sed 's/^/  /'
if [ -e /sys/fs/bpf/xennet/$IFN ]; then
	for m in /sys/fs/bpf/xennet/$IFN/*stats*; do
		echo "  bpftool map dump pinned $m:"; bpftool map dump pinned "$m" 2>&1 | head -20 | sed 's/^/    /'
	done
fi
echo "  simulated backend:"; "$SB" query --socket "$T/sim.sock" | grep -E 'packets|grants|state' | sed 's/^/    /'

say "shutdown: SIGTERM -> Closing -> Closed, every grant revoked"
kill -TERM $UP; wait $UP; UP=
"$SB" query --socket "$T/sim.sock" | grep -E 'grants-active|state' | sed 's/^/  /'
echo; echo "demo done."
