#!/bin/bash
# make bench: xennet-xdp on the simulated backend beside what a user could
# run instead, in one table.  Every row is measured BENCH_RUNS times
# (default 5) for BENCH_SECS seconds (default 2, after BENCH_WARMUP, 0.5);
# each run measures a row's two sides back to back and takes their ratio
# there, and the table shows the medians (of the rates, and of the ratios,
# with their range).  BENCH_RESULTS=FILE keeps every run's figures.
#
# Paths (README, "Benchmarks", says what each row means):
#   RX (backend -> guest): xennet-simback's generator (--gen-size) fills
#      every RX buffer the frontend posts; rate = frames xennet-xdp put on
#      the XSK (rx_packets).  TX (guest -> backend): xskbench blasts frames
#      out of the guest's interface; the built-in XDP program redirects
#      them to xennet-xdp's XSK, which puts them on the Xen TX ring; rate =
#      frames the backend took.  Frames are for another host's MAC (the
#      stack drops them at once) unless a row says "into a socket".
#   raw AF_XDP: xskbench on a plain veth pair (TX: its far end redirects
#      into a second xskbench's XSK).  TAP: tapbench, one write() (RX) or
#      read() (TX) per frame on a TAP, the generator's very bytes.  socket:
#      frames addressed to the guest's MAC, IP and a UDP port (simback
#      --gen-dst; tapbench the same), counted by udpsink in the guest.
#      filter: tests/tools/drop_all.bpf.o attached with `xennet-xdp filter
#      attach` vs the same program as plain XDP on the raw veth's far end.
#   2 queues: rx with --queues 2 against the 1-queue rows.  jumbo: 9000-
#      byte frames at mtu 9000 in bytes/s against 1500-byte frames at mtu
#      1500, both ways (tx: xskbench's multi-buffer frames).  zero-copy: --zerocopy --trust-backend against --copy, one
#      instance each, rx and tx at 1500 B.  idle: the 2-queue instance
#      without traffic for BENCH_IDLE seconds (default 10), in the first run.
# Columns: sys/pkt = the datapath's rx_kicks + notifies + wakeups per
# packet (from `xennet-xdp stats`); cpu = ns of CPU per packet of the
# datapath threads (xennet-q*, /proc/PID/task/TID/schedstat) and of the
# baseline's process (its getrusage); copied = bytes the datapath copied
# per packet (rx_copied_bytes / tx_copied_bytes); sim = ns of CPU per
# packet of xennet-simback (the backend's share of the two cores).  A row that cannot run
# gives "not available: why", never a number.
#
# Everything here is its own: an interface, a run directory
# (XENNET_RUN_DIR), namespaces and a TAP named after this process; a
# running xennet0 is never touched.
set -u
cd "$(dirname "$0")/.." || exit 1
B=${XENNET_BUILD:-build}
XN=$PWD/$B/xennet-xdp SB=$PWD/$B/xennet-simback TOOLS=$PWD/$B/tests/tools
XB=$TOOLS/xskbench TB=$TOOLS/tapbench US=$TOOLS/udpsink DROP=$TOOLS/drop_all.bpf.o
RUNS=${BENCH_RUNS:-5} SECS=${BENCH_SECS:-2} WARM=${BENCH_WARMUP:-0.5} IDLE=${BENCH_IDLE:-10}
JUMBO=9000   # the jumbo row's frame size (mtu 9000: at most 9014)
KEEP=${BENCH_RESULTS:-}   # a file to keep every run's figures in
T=$(mktemp -d /tmp/xennet-bench.XXXXXX)
export XENNET_RUN_DIR=$T/run
IFN=xb$$ GUEST=xbg$$ RAW=xbr$$ TAPNS=xbt$$ TAP=xbt$$
MAC=00:16:3e:00:00:01 GUEST_IP=198.18.0.2 PORT=5001
SOCK=$T/sim.sock RES=$T/results NA=$T/na
UP='' SIM=''
for v in RUNS SECS WARM IDLE; do
	[[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] && [ "${!v}" != 0 ] ||
		{ echo "bench: BENCH_$v must be a positive number, not '${!v}'" >&2; exit 2; }
done
[[ $RUNS =~ ^[0-9]+$ ]] || { echo "bench: BENCH_RUNS must be a whole number" >&2; exit 2; }

stop_ours() {
	[ -n "$UP" ] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	UP='' SIM=''
}
cleanup() {
	stop_ours
	"$XN" down --ifname "$IFN" >/dev/null 2>&1
	ip netns del "$GUEST" 2>/dev/null; ip netns del "$RAW" 2>/dev/null; ip netns del "$TAPNS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for t in "$XN" "$SB" "$XB" "$TB" "$US" "$DROP"; do
	[ -e "$t" ] || { echo "bench: $t is missing: run make first" >&2; exit 1; }
done

ip netns add "$GUEST" && ip netns add "$RAW" && ip netns add "$TAPNS" || exit 1
ip -n "$RAW" link add rA type veth peer name rB && ip -n "$RAW" link set rA up && ip -n "$RAW" link set rB up &&
# no IPv6 on the TAP: its router solicitations would open tapbench tx's window early
ip netns exec "$TAPNS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
ip -n "$TAPNS" link set lo up && ip -n "$TAPNS" tuntap add dev "$TAP" mode tap &&
ip -n "$TAPNS" link set "$TAP" address 02:00:00:00:00:02 up &&
ip -n "$TAPNS" addr add "$GUEST_IP/24" dev "$TAP" && ip -n "$GUEST" link set lo up &&
# nor in the guest: its router and multicast listener reports would be
# traffic in the idle row
ip netns exec "$GUEST" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || exit 1
TAP_MAC=$(ip -n "$TAPNS" -br link show "$TAP" | awk '{ print $3 }')

Q1=(--queues 1)   # rows other than "2 queues" run one queue
# syscalls counted by the kernel (perf, from linux-perf), or, without it,
# by xennet-xdp's counters (kicks, notifies, event wakeups: no polls)
SYSSRC=counters
perf stat -e raw_syscalls:sys_enter -x, -o /dev/null -- true 2>/dev/null && SYSSRC=perf

# --- one instance of ours: simback + xennet-xdp up in the guest namespace
# start_ours "SIMBACK OPTIONS" "UP OPTIONS": 0, or 1 with the reason in $WHY
start_ours() {
	local i
	rm -f "$SOCK"
	# shellcheck disable=SC2086
	"$SB" --socket "$SOCK" --mac "$MAC" $1 >"$T/sim.log" 2>&1 & SIM=$!
	for i in $(seq 100); do [ -S "$SOCK" ] && break; kill -0 "$SIM" 2>/dev/null || break; sleep 0.05; done
	if [ ! -S "$SOCK" ]; then
		WHY="xennet-simback $1: $(grep -m1 . "$T/sim.log")"; stop_ours; return 1
	fi
	local q=("${Q1[@]}")
	[[ " $2 " == *" --queues "* ]] && q=()
	# shellcheck disable=SC2086
	"$XN" up --sim "$SOCK" --netns "$GUEST" --ifname "$IFN" "${q[@]}" $2 >"$T/up.log" 2>&1 & UP=$!
	for _ in $(seq 200); do
		grep -q "connected to backend" "$T/up.log" && break
		kill -0 "$UP" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q "connected to backend" "$T/up.log"; then
		WHY="xennet-xdp up ${q[*]} $2: $(grep -m1 . "$T/up.log")"; stop_ours; return 1
	fi
	ip -n "$GUEST" link set "$IFN" up && ip -n "$GUEST" addr add "$GUEST_IP/24" dev "$IFN" || {
		WHY="can't configure $IFN"; stop_ours; return 1; }
	sleep 0.2
}
gen() { "$SB" ctl --socket "$SOCK" gen "$1"; }

# ours_snap DIR: "PACKETS KICKS NOTIFIES WAKEUPS DP_NS ALL_NS COPIED SIM_NS":
# packets counted for DIR (rx: what xennet-xdp delivered; tx: what the
# backend took), the datapath's syscalls (XSK kicks, event-channel
# notifies, poll wakeups), the CPU time of its threads (xennet-q*) and of
# the whole process, the bytes it copied for DIR, the simulator's CPU time
ours_snap() {
	local st p dp=0 all=0 sim=0 t comm run
	st=$("$XN" stats "$IFN")
	if [ "$1" = rx ]; then p=$(awk '$1 == "rx_packets" { print $2 }' <<<"$st")
	else p=$("$SB" query --socket "$SOCK" | sed -n 's/^tx-packets=//p'); fi
	for t in /proc/"$UP"/task/*; do
		read -r comm <"$t/comm" 2>/dev/null || continue
		read -r run _ <"$t/schedstat" 2>/dev/null || continue
		all=$((all + run))
		[[ $comm == xennet-q* ]] && dp=$((dp + run))
	done
	for t in /proc/"$SIM"/task/*; do
		read -r run _ <"$t/schedstat" 2>/dev/null && sim=$((sim + run))
	done
	awk -v p="${p:-0}" -v dp="$dp" -v all="$all" -v sim="$sim" -v c="$1_copied_bytes" '
		{ v[$1] = $2 }
		END { print p, v["rx_kicks"] + 0, v["notifies"] + 0, v["wakeups"] + 0, dp, all,
			(c in v ? v[c] : "NA"), sim }' <<<"$st"
}
# dp_tids: the datapath threads of the running instance, comma-separated
dp_tids() {
	local t comm ids=
	for t in /proc/"$UP"/task/*; do
		read -r comm <"$t/comm" 2>/dev/null || continue
		[[ $comm == xennet-q* ]] && ids=${ids:+$ids,}${t##*/}
	done
	echo "$ids"
}
# counted CMD...: CMD, with every syscall the datapath threads make while
# it runs counted by the kernel (perf's raw_syscalls:sys_enter: polls and
# event-channel reads too, which xennet-xdp's own counters leave out);
# "COUNT NS" (NS: the time perf counted for) goes to $T/sys (empty when
# perf cannot count)
counted() {
	local tids=
	: >"$T/sys"
	[ "$SYSSRC" = perf ] && tids=$(dp_tids)
	if [ -n "$tids" ]; then
		# the count and perf's own window (duration_time), so that the
		# rate of syscalls, not their count over a window a few ms off the
		# packets', meets the packets' rate
		perf stat -e raw_syscalls:sys_enter,duration_time -t "$tids" -x, -o "$T/perf" -- "$@"
		awk -F, '$3 ~ /raw_syscalls:sys_enter/ { n = $1 ~ /^[0-9]+$/ ? $1 : 0 }
			$3 ~ /duration_time/ && $1 > 0 { d = $1 } END { if (d) print n, d }' "$T/perf" >"$T/sys"
	else
		"$@"
	fi
}
# ours_measure DIR [CMD...]: "PPS SYS/PKT CPU_NS/PKT COPIED/PKT K/N/W/S" over
# SECS: SYS the datapath's syscalls per packet (every one, with perf; else
# what its counters see), K/N/W those its counters split by kind, S the
# simulator's CPU ns per packet; with CMD (a counter printing "pps N"), PPS
# is CMD's and it runs for SECS
ours_measure() {
	local dir=$1 a b t0 t0b t1 t1b ext='' sys; shift
	# each snapshot's time: the middle of the few ms it takes
	t0=$(date +%s.%N); a=$(ours_snap "$dir"); t0b=$(date +%s.%N)
	if [ $# -gt 0 ]; then ext=$(counted "$@" | sed -n 's/^pps //p'); else counted sleep "$SECS"; fi
	t1=$(date +%s.%N); b=$(ours_snap "$dir"); t1b=$(date +%s.%N)
	sys=$(cat "$T/sys")
	awk -v a="$a" -v b="$b" -v t0="$t0" -v t0b="$t0b" -v t1="$t1" -v t1b="$t1b" -v ext="$ext" -v sys="$sys" '
	BEGIN { split(a, x); split(b, y); split(sys, z)
		n = y[1] - x[1]; t0 = (t0 + t0b) / 2; t1 = (t1 + t1b) / 2
		if (n <= 0) { print (ext != "" ? ext : 0), "NA NA NA NA"; exit }
		printf "%.0f %.5f %.0f %s %.5f/%.5f/%.5f/%.0f\n", (ext != "" ? ext : n / (t1 - t0)),
			(sys != "" ? (z[1] / (z[2] / 1e9)) / (n / (t1 - t0)) : (y[2] + y[3] + y[4] - x[2] - x[3] - x[4]) / n),
			(y[5] - x[5]) / n,
			(x[7] == "NA" ? "NA" : sprintf("%.1f", (y[7] - x[7]) / n)),
			(y[2] - x[2]) / n, (y[3] - x[3]) / n, (y[4] - x[4]) / n, (y[8] - x[8]) / n }'
}
# idle_measure: "ALL_NS DATAPATH_NS SYSCALLS" the running instance spent in
# IDLE seconds without traffic
idle_measure() {
	local a b
	sleep 1   # the set-up's last wakeups
	a=$(ours_snap rx); counted sleep "$IDLE"; b=$(ours_snap rx)
	awk -v a="$a" -v b="$b" -v sys="$(cat "$T/sys")" 'BEGIN { split(a, x); split(b, y); split(sys, z)
		print y[6] - x[6], y[5] - x[5], (sys != "" ? z[1] : y[2] + y[3] + y[4] - x[2] - x[3] - x[4]) }'
}
# bytes "PPS CPU..." SIZE: "BYTES/S CPU...", the rate in bytes
bytes() { awk -v s="$2" '{ $1 = $1 * s; print }' <<<"$1"; }
# ours_rx SIZE / ours_tx SIZE on the running instance
ours_rx() { gen "$1" && sleep "$WARM" && ours_measure rx; gen 0; }
ours_tx() {
	local r g
	ip netns exec "$GUEST" "$XB" tx "$IFN" "$1" "$(awk -v s="$SECS" -v w="$WARM" 'BEGIN { print s + w + 1 }')" \
		>/dev/null & g=$!
	sleep "$WARM"; r=$(ours_measure tx); wait "$g"; echo "$r"
}
# ours_sock SIZE: the generator addresses the guest (instance started with
# --gen-dst); udpsink in the guest counts what reaches the socket
ours_sock() { gen "$1" && sleep "$WARM" && ours_measure rx ip netns exec "$GUEST" "$US" "$PORT" "$SECS"; gen 0; }

# --- baselines: "PPS CPU_NS/PKT"
pps_cpu() { awk '$1 == "pps" { p = $2 } $1 == "cpu_ns" { c = $2 } END { print p + 0, (c == "" ? "NA" : c) }'; }
longer() { awk -v s="$SECS" -v w="$WARM" 'BEGIN { print s + w + 1.5 }'; }
raw_rx() { ip netns exec "$RAW" "$XB" tx rA "$1" "$SECS" | pps_cpu; }
raw_tx() {
	local r
	ip netns exec "$RAW" "$XB" rx rB "$SECS" >"$T/rawrx" & r=$!
	sleep 0.3
	ip netns exec "$RAW" "$XB" tx rA "$1" "$(longer)" >/dev/null
	wait "$r"; pps_cpu <"$T/rawrx"
}
raw_drop() {
	ip -n "$RAW" link set dev rB xdpdrv obj "$DROP" sec xdp || { echo "0 NA"; return; }
	raw_rx "$1"
	ip -n "$RAW" link set dev rB xdpdrv off
}
tap_rx() { ip netns exec "$TAPNS" "$TB" rx "$TAP" "$1" "$SECS" | pps_cpu; }
tap_tx() {
	local r
	ip netns exec "$TAPNS" "$TB" tx "$TAP" "$SECS" >"$T/taptx" & r=$!
	sleep 0.3
	ip netns exec "$TAPNS" "$XB" tx "$TAP" "$1" "$(longer)" >/dev/null
	wait "$r"; pps_cpu <"$T/taptx"
}
# tap_sock SIZE: "PPS CPU": what udpsink counted; CPU is the TAP writer's
tap_sock() {
	local w p
	ip netns exec "$TAPNS" "$TB" rx "$TAP" "$1" "$(longer)" "$TAP_MAC,$GUEST_IP,$PORT" >"$T/tapsock" & w=$!
	sleep "$WARM"
	p=$(ip netns exec "$TAPNS" "$US" "$PORT" "$SECS" | sed -n 's/^pps //p')
	wait "$w"
	echo "${p:-0} $(pps_cpu <"$T/tapsock" | awk '{ print $2 }')"
}

# --- results: one line per row and run:
#     KEY RUN OURS SYS CPU COPIED BASE BCPU K/N/W/S
# record KEY "OURS SYS CPU COPIED [K/N/W/S]" "BASE BCPU"
record() {
	[ -n "$2" ] && [ -n "$3" ] || return 0
	local o
	read -ra o <<<"$2"
	echo "$1 $RUN ${o[0]} ${o[1]:-NA} ${o[2]:-NA} ${o[3]:-NA} $3 ${o[4]:-NA}" >>"$RES"
}
# not_available KEY WHY (the first reason given for KEY is kept)
not_available() { grep -q "^$1 " "$NA" 2>/dev/null || echo "$1 $2" >>"$NA"; }
# measure KEY CMD...: M[KEY] = CMD's output (this run's measurements)
declare -A M
measure() { M[$1]=$("${@:2}"); }
# pair KEY OURSCMD -- BASEKEY BASECMD [-- BASEKEY BASECMD...]: the
# baselines after ours in odd runs, before it in even ones, so that a
# machine getting busier or quieter during a run favours neither side
pair() {
	local ok=$1 oc=() bases=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do oc+=("$1"); shift; done
	shift
	while [ $# -gt 0 ]; do bases+=("$1"); shift; done
	if [ $((RUN % 2)) = 1 ]; then measure "$ok" "${oc[@]}"; fi
	local i=0 bk bc=()
	while [ $i -lt ${#bases[@]} ]; do
		bk=${bases[$i]}; bc=(); i=$((i + 1))
		while [ $i -lt ${#bases[@]} ] && [ "${bases[$i]}" != -- ]; do bc+=("${bases[$i]}"); i=$((i + 1)); done
		i=$((i + 1))
		measure "$bk" "${bc[@]}"
	done
	if [ $((RUN % 2)) = 0 ]; then measure "$ok" "${oc[@]}"; fi
}

# one run: every row, each ratio from measurements taken here.  An idle
# interrupt-mode instance takes no CPU, so the baselines run beside it; a
# busy-polling one spins, so it is stopped before anything else runs.
one_run() {
	local s d o
	M=()
	if start_ours "" "--poll busy"; then
		for s in 64 1500; do
			measure "busy.rx.$s" ours_rx "$s"; measure "busy.tx.$s" ours_tx "$s"
		done
		stop_ours
	else
		not_available raw "$WHY"
	fi
	if start_ours "" "--poll interrupt"; then
		for s in 64 1500; do
			for d in rx tx; do
				pair "$d.$s" "ours_$d" "$s" -- "raw.$d.$s" "raw_$d" "$s" -- "tap.$d.$s" "tap_$d" "$s"
				record "raw.$d.$s.interrupt" "${M[$d.$s]}" "${M[raw.$d.$s]}"
				record "tap.$d.$s" "${M[$d.$s]}" "${M[tap.$d.$s]}"
				record "raw.$d.$s.busy" "${M[busy.$d.$s]:-}" "${M[raw.$d.$s]}"
			done
		done
		if "$XN" filter attach "$IFN" "$DROP" >"$T/filter.log" 2>&1; then
			for s in 64 1500; do
				pair "drop.$s" ours_rx "$s" -- "raw_drop.$s" raw_drop "$s"
				record "drop.$s" "${M[drop.$s]}" "${M[raw_drop.$s]}"
			done
			"$XN" filter detach "$IFN" --all >/dev/null 2>&1
		else
			not_available drop "xennet-xdp filter attach: $(grep -m1 . "$T/filter.log")"
		fi
		stop_ours
	else
		not_available raw "$WHY"; not_available tap "$WHY"; not_available drop "$WHY"
	fi
	# into a socket in the guest
	if start_ours "--gen-dst $MAC,$GUEST_IP,$PORT" "--poll interrupt"; then
		for s in 64 1500; do
			pair "sock.$s" ours_sock "$s" -- "tap_sock.$s" tap_sock "$s"
			record "sock.$s" "${M[sock.$s]}" "${M[tap_sock.$s]}"
		done
		stop_ours
	else
		not_available sock "$WHY"
	fi
	# two queues against the one of the interrupt rows above; in the first
	# run, that instance idle first: the CPU it takes in BENCH_IDLE seconds
	if [ ! -e "$NA.q2" ]; then
		if start_ours "" "--poll interrupt --queues 2"; then
			local nq
			nq=$("$XN" status "$IFN" --json | sed -n 's/.*"queues": *\([0-9]*\).*/\1/p')
			[ "$RUN" = 1 ] && idle_measure >"$T/idle"
			if [ "${nq:-0}" = 2 ]; then
				for s in 64 1500; do
					measure "q2.$s" ours_rx "$s"
					record "q2.$s" "${M[q2.$s]}" "$(awk '{ print $1, $3 }' <<<"${M[rx.$s]:-}")"
				done
			else
				not_available q2 "xennet-xdp up --queues 2 runs ${nq:-?} queue(s) on the simulator (status)"
				touch "$NA.q2"
			fi
			stop_ours
		else
			not_available q2 "$WHY"; not_available idle "$WHY"; touch "$NA.q2"
		fi
	fi
	# jumbo frames: bytes per second at mtu 9000 against the 1500-byte
	# frames of the mtu 1500 instance above
	if [ ! -e "$NA.jumbo" ]; then
		if start_ours "--mtu 9000" "--poll interrupt"; then
			local mtu why=
			mtu=$(ip -n "$GUEST" -o link show "$IFN" | sed -n 's/.* mtu \([0-9]*\).*/\1/p')
			[ "$mtu" = 9000 ] ||
				why="the backend's mtu 9000 gave the guest interface mtu $mtu"
			gen "$JUMBO" 2>"$T/gen.log" ||
				why="${why:+$why; }xennet-simback ctl gen $JUMBO says: $(grep -m1 . "$T/gen.log" | sed 's/^xennet-simback: //')"
			gen 0
			if [ -n "$why" ]; then
				not_available jumbo "$why"
				touch "$NA.jumbo"
			else
				for d in rx tx; do
					measure "jumbo.$d" "ours_$d" "$JUMBO"
					record "jumbo.$d" "$(bytes "${M[jumbo.$d]}" "$JUMBO")" \
						"$(bytes "$(awk '{ print $1, $3 }' <<<"${M[$d.1500]:-}")" 1500)"
				done
			fi
			stop_ours
		else
			not_available jumbo "$WHY"; touch "$NA.jumbo"
		fi
	fi
	# copy vs zero-copy, one instance each, in either order by run
	if [ ! -e "$NA.zc" ]; then
		local modes="copy zc"
		[ $((RUN % 2)) = 0 ] && modes="zc copy"
		for o in $modes; do
			if start_ours "" "--poll interrupt $( [ $o = zc ] && echo --zerocopy --trust-backend || echo --copy)"; then
				measure "$o.rx" ours_rx 1500; measure "$o.tx" ours_tx 1500
				stop_ours
			else
				not_available zc "$WHY"; touch "$NA.zc"
			fi
		done
		for d in rx tx; do
			record "zc.$d" "${M[zc.$d]:-}" "$(awk '{ print $1, $3 }' <<<"${M[copy.$d]:-}")"
		done
	fi
}

echo "xennet-xdp benchmark: $RUNS runs x ${SECS} s per measurement, medians; each ratio taken within one run"
echo "machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for RUN in $(seq "$RUNS"); do
	printf 'run %s/%s...\r' "$RUN" "$RUNS" >&2
	one_run
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the table
# row KEY LABEL GOAL [DIV]: medians over the runs of KEY's lines, the
# rates divided by DIV (default 1e6: Mpps)
row() {
	local key=$1 label=$2 goal=$3 div=${4:-1e6} why
	why=$(awk -v k="${key%%.*}" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$NA" 2>/dev/null)
	if [ -n "$why" ] && ! grep -q "^$key " "$RES" 2>/dev/null; then
		printf '  %-40s not available: %s\n' "$label" "$why"; return
	fi
	if ! grep -q "^$key " "$RES" 2>/dev/null; then
		printf '  %-40s not available: no run measured it\n' "$label"; return
	fi
	awk -v key="$key" -v label="$label" -v goal="$goal" -v runs="$RUNS" -v div="$div" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function med(col, arr,   i, m) { m = 0; for (i = 1; i <= n; i++) if (v[i, col] != "NA") arr[++m] = v[i, col]
		return m ? median(arr, m) : "NA" }
	$1 == key { n++; for (c = 3; c <= 8; c++) v[n, c] = $c
		v[n, 9] = split($9, kn, "/") == 4 ? kn[4] : "NA"
		if ($7 > 0) { r = $3 / $7; rr[++m] = r; lo = (m == 1 || r < lo) ? r : lo; hi = (m == 1 || r > hi) ? r : hi } }
	END {
		# a run whose baseline measured nothing has no ratio
		if (!m) { printf "  %-40s %7.3f   0.000  (the baseline moved nothing in any run)\n", label, med(3, a3) / div; exit }
		ratio = median(rr, m)
		ours = med(3, a3); sys = med(4, a4); cpu = med(5, a5); cp = med(6, a6); base = med(7, a7); bcpu = med(8, a8); sim = med(9, a9)
		verdict = goal == "-" ? "" : (ratio >= goal ? " met" : " NOT met")
		if (m < runs) label = label " (" m "/" runs " runs)"
		printf "  %-40s %7.3f %7.3f  %5.2f %-11s %-12s %8s %6s %6s %7s %6s\n", label, ours / div, base / div, ratio,
			sprintf("[%.2f-%.2f]", lo, hi), (goal == "-" ? "-" : ">=" goal verdict),
			(sys == "NA" ? "n/a" : sprintf("%.4f", sys)), (cpu == "NA" ? "n/a" : sprintf("%.0f", cpu)),
			(bcpu == "NA" ? "n/a" : sprintf("%.0f", bcpu)), (cp == "NA" ? "n/a" : sprintf("%.0f", cp)),
			(sim == "NA" ? "n/a" : sprintf("%.0f", sim))
	}' "$RES"
}
# sysrow KEY LABEL: KEY's median sys/pkt against issue 10's <= 0.005, and
# the medians of the kinds xennet-xdp counts (XSK kicks, event-channel
# notifies, event wakeups) and, with perf, of the rest (poll() and event-
# channel reads)
sysrow() {
	awk -v k="$1" -v label="$2" '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	$1 == k && $4 != "NA" { s[++n] = $4; split($9, x, "/"); kk[n] = x[1]; nn[n] = x[2]; ww[n] = x[3]
		oo[n] = $4 - x[1] - x[2] - x[3] }
	END { if (!n) { printf "  %-40s n/a\n", label; exit }
		m = median(s, n)
		printf "  %-40s %.4f %-8s kicks %.4f  notifies %.4f  wakeups %.4f%s\n", label, m,
			(m <= 0.005 ? "met" : "NOT met"), median(kk, n), median(nn, n), median(ww, n),
			(src == "perf" ? sprintf("  polls+reads %.4f", median(oo, n)) : "") }' src="$SYSSRC" "$RES"
}
# the idle instance: CPU over IDLE seconds without traffic
idle_line() {
	local why
	if [ ! -s "$T/idle" ]; then
		why=$(awk '$1 == "idle" || $1 == "q2" { $1 = ""; sub(/^ /, ""); print; exit }' "$NA" 2>/dev/null)
		printf '  %-40s not available: %s\n' "idle" "${why:-not measured}"; return
	fi
	read -r all dp sys <"$T/idle"
	awk -v all="$all" -v dp="$dp" -v sys="$sys" -v secs="$IDLE" 'BEGIN {
		printf "  %-40s datapath threads %.3f ms CPU, %d syscalls; whole process %.3f ms (%.4f%% of a core): %s\n",
			"idle 2 queues, interrupt poll, " secs " s", dp / 1e6, sys, all / 1e6, all / (secs * 1e7),
			(dp == 0 && sys == 0 ? "no CPU: met" : "NOT met") }'
}
echo
printf '  %-40s %7s %7s  %5s %-11s %-12s %8s %6s %6s %7s %6s\n' "" "ours" "base" "" "" "" "" "cpu ns" "/pkt" "copied" "sim ns"
printf '  %-40s %7s %7s  %5s %-11s %-12s %8s %6s %6s %7s %6s\n' "row" "Mpps" "Mpps" "ratio" "[range]" "goal" "sys/pkt" "ours" "base" "B/pkt" "/pkt"
echo "xennet-xdp vs raw AF_XDP on a plain veth (frames for another MAC)"
for d in rx tx; do for s in 64 1500; do for mode in interrupt busy; do
	row "raw.$d.$s.$mode" "$d $( [ $d = rx ] && echo 'backend->guest' || echo 'guest->backend' ) ${s}B $mode" -
done; done; done
echo "xennet-xdp vs TAP, one write()/read() per frame (interrupt poll)"
for d in rx tx; do for s in 64 1500; do row "tap.$d.$s" "$d ${s}B" 1.0; done; done
echo "into a UDP socket in the guest: xennet-xdp vs TAP"
for s in 64 1500; do row "sock.$s" "rx ${s}B to 198.18.0.2:$PORT" 1.0; done
echo "user filter dropping everything vs raw XSK TX into XDP_DROP"
for s in 64 1500; do row "drop.$s" "rx ${s}B, drop_all on the guest iface" 0.8; done
echo "queues (base: the 1-queue interrupt rows above)"
for s in 64 1500; do row "q2.$s" "rx ${s}B 2 queues vs 1" 1.7; done
echo "jumbo frames, Gbit/s (base: rx 1500B at mtu 1500 above; cpu ns is per frame)"
for d in rx tx; do row "jumbo.$d" "$d ${JUMBO}B at mtu 9000 vs 1500B" - 1.25e8; done
echo "copy vs zero-copy, 1500B (base: copy mode; copied B/pkt: ours)"
row zc.rx "rx zero-copy vs copy" 1.2
row zc.tx "tx zero-copy vs copy" 1.2
if [ "$SYSSRC" = perf ]; then
	echo "datapath syscalls per packet under load (issue 10: <= 0.005), medians; every syscall of its threads (perf)"
else
	echo "datapath syscalls per packet under load (issue 10: <= 0.005), medians; as xennet-xdp counts them (no perf: polls and event reads not seen)"
fi
for d in rx tx; do for mode in interrupt busy; do for s in 64 1500; do
	sysrow "raw.$d.$s.$mode" "$d ${s}B $mode poll"
done; done; done
for d in rx tx; do sysrow "zc.$d" "$d 1500B zero-copy, interrupt poll"; done
echo "an idle instance (issue 10: no CPU in interrupt mode)"
idle_line
[ -z "$KEEP" ] || { cat "$RES" "$NA" 2>/dev/null >"$KEEP"; echo "every run's figures: $KEEP (KEY RUN OURS SYS/PKT CPU COPIED BASE BASE_CPU KICKS/NOTIFIES/WAKEUPS/SIM_CPU)"; }
