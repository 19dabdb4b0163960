#!/bin/bash
# up --config FILE, the file a systemd unit's instance reads: every key of
# up's option table in a file, the command line winning over it, each kind
# of mistake refused in one line naming FILE:LINE (exit 2, nothing set up),
# a filter and its rules from the file obeyed by traffic and brought back
# the same by a new up after a kill -9, a rule that fails when applied
# (exit 1, nothing left), the example config, and the sd_notify messages a
# Type=notify unit waits for (READY=1 only once the filters are on).
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
FILT=$PWD/$B/filters
PORT_DENY=$FILT/xennet_port_deny.bpf.o
PIN=/sys/fs/bpf/xennet/$IFN
CONF=$T/$IFN.conf
N=200
EXTRA_PIDS=
trap 'for p in $EXTRA_PIDS; do kill "$p" 2>/dev/null; done; cleanup' EXIT

# conf FILE LINE...: a config file (mode 0644, as the umask may say otherwise)
conf() { local f=$1; shift; printf '%s\n' "$@" >"$f" && chmod 644 "$f"; }
# up_conf FILE [options]: up --config FILE in the background, log in $T/up.log
up_conf() { local f=$1; shift; : >"$T/up.log"; "$XN" up --config "$f" "$@" >"$T/up.log" 2>&1 & UP_PID=$!; }
status_val() { "$XN" status "$IFN" --json | jq -r ".[0].$1"; }
guest_addrs() {
	ing ip addr add $GUEST_IP/24 dev $IFN && ing ip addr add $GUEST_IP6/64 dev $IFN nodad &&
		ing ip link set $IFN up
}
# what a restart must bring back: the filters (priority, name) and the rules
snapshot() {
	"$XN" filter list $IFN | awk '$2 ~ /^xennet_/ { print $1, $2 }'
	"$XN" filter rule $IFN port list --json | jq -c '[.rules[] | "\(.port)/\(.proto)"]'
}

start_sim --tap wire0 || exit 1
inw ip addr add $WIRE_IP/24 dev wire0 && inw ip addr add $WIRE_IP6/64 dev wire0 nodad || fail "wire addresses"

# ---- 1. every key of up's table, nothing on the command line -------------
keys=$("$XN" up --help | sed -n 's/^ *\(-[a-z], \)\{0,1\}--\([a-z-]*\).*/\2/p' | grep -vxE 'help|verbose|config')
conf "$CONF" "# every key up --help lists" "vif = 0" "ifname = $IFN" "takeover = yes" "sim = $SOCK" \
	"netns = $GUEST" "poll = busy" "timeout = 7" "umem-frames = 2048" "queues = 1" "no-offload = no" \
	"zerocopy = no" "copy = yes" "trust-backend = no" "" \
	"filter = $PORT_DENY priority 10" "rule = port add 7001/udp" "  rule=port add 7003  "
missing=$(for k in $keys; do grep -q "^$k = " "$CONF" || echo "$k"; done)
check "the file has every key of up --help ($(echo $keys)), none missing${missing:+: $missing}" \
	eval '[ -n "$keys" ] && [ -z "$missing" ]'
"$TOOLS/notifysink" "$T/notify.sock" >"$T/notify" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
wait_log "$T/notify" ready 5 >/dev/null || fail "notifysink"
NOTIFY_SOCKET=$T/notify.sock up_conf "$CONF"
wait_log "$T/notify" "READY=1" 15 || fail "READY=1"
# up attaches the filters before it connects: with READY=1 they are on
check "sd_notify: READY=1 from up itself (the main pid), the filter already on" \
	eval 'grep -q "^$UP_PID READY=1" "$T/notify" && "$XN" filter list $IFN | grep -q " xennet_port_deny "'
check "up --config alone: connected, busy poll (poll = busy)" \
	grep -q "connected to backend domain 0, [0-9]* queues\?, busy poll" "$T/up.log"
check "status: vif 0, busy, the simulator's socket, the namespace (vif, poll, sim, netns)" eval \
	'[ "$(status_val vif)/$(status_val poll)/$(status_val platform)/$(status_val sim_socket)/$(status_val netns)" = \
	   "0/busy/sim/$SOCK/$GUEST" ]'
