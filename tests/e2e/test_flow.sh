#!/bin/bash
# Event-channel flow control under load: with the simulator's generator
# filling every RX buffer the frontend posts, RX must keep moving.  A lost
# wakeup on either side of the ring (a stale req_event or rsp_event, a
# blocking evtchn read) shows as a window in which nothing at all arrives;
# such stalls lasted 1-3 s before they were fixed, so a 250 ms window is
# far from the noise.  Both poll modes.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1

for mode in interrupt busy; do
	start_sim --gen-size 64 || exit 1
	start_up --netns "$GUEST" --poll "$mode" --timeout 2
	check "$mode: connects" wait_log "$T/up.log" "connected to backend"
	ing ip link set "$IFN" up
	sleep 0.5
	prev=$("$XN" stats "$IFN" | awk '$1 == "rx_packets" { print $2 }')
	stalls=0 total=0
	for _ in $(seq 12); do
		sleep 0.25
		now=$("$XN" stats "$IFN" | awk '$1 == "rx_packets" { print $2 }')
		[ "$now" -gt "$prev" ] || stalls=$((stalls + 1))
		total=$((total + now - prev))
		prev=$now
	done
	echo "# $mode: $total frames in 3 s of 250 ms windows, $stalls window(s) with none"
	check "$mode: RX moves in every 250 ms window" [ "$stalls" = 0 ]
	# (--timeout 2 is shorter than the sampling above: each new wait must
	# get the whole timeout, not what is left of the first connect's)
	# the backend goes away and comes back three times under the flood: the
	# frontend lets go, connects again, and RX moves again each time (UMEM
	# frames still in flight from the old connection must come home, not
	# be handed out twice or overflow the pool: ASan watches this)
	for r in 1 2 3; do
		kill -USR1 "$SIM_PID"
		for _ in $(seq 100); do
			[ "$(grep -c 'connected to backend' "$T/up.log")" -gt $r ] && break
			sleep 0.05
		done
		sleep 0.3
		a=$("$XN" stats "$IFN" | awk '$1 == "rx_packets" { print $2 }')
		sleep 0.25
		b=$("$XN" stats "$IFN" | awk '$1 == "rx_packets" { print $2 }')
		check "$mode: backend restart $r: reconnected, RX moves again" \
			eval '[ "$(grep -c "connected to backend" "$T/up.log")" -gt $r ] && [ "$b" -gt "$a" ]'
	done
	check "$mode: no invalid responses" [ "$("$XN" stats "$IFN" | awk '$1 == "rx_invalid" { print $2 }')" = 0 ]
	stop_up; rc=$?
	check "$mode: clean exit ($rc)" [ "$rc" = 0 ]
	check "$mode: zero grants after" [ "$(query grants-active)" = 0 ]
	stop_sim
	check "$mode: nothing left behind" no_leftovers
done
finish
