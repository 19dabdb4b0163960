#!/bin/bash
# Filter rules by name (`xennet-xdp filter rule`): for each example filter,
# every rule command round-trips through its pinned maps (text and JSON),
# bad input gets one line and a non-zero exit, the rules survive a detach
# and a new attach (pins reused by name), and traffic from the backend
# obeys them.  One filter at a time: where the kernel refuses libxdp's
# dispatcher, only one runs.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
FILT=$PWD/$B/filters
PIN=/sys/fs/bpf/xennet/$IFN
N=200
R() { "$XN" filter rule "$IFN" "$@"; }

start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || { fail "connect"; finish; exit 1; }
inw ip addr add $WIRE_IP/24 dev wire0 && inw ip addr add $WIRE_IP6/64 dev wire0 nodad &&
	ing ip addr add $GUEST_IP/24 dev $IFN && ing ip addr add $GUEST_IP6/64 dev $IFN nodad &&
	ing ip link set $IFN up || fail "addresses"
check "ping wire -> guest" inw ping -q -c 3 -i 0.2 -W 2 $GUEST_IP
check "ping6 wire -> guest" inw ping -6 -q -c 3 -i 0.2 -W 2 $GUEST_IP6

# rc_one NAME RC TEXT CMD...: CMD exits RC with one line on stderr holding TEXT, nothing on stdout
rc_one() {
	local name=$1 want=$2 text=$3 rc
	shift 3
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	check "$name: exit $want, one line" eval \
		'[ $rc = $want ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ] && grep -q -- "$text" "$T/err"' ||
		{ echo "  rc=$rc:"; cat "$T/out" "$T/err"; }
}
attach() { "$XN" filter attach $IFN "$FILT/$1.bpf.o" >"$T/out" 2>&1 || { cat "$T/out"; return 1; }; }
reattach() { "$XN" filter detach $IFN --prog "$1" >"$T/detach" 2>&1 && attach "$1"; }
jqe() { jq -e "$@" >/dev/null; }
fstat() { "$XN" stats $IFN --json | jq -r "[.[0].filters[] | select(.program == \"$1\") | .$2] | add"; }

# before any filter: nothing to edit
rc_one "port list with no filter" 1 "no filter has xennet_denyport pinned under $PIN" R port list
rc_one "not a running instance" 1 "lo: not an interface of a running xennet-xdp instance" \
	"$XN" filter rule lo port list
rc_one "no such rule command" 2 "filter rule $IFN port: 'frob' is not one of: add, del, list" R port frob
rc_one "too few words" 2 "filter rule $IFN port: which one? add, del, list" "$XN" filter rule $IFN port

# ---- xennet_port_deny ---------------------------------------------------
attach xennet_port_deny || fail "attach xennet_port_deny"
check "port add 7001/udp: exit 0, silent" eval 'R port add 7001/udp >"$T/out" 2>&1 && [ ! -s "$T/out" ]'
check "port add 7003 (tcp and udp)" R port add 7003
rc_one "port add of a rule that is there" 1 "xennet_port_deny already denies 7001/udp" R port add 7001/udp
rc_one "port add 7003/tcp again (the bare 7003 added it)" 1 "already denies 7003/tcp" R port add 7003/tcp
rc_one "port add 70000/udp" 2 "'70000/udp' is not a port" R port add 70000/udp
rc_one "port add 53/icmp" 2 "'53/icmp': the protocol is tcp or udp" R port add 53/icmp
rc_one "port add without a port" 2 "filter rule: missing PORT" R port add
rc_one "port add with --json" 2 "filter rule: unknown option '--json'" R port add 53 --json
R port list --json >"$T/list.json"
check "port list --json: the three rules, sorted, no hits yet" jqe --arg ifn "$IFN" \
	'.ifname == $ifn and .filter == "xennet_port_deny" and
	 ([.rules[] | "\(.port)/\(.proto)"] == ["7001/udp", "7003/tcp", "7003/udp"]) and
	 ([.rules[].hits] | add) == 0' "$T/list.json"
check "port list (text): one line per rule" sh -c \
	"R() { '$XN' filter rule $IFN \"\$@\"; }; R port list | grep -Eq '^  deny 7001/udp +hits 0\$' &&
	 [ \$(R port list | grep -c '^  deny ') = 3 ]"
