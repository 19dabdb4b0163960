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

start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5 --umem-frames 64
wait_log "$T/up.log" "connected to backend" || fail "connect"
inw ip addr add $WIRE_IP/24 dev wire0; inw ip link set wire0 up
ing ip addr add $GUEST_IP/24 dev $IFN; ing ip link set $IFN up
check "before: ping" pings 10
# the slow side: a receiver that never reads its socket, and a CPU hog;
# both named by this run's tag, so that the cleanup finds them whatever
# process ip-netns-exec leaves in between, and bounded in time anyway
TAG=xnflood$$
ing sh -c "ncat -u -l $GUEST_IP 9 | sleep 120; : $TAG" & RECV=$!
ing timeout 120 sh -c "while :; do :; done; : $TAG" & HOG=$!
trap 'pkill -f "$TAG"; cleanup' EXIT
sleep 0.3
# the flood: two senders at full speed, 1472-byte datagrams
inw "$TOOLS/udpburst" send $GUEST_IP 9 300000 1472 >"$T/s1" & S1=$!
inw "$TOOLS/udpburst" send $GUEST_IP 9 300000 1472 >"$T/s2" & S2=$!
wait $S1 $S2
full=$(stat_of rx_xsk_full)
echo "# flood: $(cat "$T/s1" "$T/s2" | tr '\n' ' '); rx_packets $(stat_of rx_packets), rx_xsk_full $full"
check "flood: the XSK side was full at times (the case under test happened)" [ "${full:-0}" -gt 0 ]
pkill -f "while :; do :; done; : $TAG"; wait $HOG 2>/dev/null
check "after the flood: ping answers within 10 s" pings 10
a=$(stat_of rx_packets)
pings 5
b=$(stat_of rx_packets)
check "after the flood: RX moves ($a -> $b)" [ "$b" -gt "$a" ]
# idle now (the receiver still holds what it never read): the datapath
# thread sleeps; a spinning one would use ~200 ticks in these 2 s
t0=$(dp_ticks); sleep 2; t1=$(dp_ticks)
echo "# datapath thread: $((t1 - t0)) ticks of CPU in 2 s after the flood"
check "after the flood: the datapath does not spin ($((t1 - t0)) ticks in 2 s)" [ $((t1 - t0)) -le 20 ]
pkill -f "$TAG"; wait $RECV 2>/dev/null
check "the receiver gone: ping still answers" pings 5
stop_up; rc=$?
check "clean exit ($rc), zero grants" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim
check "nothing left behind" no_leftovers
finish
