#!/bin/bash
# Storm and soak.  The backend restarts N times while traffic runs: each
# time traffic resumes, and afterwards the frontend holds the same file
# descriptors, grants and (within a page cache's worth) memory as after the
# first restart.  Then TCP both ways with sha256 checks, and UDP bursts whose
# counts must agree on both sides, for S seconds; memory stays flat.
# `make test` runs a short version; `make soak` the long one:
#   SOAK_RESTARTS (default 5; make soak: 1000)  SOAK_SECONDS (default 20; make soak: 600)
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
RESTARTS=${SOAK_RESTARTS:-5}
SECONDS_RUN=${SOAK_SECONDS:-20}
stat_of() { "$XN" stats "$IFN" | awk -v k="$1" '$1 == k { print $2 }'; }
fds() { ls "/proc/$UP_PID/fd" | wc -l; }
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$UP_PID/status"; }
pings() { inw ping -c 1 -w "$1" -W 1 $GUEST_IP >/dev/null 2>&1; }

start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || { fail "connect"; finish; exit 1; }
inw ip addr add $WIRE_IP/24 dev wire0; inw ip link set wire0 up
ing ip addr add $GUEST_IP/24 dev $IFN; ing ip link set $IFN up
check "before: ping" pings 10

# background traffic during the restarts: a ping every 10 ms
# (not through inw: killing the subshell a function runs in would leave ping running)
ip netns exec "$WIRE" ping -q -i 0.01 $GUEST_IP >/dev/null 2>&1 & FLOOD=$!
base_fds= base_grants= base_rss= late=0 t0=$SECONDS
for r in $(seq "$RESTARTS"); do
	"$SB" ctl --socket "$SOCK" restart
	if ! pings 30; then
		late=$((late + 1))
		echo "# restart $r: no ping within 30 s"
	fi
	if [ "$r" = 1 ]; then
		base_fds=$(fds) base_grants=$(query grants-active) base_rss=$(rss_kb)
	fi
done
kill $FLOOD 2>/dev/null; wait $FLOOD 2>/dev/null
echo "# $RESTARTS restarts in $((SECONDS - t0)) s; fds $base_fds -> $(fds), grants $base_grants -> $(query grants-active), RSS $base_rss -> $(rss_kb) kB; reconnects $("$XN" status --json | jq .[0].reconnects)"
check "restarts: traffic resumed after each of $RESTARTS" [ "$late" = 0 ]
check "restarts: the same descriptors as after the first ($base_fds)" [ "$(fds)" = "$base_fds" ]
check "restarts: the same grants as after the first ($base_grants)" [ "$(query grants-active)" = "$base_grants" ]
check "restarts: memory flat (RSS $base_rss -> $(rss_kb) kB, 2 MiB allowed)" [ $(( $(rss_kb) - base_rss )) -le 2048 ]
check "restarts: every one reconnected" [ "$("$XN" status --json | jq .[0].reconnects)" = "$RESTARTS" ]

# the soak: TCP both ways (sha256) and UDP bursts, round after round
rss0=$(rss_kb) rounds=0 bad=0 t0=$SECONDS
off0=$(be_minus_fe) be0=$(query rx-packets)
while [ $((SECONDS - t0)) -lt "$SECONDS_RUN" ]; do
	head -c 4194304 /dev/urandom >"$T/blob"
	want=$(sha256sum <"$T/blob" | cut -d' ' -f1)
	ing sh -c "ncat -l $GUEST_IP 7000 >$T/rx" & l=$!
	sleep 0.2
	inw ncat --send-only $GUEST_IP 7000 <"$T/blob"; wait $l
	[ "$(sha256sum <"$T/rx" | cut -d' ' -f1)" = "$want" ] || { bad=$((bad + 1)); echo "# round $rounds: in corrupt"; }
	inw sh -c "ncat -l $WIRE_IP 7001 >$T/rx" & l=$!
	sleep 0.2
	ing ncat --send-only $WIRE_IP 7001 <"$T/blob"; wait $l
	[ "$(sha256sum <"$T/rx" | cut -d' ' -f1)" = "$want" ] || { bad=$((bad + 1)); echo "# round $rounds: out corrupt"; }
	ing "$TOOLS/udpburst" recv 7002 5000 1000 >"$T/udp" & l=$!
	sleep 0.2
	inw "$TOOLS/udpburst" send $GUEST_IP 7002 5000 1000 >/dev/null
	wait $l
	read -r _ got _ badu < <(tail -n 1 "$T/udp")
	[ "${badu:-1}" = 0 ] || { bad=$((bad + 1)); echo "# round $rounds: UDP $(cat "$T/udp")"; }
	rounds=$((rounds + 1))
done
echo "# soak: $rounds rounds in $((SECONDS - t0)) s, RSS $rss0 -> $(rss_kb) kB; rx_invalid $(stat_of rx_invalid), rx_errors $(stat_of rx_errors)"
check "soak: $rounds rounds of 4 MiB TCP each way and 5000 UDP datagrams, zero corruption" [ "$bad" = 0 ]
check "soak: memory flat (RSS $rss0 -> $(rss_kb) kB, 2 MiB allowed)" [ $(( $(rss_kb) - rss0 )) -le 2048 ]
# both sides' counters agree over the soak: what the backend delivered, the
# frontend took (delivered, dropped for want of room, or refused)
off=$(be_minus_fe) be=$(( $(query rx-packets) - be0 ))
check "soak: of the $be packets the backend delivered, the frontend took every one (in flight before: $off0, after: $off)" eval '[ "$off" = "$off0" ] && [ "$off" != unsettled ]'
check "soak: no invalid responses" [ "$(stat_of rx_invalid)/$(stat_of tx_invalid)" = 0/0 ]
stop_up; rc=$?
check "soak: clean exit ($rc), zero grants" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim
check "soak: nothing left behind" no_leftovers
finish
