#!/bin/bash
# make bench: packets per second through xennet-xdp and the simulated
# backend, each beside the same run's raw AF_XDP rate on a plain veth pair.
#   RX (backend -> guest): xennet-simback --gen-size fills every RX buffer;
#      xennet-xdp copies into UMEM and sends on the XSK; rate = frames posted.
#      raw: xskbench blasts the same frames from an XSK on a plain veth.
#   TX (guest -> backend): xskbench blasts frames out of xennet0; our XDP
#      program redirects them into xennet-xdp's XSK, which puts them on the
#      Xen TX ring; rate = frames the backend took.
#      raw: xskbench blasts into a plain veth whose far end redirects into
#      a second xskbench's XSK (both ends AF_XDP).
# Frames are for another host's MAC, so the stacks drop them early.
# sys/pkt: the datapath's own syscalls per packet (XSK TX kicks, event
# channel notifies, poll wakeups, as it counts them; busy mode's fill-ring
# wakeups are not counted): the hot path must stay far below 1.
set -u
cd "$(dirname "$0")/.."
B=${XENNET_BUILD:-build}
XN=$PWD/$B/xennet-xdp SB=$PWD/$B/xennet-simback XB=$PWD/$B/tests/tools/xskbench
SECS=${BENCH_SECS:-3}
T=$(mktemp -d /tmp/xennet-bench.XXXXXX)
NS=xnbench$$ RAW=xnbraw$$
cleanup() {
	[ -n "${UP:-}" ] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
	[ -n "${SIM:-}" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	"$XN" down --ifname xennet0 >/dev/null 2>&1
	ip netns del $NS 2>/dev/null; ip netns del $RAW 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
ip netns add $NS && ip netns add $RAW || exit 1
ip -n $RAW link add rA type veth peer name rB && ip -n $RAW link set rA up && ip -n $RAW link set rB up || exit 1

# snap DIR: "PACKETS SYSCALLS" now: the packets counted for DIR (rx: what
# xennet-xdp delivered; tx: what the backend took) and the syscalls the
# datapath counted (XSK kicks, event-channel notifies, poll wakeups)
snap() {
	local p
	if [ "$1" = rx ]; then
		p=$("$XN" stats xennet0 | awk '$1 == "rx_packets" { print $2 }')
	else
		p=$("$SB" query --socket "$T/sim.sock" | sed -n 's/^tx-packets=//p')
	fi
	"$XN" stats xennet0 | awk -v p="$p" '$1 == "rx_kicks" || $1 == "notifies" || $1 == "wakeups" { s += $2 }
		END { print p, s }'
}
# measure DIR: "PPS SYSCALLS_PER_PACKET" over SECS
measure() {
	local a b t0 t1
	a=$(snap "$1"); t0=$(date +%s.%N); sleep "$SECS"; b=$(snap "$1"); t1=$(date +%s.%N)
	awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" 'BEGIN { split(a, x); split(b, y)
		n = y[1] - x[1]; printf "%.0f %.4f", n / (t1 - t0), (n > 0 ? (y[2] - x[2]) / n : 0) }'
}

ours() {   # ours DIR SIZE MODE
	local dir=$1 size=$2 mode=$3 gen=() pps
	[ "$dir" = rx ] && gen=(--gen-size "$size")
	"$SB" --socket "$T/sim.sock" "${gen[@]}" >"$T/sim.log" 2>&1 & SIM=$!
	for _ in $(seq 100); do [ -S "$T/sim.sock" ] && break; sleep 0.05; done
	"$XN" up --sim "$T/sim.sock" --netns $NS --poll "$mode" >"$T/up.log" 2>&1 & UP=$!
	for _ in $(seq 100); do grep -q "connected to backend" "$T/up.log" && break; sleep 0.1; done
	ip -n $NS link set xennet0 up
	if [ "$dir" = rx ]; then
		sleep 0.5
		pps=$(measure rx)
	else
		ip netns exec $NS "$XB" tx xennet0 "$size" $((SECS + 2)) >/dev/null & local gen_pid=$!
		sleep 1
		pps=$(measure tx)
		wait $gen_pid
	fi
	kill "$UP"; wait "$UP"; UP=
	kill "$SIM"; wait "$SIM" 2>/dev/null; SIM=
	echo "$pps"
}

raw() {    # raw DIR SIZE
	if [ "$1" = rx ]; then
		ip netns exec $RAW "$XB" tx rA "$2" "$SECS" | sed -n 's/^pps //p'
	else
		ip netns exec $RAW "$XB" rx rB $((SECS + 1)) >"$T/rawrx" & local r=$!
		sleep 0.5
		ip netns exec $RAW "$XB" tx rA "$2" $((SECS + 1)) >/dev/null
		wait $r
		sed -n 's/^pps //p' "$T/rawrx"
	fi
}

printf '%-34s %12s %12s %7s %9s\n' "path" "xennet-xdp" "raw AF_XDP" "ratio" "sys/pkt"
for dir in rx tx; do
	for size in 64 1500; do
		base=$(raw $dir $size)
		for mode in interrupt busy; do
			read -r got spp <<<"$(ours $dir $size $mode)"
			label="$dir $( [ $dir = rx ] && echo backend-\>guest || echo guest-\>backend ) ${size}B $mode"
			awk -v l="$label" -v g="$got" -v b="$base" -v s="$spp" 'BEGIN {
				printf "%-34s %7.3f Mpps %7.3f Mpps %7.2f %9.4f\n", l, g / 1e6, b / 1e6, (b > 0 ? g / b : 0), s }'
		done
	done
done
