#!/bin/bash
# What the kernel's netfront negotiates with xen-netback, negotiated with the
# simulator (which does it as netback 6.12 does): two queues, split event
# channels, scatter-gather and jumbo frames, checksum offload, GSO; then the
# same traffic in zero-copy mode, where the datapath copies nothing (but to
# cut GSO packets up); then a backend that abuses each new field.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
FILT=$PWD/$B/filters
stat_of() { "$XN" stats "$IFN" | awk -v k="$1" '$1 == k { print $2 }'; }
fe_key() { XENSTORED_PATH=$SOCK xenstore-read "/local/domain/1/device/vif/0/$1" 2>/dev/null; }
addrs() {
	inw ip link set wire0 mtu "$1"
	inw ip addr add $WIRE_IP/24 dev wire0 2>/dev/null; inw ip link set wire0 up
	ing ip addr add $GUEST_IP/24 dev $IFN 2>/dev/null; ing ip link set $IFN up
}
# tcp DIRECTION MB: a transfer over TCP, sha256 compared; prints "OK" or why not
tcp() {
	local from=inw to=$GUEST dst=$GUEST_IP sent got
	[ "$1" = out ] && from=ing to=$WIRE dst=$WIRE_IP
	head -c $(($2 * 1048576)) /dev/urandom >"$T/blob"
	# (bounded, and not in a function's subshell, so that kill reaches it: a
	# backend that breaks the connection leaves the listener waiting)
	ip netns exec "$to" timeout "${TCP_TIMEOUT:-120}" ncat -l "$dst" 7000 >"$T/rx" & local l=$!
	sleep 0.3
	TCP_TIMEOUT=${TCP_TIMEOUT:-120} tcp_send "$from" "$dst" 7000 "$T/blob" || kill "$l" 2>/dev/null
	wait $l
	sent=$(sha256sum <"$T/blob" | cut -d' ' -f1)
	got=$(sha256sum <"$T/rx" | cut -d' ' -f1)
	[ "$sent" = "$got" ] && echo OK || echo "sha256 $got, sent $sent ($(wc -c <"$T/rx") bytes)"
}
# every ICMP payload size from 0 to MAX (in steps, and the edges), both ways,
# unfragmented; ping checks each reply's bytes
sizes() {
	local max=$1 bad=""
	for s in 0 1 56 1400 1472 1473 3000 4000 4050 4096 8000 8500 $((max - 1)) "$max"; do
		[ "$s" -gt "$max" ] && continue
		inw ping -q -c 1 -W 2 -M do -s "$s" $GUEST_IP >/dev/null 2>&1 || bad="$bad in:$s"
		ing ping -q -c 1 -W 2 -M do -s "$s" $WIRE_IP >/dev/null 2>&1 || bad="$bad out:$s"
	done
	echo "${bad:-OK}"
}

# 1. negotiation
start_sim --tap wire0 --mtu 9000 || exit 1
start_up --netns "$GUEST" --timeout 5 --queues 2
check "offloads: connects" wait_log "$T/up.log" "connected to backend domain 0, 2 queues"
check "offloads: the keys of two queues with split channels" eval '[ "$(fe_key multi-queue-num-queues)" = 2 ] &&
	fe_key queue-0/event-channel-tx >/dev/null && fe_key queue-0/event-channel-rx >/dev/null &&
	fe_key queue-1/tx-ring-ref >/dev/null && ! fe_key event-channel >/dev/null && ! fe_key tx-ring-ref >/dev/null'
check "offloads: sg, gso-tcpv4/6, checksum offload requested" eval '[ "$(fe_key feature-sg)" = 1 ] &&
	[ "$(fe_key feature-gso-tcpv4)" = 1 ] && [ "$(fe_key feature-gso-tcpv6)" = 1 ] &&
	[ "$(fe_key feature-ipv6-csum-offload)" = 1 ] && ! fe_key feature-no-csum-offload >/dev/null'
check "offloads: the simulator agrees (queues, features)" eval '[ "$(query queues)" = 2 ] &&
	query features | grep -q "sg gso-tcpv4 gso-tcpv6 csum ipv6-csum"'
"$XN" status --json >"$T/st.json"
check "offloads: status shows them" jq -e '.[0].queues == 2 and (.[0].features | index("sg")) != null and
	(.[0].features | index("gso-tcpv4")) != null and (.[0].features | index("split-event-channels")) != null and
	(.[0].event_channels | length) == 4 and .[0].mtu == 9000' "$T/st.json"