check "umem-frames = 2048, queues = 1 (one busy-polling thread leaves the other CPU to the guest), copy = yes: status says so" eval \
	'[ "$(status_val umem_frames)/$(status_val queues)/$(status_val rx_mode)" = 2048/1/copy ]'
check "the log says the config's filter and rules were set" \
	grep -q "$CONF: 1 filter attached, 2 rules set" "$T/up.log"
check "filter list: xennet_port_deny at priority 10" sh -c \
	"'$XN' filter list $IFN | grep -Eq '^ +10  xennet_port_deny '"
check "the rules: 7001/udp, 7003 (tcp and udp)" eval \
	'[ "$("$XN" filter rule $IFN port list --json | jq -c "[.rules[] | \"\(.port)/\(.proto)\"]")" = \
	   "[\"7001/udp\",\"7003/tcp\",\"7003/udp\"]" ]'
guest_addrs || fail "guest addresses"
d=$(udp $N 7001) a=$(udp $N 7002) d3=$(udp $N 7003)
echo "# config rules: 7001/udp got $d of $N, 7002 got $a, 7003 got $d3"
check "traffic obeys the config's rules (7001/udp, 7003 denied; 7002 passes)" \
	eval '[ "$d" = 0 ] && [ "$d3" = 0 ] && [ "$a" = $N ]'

# ---- 2. kill -9, and a new up --config: the same filters and rules --------
before=$(snapshot)
kill -KILL "$UP_PID"; wait "$UP_PID" 2>/dev/null; UP_PID=
check "kill -9: the filter's pins are left behind" [ -d "$PIN/xennet_port_deny" ]
NOTIFY_SOCKET=$T/notify.sock up_conf "$CONF"
wait_log "$T/notify" "^$UP_PID READY=1" 15 || fail "READY=1 after kill -9"
after=$(snapshot)
echo "# before: $(echo $before); after: $(echo $after)"
check "after kill -9 and up --config: the same filters and rules" eval '[ -n "$before" ] && [ "$before" = "$after" ]'
check "...and the crash's leftovers were cleared first" grep -q "removed what a stopped instance left behind" "$T/up.log"
guest_addrs || fail "guest addresses after the restart"
d=$(udp $N 7001) a=$(udp $N 7002)
check "after the restart, traffic obeys them (7001 got $d, 7002 got $a of $N)" eval '[ "$d" = 0 ] && [ "$a" = $N ]'
kill -TERM "$UP_PID"
wait_log "$T/notify" "^$UP_PID STOPPING=1" 10 >/dev/null
check "sd_notify: STOPPING=1 on SIGTERM" grep -q "^$UP_PID STOPPING=1" "$T/notify"
wait "$UP_PID"; rc=$?; UP_PID=
check "SIGTERM: exit 0 ($rc), nothing left" eval '[ "$rc" = 0 ] && no_leftovers'

# ---- 3. the command line wins ---------------------------------------------
conf "$T/other.conf" "ifname = xo$$" "poll = busy" "sim = $SOCK" "netns = $GUEST"
up_conf "$T/other.conf" --ifname "$IFN" --poll interrupt
wait_log "$T/up.log" "connected to backend" 15 || fail "connect with overrides"
check "command line over file: --ifname $IFN, not the file's xo$$" \
	eval 'ing ip link show $IFN >/dev/null && ! ing ip link show xo$$ >/dev/null 2>&1'
check "command line over file: --poll interrupt, not busy" [ "$(status_val poll)" = interrupt ]
check "the log says which of the file's keys the command line overrode" \
	eval 'grep -q "other.conf:1: ifname: the command line.s --ifname wins" "$T/up.log" &&
	      grep -q "other.conf:2: poll: the command line.s --poll wins" "$T/up.log"'
stop_up || fail "stop"
# timeout = N: how long the first connect may take (a backend stuck before InitWait)
ip netns exec "$WIRE" "$SB" --socket "$T/stall.sock" --stall initwait >"$T/stall.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
for _ in $(seq 100); do [ -S "$T/stall.sock" ] && break; sleep 0.05; done
conf "$T/stall.conf" "sim = $T/stall.sock" "ifname = $IFN" "netns = $GUEST" "timeout = 1"
"$XN" up --config "$T/stall.conf" >"$T/out" 2>&1; rc=$?
check "timeout = 1: up gives up after 1 s (exit $rc)" eval '[ $rc = 1 ] && grep -q "did not reach InitWait within 1 s" "$T/out"'
"$XN" up --config "$T/stall.conf" --timeout 2 >"$T/out" 2>&1; rc=$?
check "--timeout 2 over the file's 1 (exit $rc)" eval '[ $rc = 1 ] && grep -q "within 2 s" "$T/out"'
check "nothing left by either" no_leftovers

