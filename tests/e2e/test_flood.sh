#!/bin/bash
# No livelock: a flood toward the guest while the guest's side is slow (a
# tiny UMEM, a CPU hog in the guest's namespace, a receiver that never
# reads) may stall RX for a while, but the datapath sleeps while it cannot
# deliver (no spinning on the ring) and RX recovers by itself as soon as the
# flood stops.  Then the idle instance uses (almost) no CPU.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
stat_of() { "$XN" stats "$IFN" | awk -v k="$1" '$1 == k { print $2 }'; }
# CPU ticks (user + system) of the datapath thread, from /proc
dp_ticks() {
	local t
	for t in /proc/"$UP_PID"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = xennet-q0 ] && awk '{ print $14 + $15 }' "$t/stat" && return
	done
	echo 0
}
pings() { inw ping -c 1 -w "$1" -W 1 $GUEST_IP >/dev/null 2>&1; }

# (the slow side's processes are named by this run's tag)
TAG=xnflood$$
trap 'pkill -f "$TAG"; cleanup' EXIT
# flood_case LABEL [up options...]: the whole case, in one mode
flood_case() {
	local M=$1 RECV HOG S1 S2 full short a b t0 t1 rc
	shift
	start_sim --tap wire0 || return 1
	start_up --netns "$GUEST" --timeout 5 --umem-frames 64 "$@"
	wait_log "$T/up.log" "connected to backend" || fail "${M}connect"
	inw ip addr add $WIRE_IP/24 dev wire0; inw ip link set wire0 up
	ing ip addr add $GUEST_IP/24 dev $IFN; ing ip link set $IFN up
	check "${M}before: ping" pings 10
	# the slow side: a receiver that never reads its socket, and a CPU hog;
	# both named by this run's tag, so that the cleanup finds them whatever
	# process ip-netns-exec leaves in between, and bounded in time anyway
	ing sh -c "ncat -u -l $GUEST_IP 9 | sleep 120; : $TAG" & RECV=$!
	ing timeout 120 sh -c "while :; do :; done; : $TAG" & HOG=$!
	sleep 0.3
	# the flood: two senders at full speed, 1472-byte datagrams
	inw "$TOOLS/udpburst" send $GUEST_IP 9 300000 1472 >"$T/s1" & S1=$!
	inw "$TOOLS/udpburst" send $GUEST_IP 9 300000 1472 >"$T/s2" & S2=$!
	wait $S1 $S2
	full=$(stat_of rx_xsk_full) short=$(stat_of rx_refill_short)
	echo "# flood: $(cat "$T/s1" "$T/s2" | tr '\n' ' '); rx_packets $(stat_of rx_packets), rx_xsk_full $full, rx_refill_short $short"
	# (in zero-copy the same stall shows as no free frame to post on the
	# Xen RX ring)
	check "${M}flood: the XSK side was full at times, or no frame was free to post (the case under test happened)" \
		[ "${full:-0}" -gt 0 -o "${short:-0}" -gt 0 ]
	pkill -f "while :; do :; done; : $TAG"; wait $HOG 2>/dev/null
	check "${M}after the flood: ping answers within 10 s" pings 10
	a=$(stat_of rx_packets)
	pings 5
	b=$(stat_of rx_packets)
	check "${M}after the flood: RX moves ($a -> $b)" [ "$b" -gt "$a" ]
	# idle now (the receiver still holds what it never read): the datapath
	# thread sleeps; a spinning one would use ~200 ticks in these 2 s
	t0=$(dp_ticks); sleep 2; t1=$(dp_ticks)
	echo "# datapath thread: $((t1 - t0)) ticks of CPU in 2 s after the flood"
	check "${M}after the flood: the datapath does not spin ($((t1 - t0)) ticks in 2 s)" [ $((t1 - t0)) -le 20 ]
	pkill -f "$TAG"; wait $RECV 2>/dev/null
	check "${M}the receiver gone: ping still answers" pings 5
	stop_up; rc=$?
	check "${M}clean exit ($rc), zero grants" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
	stop_sim
	check "${M}nothing left behind" no_leftovers
}

flood_case "" || exit 1
# zero-copy: the same stall shows as no free UMEM frame to post on the Xen
# RX ring; the datapath once spun on the free slots it could not fill
flood_case "zero-copy: " --zerocopy --trust-backend || exit 1
finish
