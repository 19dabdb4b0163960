#!/bin/bash
# The xenbus handshake against xennet-simback, the seed's diagnostics, and
# clean shutdown (issue: foundation).
. "$(dirname "$0")/lib.sh"
make_netns || exit 1

# 1. the handshake completes, and the frontend writes exactly netif.h's keys
#    (one queue, no offloads here: test_offload.sh negotiates the rest)
start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5 --queues 1 --no-offload
check "handshake: frontend connects" wait_log "$T/up.log" "$IFN: connected to backend domain 0"
check "handshake: diagnostic 'using event channel 7' (and 8: split channels)" \
	eval 'grep -qx "$IFN: using event channel 7" "$T/up.log" && grep -qx "$IFN: using event channel 8" "$T/up.log"'
check "handshake: diagnostic 'using RX copy mode'" grep -qx "$IFN: using RX copy mode" "$T/up.log"
keys=$(xs_ls /local/domain/1/device/vif/0)
check "handshake: frontend keys are exactly netif.h's ($keys)" [ "$keys" = \
 "backend backend-id event-channel-rx event-channel-tx feature-no-csum-offload feature-rx-notify feature-sg handle mac mtu request-rx-copy rx-ring-ref state trusted tx-ring-ref " ]
check "handshake: both ends Connected" [ "$(query frontend-state)/$(query backend-state)" = 4/4 ]
# (zero-copy, XENNET_E2E_UP_OPTS: the rings and the queue's 1024 UMEM frames)
check "handshake: rings and 512 buffers granted (zero-copy: 1024 UMEM frames)" \
	[ "$(query grants-active)" = "$([ "$ZC" = 1 ] && echo 1026 || echo 514)" ]
check "handshake: $IFN exists with the vif's MAC" \
	sh -c "ip netns exec $GUEST ip link show $IFN | grep -q 00:16:3e:00:00:01"

# 2. SIGTERM: Closing, Closed, every grant revoked, the channel closed
stop_up; rc=$?
check "sigterm: exit status 0 (got $rc)" [ "$rc" = 0 ]
check "sigterm: zero active grants, none left for the simulator to reclaim" [ "$(query grants-active)/$(query grants-reclaimed)" = 0/0 ]
check "sigterm: both ends Closed" [ "$(query frontend-state)/$(query backend-state)" = 6/6 ]
check "sigterm: no event channel left" [ "$(query evtchn-bound)" = 0 ]
check "sigterm: nothing left behind" no_leftovers

# 3. reconnect to the same live backend
start_up --netns "$GUEST" --timeout 5
check "reconnect: connects again" wait_log "$T/up.log" "connected to backend"
stop_up
check "reconnect: zero grants after" [ "$(query grants-active)" = 0 ]
stop_sim

# 4. missing MAC
start_sim --mac none || exit 1
"$XN" up --sim "$SOCK" --ifname "$IFN" --timeout 3 >"$T/out" 2>&1; rc=$?
check "no mac: exit non-zero" [ "$rc" != 0 ]
check "no mac: '$IFN: can't read mac address, err 2'" grep -qx "$IFN: can't read mac address, err 2" "$T/out"
check "no mac: nothing left behind" no_leftovers
stop_sim

# 5. invalid MAC
start_sim --mac 02:00:zz:00:00:01 || exit 1
"$XN" up --sim "$SOCK" --ifname "$IFN" --timeout 3 >"$T/out" 2>&1; rc=$?
check "bad mac: exit non-zero" [ "$rc" != 0 ]
check "bad mac: '$IFN: 02:00:zz:00:00:01 is not a valid mac address'" \
	grep -qx "$IFN: 02:00:zz:00:00:01 is not a valid mac address" "$T/out"
stop_sim

# 6. a backend with RX flip only
start_sim --no-rx-copy || exit 1
"$XN" up --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 3 >"$T/out" 2>&1; rc=$?
check "rx flip only: exit non-zero" [ "$rc" != 0 ]
check "rx flip only: one-line diagnostic" grep -q "^$IFN: backend offers only RX flip mode" "$T/out"
check "rx flip only: no grants, no channel" [ "$(query grants-active)/$(query evtchn-bound)" = 0/0 ]
check "rx flip only: nothing left behind" no_leftovers
stop_sim

