# Shared by the end-to-end tests: namespaces, the simulated backend, the
# frontend, checks, and a cleanup that runs however the test ends.
# Traffic stays in namespaces made here: 198.18.0.0/24 and fd00:18::/64.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
B=${XENNET_BUILD:-build}
XN=$PWD/$B/xennet-xdp
SB=$PWD/$B/xennet-simback
TOOLS=$PWD/$B/tests/tools
T=$(mktemp -d /tmp/xennet-e2e.XXXXXX)
SOCK=$T/sim.sock
# Names of this run's own, never a user's: the interface (xennet0 may be
# carrying a guest's traffic) and the run directory (not /run/xennet).
IFN=xt$$
export XENNET_RUN_DIR=$T/run
WIRE=xnw$$      # the backend's side: the TAP and the "host"
GUEST=xng$$     # the guest's stack: xennet0
WIRE_IP=198.18.0.1 GUEST_IP=198.18.0.2 WIRE_IP6=fd00:18::1 GUEST_IP6=fd00:18::2
NPASS=0 NFAIL=0
SIM_PID= UP_PID=

pass() { echo "PASS $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }
# check NAME COMMAND...: pass if the command succeeds
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
inw() { ip netns exec "$WIRE" "$@"; }
ing() { ip netns exec "$GUEST" "$@"; }

cleanup() {
	[ -n "$UP_PID" ] && kill "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
	[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	[ -n "$IFN" ] && "$XN" down --ifname "$IFN" >/dev/null 2>&1
	ip netns del "$WIRE" 2>/dev/null
	ip netns del "$GUEST" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_netns() {
	ip netns add "$WIRE" && ip netns add "$GUEST" &&
	inw ip link set lo up && ing ip link set lo up
}

# start_sim [simback options...]: backend in the wire namespace, with a TAP
start_sim() {
	: >"$T/sim.log"   # (as start_up's log)
	ip netns exec "$WIRE" "$SB" --socket "$SOCK" "$@" >"$T/sim.log" 2>&1 &
	SIM_PID=$!
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
	echo "simback did not start:"; cat "$T/sim.log"; return 1
}
stop_sim() { [ -n "$SIM_PID" ] && kill "$SIM_PID" && wait "$SIM_PID" 2>/dev/null; SIM_PID=; }

# start_up [xennet-xdp up options...]: frontend in the background, log in $T/up.log
# XENNET_E2E_UP_OPTS: options added to every start_up ("--zerocopy
# --trust-backend" runs the suite in zero-copy mode; ZC is then 1, for the
# few checks whose figures depend on the mode)
ZC=0
case " ${XENNET_E2E_UP_OPTS:-} " in *" --zerocopy "*) ZC=1 ;; esac
start_up() {
	# emptied here, not by the background job's redirection: a wait_log
	# right after must not find the previous instance's lines (under load
	# it did, before the new process had opened the file)
	: >"$T/up.log"
	# shellcheck disable=SC2086 # (options, split)
	"$XN" up --sim "$SOCK" --ifname "$IFN" "$@" ${XENNET_E2E_UP_OPTS:-} >"$T/up.log" 2>&1 &
	UP_PID=$!
}
# wait_log FILE PATTERN [SECONDS]
wait_log() {
	local i
	for i in $(seq $((${3:-10} * 20))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "--- no '$2' in $1:"; cat "$1"; return 1
}
# stop_up: SIGTERM the frontend, wait, return its exit status
stop_up() {
	local rc
	kill -TERM "$UP_PID" 2>/dev/null
	wait "$UP_PID"; rc=$?
	UP_PID=
	return $rc
}
# udp N PORT [ADDR]: N datagrams wire -> guest:PORT (ADDR: the guest's
# IPv4 address, or another of its addresses), in bursts of N/10 that no
# queue on the way overflows; prints what the receiver got
udp() {
	ing "$TOOLS/udpburst" recv "$2" "$1" 1000 >"$T/udp.$2" &
	local r=$! i
	wait_log "$T/udp.$2" ready 5 >/dev/null || return 1
	for i in $(seq 10); do
		inw "$TOOLS/udpburst" send "${3:-$GUEST_IP}" "$2" $(($1 / 10)) 64 >/dev/null
		sleep 0.02
	done
	wait $r
	tail -1 "$T/udp.$2" | awk '{ print $2 }'
}
query() { "$SB" query --socket "$SOCK" | sed -n "s/^$1=//p"; }
# tcp_send FROM ADDR PORT FILE: FILE over TCP to a listener started in the
# background (FROM: inw or ing); tried again while the listener is not
# listening yet (connection refused, nothing sent), 10 s at most: how soon
# a background ncat -l listens depends on the machine's load.  With
# TCP_TIMEOUT=S, each try gives up after S seconds.
tcp_send() {
	local from=$1 addr=$2 port=$3 file=$4 err=$T/tcp_send.$3.err i
	for i in $(seq 50); do
		# shellcheck disable=SC2086
		$from ${TCP_TIMEOUT:+timeout "$TCP_TIMEOUT"} ncat --send-only "$addr" "$port" <"$file" 2>"$err" &&
			return 0
		grep -q "Connection refused" "$err" || break
		sleep 0.2
	done
	cat "$err" >&2
	return 1
}
# be_minus_fe: the packets the backend delivered minus those the frontend
# took (delivered, dropped for want of room, refused), read when neither
# count moves: a packet in flight between two reads is counted by one side
# only.  Compare two of them around some traffic; "unsettled" if the counts
# never stopped moving in 10 s.
be_minus_fe() {
	local i a b c d
	fe_took() {
		"$XN" stats "$IFN" | awk '$1 == "rx_packets" || $1 == "rx_dropped" || $1 == "rx_invalid" { n += $2 } END { print n + 0 }'
	}
	for i in $(seq 50); do
		a=$(query rx-packets) b=$(fe_took); sleep 0.2
		c=$(query rx-packets) d=$(fe_took)
		[ "$a/$b" = "$c/$d" ] && { echo $((a - b)); return 0; }
	done
	echo unsettled
}
# xs_ls DIR: sorted child names of a XenStore directory, through the real client tools
xs_ls() { XENSTORED_PATH=$SOCK xenstore-list "$1" | sort | tr '\n' ' '; }

# Nothing of ours may be left: veth, pins, run files.
no_leftovers() {
	! ip link show "$IFN-p" >/dev/null 2>&1 &&
	! ing ip link show "$IFN" >/dev/null 2>&1 &&
	[ ! -e "/sys/fs/bpf/xennet/$IFN" ] &&
	[ ! -e "$XENNET_RUN_DIR/$IFN.state" ] && [ ! -e "$XENNET_RUN_DIR/$IFN.stats" ] &&
	[ ! -e "$XENNET_RUN_DIR/$IFN.lock" ]
}

finish() {
	echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"
	# what CI shows is this output: a failure leaves the logs' ends in it
	if [ "$NFAIL" != 0 ]; then
		local f
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# --- last lines of $(basename "$f")"
			tail -n 40 "$f" | sed 's/^/# /'
		done
	fi
	[ "$NFAIL" = 0 ]
}
