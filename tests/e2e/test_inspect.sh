#!/bin/bash
# Inspection and user filters (issue: custom XDP filters, bpftool, status and
# stats): status/list/stats in text and JSON, bpftool on our pins, a port
# filter attached to xennet0 that drops exactly the denied traffic, every
# error case of `filter`, and pins gone after detach and down.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
FILT=$PWD/$B/filters
PIN=/sys/fs/bpf/xennet/$IFN
N=1000

start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5 --queues 2   # two queues whatever the CPUs
wait_log "$T/up.log" "connected to backend" || { fail "connect"; finish; exit 1; }
inw ip addr add $WIRE_IP/24 dev wire0 && ing ip addr add $GUEST_IP/24 dev $IFN &&
	ing ip link set $IFN up || fail "addresses"
check "ping wire -> guest" inw ping -q -c 3 -i 0.2 -W 2 $GUEST_IP

# 1. status
"$XN" status >"$T/status" 2>&1
check "status: names backend, both states Connected, channels 7,8 (queue 0) 9,10 (queue 1)" sh -c \
	"grep -q 'backend .*/local/domain/0/backend/vif/1/0 (domain 0)' $T/status &&
	 grep -q 'frontend Connected, backend Connected' $T/status && grep -q 'event channels *7,8 9,10\$' $T/status"
check "status --json: exit 0" eval '"$XN" status --json >"$T/status.json"'
# (the mode's own figures: copy by default, or zero-copy's)
mode=copy frames=4096
[ "$ZC" = 1 ] && mode=zero-copy frames=1024
check "status --json: parses, documented fields match" jq -e \
	--arg ifn "$IFN" --arg peer "$IFN-p" --arg mode "$mode" --argjson frames "$frames" 'length == 1 and .[0].ifname == $ifn and .[0].vif == 0 and .[0].backend_domid == 0 and
	 .[0].frontend_state == "Connected" and .[0].backend_state == "Connected" and
	 (.[0].features | index("rx-copy")) != null and .[0].event_channels == [7, 8, 9, 10] and
	 .[0].rx_mode == $mode and .[0].poll == "interrupt" and .[0].queues == 2 and .[0].umem_frames == $frames and
	 .[0].mac == "00:16:3e:00:00:01" and .[0].mtu == 1500 and .[0].peer == $peer and
	 .[0].peer_programs[0].name == "xennet_redirect" and .[0].guest_programs == []' "$T/status.json"

# 2. list
check "list --json: exit 0" eval '"$XN" list --sim "$SOCK" --json >"$T/list.json"'
check "list --json: vif 0, its backend, states and MAC" jq -e \
	'length == 1 and .[0].vif == 0 and .[0].backend == "/local/domain/0/backend/vif/1/0" and
	 .[0].backend_state == "Connected" and .[0].frontend_state == "Connected" and
	 .[0].mac == "00:16:3e:00:00:01" and .[0].mac_valid == true' "$T/list.json"
check "list: one line per vif" sh -c "'$XN' list --sim '$SOCK' | grep -q '^0 .*Connected .*00:16:3e:00:00:01'"

# 3. bpftool reaches our maps by path, with field names
bpftool map dump pinned "$PIN/xennet_stats" >"$T/dump" 2>&1
check "bpftool map dump of xennet_stats prints field names" \
	sh -c "grep -q '\"packets\"' $T/dump && grep -q '\"redirected\"' $T/dump"
check "every program we load is named xennet_*" sh -c \
	"bpftool prog show | grep -q 'name xennet_redirect'"

stat_json() { "$XN" stats "$IFN" --json | jq -r "$1"; }

# 4. stats: counters match the traffic sent
off0=$(be_minus_fe) r0=$(stat_json '.[0].counters.rx_packets') b0=$(query rx-packets)
got=$(udp $N 7002)
off1=$(be_minus_fe) r1=$(stat_json '.[0].counters.rx_packets') b1=$(query rx-packets)
echo "# stats: $N sent to the guest, backend delivered $((b1 - b0)), rx_packets +$((r1 - r0)), receiver got $got; in flight before $off0, after $off1"
check "stats --json: the frontend took every packet the backend delivered" \
	eval '[ "$off0" = "$off1" ] && [ "$off1" != unsettled ]'
check "stats --json: ... which is what was sent (plus at most a few ARP)" \
	eval '[ $((r1 - r0)) -ge $N ] && [ $((r1 - r0)) -le $((N + 4)) ] && [ "$got" = $N ]'
check "stats --json: xdp counters of xennet_redirect" \
	sh -c "'$XN' stats $IFN --json | jq -e '.[0].xdp.program == \"xennet_redirect\" and .[0].xdp.redirected > 0 and .[0].xdp.packets >= .[0].xdp.redirected' >/dev/null"