check "the rules are the filter's own keys (bpftool sees 7001/udp)" sh -c \
	"bpftool map lookup pinned $PIN/xennet_port_deny/xennet_denyport key 0x59 0x1b 0x11 0x00 >/dev/null"
d=$(udp $N 7001) a=$(udp $N 7002) d3=$(udp $N 7003)
echo "# port rules: 7001/udp got $d of $N, 7002 got $a, 7003 got $d3"
check "traffic: 7001/udp and 7003 denied, 7002 passes" eval '[ "$d" = 0 ] && [ "$d3" = 0 ] && [ "$a" = $N ]'
check "port list --json: hits of 7001/udp = $N" sh -c \
	"'$XN' filter rule $IFN port list -j | jq -e '.rules[] | select(.port == 7001) | .hits == $N' >/dev/null"
check "port del 7003/tcp" R port del 7003/tcp
reattach xennet_port_deny || fail "re-attach xennet_port_deny"
check "re-attach: detach said the rules stay" grep -q "its maps and rules stay under $PIN/xennet_port_deny" "$T/detach"
check "re-attach: the rules and their hits survive" sh -c \
	"'$XN' filter rule $IFN port list -j | jq -e '[.rules[] | \"\\(.port)/\\(.proto):\\(.hits)\"] == [\"7001/udp:$N\", \"7003/udp:$N\"]' >/dev/null"
d=$(udp $N 7001)
check "re-attach: the new program obeys the old rules (7001 got $d of $N)" [ "$d" = 0 ]
check "port del 7001/udp" R port del 7001/udp
rc_one "port del of a rule that is not there" 1 "xennet_port_deny does not deny 7001/udp" R port del 7001/udp
check "port del 7003 (both: only udp left, that one goes)" R port del 7003
rc_one "port del 7003 again" 1 "does not deny 7003 (tcp or udp)" R port del 7003
a=$(udp $N 7001)
check "traffic: 7001 passes once its rule is gone ($a of $N)" [ "$a" = $N ]
check "port list --json: empty" sh -c "'$XN' filter rule $IFN port list --json | jq -e '.rules == []' >/dev/null"
check "detach --purge: rules and pins go" sh -c \
	"'$XN' filter detach $IFN --prog xennet_port_deny --purge | grep -q 'removed its maps' && [ ! -e $PIN/xennet_port_deny ]"

# ---- xennet_prefix -------------------------------------------------------
attach xennet_prefix || fail "attach xennet_prefix"
check "prefix list --json: an empty deny-list" sh -c \
	"'$XN' filter rule $IFN prefix list -j | jq -e '.mode == \"deny\" and .rules == [] and .filter == \"xennet_prefix\"' >/dev/null"
check "prefix add $WIRE_IP/32 (deny)" R prefix add $WIRE_IP/32
check "prefix add fd00:18::/64 deny" R prefix add fd00:18::/64 deny
rc_one "prefix add of one that is there" 1 "$WIRE_IP/32 is on the deny-list of xennet_prefix already" \
	R prefix add $WIRE_IP/32
rc_one "an allow rule on a deny-list" 1 "xennet_prefix is a deny-list of 2 prefixes: an allow rule can't join it" \
	R prefix add 10.0.0.0/8 allow
rc_one "host bits set" 2 "'10.1.2.3/8' has bits set beyond /8 (the prefix is 10.0.0.0/8)" R prefix add 10.1.2.3/8
rc_one "a prefix length too long" 2 "the prefix length is 0..32" R prefix add 10.0.0.0/33
rc_one "an IPv4-mapped IPv6 prefix" 2 "is IPv4-mapped" R prefix add ::ffff:198.18.0.0/112
rc_one "not a prefix" 2 "'nonsense' is not an IPv4 or IPv6 prefix" R prefix add nonsense
rc_one "a word that is not deny or allow" 2 "'maybe' is not deny or allow" R prefix add 10.0.0.0/8 maybe
R prefix list --json >"$T/list.json"
check "prefix list --json: both families, action deny" jqe \
	'.mode == "deny" and ([.rules[] | "\(.family) \(.prefix) \(.action)"] ==
	 ["ipv4 198.18.0.1/32 deny", "ipv6 fd00:18::/64 deny"])' "$T/list.json"