# ---- 4. mistakes: one line naming FILE:LINE, exit 2, nothing set up ------
# bad LINE TEXT CONFIG-LINE...: the file (after a comment line, so lines count
# from 2) is refused at line LINE with TEXT
fe0=$(query frontend-state)
bad() {
	local line=$1 text=$2 f=$T/bad.conf rc
	shift 2
	conf "$f" "# a config with a mistake" "$@"
	"$XN" up --config "$f" --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 3 >"$T/out" 2>"$T/err"; rc=$?
	check "bad line ($*): exit 2, one line naming $f:$line, nothing set up" eval \
		'[ $rc = 2 ] && [ ! -s "$T/out" ] && [ "$(wc -l <"$T/err")" = 1 ] &&
		 grep -qF -- "xennet-xdp: $f:$line: $text" "$T/err" && no_leftovers &&
		 [ "$(query frontend-state)" = "$fe0" ] && [ "$(query grants-active)" = 0 ]' ||
		{ echo "  rc=$rc:"; cat "$T/out" "$T/err"; }
}
bad 2 "vif: '70000' is not a number in 0..65535" "vif = 70000"
bad 3 "poll: 'fast' is not interrupt or busy" "vif = 0" "poll = fast"
bad 2 "takeover: 'maybe' is not yes or no" "takeover = maybe"
bad 2 "umem-frames: '1000' is not a power of two in 64..65536" "umem-frames = 1000"
bad 2 "netns: 'a/b' is not a network namespace name" "netns = a/b"
bad 2 "timeout: '0' is not a number in 1..3600" "timeout = 0"
bad 2 "ifname: 'bad/name' is not a valid interface name" "ifname = bad/name"
bad 2 "sim: an empty SOCKET" "sim ="
bad 4 "vif is set on line 2 already" "vif = 0" "" "vif = 1"
bad 2 "'colour' is not a key here (they are: vif, ifname, takeover" "colour = blue"
bad 2 "'config' is not a key here" "config = $CONF"
bad 2 "'vif 0' is not key = value" "vif 0"
bad 2 "rule: no filter above it" "rule = port add 53"
bad 2 "filter: 'x.bpf.o' is not an absolute path" "filter = x.bpf.o"
bad 2 "filter: can't read /nonexistent/x.bpf.o" "filter = /nonexistent/x.bpf.o"
bad 2 "filter: $T/bad.conf is not a BPF object libbpf can open" "filter = $T/bad.conf"
bad 2 "filter: $PORT_DENY has no XDP program named 'nope' (it has: xennet_port_deny)" "filter = $PORT_DENY prog nope"
bad 2 "filter: 'colour' is not one of: prog, priority" "filter = $PORT_DENY colour red"
bad 2 "filter: 'priority' needs a value" "filter = $PORT_DENY priority"
bad 2 "priority: '1001' is not a number in 0..1000" "filter = $PORT_DENY priority 1001"
bad 3 "filter rule: '70000/udp' is not a port" "filter = $PORT_DENY" "rule = port add 70000/udp"
bad 4 "filter rule: '10.1.2.3/8' has bits set beyond /8" "filter = $PORT_DENY" "rule = port add 53" "rule = prefix add 10.1.2.3/8"
bad 3 "filter rule: '0/s' is not a rate" "filter = $PORT_DENY" "rule = ratelimit set 0/s"
bad 3 "rule: port del is not a rule to start with" "filter = $PORT_DENY" "rule = port del 53"
bad 3 "rule: '--prog': no option here" "filter = $PORT_DENY" "rule = port add 53 --prog x"
bad 3 "filter rule IFNAME port: 'frob' is not one of: add, del, list" "filter = $PORT_DENY" "rule = port frob"
# the file as a whole
"$XN" up --config "$T/nonexistent.conf" --sim "$SOCK" --ifname "$IFN" >"$T/out" 2>&1; rc=$?
check "a config that is not there: exit 2, one line" eval \
	'[ $rc = 2 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "can.t use the config file $T/nonexistent.conf: No such file" "$T/out" && no_leftovers'