t0=$(date +%s.%N)
check "stats --interval: exit 0" eval '"$XN" stats "$IFN" --interval 1 --count 2 --json >"$T/rates"'
t1=$(date +%s.%N)
check "stats --interval 1 --count 2: two reports with rates" \
	sh -c "[ \$(wc -l <$T/rates) = 2 ] && jq -e '.[0].interval_s > 0.5 and (.[0].rates | has(\"rx_pps\") and has(\"tx_bps\"))' $T/rates >/dev/null"
# the wall clock of each line: within the command's run (the same clock,
# CLOCK_REALTIME, read by date), and the second line's later than the first
check "stats --interval --json: each line carries its CLOCK_REALTIME timestamp" \
	jq -s -e --argjson t0 "$t0" --argjson t1 "$t1" \
	'length == 2 and (map(.[0].timestamp) | .[0] >= $t0 and .[1] > .[0] and .[1] <= $t1)' "$T/rates"
check "stats text: a timestamp line" sh -c "'$XN' stats $IFN | grep -Eq '^timestamp [0-9]+\.[0-9]{3}\$'"

# 5. filter errors: one line, non-zero, nothing attached
printf 'int x;\n' >"$T/empty.c"
clang -target bpf -O2 -c "$T/empty.c" -o "$T/noprog.o"
err_case() {  # err_case NAME EXPECTED-TEXT ARGS...
	local name=$1 want=$2 rc
	shift 2
	"$XN" filter "$@" >"$T/out" 2>&1; rc=$?
	check "filter error, $name: non-zero, one line naming it" \
		eval '[ $rc != 0 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q -- "$want" "$T/out"'
	check "filter error, $name: nothing attached" sh -c "! ip netns exec $GUEST ip link show $IFN | grep -q xdp"
}
err_case "missing object" "can't read $T/nosuch.o" attach $IFN "$T/nosuch.o"
err_case "not a BPF object" "not a BPF object" attach $IFN /etc/hostname
err_case "no XDP program" "has no XDP program" attach $IFN "$T/noprog.o"
err_case "no such program" "no XDP program named 'nope'" attach $IFN "$FILT/xennet_port_deny.bpf.o" --prog nope
err_case "not our interface" "lo: not an interface of a running xennet-xdp instance" attach lo "$FILT/xennet_port_deny.bpf.o"
err_case "detach with none attached" "no filter is attached" detach $IFN --all
err_case "bad usage" "usage: filter detach" detach $IFN
# a program the verifier rejects: the error line, then the verifier's log
# (as xdp-loader shows it); -v shows libbpf's own messages as well
cat >"$T/bad.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int xennet_bad(struct xdp_md *ctx)
{
	unsigned char *p = (void *)(long)ctx->data;
	return p[100] ? XDP_DROP : XDP_PASS;   /* no bounds check */
}
char LICENSE[] SEC("license") = "GPL";
EOF
clang -target bpf -O2 -g -I/usr/include/$(uname -m)-linux-gnu -c "$T/bad.c" -o "$T/bad.o"
"$XN" filter attach $IFN "$T/bad.o" >"$T/out" 2>&1; rc=$?
check "a rejected program: exit 1, the error, then the verifier's log" eval \
	'[ $rc = 1 ] && head -1 "$T/out" | grep -q "^$IFN: can.t attach xennet_bad: " &&
	 grep -q "^$IFN: .*BEGIN PROG LOAD LOG" "$T/out" && grep -q "^$IFN: .*invalid access to packet" "$T/out"' ||
	cat "$T/out"
check "a rejected program: nothing attached, no pins" sh -c \
	"! ip netns exec $GUEST ip link show $IFN | grep -q xdp && [ ! -e $PIN/xennet_bad ]"
"$XN" -v filter attach $IFN "$T/noprog.o" >"$T/out" 2>&1
check "-v: libbpf's messages too, as 'xennet-xdp: libbpf: ...'" grep -q "^xennet-xdp: libbpf: " "$T/out"

# 6. the port filter: exactly the denied packets are dropped
"$XN" filter attach $IFN "$FILT/xennet_port_deny.bpf.o" --priority 10 >"$T/out" 2>&1
check "filter attach: attached, maps pinned" sh -c \
	"grep -q 'attached xennet_port_deny' $T/out && [ -e $PIN/xennet_port_deny/xennet_denyport ]"
check "filter list shows it with its priority" sh -c "'$XN' filter list $IFN | grep -q '10 *xennet_port_deny'"
check "xdp-loader status xennet0 shows it" sh -c "ip netns exec $GUEST xdp-loader status $IFN | grep -q xennet_port_deny"
check "status --json lists it on the guest side" \
	sh -c "'$XN' status --json | jq -e '.[0].guest_programs[0].name == \"xennet_port_deny\"' >/dev/null"