d=$(udp $N 7001) d6=$(udp $N 7002 $GUEST_IP6)
echo "# prefix deny-list: IPv4 got $d of $N, IPv6 got $d6 of $N"
check "traffic: both sources denied (IPv4 $d, IPv6 $d6)" eval '[ "$d" = 0 ] && [ "$d6" = 0 ]'
reattach xennet_prefix || fail "re-attach xennet_prefix"
# (the IPv4 rule counted every datagram; the IPv6 one at least the
# neighbour solicitations, without which no datagram is sent)
check "re-attach: the prefix rules and their hits survive" sh -c \
	"'$XN' filter rule $IFN prefix list -j | jq -e '.mode == \"deny\" and (.rules | length) == 2 and
	 .rules[0].hits == $N and .rules[1].hits >= 1' >/dev/null"
d=$(udp $N 7001)
check "re-attach: still denied ($d of $N)" [ "$d" = 0 ]
check "prefix del both" eval 'R prefix del $WIRE_IP/32 && R prefix del fd00:18::/64'
rc_one "prefix del of one that is not there" 1 "$WIRE_IP/32 is not on the list of xennet_prefix" R prefix del $WIRE_IP/32
# an empty list takes the first rule's word: an allow-list
R prefix add 198.18.0.0/24 allow >"$T/out" 2>&1; rc=$?
check "prefix add 198.18.0.0/24 allow on an empty list: an allow-list, warns about IPv6" eval \
	'[ $rc = 0 ] && grep -q "allow-list with no IPv6 prefix: every IPv6 packet is dropped" "$T/out"'
a=$(udp $N 7001) d6=$(udp $N 7002 $GUEST_IP6)
echo "# prefix allow-list: IPv4 (allowed) got $a of $N, IPv6 (no prefix) got $d6 of $N"
check "traffic: the allowed IPv4 source passes, IPv6 is dropped" eval '[ "$a" = $N ] && [ "$d6" = 0 ]'
# (IPv6 needs its link-local sources too: neighbour discovery)
check "prefix add fd00:18::/64 and fe80::/10 (they take the list's word: allow)" \
	eval 'R prefix add fd00:18::/64 && R prefix add fe80::/10'
a6=$(udp $N 7002 $GUEST_IP6)
check "traffic: IPv6 passes once allowed ($a6 of $N)" [ "$a6" = $N ]
check "prefix list: allow-list" sh -c "'$XN' filter rule $IFN prefix list | grep -q 'allow-list of 3 prefixes'"
R prefix del 198.18.0.0/24 && R prefix del fd00:18::/64 && R prefix del fe80::/10 2>"$T/out"
check "the last prefix of an allow-list: warns that every IP packet is dropped" \
	grep -q "allow-list with no prefix left: every IP packet is dropped" "$T/out"
d=$(udp $N 7001)
check "traffic: an empty allow-list drops everything ($d of $N)" [ "$d" = 0 ]
check "a deny rule turns the empty list into a deny-list" sh -c \
	"'$XN' filter rule $IFN prefix add 10.0.0.0/8 deny && '$XN' filter rule $IFN prefix list -j | jq -e '.mode == \"deny\"' >/dev/null"
a=$(udp $N 7001)
check "traffic: passes again ($a of $N)" [ "$a" = $N ]
"$XN" filter detach $IFN --all --purge >/dev/null 2>&1

# ---- xennet_ratelimit ----------------------------------------------------
attach xennet_ratelimit || fail "attach xennet_ratelimit"
check "ratelimit list --json: no limit" sh -c \
	"'$XN' filter rule $IFN ratelimit list -j | jq -e '.rules == [] and .filter == \"xennet_ratelimit\"' >/dev/null"
check "ratelimit list: no limit (text)" sh -c "'$XN' filter rule $IFN ratelimit list | grep -q 'no limit'"
rc_one "ratelimit del with no limit" 1 "xennet_ratelimit has no limit to remove" R ratelimit del
rc_one "a rate of 0" 2 "'0/s' is not a rate" R ratelimit set 0/s
rc_one "a rate per minute" 2 "'10/m' is not a rate" R ratelimit set 10/m
rc_one "a burst of 0" 2 "'0' is not a burst" R ratelimit set 10/s burst 0
rc_one "burst without its number" 2 "'burst' needs a value" R ratelimit set 10/s burst
check "ratelimit set 1/s burst 5" R ratelimit set 1/s burst 5
check "ratelimit list --json: 1/s burst 5" sh -c \
	"'$XN' filter rule $IFN ratelimit list -j | jq -e '.rules == [{\"rate_pps\": 1, \"burst\": 5}]' >/dev/null"