conf "$T/open.conf" "vif = 0"
chmod 666 "$T/open.conf"
"$XN" up --config "$T/open.conf" --sim "$SOCK" --ifname "$IFN" >"$T/out" 2>&1; rc=$?
check "a config every user may write: refused, exit 2, one line" eval \
	'[ $rc = 2 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "every user may write it" "$T/out" && no_leftovers'

# ---- 5. a rule that fails when applied: exit 1, naming the line, undone ----
conf "$T/apply.conf" "sim = $SOCK" "ifname = $IFN" "netns = $GUEST" "filter = $PORT_DENY" "rule = port add 53" \
	"rule = prefix add 10.0.0.0/8"
"$XN" up --config "$T/apply.conf" >"$T/out" 2>&1; rc=$?
check "a rule for maps the filter lacks: exit 1 ($rc), said naming apply.conf:6" eval \
	'[ $rc = 1 ] && grep -q "$IFN: $T/apply.conf:6: no filter named xennet_port_deny has xennet_pfx_v4 pinned" "$T/out"' ||
	cat "$T/out"
check "...nothing left: no interface, no pins, no run files, never connected" eval \
	'no_leftovers && [ "$(query frontend-state)" = "$fe0" ] && [ "$(query grants-active)" = 0 ]'

# ---- 6. two filters: both in priority order, or (no dispatcher here) the
#         second refused in one line naming its line, and everything undone
conf "$T/two.conf" "sim = $SOCK" "ifname = $IFN" "netns = $GUEST" "filter = $FILT/xennet_ratelimit.bpf.o priority 30" \
	"rule = ratelimit set 1000/s" "filter = $PORT_DENY priority 10" "rule = port add 7001/udp"
up_conf "$T/two.conf"
for _ in $(seq 200); do
	grep -q "connected to backend" "$T/up.log" && break
	kill -0 "$UP_PID" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$UP_PID" 2>/dev/null; then
	echo "# libxdp's dispatcher runs here: both filters"
	check "two filters: xennet_port_deny (10) runs before xennet_ratelimit (30)" sh -c \
		"'$XN' filter list $IFN | awk '\$2 ~ /^xennet_/ { print \$1, \$2 }' | tr '\n' ' ' | grep -qx '10 xennet_port_deny 30 xennet_ratelimit '"
	stop_up || fail "stop with two filters"
else
	wait "$UP_PID"; rc=$?; UP_PID=
	echo "# libxdp's dispatcher is refused here: one filter only"
	check "two filters, no dispatcher: exit 1 ($rc), said naming two.conf:6" eval \
		'[ $rc = 1 ] && grep -q "$T/two.conf:6: can.t attach xennet_port_deny: .*dispatcher" "$T/up.log"' || cat "$T/up.log"
fi
check "two filters: nothing left" no_leftovers

# ---- 7. the example config: uncommented, it is a valid config -------------
sed -e "s|@FILTERDIR@|$FILT|g" -e "s|@CONFDIR@|$T|g" conf/example.conf.in >"$T/example.conf"
chmod 644 "$T/example.conf"
"$XN" up --config "$T/example.conf" --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 5 >"$T/out" 2>&1 &
UP_PID=$!
wait_log "$T/out" "connected to backend" 15 || fail "the example as it is (all commented out)"
check "the example as installed (all commented out): up with the defaults" eval \
	'[ "$(status_val poll)" = interrupt ] && ! "$XN" filter list $IFN | grep -q xennet_'
stop_up || fail "stop the example"
# uncommented: its options and its first filter (one filter runs anywhere)
sed -n '/^#[a-z-]* = /s/^#//p' "$T/example.conf" | awk '/^filter/ { n++ } n < 2' >"$T/ex1.conf"
chmod 644 "$T/ex1.conf"
up_conf "$T/ex1.conf" --sim "$SOCK" --ifname "$IFN" --netns "$GUEST"
wait_log "$T/up.log" "connected to backend" 15 || fail "the example, uncommented"
check "the example, uncommented ($(grep -c . "$T/ex1.conf") lines): its filter and rules" eval \
	'[ "$("$XN" filter rule $IFN port list --json | jq -c "[.rules[] | \"\(.port)/\(.proto)\"]")" = \
	   "[\"53/udp\",\"5353/tcp\",\"5353/udp\"]" ] && [ "$(status_val took_over)" = null ] &&
	 "$XN" filter list $IFN | grep -Eq "^ +10  xennet_port_deny "'
