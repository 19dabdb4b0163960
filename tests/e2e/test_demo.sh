#!/bin/bash
# `make demo` is one of the README's two commands: it must run, show the
# handshake, traffic both ways and a filter at work, and leave nothing behind.
. "$(dirname "$0")/lib.sh"
XENNET_BUILD=$B XENNET_DEMO_TAG=$$ XENNET_DEMO_IFNAME=$IFN bash scripts/demo.sh >"$T/demo" 2>&1; rc=$?
check "demo: exit 0 ($rc)" [ "$rc" = 0 ]
check "demo: the seed's diagnostics" sh -c "grep -q '$IFN: using event channel 7' $T/demo && grep -q '$IFN: using RX copy mode' $T/demo"
check "demo: both pings without loss" [ "$(grep -c ' 0% packet loss' "$T/demo")" = 2 ]
check "demo: the filter dropped the denied datagram, passed the other" \
	sh -c "grep -q 'xennet_port_st dropped 1' $T/demo && grep -qE 'xennet_port_st passed [1-9]' $T/demo"
check "demo: every grant revoked at the end" grep -q 'grants-active=0' "$T/demo"
check "demo: ends with 'demo done.'" grep -q '^demo done.' "$T/demo"
check "demo: no namespace, veth, pin or run file left" sh -c \
	"! ip netns list | grep -q 'xndemo-[wg]$$' && ! ip link show $IFN-p >/dev/null 2>&1 && [ ! -e /sys/fs/bpf/xennet/$IFN ]"
[ "$NFAIL" = 0 ] || cat "$T/demo"
finish