p0=$(fstat xennet_ratelimit dropped)
got=$(udp $N 7001)
p1=$(fstat xennet_ratelimit dropped)
echo "# ratelimit 1/s burst 5: $got of $N got through, the filter dropped $((p1 - p0))"
# at least the burst, far fewer than sent (1 more per second of sending)
check "traffic: the burst passes, the rest is limited ($got of $N)" eval '[ "$got" -ge 5 ] && [ "$got" -le $((N / 2)) ]'
check "the filter counted every datagram it dropped" [ $((p1 - p0)) = $((N - got)) ]
check "ratelimit list: the source is tracked" sh -c \
	"'$XN' filter rule $IFN ratelimit list -j | jq -e '.sources >= 1' >/dev/null"
reattach xennet_ratelimit || fail "re-attach xennet_ratelimit"
check "re-attach: the limit survives" sh -c \
	"'$XN' filter rule $IFN ratelimit list -j | jq -e '.rules == [{\"rate_pps\": 1, \"burst\": 5}] and .sources >= 1' >/dev/null"
got=$(udp $N 7001)
check "re-attach: still limited ($got of $N)" eval '[ "$got" -le $((N / 2)) ]'
check "ratelimit set 1000/s: burst defaults to the rate" sh -c \
	"'$XN' filter rule $IFN ratelimit set 1000/s && '$XN' filter rule $IFN ratelimit list | grep -q '1000/s burst 1000 per source'"
check "ratelimit del" R ratelimit del
got=$(udp $N 7001)
check "traffic: no limit once removed ($got of $N)" [ "$got" = $N ]

# ---- two filters with the same maps: --prog says which -------------------
"$XN" filter detach $IFN --all --purge >/dev/null 2>&1
clang -g -O2 -target bpf -I"$PWD/include" -I/usr/include/$(uname -m)-linux-gnu \
	-Dxennet_port_deny=xennet_port_two -c bpf/filters/xennet_port_deny.bpf.c -o "$T/two.o"
attach xennet_port_deny && R port add 7001/udp && "$XN" filter detach $IFN --prog xennet_port_deny >/dev/null &&
	"$XN" filter attach $IFN "$T/two.o" >/dev/null || fail "two filters with xennet_denyport"
rc_one "two filters have the map: say which" 1 "2 filters have xennet_denyport pinned" R port list
check "--prog picks the detached one's rules" sh -c \
	"'$XN' filter rule $IFN port list --prog xennet_port_deny -j | jq -e '.filter == \"xennet_port_deny\" and (.rules | length) == 1' >/dev/null"
check "--prog picks the other one's (empty)" sh -c \
	"'$XN' filter rule $IFN port list --prog xennet_port_two -j | jq -e '.filter == \"xennet_port_two\" and .rules == []' >/dev/null"
rc_one "--prog naming no filter" 1 "no filter named xennet_nope has xennet_denyport" R port list --prog xennet_nope

# ---- a pinned map of another layout is refused, not reused --------------
"$XN" filter detach $IFN --all --purge >/dev/null 2>&1
mkdir -p "$PIN/xennet_port_deny"
bpftool map create "$PIN/xennet_port_deny/xennet_denyport" type hash key 8 value 8 entries 4 name xennet_denyport
rc_one "rule on a map of another layout" 1 "is not the map xennet-xdp knows" R port list
rc_one "attach over a pinned map of another layout" 1 "is not the one xennet_port_deny declares" \
	"$XN" filter attach $IFN "$FILT/xennet_port_deny.bpf.o"
check "...and nothing attached" sh -c "! ip netns exec $GUEST ip link show $IFN | grep -q xdp"
check "detach --purge removes the stray pins" sh -c \
	"'$XN' filter detach $IFN --prog xennet_port_deny --purge >/dev/null && [ ! -e $PIN/xennet_port_deny ]"
check "then the filter attaches" attach xennet_port_deny

stop_up; rc=$?
check "exit 0 ($rc)" [ "$rc" = 0 ]
check "nothing left behind, filter pins included" no_leftovers
rc_one "rules of a stopped instance" 1 "$IFN: not an interface of a running xennet-xdp instance" R port list
stop_sim
finish