# 7. backends that stall
for st in initwait connected; do
	start_sim --stall $st || exit 1
	start=$(date +%s)
	"$XN" up --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 2 >"$T/out" 2>&1; rc=$?
	took=$(( $(date +%s) - start ))
	want=InitWait; [ $st = connected ] && want=Connected
	check "stall $st: exit non-zero after the timeout (${took}s)" eval '[ "$rc" != 0 ] && [ "$took" -le 6 ]'
	check "stall $st: says it did not reach $want" grep -q "did not reach $want within 2 s" "$T/out"
	check "stall $st: zero grants, no channel" [ "$(query grants-active)/$(query evtchn-bound)" = 0/0 ]
	check "stall $st: nothing left behind" no_leftovers
	stop_sim
done

# 8. transactions that must be retried
start_sim --fail-commits 3 || exit 1
start_up --netns "$GUEST" --timeout 5
check "EAGAIN commits: still connects" wait_log "$T/up.log" "connected to backend"
stop_up
stop_sim

# 8b. the simulator offers all that xen-netback offers (split channels, two
# queues, ...) but refuses, by name, a request it does not implement; the
# frontend must then fail cleanly, not hang.
start_sim || exit 1
check "netback's offers: split channels, 2 queues, ctrl ring advertised" \
	[ "$(XENSTORED_PATH=$SOCK xenstore-read /local/domain/0/backend/vif/1/0/multi-queue-max-queues)" = 2 ]
# a previous frontend's request left in the directory is not ours: it goes
# in the connect transaction (the simulator would refuse it by name)
XENSTORED_PATH=$SOCK xenstore-write /local/domain/1/device/vif/0/xdp-headroom 64
start_up --netns "$GUEST" --timeout 5
check "a previous frontend's request: connects all the same" wait_log "$T/up.log" "connected to backend"
check "a previous frontend's request: removed" \
	eval '! XENSTORED_PATH=$SOCK xenstore-read /local/domain/1/device/vif/0/xdp-headroom 2>/dev/null'
stop_up
check "a previous frontend's request: nothing left behind" no_leftovers
stop_sim

# 8c. the mtu key: honoured (above 1500 with scatter-gather, which the
# simulator offers as netback does; junk is refused before anything is
# shared
for m in 1400 9000; do
	start_sim --mtu $m || exit 1
	start_up --netns "$GUEST" --timeout 5
	check "mtu $m: connects" wait_log "$T/up.log" "connected to backend"
	check "mtu $m: $IFN has mtu $m" sh -c "ip netns exec $GUEST ip link show $IFN | grep -q 'mtu $m '"
	stop_up
	stop_sim
done
start_sim || exit 1
XENSTORED_PATH=$SOCK xenstore-write /local/domain/1/device/vif/0/mtu 15x0
"$XN" up --sim "$SOCK" --ifname "$IFN" --timeout 3 >"$T/out" 2>&1; rc=$?
check "mtu junk: non-zero, one line naming it" eval '[ $rc != 0 ] && grep -q "mtu in device/vif/0/mtu is not a number" "$T/out"'
check "mtu junk: zero grants, nothing left behind" eval '[ "$(query grants-active)" = 0 ] && no_leftovers'
stop_sim

# 8d. a connection that says nothing must not hold up the simulator (it
# used to wait up to 2 s for the first bytes of each new connection)
start_sim || exit 1
sleep 3 | ncat -U "$SOCK" >/dev/null 2>&1 &
silent=$!
sleep 0.2
t0=$(date +%s%N); st=$(query backend-state); t1=$(date +%s%N)
check "silent client: simulator still answers at once ($(( (t1 - t0) / 1000000 )) ms)" \
	eval '[ "$st" = 2 ] && [ $(( (t1 - t0) / 1000000 )) -lt 1000 ]'
kill $silent 2>/dev/null; wait $silent 2>/dev/null
stop_sim

# 8d. a backend that fails a handshake (as Linux 6.12 netback did once in
# the real tier, EINVAL binding a queue's event channel right after the
# kernel's netfront let go): the first connect tries again, three
# handshakes at most, saying the backend's error each time
start_sim --fail-connects 2 || exit 1
start_up --netns "$GUEST" --timeout 5
check "failed handshakes: connects at the third" wait_log "$T/up.log" "connected to backend" 40
check "failed handshakes: each says the backend's error" eval \
	'[ "$(grep -c "^$IFN: backend went Closing during the handshake: 22 mapping shared-frames" "$T/up.log")" = 2 ]'
