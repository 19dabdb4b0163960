#!/bin/bash
# A hostile backend: bad ids, sizes past the page, offsets past the page,
# a runaway producer index.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
stat_of() { "$XN" stats "$IFN" | awk -v k="$1" '$1 == k { print $2 }'; }
inw_up() { inw ip addr add $WIRE_IP/24 dev wire0 2>/dev/null; inw ip link set wire0 up; }

# A bad packet (a size or offset past its page) is counted and dropped, as
# the kernel's netfront does, and the queue goes on, however many come.
for kind in bad-size bad-offset; do
	start_sim --tap wire0 --hostile $kind --hostile-every 10 || exit 1
	start_up --netns "$GUEST" --timeout 5
	wait_log "$T/up.log" "connected to backend" || { fail "$kind: connect"; stop_sim; continue; }
	inw_up
	ing ip addr add $GUEST_IP/24 dev $IFN && ing ip link set $IFN up
	# 40 echo requests toward the guest: every 10th frame the backend delivers is corrupted
	inw ping -q -c 40 -i 0.02 -W 1 $GUEST_IP >"$T/ping.out" 2>&1
	inv=$(stat_of rx_invalid)
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/ping.out")
	echo "# $kind: rx_invalid=$inv, $got of 40 echo replies"
	check "$kind: bad packets counted ($inv)" [ "${inv:-0}" -ge 3 ]
	check "$kind: survives and keeps forwarding ($got/40 replies)" eval '[ "${got:-0}" -ge 25 ] && kill -0 $UP_PID'
	inw ping -q -f -c 2000 -W 1 $GUEST_IP >/dev/null 2>&1
	check "$kind: hundreds of bad packets later, still running ($(stat_of rx_invalid) counted)" \
		eval 'kill -0 $UP_PID && [ "$(stat_of rx_invalid)" -ge 100 ]'
	stop_up; rc=$?
	check "$kind: clean exit ($rc)" [ "$rc" = 0 ]
	check "$kind: grants revoked, none reclaimed" [ "$(query grants-active)/$(query grants-reclaimed)" = 0/0 ]
	check "$kind: nothing left behind" no_leftovers
	stop_sim
done

# A broken protocol (a response whose id is not its slot's) ends the
# connection at the first one, as the kernel's netfront gives up its device.
start_sim --tap wire0 --hostile bad-id --hostile-every 10 || exit 1
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "bad-id: connect"
inw_up
ing ip addr add $GUEST_IP/24 dev $IFN 2>/dev/null && ing ip link set $IFN up 2>/dev/null
inw ping -q -c 40 -i 0.02 -W 1 $GUEST_IP >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.05; done
wait "$UP_PID"; rc=$?; UP_PID=
check "bad-id: exit non-zero at the first one ($rc)" [ "$rc" != 0 ]
check "bad-id: one-line diagnostic" grep -q "^$IFN: backend is broken: RX response with a bad id; shutting down$" "$T/up.log"
check "bad-id: grants revoked, none reclaimed" [ "$(query grants-active)/$(query grants-reclaimed)" = 0/0 ]
check "bad-id: both ends closed" [ "$(query frontend-state)" = 6 ]
check "bad-id: nothing left behind" no_leftovers
stop_sim

start_sim --tap wire0 --hostile runaway --hostile-every 1 || exit 1
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "runaway: connect"
inw_up
ing ip addr add $GUEST_IP/24 dev $IFN 2>/dev/null && ing ip link set $IFN up 2>/dev/null  # it may be gone already
inw ping -q -c 3 -i 0.2 -W 1 $GUEST_IP >/dev/null 2>&1
for _ in $(seq 100); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.05; done
wait "$UP_PID"; rc=$?; UP_PID=
check "runaway: exit non-zero ($rc)" [ "$rc" != 0 ]
check "runaway: says why" grep -q "backend is broken: .*runaway producer index" "$T/up.log"
check "runaway: grants revoked" [ "$(query grants-active)/$(query grants-reclaimed)" = 0/0 ]
check "runaway: nothing left behind" no_leftovers
finish
