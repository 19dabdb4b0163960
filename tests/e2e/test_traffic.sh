#!/bin/bash
# Real traffic both ways through xennet-xdp and the simulated backend, in
# both poll modes (issue: the AF_XDP datapath).
. "$(dirname "$0")/lib.sh"
MB=${XENNET_TCP_MB:-200}
BURST=${XENNET_UDP_BURST:-100000}
make_netns || exit 1
head -c $((MB * 1024 * 1024)) /dev/urandom >"$T/blob"
BLOB_SUM=$(sha256sum <"$T/blob" | cut -d' ' -f1)

stat_of() { "$XN" stats "$IFN" | awk -v k="$1" '$1 == k { print $2 }'; }
# frames the kernel could not put on xennet-xdp's XSK: no fill-ring frame
# (rx_dropped) or a full RX ring (rx_ring_full) -- both are drops
xsk_drops() { echo $(( $(stat_of xsk_rx_dropped) + $(stat_of xsk_rx_ring_full) )); }
# kernel UDP receive-buffer drops in the wire namespace
udp_rcvbuf_errors() { inw awk '/^Udp: [0-9]/ { print $6 }' /proc/net/snmp; }

frame_sizes() {   # every Ethernet frame size 60..1514 as an ICMP echo, from $1
	local side=$1 dst=$2 bad=0
	# payload s gives a frame of s+42 bytes; ping compares every echoed byte
	$side sh -c "for s in \$(seq 18 1472); do
		out=\$(ping -q -c 1 -W 1 -s \$s -p a55a0ff0 $dst 2>&1) || { echo \"size \$s: \$out\"; exit 1; }
		case \$out in *wrong*|*corrupt*) echo \"size \$s: \$out\"; exit 1;; esac
	done"
}

tcp_transfer() {  # $1 receiver ns fn, $2 sender ns fn, $3 address: content checked end to end
	local recv=$1 send=$2 addr=$3 port=$((5000 + RANDOM % 1000)) sum
	$recv sh -c "ncat -l --recv-only $addr $port | sha256sum | cut -d' ' -f1 >$T/recv.sum" &
	local rpid=$!
	sleep 0.3
	tcp_send "$send" "$addr" "$port" "$T/blob"
	wait $rpid
	sum=$(cat "$T/recv.sum")
	[ "$sum" = "$BLOB_SUM" ] || { echo "sha256 $sum != $BLOB_SUM"; return 1; }
}

udp_burst() {     # $BURST datagrams guest -> wire; every counter must agree
	local f0 b0 d0 k0 f1 b1 d1 k1 sent got bad F B D K
	inw "$TOOLS/udpburst" recv 7000 "$BURST" 2000 >"$T/udp.out" &
	local rpid=$!
	wait_log "$T/udp.out" ready 5 || return 1
	f0=$(stat_of tx_packets); b0=$(query tx-packets); d0=$(xsk_drops); k0=$(udp_rcvbuf_errors)
	sent=$(ing "$TOOLS/udpburst" send $WIRE_IP 7000 "$BURST" 64 | sed -n 's/^sent //p')
	wait $rpid
	sleep 1.2     # xennet-xdp refreshes the XSK's kernel counters every second
	f1=$(stat_of tx_packets); b1=$(query tx-packets); d1=$(xsk_drops); k1=$(udp_rcvbuf_errors)
	read -r _ got _ bad <<<"$(tail -1 "$T/udp.out")"
	F=$((f1 - f0)) B=$((b1 - b0)) D=$((d1 - d0)) K=$((k1 - k0))
	echo "# udp: sender sent $sent; xennet-xdp forwarded $F, XSK dropped $D; backend took $B; receiver got $got (bad $bad), its socket dropped $K"
	[ "$sent" = "$BURST" ] || return 1
	[ "$bad" = 0 ] || return 1
	# every frame the frontend forwarded reached the backend
	[ "$F" = "$B" ] || return 1
	# sent = forwarded + dropped at the XSK (plus at most a few ARP/ND frames)
	[ $((F + D)) -ge "$sent" ] && [ $((F + D)) -le $((sent + 10)) ] || return 1
	# forwarded UDP = received + dropped by the receiving socket
	[ "$got" -le "$sent" ] && [ $((got + K)) -ge $((F - 10)) ] && [ $((got + K)) -le "$F" ]
}