stop_up || fail "stop the uncommented example"
# every line of it, the other filters too, is accepted (exit 2 would be a mistake in it)
sed -n '/^#[a-z-]* = /s/^#//p' "$T/example.conf" >"$T/ex.conf"
chmod 644 "$T/ex.conf"
up_conf "$T/ex.conf" --sim "$SOCK" --ifname "$IFN" --netns "$GUEST"
for _ in $(seq 200); do
	grep -q "connected to backend" "$T/up.log" && break
	kill -0 "$UP_PID" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$UP_PID" 2>/dev/null; then stop_up; rc=0; else wait "$UP_PID"; rc=$?; UP_PID=; fi
check "the example, every line uncommented: no mistake in it (exit $rc, not 2)" [ "$rc" != 2 ] || cat "$T/up.log"
check "nothing left" no_leftovers

# ---- 8. inside the unit's sandbox, as far as a test without systemd can
#         make it: its CapabilityBoundingSet= and NoNewPrivileges= (setpriv),
#         and ProtectSystem=strict (every mount read-only but /dev, /proc,
#         /sys and the run directory, the unit's RuntimeDirectory=)
caps=$(sed -n 's/^CapabilityBoundingSet=//p' systemd/xennet-xdp@.service.in | tr 'A-Z ' 'a-z,' | sed 's/cap_/+/g')
mkdir -p "$XENNET_RUN_DIR"
# "${sandboxed[@]}" COMMAND...: a command line, not a function, so that
# "${sandboxed[@]}" up ... & gives up's own pid as $! (unshare without --fork,
# sh and setpriv each exec the next; a function in the background would be a
# bash subshell, the pid a SIGTERM would kill instead of up)
sandboxed=(unshare --mount --propagation private sh -c '
		run=$1 caps=$2; shift 2
		mount --bind "$run" "$run" || exit 125
		for m in $(awk "{ print \$2 }" /proc/self/mounts | grep -Ev "^/(proc|sys|dev)(/|\$)" | sort -u); do
			[ "$m" = "$run" ] || mount -o remount,bind,ro "$m" 2>/dev/null
		done
		exec setpriv --bounding-set "-all,$caps" --no-new-privs -- "$@"' _ "$XENNET_RUN_DIR" "$caps")
echo "# the unit's bounding set: $caps"
check "the sandbox holds: / and $T read-only, the run directory writable, the bounding set cut" \
	"${sandboxed[@]}" sh -c "! touch $T/probe 2>/dev/null && ! touch /probe.\$\$ 2>/dev/null && touch $XENNET_RUN_DIR/probe &&
		rm $XENNET_RUN_DIR/probe && grep -q '^NoNewPrivs:.*1' /proc/self/status &&
		[ \"\$(grep ^CapBnd: /proc/self/status | awk '{ print \$2 }')\" != \"\$(grep ^CapBnd: /proc/1/status | awk '{ print \$2 }')\" ]"
: >"$T/up.log"   # (see start_up)
"${sandboxed[@]}" "$XN" up --config "$CONF" >"$T/up.log" 2>&1 &
UP_PID=$!
wait_log "$T/up.log" "connected to backend" 15 || fail "connect in the sandbox"
check "in the sandbox: \$! ($UP_PID) is up itself, the pid status shows" [ "$(status_val pid)" = "$UP_PID" ]
check "in the sandbox: the config's filter and rules set" grep -q "$CONF: 1 filter attached, 2 rules set" "$T/up.log"
guest_addrs || fail "guest addresses in the sandbox"
d=$(udp $N 7001) a=$(udp $N 7002)
check "in the sandbox: traffic, obeying the rules (7001 got $d, 7002 got $a of $N)" eval '[ "$d" = 0 ] && [ "$a" = $N ]'
stop_up; rc=$?
check "in the sandbox: SIGTERM, exit 0 ($rc), nothing left" eval '[ "$rc" = 0 ] && no_leftovers'
finish
