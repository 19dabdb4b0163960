#!/bin/bash
# One instance per name and per vif, owned by a lock for the life of the
# process: `down` stops only the lock's holder (never a pid that was reused),
# clears what a killed instance left, and ends an instance that will not
# stop; a new `up` after a crash clears the leftovers itself.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
start_sim --tap wire0 || exit 1
lock_holder() {   # the pid holding RUN_DIR/NAME.lock, from /proc/locks
	local ino
	ino=$(stat -c %i "$XENNET_RUN_DIR/$1.lock" 2>/dev/null) || return 0
	awk -v i="$ino" '$2 == "FLOCK" && $4 == "WRITE" { split($6, a, ":"); if (a[3] == i) print $5 }' /proc/locks
}

# 1. down stops a running instance
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect"
GRANTS=$(query grants-active)   # one instance's: its rings and buffers
echo "# one instance holds $GRANTS grants"
check "lock: the instance holds its name's lock" [ "$(lock_holder "$IFN")" = "$UP_PID" ]
check "down: stops a running instance" "$XN" down --ifname $IFN
wait "$UP_PID"; rc=$?; UP_PID=
check "down: the instance exited 0 ($rc)" [ "$rc" = 0 ]
check "down: both ends Closed" [ "$(query frontend-state)/$(query backend-state)" = 6/6 ]
check "down: nothing left behind" no_leftovers

# 2. two instances racing for one name, or one vif: the second fails in one
#    line, the first is untouched
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect for the race"
"$XN" up --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 3 >"$T/out" 2>&1; rc=$?
check "same name: the second up exits 1 ($rc)" [ "$rc" = 1 ]
check "same name: says it is already running, in one line" \
	eval '[ "$(wc -l <"$T/out")" = 1 ] && grep -q "already running as pid $UP_PID" "$T/out"'
"$XN" up --sim "$SOCK" --ifname "${IFN}b" --timeout 3 >"$T/out" 2>&1; rc=$?
check "same vif, another name: the second up exits 1 ($rc)" [ "$rc" = 1 ]
check "same vif: says the vif is taken, in one line" \
	eval '[ "$(wc -l <"$T/out")" = 1 ] && grep -q "vif 0 is already driven by xennet-xdp (pid $UP_PID)" "$T/out"'
check "race: the first instance is untouched (running, Connected, $GRANTS grants, its files)" \
	eval 'kill -0 $UP_PID && [ "$(query frontend-state)/$(query grants-active)" = 4/$GRANTS ] &&
	      [ -e "$XENNET_RUN_DIR/$IFN.state" ] && "$XN" stats "$IFN" >/dev/null &&
	      ip link show "$IFN-p" >/dev/null 2>&1 && ! ip link show "${IFN}b-p" >/dev/null 2>&1'

# 3. kill -9: leftovers, and a pid that another process may reuse
kill -KILL "$UP_PID"; wait "$UP_PID" 2>/dev/null; UP_PID=
check "crash: the lock died with the process" [ -z "$(lock_holder "$IFN")" ]
check "crash: the peer veth is left behind" ip link show "$IFN-p"
check "crash: the run file is left behind" [ -e "$XENNET_RUN_DIR/$IFN.state" ]
check "crash: frontend state still Connected" [ "$(query frontend-state)" = 4 ]
# the pid in the state file now names an unrelated live process (a reused pid)
sleep 600 & innocent=$!
sed -i "s/^pid=.*/pid=$innocent/" "$XENNET_RUN_DIR/$IFN.state"
"$XN" down --ifname $IFN >"$T/out" 2>&1; rc=$?
cat "$T/out"
check "pid reuse: down never signals a process that holds no lock" kill -0 $innocent
kill $innocent; wait $innocent 2>/dev/null
check "crash: down cleans up (exit $rc)" [ "$rc" = 0 ]
check "crash: frontend and backend Closed" [ "$(query frontend-state)/$(query backend-state)" = 6/6 ]
check "crash: the simulator reclaimed the dead guest's grants" [ "$(query grants-active)" = 0 ]
check "crash: nothing left behind" no_leftovers

# 4. after a crash a new up needs no down: it clears what was left and connects
#    (what systemd's Restart=on-failure relies on)
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect before the second crash"
kill -KILL "$UP_PID"; wait "$UP_PID" 2>/dev/null; UP_PID=
start_up --netns "$GUEST" --timeout 5
check "restart after crash: up connects by itself" wait_log "$T/up.log" "connected to backend"
check "restart after crash: says it removed the leftovers" grep -q "^$IFN: removed what a stopped instance left behind" "$T/up.log"
check "restart after crash: grants are the new instance's only ($GRANTS)" [ "$(query grants-active)" = "$GRANTS" ]
stop_up; rc=$?
check "restart after crash: stops cleanly ($rc)" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'

# 5. an instance that does not stop (stopped with SIGSTOP: its signal handling
#    never runs): status stops calling it Connected, and down ends it anyway
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "connect before SIGSTOP"
kill -STOP "$UP_PID"
sleep 7   # past the 5 s heartbeat age the control thread can no longer renew
"$XN" status "$IFN" >"$T/status" 2>&1
cat "$T/status"
check "stuck: status no longer shows it Connected" eval '! grep -q Connected "$T/status" && grep -q unresponsive "$T/status"'
"$XN" down --ifname $IFN -w 2 >"$T/out" 2>&1; rc=$?
cat "$T/out"
wait "$UP_PID" 2>/dev/null; UP_PID=
check "stuck: down -w 2 ends it (exit $rc) after a SIGKILL, saying so" \
	eval '[ "$rc" = 0 ] && grep -q "did not stop within 2 s; killing it" "$T/out"'
check "stuck: the frontend is Closed and the grants reclaimed" \
	[ "$(query frontend-state)/$(query grants-active)" = 6/0 ]
check "stuck: nothing left behind" no_leftovers

# 6. down with nothing there
"$XN" down --ifname "$IFN" >"$T/out" 2>&1; rc=$?
check "down with nothing running: exit 1, one line" eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/out")" = 1 ]'
finish