# deny UDP 7001: key {port 7001 host order, proto 17, pad}
check "bpftool map update adds a rule at run time" bpftool map update pinned \
	"$PIN/xennet_port_deny/xennet_denyport" key 0x59 0x1b 0x11 0x00 value 0 0 0 0 0 0 0 0
d=$(udp $N 7001)
a=$(udp $N 7002)
hits=$(bpftool -j map lookup pinned "$PIN/xennet_port_deny/xennet_denyport" key 0x59 0x1b 0x11 0x00 |
	jq '.formatted.value.hits // .value.hits')
fdrop=$(stat_json '[.[0].filters[] | select(.program == "xennet_port_deny") | .dropped] | add')
echo "# port filter: denied port got $d of $N, allowed got $a of $N; rule hits $hits, stats says $fdrop dropped"
check "port filter: denied port receives nothing" [ "$d" = 0 ]
check "port filter: allowed port receives all" [ "$a" = $N ]
check "port filter: the rule's map counted exactly the denied packets" [ "$hits" = $N ]
check "port filter: stats shows the filter's drops" [ "$fdrop" = $N ]

# 7. a second filter needs libxdp's dispatcher; where the kernel refuses it,
# the attach fails in one line and the first filter stays as it was
"$XN" filter attach $IFN "$FILT/xennet_prefix.bpf.o" --priority 5 >"$T/out" 2>&1; rc=$?
if [ $rc = 0 ]; then
	check "second filter: runs in priority order" sh -c \
		"'$XN' filter list $IFN | awk '/xennet_/ { print \$2 }' | tr '\n' ' ' | grep -q '^xennet_prefix xennet_port_deny'"
	"$XN" filter detach $IFN --prog xennet_prefix >/dev/null
else
	check "second filter without a dispatcher: one line saying why" \
		eval '[ "$(wc -l <"$T/out")" = 1 ] && grep -q "dispatcher" "$T/out"'
	check "second filter refused: first still attached, no pins of the second" sh -c \
		"'$XN' filter list $IFN | grep -q xennet_port_deny && [ ! -e $PIN/xennet_prefix ]"
fi

# 8. detach restores delivery; the maps (the rules) stay pinned for the
# next attach, and --purge removes them
"$XN" filter detach $IFN --prog xennet_port_deny >"$T/out" 2>&1
check "filter detach: detached, its maps stay pinned, says so" sh -c \
	"grep -q 'detached xennet_port_deny; its maps and rules stay under $PIN/xennet_port_deny' $T/out &&
	 [ -e $PIN/xennet_port_deny/xennet_denyport ]"
d=$(udp $N 7001)
check "after detach the denied port receives again ($d of $N)" [ "$d" = $N ]
"$XN" filter detach $IFN --prog xennet_port_deny --purge >"$T/out" 2>&1
check "filter detach --purge of a detached filter: its pins go" sh -c \
	"grep -q 'removed the maps and rules of 1 detached filter' $T/out && [ ! -e $PIN/xennet_port_deny ]"
"$XN" filter detach $IFN --prog xennet_port_deny --purge >"$T/out" 2>&1; rc=$?
check "filter detach --purge with nothing left: exit 1, one line" \
	eval '[ $rc = 1 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "no filter named .xennet_port_deny. is attached or has maps pinned" "$T/out"'

# 8b. a filter removed behind our back (xdp-loader unload) leaves its pins;
# attaching it again must work, and detach --all --purge clears every
# filter's pins
"$XN" filter attach $IFN "$FILT/xennet_port_deny.bpf.o" >/dev/null 2>&1
ip netns exec "$GUEST" xdp-loader unload $IFN --all >/dev/null 2>&1
check "stale pins: attach again after xdp-loader unload" \
	sh -c "'$XN' filter attach $IFN '$FILT/xennet_port_deny.bpf.o' | grep -q 'attached xennet_port_deny'"
mkdir -p "$PIN/xennet_gone"
check "stale pins: detach --all --purge clears every filter's pins" sh -c \
	"'$XN' filter detach $IFN --all --purge >/dev/null && [ ! -e $PIN/xennet_port_deny ] && [ ! -e $PIN/xennet_gone ] && [ -e $PIN/xennet_stats ]"
"$XN" stats --interval >"$T/out" 2>&1; rc=$?
check "usage: an option without its value says so" eval '[ $rc = 2 ] && grep -q "option .--interval. needs a value" "$T/out"'

# 9. down removes a filter's pins with everything else
"$XN" filter attach $IFN "$FILT/xennet_port_deny.bpf.o" >/dev/null 2>&1
stop_up; rc=$?
check "exit 0 with a filter attached ($rc)" [ "$rc" = 0 ]
check "nothing left behind, filter pins included" no_leftovers
stop_sim
finish
