#!/bin/bash
# Clients of the simulator's control socket that are not the guest.  A HELLO
# whose memfds are smaller than it claims, or not sealed against shrinking,
# is refused (the simulator would take a SIGBUS on its next access); a
# second HELLO while a guest holds the grant table is refused instead of
# disconnecting the guest; the simulator keeps serving throughout.
. "$(dirname "$0")/lib.sh"
make_netns || exit 1
hello() { "$TOOLS/simclient" "$SOCK" "$@" 2>&1; }

start_sim --tap wire0 || exit 1
out=$(hello --pages 64 --pool-bytes 4096)
check "HELLO with a pool smaller than claimed: refused ($out)" [ "${out#hello: err 22 }" != "$out" ]
out=$(hello --gt-bytes 4096)
check "HELLO with a grant table smaller than 4096 entries: refused ($out)" [ "${out#hello: err 22 }" != "$out" ]
out=$(hello --no-seal)
check "HELLO with memfds not sealed against shrinking: refused ($out)" [ "${out#hello: err 1 }" != "$out" ]
check "the simulator still answers" [ "$(query backend-state)" = 2 ]

start_up --netns "$GUEST" --timeout 5
wait_log "$T/up.log" "connected to backend" || fail "guest: connect"
inw ip addr add $WIRE_IP/24 dev wire0 && inw ip link set wire0 up
ing ip addr add $GUEST_IP/24 dev $IFN && ing ip link set $IFN up
check "guest: traffic" inw ping -q -c 3 -i 0.1 -W 2 $GUEST_IP
out=$(hello)
check "a second HELLO while the guest is connected: refused ($out)" [ "${out#hello: err 16 }" != "$out" ]
check "the guest is still connected" [ "$(query connected)/$(query disconnects)" = 1/0 ]
check "guest: traffic after the second HELLO" inw ping -q -c 3 -i 0.1 -W 2 $GUEST_IP
check "guest: exits cleanly" stop_up
# the guest's control connection is gone: the next HELLO is taken
out=$(hello)
check "a HELLO after the guest left: accepted ($out)" [ "${out#hello: err 0 }" != "$out" ]
check "nothing left behind" no_leftovers
finish
