#!/bin/bash
# xennet-xdp down: stops a running instance; after a crash (SIGKILL) it
# removes the veth, the pins and the run files, and closes the frontend
# state the dead instance left Connected.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
start_sim --tap wire0 || exit 1

start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect"
check "down: stops a running instance" "$XN" down --ifname $IFN
wait "$UP_PID"; rc=$?; UP_PID=
check "down: the instance exited 0 ($rc)" [ "$rc" = 0 ]
check "down: both ends Closed" [ "$(query frontend-state)/$(query backend-state)" = 6/6 ]
check "down: nothing left behind" no_leftovers

start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect again"
kill -KILL "$UP_PID"; wait "$UP_PID" 2>/dev/null; UP_PID=
check "crash: the peer veth is left behind" ip link show "$IFN-p"
check "crash: the run file is left behind" [ -e /run/xennet/$IFN.state ]
check "crash: frontend state still Connected" [ "$(query frontend-state)" = 4 ]
"$XN" up --sim "$SOCK" --netns "$GUEST" --timeout 2 >"$T/out" 2>&1; rc=$?
check "crash: a new up refuses the leftovers with one line ($rc)" eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/out")" = 1 ]'
"$XN" down --ifname $IFN >"$T/out" 2>&1; rc=$?
cat "$T/out"
check "crash: down cleans up (exit $rc)" [ "$rc" = 0 ]
check "crash: frontend and backend Closed" [ "$(query frontend-state)/$(query backend-state)" = 6/6 ]
check "crash: the simulator reclaimed the dead guest's grants" [ "$(query grants-active)" = 0 ]
check "crash: nothing left behind" no_leftovers
start_up --netns "$GUEST" --timeout 5
check "crash: up works again afterwards" wait_log "$T/up.log" "connected to backend"
stop_up
check "crash: and stops cleanly" [ "$(query grants-active)/$(query grants-reclaimed)" = 0/0 ]
finish