check "failed handshakes: attempts 2 and 3 announced" eval \
	'grep -q "connecting again (attempt 2 of 3)" "$T/up.log" && grep -q "connecting again (attempt 3 of 3)" "$T/up.log"'
stop_up; rc=$?
check "failed handshakes: clean exit ($rc), no grant left" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim
start_sim --fail-connects 3 || exit 1
start_up --netns "$GUEST" --timeout 5
for _ in $(seq 400); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.1; done
wait "$UP_PID"; rc=$?; UP_PID=
check "three failed handshakes: up gives up, exit 1 ($rc)" [ "$rc" = 1 ]
check "three failed handshakes: no grant left, nothing left behind" eval \
	'[ "$(query grants-active)" = 0 ] && no_leftovers'
stop_sim

# 8d'. a slow XenStore (a loaded dom0's xenstored: every write of ours
#      answered 150 ms late, the handshake's ~25 writes taking longer than
#      --timeout): --timeout is for each step, so waiting for Connected
#      starts once our keys are written (found in the real tier: up gave up
#      0.3 s before netback connected, its own writes having taken 20 s).
#      The second up is the real tier's case: the frontend left Closed (as
#      the kernel's netfront leaves it), and the backend acts on each state
#      of ours later (netback's watch, 700 ms here), so our keys are written
#      from the event loop and Connected comes after a round of it.
start_sim --xs-write-delay 150 --watch-delay 700 || exit 1
start_up --netns "$GUEST" --timeout 30
wait_log "$T/up.log" "connected to backend" 60 || fail "slow XenStore: first up connects"
stop_up
start_up --netns "$GUEST" --timeout 2
check "slow XenStore: connects again from Closed (--timeout 2, writes 150 ms each)" \
	wait_log "$T/up.log" "connected to backend" 60
check "slow XenStore: no timeout said" eval '! grep -q "did not reach" "$T/up.log"'
stop_up; rc=$?
check "slow XenStore: clean exit ($rc), no grant left" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim

# 8e. carrier on xennet0 only while the backend is Connected
carrier() { ing cat /sys/class/net/$IFN/carrier 2>/dev/null; }
start_sim --stall connected || exit 1
start_up --netns "$GUEST" --timeout 5
for _ in $(seq 50); do ing ip link show $IFN >/dev/null 2>&1 && break; sleep 0.1; done
ing ip link set $IFN up
sleep 0.5
check "carrier: down while the backend is not Connected" [ "$(carrier)" = 0 ]
stop_up
stop_sim
start_sim || exit 1
start_up --netns "$GUEST" --timeout 5
check "carrier: connects" wait_log "$T/up.log" "connected to backend"
ing ip link set $IFN up
sleep 0.3
check "carrier: up while Connected" [ "$(carrier)" = 1 ]
XENSTORED_PATH=$SOCK xenstore-write /local/domain/0/backend/vif/1/0/state 5
for _ in $(seq 30); do [ "$(carrier)" = 0 ] && break; sleep 0.1; done
check "carrier: down once the backend leaves Connected" [ "$(carrier)" = 0 ]
stop_up
stop_sim
check "carrier: nothing left behind" no_leftovers

# 9. bad input from the user: one line, exit 2, nothing done
for args in "--vif abc" "--vif -1" "--poll sometimes" "--ifname this-name-is-too-long" "--timeout 0" "--bogus" "extra"; do
	# shellcheck disable=SC2086
	"$XN" up $args >"$T/out" 2>&1; rc=$?
	check "usage '$args': exit 2 with one line" eval '[ "$rc" = 2 ] && [ "$(wc -l <"$T/out")" = 1 ]'
done
"$XN" frobnicate >"$T/out" 2>&1; rc=$?
check "unknown command: exit 2" [ "$rc" = 2 ]
"$XN" down --ifname "$IFN" >"$T/out" 2>&1; rc=$?
check "down with nothing running: exit 1, one line" eval '[ "$rc" = 1 ] && [ "$(wc -l <"$T/out")" = 1 ]'
finish