check "jumbo: the guest interface has mtu 9000" sh -c "ip netns exec $GUEST ip link show $IFN | grep -q 'mtu 9000 '"
addrs 9000

# 2. jumbo frames of every size, both ways, intact
r=$(sizes 8972)
check "jumbo: ICMP of every size to 8972 both ways, unfragmented ($r)" [ "$r" = OK ]
check "jumbo: multi-slot packets both ways" eval '[ "$(query rx-slots)" -gt "$(query rx-packets)" ] &&
	[ "$(query tx-slots)" -gt "$(query tx-packets)" ]'
# a user filter on the guest's interface at mtu 9000: the example filters are
# SEC("xdp.frags"), and filter attach says so to libxdp, or the kernel would
# refuse a program that cannot take multi-buffer frames at this MTU
check "jumbo: a filter (xennet_port_deny) attaches at mtu 9000" \
	"$XN" filter attach $IFN "$FILT/xennet_port_deny.bpf.o"
r=$(sizes 8972)
check "jumbo: with the filter, ICMP of every size to 8972 both ways ($r)" [ "$r" = OK ]
check "jumbo: the filter detaches" "$XN" filter detach $IFN --prog xennet_port_deny --purge

# 3. TCP with checksum offload and GSO, both ways, on two queues
flows=
head -c 20000000 /dev/zero >"$T/zero"
for i in 1 2 3 4; do   # several flows: the queues share them
	inw sh -c "ncat -l $WIRE_IP $((7100 + i)) >/dev/null" & flows="$flows $!"
done
sleep 0.3
for i in 1 2 3 4; do
	tcp_send ing $WIRE_IP $((7100 + i)) "$T/zero" & flows="$flows $!"
done
# (only these: a bare wait would wait for the simulator and up too)
for p in $flows; do wait "$p"; done
r=$(tcp in 50)
check "tcp wire->guest 50 MiB intact ($r)" [ "$r" = OK ]
r=$(tcp out 50)
check "tcp guest->wire 50 MiB intact ($r)" [ "$r" = OK ]
echo "# rx_gso $(stat_of rx_gso) (segments $(stat_of rx_gso_segments)), rx_csum_offloaded $(stat_of rx_csum_offloaded), rx_csum_sw $(stat_of rx_csum_sw); sim: rx-gso $(query rx-gso) rx-csum-blank $(query rx-csum-blank) tx-csum-blank $(query tx-csum-blank)"
check "gso: the backend's GSO packets were cut up here" eval '[ "$(stat_of rx_gso)" -gt 0 ] &&
	[ "$(stat_of rx_gso_segments)" -gt "$(stat_of rx_gso)" ]'
check "csum: partial checksums handed on or completed" \
	eval '[ $(( $(stat_of rx_csum_offloaded) + $(stat_of rx_csum_sw) )) -gt 0 ]'
check "queues: both carried traffic each way" eval '[ "$(query queue-0-rx-packets)" -gt 0 ] &&
	[ "$(query queue-1-rx-packets)" -gt 0 ] && [ "$(query queue-0-tx-packets)" -gt 0 ] &&
	[ "$(query queue-1-tx-packets)" -gt 0 ]'
check "no invalid responses, no errors" eval '[ "$(stat_of rx_invalid)/$(stat_of tx_invalid)/$(stat_of rx_errors)" = 0/0/0 ]'
# (what the backend counted above, the frontend's stats say per queue too)
check "stats --json: each queue's counters, both queues carried traffic each way, summing to the total" \
	sh -c "'$XN' stats $IFN --json | jq -e '.[0] as \$i | (\$i.queues | length) == 2 and
		([\$i.queues[].counters.rx_packets] | add) == \$i.counters.rx_packets and
		([\$i.queues[].counters.tx_packets] | add) == \$i.counters.tx_packets and
		all(\$i.queues[]; .counters.rx_packets > 0 and .counters.tx_packets > 0)' >/dev/null"
check "stats: each queue's lines (\"queue N name value\")" \
	sh -c "'$XN' stats $IFN | grep -q '^queue 0 rx_packets [1-9]' && '$XN' stats $IFN | grep -q '^queue 1 tx_packets [1-9]'"
stop_up; rc=$?
check "offloads: clean exit ($rc), zero grants" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim

# 4. zero-copy: the UMEM is the granted pages; no byte copied by the datapath
#    (without offloads: GSO packets would be cut up, in copies)
start_sim --tap wire0 --mtu 9000 || exit 1
start_up --netns "$GUEST" --timeout 5 --zerocopy --no-offload
check "zero-copy: connects" wait_log "$T/up.log" "connected to backend"
check "zero-copy: status says so" eval '[ "$("$XN" status --json | jq -r ".[0].rx_mode")" = zero-copy ]'
addrs 9000
r=$(sizes 8972)
check "zero-copy: ICMP of every size to 8972 both ways ($r)" [ "$r" = OK ]
r=$(tcp in 50)
check "zero-copy: tcp wire->guest 50 MiB intact ($r)" [ "$r" = OK ]
r=$(tcp out 50)
check "zero-copy: tcp guest->wire 50 MiB intact ($r)" [ "$r" = OK ]
echo "# zero-copy: rx_copied_bytes $(stat_of rx_copied_bytes) tx_copied_bytes $(stat_of tx_copied_bytes), rx_bytes $(stat_of rx_bytes) tx_bytes $(stat_of tx_bytes)"
check "zero-copy: the datapath copied nothing either way" \
	eval '[ "$(stat_of rx_copied_bytes)/$(stat_of tx_copied_bytes)" = 0/0 ] && [ "$(stat_of rx_bytes)" -gt 50000000 ]'
stop_up; rc=$?
check "zero-copy: clean exit ($rc), zero grants" eval '[ "$rc" = 0 ] && [ "$(query grants-active)" = 0 ]'
stop_sim
check "zero-copy: nothing left behind" no_leftovers

# 4b. zero-copy with the offloads negotiated: the backend writes each packet
#     at the start of its page, where the kernel's TX metadata cannot go, so
#     checksums are completed here (found in the real tier: every frame an
#     invalid XSK descriptor); with 512 UMEM frames a queue, every free
#     frame went on the Xen RX ring and a GSO packet, cut into copies, had
#     none to go in: TCP from the backend stalled (found in the real tier)
start_sim --tap wire0 || exit 1
start_up --netns "$GUEST" --timeout 5 --zerocopy --queues 1 --umem-frames 512
check "zero-copy, offloads on: connects" wait_log "$T/up.log" "connected to backend"
addrs 1500
r=$(tcp in 20)
check "zero-copy, offloads on, 512 frames: tcp wire->guest 20 MiB intact ($r)" [ "$r" = OK ]
check "zero-copy, offloads on: GSO packets from the backend cut up ($(stat_of rx_gso) packets, $(stat_of rx_gso_segments) segments)" \
	eval '[ "$(stat_of rx_gso)" -gt 0 ] && [ "$(stat_of rx_gso_segments)" -gt "$(stat_of rx_gso)" ]'
r=$(tcp out 5)
check "zero-copy, offloads on: tcp guest->wire 5 MiB intact ($r)" [ "$r" = OK ]
check "zero-copy, offloads on: no invalid XSK descriptor ($(stat_of xsk_tx_invalid))" [ "$(stat_of xsk_tx_invalid)" = 0 ]
stop_up || fail "zero-copy, offloads on: exit status"
stop_sim

# 5. a backend abusing each new field: a bad packet is counted and dropped,
#    a broken chain ends the connection in one line
for kind in bad-extra-type gso-size-0 gso-size-big long-chain missing-last bad-chain-id; do
	start_sim --tap wire0 --mtu 9000 --hostile $kind --hostile-every 5 || exit 1
	start_up --netns "$GUEST" --timeout 5
	wait_log "$T/up.log" "connected to backend" || { fail "$kind: connect"; stop_sim; continue; }
	addrs 9000
	TCP_TIMEOUT=15 tcp in 5 >/dev/null   # (it may break the connection)
	inw ping -q -c 20 -i 0.05 -W 1 -s 5000 $GUEST_IP >/dev/null 2>&1
	case $kind in
	missing-last | bad-chain-id)
		for _ in $(seq 100); do kill -0 "$UP_PID" 2>/dev/null || break; sleep 0.05; done
		wait "$UP_PID"; rc=$?; UP_PID=
		check "$kind: the protocol broken: exit non-zero ($rc), one line" eval '[ "$rc" != 0 ] &&
			grep -q "^$IFN: backend is broken: RX .*; shutting down$" "$T/up.log"'
		;;
	*)
		check "$kind: bad packets counted ($(stat_of rx_invalid)), still running" \
			eval '[ "$(stat_of rx_invalid)" -gt 0 ] && kill -0 $UP_PID'
		stop_up
		;;
	esac
	check "$kind: grants revoked, nothing left behind" eval '[ "$(query grants-active)" = 0 ] && no_leftovers'
	stop_sim
done
finish