# interrupt mode asks the backend for no event for a few TX responses
# (nq_final_check); they are collected within a bounded time all the same.
# The frontend's rsp_event, set to what it has consumed as it goes to
# sleep, then equals the backend's rsp_prod on every queue.
tx_collected() {
	local i b0
	# one datagram to a neighbour that is not there (no ARP, no answer:
	# nothing comes back to wake the datapath), then nothing: once the
	# backend has taken it, its TX response comes back with no event
	b0=$(query tx-packets)
	ing ip neigh replace 198.18.0.99 lladdr 02:00:00:00:00:99 dev "$IFN" nud permanent &&
		ing bash -c "echo one >/dev/udp/198.18.0.99/7001" || return 1
	for i in $(seq 50); do [ "$(query tx-packets)" -gt "$b0" ] && break; sleep 0.1; done
	for i in $(seq 50); do
		"$SB" query --socket "$SOCK" |
			awk '/^queue-[0-9]+-tx-ring=/ { n++; if ($8 != $10) bad = 1 } END { exit bad || !n }' && return 0
		sleep 0.1
	done
	"$SB" query --socket "$SOCK" | grep tx-ring
	return 1
}

start_sim --tap wire0 || exit 1
for mode in interrupt busy; do
	start_up --netns "$GUEST" --poll $mode --timeout 5
	wait_log "$T/up.log" "connected to backend" || { fail "$mode: connect"; continue; }
	if [ "$mode" = interrupt ]; then
		inw ip addr add $WIRE_IP/24 dev wire0 && inw ip addr add $WIRE_IP6/64 dev wire0 nodad || fail "wire addresses"
	fi
	ing ip addr add $GUEST_IP/24 dev $IFN && ing ip addr add $GUEST_IP6/64 dev $IFN nodad &&
		ing ip link set $IFN up || fail "$mode: guest addresses"
	check "$mode: ping IPv4 guest -> wire" ing ping -q -c 3 -i 0.2 -W 2 $WIRE_IP
	check "$mode: ping IPv4 wire -> guest" inw ping -q -c 3 -i 0.2 -W 2 $GUEST_IP
	check "$mode: ping IPv6 guest -> wire" ing ping -6 -q -c 3 -i 0.2 -W 2 $WIRE_IP6
	check "$mode: ping IPv6 wire -> guest" inw ping -6 -q -c 3 -i 0.2 -W 2 $GUEST_IP6
	check "$mode: ARP resolved through xennet0" sh -c "ip netns exec $GUEST ip neigh show $WIRE_IP | grep -q lladdr"
	check "$mode: every frame size 60..1514, guest -> wire and back" frame_sizes ing $WIRE_IP
	check "$mode: every frame size 60..1514, wire -> guest and back" frame_sizes inw $GUEST_IP
	t0=$(date +%s.%N)
	check "$mode: TCP $MB MB guest -> wire, sha256 intact" tcp_transfer inw ing $WIRE_IP
	t1=$(date +%s.%N)
	check "$mode: TCP $MB MB wire -> guest, sha256 intact" tcp_transfer ing inw $GUEST_IP
	t2=$(date +%s.%N)
	awk -v m="$MB" -v a="$t0" -v b="$t1" -v c="$t2" -v mode="$mode" \
		'BEGIN { printf "# %s: TCP guest->wire %.0f Mbit/s, wire->guest %.0f Mbit/s\n", mode, m*8.388608/(b-a), m*8.388608/(c-b) }'
	check "$mode: UDP burst of $BURST, counters agree" udp_burst
	check "$mode: no invalid responses from an honest backend" [ "$(stat_of rx_invalid)/$(stat_of tx_invalid)" = 0/0 ]
	stop_up; rc=$?
	check "$mode: clean exit ($rc)" [ "$rc" = 0 ]
	check "$mode: zero grants after" [ "$(query grants-active)" = 0 ]
	check "$mode: nothing left behind" no_leftovers
done

# TX responses with no event, on a quiet link: a backend without a wire
# (nothing comes back to wake the datapath) and one datagram from the guest
stop_sim
start_sim || exit 1
start_up --netns "$GUEST" --poll interrupt --timeout 5
if wait_log "$T/up.log" "connected to backend"; then
	# (no IPv6 there: its reports would be more frames, later)
	ing sysctl -qw net.ipv6.conf.$IFN.disable_ipv6=1 && ing ip addr add $GUEST_IP/24 dev $IFN &&
		ing ip link set $IFN up || fail "quiet: guest address"
	sleep 0.5
	w0=$(stat_of wakeups)
	check "quiet: a lone TX response is collected with no event asked" tx_collected
	check "quiet: ...and no event woke the datapath for it" [ "$(stat_of wakeups)" = "$w0" ]
	stop_up; rc=$?
	check "quiet: clean exit ($rc)" [ "$rc" = 0 ]
else
	fail "quiet: connect"
fi
finish
