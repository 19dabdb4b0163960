#!/bin/sh
# dom0 side of the real-Xen checks, run by dom0's /init as
#     sh /tests/dom0-checks.sh MODE MB ROUNDS [XNOPTS]
# MODE netfront: only the kernel's xen-netfront is checked (the baseline);
# MODE both:     the kernel's xen-netfront and xennet-xdp, in this one boot,
#                side by side: the domU boots with the kernel's driver bound
#                to vif-0, xennet-xdp takes the vif over and gives it back.
# MB: size in MiB of each TCP transfer; ROUNDS: measurement rounds per side;
# XNOPTS: extra options for every `xennet-xdp up` (say --zerocopy).
#
# Creates one PV domU with one vif (backend: Linux xen-netback in this dom0,
# vifD.0 addressed 198.18.0.1/24 by the hotplug script; the domU's eth0 has
# 198.18.0.2/24), drives it through its xenstore agent (domu-init.sh) and
# prints one line per check:  PASS SIDE:NAME  or  FAIL SIDE:NAME WHY, with
# SIDE boot, kernel or xennet; INFO lines (what xennet-xdp ran with and
# negotiated); RATE SIDE:METRIC#ROUND lines (the rounds
# alternate kernel, xennet, kernel, xennet, ... in this boot); XS lines
# (xenstore dumps) and XSW lines (a timeline of vif keys).
# Exits non-zero if any check failed.
MODE=${1:-netfront}
MB=${2:-4}
ROUNDS=${3:-2}
XNOPTS=${4:-}
case $XNOPTS in *[!A-Za-z0-9=\ -]*)
	echo "FAIL boot:xnopts xennet-xdp options \"$XNOPTS\": only letters, digits, -, = and spaces"
	exit 1 ;;
esac
DOM0_IP=198.18.0.1
DOMU_IP=198.18.0.2
FRAME_PORT=7007
FLOOD_PORT=9
failed=0
SIDE=boot

# (sh has only global variables: each function uses names of its own)
pass() { echo "PASS $SIDE:$*"; }
fail() {
	_f=$1
	shift
	echo "FAIL $SIDE:$_f $*"
	failed=$((failed + 1))
}
# check NAME CMD...: PASS NAME if CMD succeeds, else FAIL NAME with $WHY
# (which CMD sets when it fails, or the caller set before for a test).
check() {
	_c=$1
	shift
	if "$@"; then pass "$_c"; else fail "$_c" "$WHY"; return 1; fi
}
# verdict NAME: PASS NAME if $WHY is empty, else FAIL NAME $WHY.
verdict() { if [ -z "$WHY" ]; then pass "$1"; else fail "$1" "$WHY"; return 1; fi; }
# step WHAT: a timestamped progress line, to see where the time goes.
step() { echo "dom0: [$(uptime_s)] $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
secs() { cut -d. -f1 /proc/uptime; }
since() { echo "$1 $(uptime_s)" | awk '{ printf "%.1f", $2 - $1 }'; }
# xsr PATH: xenstore-read, quiet when PATH is missing, loud if it crashes.
xsr() {
	xenstore-read "$1" 2>/dev/null
	r=$?
	[ $r -ge 128 ] && echo "dom0: xenstore-read $1 died with status $r" >&2
	return $r
}
# rate METRIC BYTES SECONDS: one RATE line in MB/s (10^6 bytes).
rate() {
	echo "$1 $2 $3" | awk -v s="$SIDE" -v r="$ROUND" '{ v = ($3 > 0) ? $2 / $3 / 1e6 : 0;
		printf "RATE %s:%s#%s %.1f MB/s (%d bytes in %.2f s)\n", s, $1, r, v, $2, $3 }'
}
# cpu_rate METRIC TICKS BYTES: one RATE line: the frontend's CPU in the
# domU (TICKS of 10 ms: cpu_fe in domu-checks.sh) per MiB moved.
cpu_rate() {
	echo "$1 $2 $3" | awk -v s="$SIDE" -v r="$ROUND" '{ v = ($3 > 0) ? $2 * 10 / ($3 / 1048576) : 0;
		printf "RATE %s:%s#%s %.0f ms/MiB (frontend CPU: %d ticks for %d bytes)\n", s, $1, r, v, $2, $3 }'
}
# frame_rate METRIC SUMMARY: framecheck's summary line as a RATE line
# (echoed frames per second, 32 in flight).
frame_rate() {
	echo "$2" | awk -v s="$SIDE" -v r="$ROUND" -v n="$1" '{ t = $(NF - 1); k = $6;
		printf "RATE %s:%s#%s %.0f frames/s (%s)\n", s, n, r, (t > 0) ? k / t : 0, $0 }'
}

# ---- talking to the domU's agent -------------------------------------------
DN=0
# domu SECONDS COMMAND: run COMMAND (a shell command line, with the functions
# of domu-checks.sh) in the domU; wait for it at most SECONDS (+ slack).
# Sets OUT to the last 1000 bytes of its output; returns its exit status
# (137 when the agent's timeout killed it, 124 when the agent never answered).
# The agent's paths are relative to its domain, so they follow it across a
# restore or a migration (DP is re-read by ids).
domu() {
	t=$1
	shift
	n=$DN
	DN=$((DN + 1))
	xenstore-write "$DP/data/cmd$n" "$t $*"
	end=$(($(secs) + t + 15))
	while ! rc=$(xsr "$DP/data/rc$n"); do
		[ "$(secs)" -gt "$end" ] && { OUT="agent did not answer"; return 124; }
		sleep 0.1
	done
	OUT=$(xsr "$DP/data/out$n")
	return "$rc"
}
# out_lines: OUT as lines (xenstore-read shows a newline as the two
# characters \n); last_line: the last of them.
out_lines() { printf '%s\n' "$OUT" | awk '{ gsub(/\\n/, "\n"); print }'; }
last_line() { out_lines | tail -n 1; }
# one_line TEXT: TEXT on one line, short (xenstore-read shows newlines as \n).
one_line() { printf '%s' "$*" | tr '\n' ' ' | sed 's/\\n/ /g; s/  */ /g' | cut -c1-240; }
# in_domu SECONDS COMMAND: domu, with WHY set to its output when it fails.
in_domu() { domu "$@" || { WHY=$(one_line "$OUT"); return 1; }; }

# ids: (re)read the domU's domain id and its xenstore paths; a restore or a
# migration gives the domain a new id and a new backend directory.
ids() {
	D=$(xl domid domu 2>/dev/null) || return 1
	DP=/local/domain/$D
	FE=$DP/device/vif/0
	BE=$(xsr "$FE/backend") || BE=/local/domain/0/backend/vif/$D/0
}

# wait_state PATH VALUE SECONDS: wait until xenstore PATH holds VALUE.
wait_state() {
	end=$(($(secs) + $3))
	while [ "$(xsr "$1")" != "$2" ]; do
		[ "$(secs)" -gt "$end" ] && return 1
		sleep 0.2
	done
}
# both_connected [SECONDS]: backend and frontend both at 4 (Connected).
both_connected() {
	wait_state "$BE/state" 4 "${1:-60}" && wait_state "$FE/state" 4 10 && return 0
	WHY="backend state $(xsr "$BE/state"), frontend state $(xsr "$FE/state")"
	return 1
}

# dump_xs WHEN: both ends' xenstore directories, with permissions (XS lines).
dump_xs() {
	echo "XS --- $1: backend $BE"
	xenstore-ls -fp "$BE" 2>&1 | sed 's/^/XS /'
	echo "XS --- $1: frontend $FE"
	xenstore-ls -fp "$FE" 2>&1 | sed 's/^/XS /'
}
# fe_keys: the names of the frontend's keys (relative to its directory).
fe_keys() { xenstore-ls -f "$FE" 2>/dev/null | sed "s| = .*||; s|^$FE/||" | sort; }

# diagnose WHEN: both sides' view, after a failed check (at most three times).
DIAGS=0
diagnose() {
	[ $DIAGS -ge 3 ] && return
	DIAGS=$((DIAGS + 1))
	echo "---- dom0 diagnostics ($1)"
	xl list
	ip link show "vif$D.0"
	grep "vif$D.0" /proc/net/dev
	ip neigh
	xenstore-ls -f "$BE" | grep -E '/state|hotplug'
	xenstore-ls -f "$FE" | grep -E '/state'
	dmesg | tail -n 20
	echo "---- end of dom0 diagnostics"
	domu 60 diag
}
# failed_since N WHEN: diagnose if checks failed since the count was N.
failed_since() { [ "$failed" -gt "$1" ] && diagnose "$2"; }

# mapped_grants: how many of the domU's grant references (past the 8
# reserved ones: console and xenstore rings) some domain holds mapped or
# pinned, from the hypervisor's own grant-table dump (debug key 'g').  Every
# dumped entry is also printed as an XG line.  The entries are printed below
# the boot's loglvl=warning, so the level is raised around the dump.
mapped_grants() {
	xl dmesg -c >/dev/null 2>&1
	xl set-parameters loglvl=all >/dev/null 2>&1
	xl debug-keys g >/dev/null 2>&1 || { echo "?"; return 1; }
	sleep 1
	xl set-parameters loglvl=warning >/dev/null 2>&1
	xl dmesg -c 2>/dev/null | tr -d '\r' | awk -v d="$D" '
		/grant-table for remote d/ { cur = ($0 ~ ("remote d" d " ")) }
		cur && /\[0x[0-9a-fA-F]+\]/ {
			print "XG " $0 > "/dev/stderr"
			h = $0; sub(/.*\[0x/, "", h); sub(/\].*/, "", h)
			ref = 0
			for (i = 1; i <= length(h); i++)
				ref = ref * 16 + index("0123456789abcdef", tolower(substr(h, i, 1))) - 1
			if (ref >= 8) n++
		}
		END { print n + 0 }'
}

# ---- kernel oopses -----------------------------------------------------------
# What a kernel prints when something went badly wrong.
OOPS_RE='kernel BUG|BUG:|Oops|WARNING:|Call Trace|general protection fault|[Pp]anic'
# new_matches SOURCE FILE: the lines of FILE matching OOPS_RE that were not
# there at the last call for SOURCE (its count is kept in /tmp/oops.SOURCE).
new_matches() {
	grep -aE "$OOPS_RE" "$2" >/tmp/oops.cur 2>/dev/null
	prev=$(cat "/tmp/oops.$1" 2>/dev/null || echo 0)
	wc -l </tmp/oops.cur >"/tmp/oops.$1"
	tail -n +$((prev + 1)) /tmp/oops.cur
}
# no_oops WHEN: check no-oops-WHEN: the domU's console (every guest-*.log of
# xenconsoled: a migrated domain starts as domu--incoming) and dom0's dmesg
# show no kernel BUG, oops, warning, call trace, GPF or panic since the
# last such check; the offending lines are printed.
no_oops() {
	: >/tmp/oops.new
	for f in /var/log/xen/console/guest-*.log; do
		[ -e "$f" ] || continue
		new_matches "$(basename "$f")" "$f" | sed 's/^/domU| /' >>/tmp/oops.new
	done
	dmesg >/tmp/dmesg.now
	new_matches dom0-dmesg /tmp/dmesg.now | sed 's/^/dom0-dmesg| /' >>/tmp/oops.new
	if [ -s /tmp/oops.new ]; then
		fail "no-oops-$1" "$(wc -l </tmp/oops.new) line(s) of kernel trouble: $(one_line "$(head -n 3 /tmp/oops.new)")"
		echo "---- kernel trouble ($1)"
		cat /tmp/oops.new
		echo "----"
	else
		pass "no-oops-$1"
	fi
}

# ---- traffic -------------------------------------------------------------------
# ping_dom0_within SECONDS: dom0 pings the domU until it answers, at most
# SECONDS; WHY says how long it took (or that it never answered).
ping_dom0_within() {
	t0=$(uptime_s)
	end=$(($(secs) + $1))
	until ping -c 1 -W 1 $DOMU_IP >/dev/null 2>&1; do
		[ "$(secs)" -ge "$end" ] && { WHY="the domU did not answer a ping for $1 s"; return 1; }
	done
	WHY="answered after $(since "$t0") s"
	echo "dom0: the domU $WHY"
}
ping_domu_within() {
	in_domu $(($1 + 20)) "ping_within $1" || return 1
	echo "dom0: $(last_line)"
}

x_ping_out() { in_domu 40 "ping -c 3 -W 10 $DOM0_IP"; }
x_ping_in() {
	ping -c 3 -W 10 $DOMU_IP >/tmp/ping.log 2>&1 && return 0
	WHY=$(one_line "$(tail -n 2 /tmp/ping.log)")
	return 1
}
x_frames_out() {
	in_domu 240 "framecheck send $DOM0_IP $FRAME_PORT 18 1472" || return 1
	frame_rate frames-domu-to-dom0 "$(last_line)"
}
x_frames_in() {
	if framecheck send $DOMU_IP $FRAME_PORT 18 1472 >/tmp/fc.log 2>&1; then
		frame_rate frames-dom0-to-domu "$(tail -n 1 /tmp/fc.log)"
	else
		WHY=$(one_line "$(cat /tmp/fc.log)")
		return 1
	fi
}
# TCP, MB MiB each way, content compared by sha256.
#    dom0 -> domU: the domU fetches dom0's blob.
x_tcp_in() {
	in_domu 300 "fetch http://$DOM0_IP:8080/blob" || return 1
	# shellcheck disable=SC2046 # split "SHA BYTES SECONDS" into $1 $2 $3
	set -- $(last_line)
	if [ "$1" != "$BLOB_SHA" ] || [ "$2" != $((MB * 1048576)) ]; then
		WHY="got sha256 $1 ($2 bytes), sent $BLOB_SHA"
		return 1
	fi
	if [ -n "${ROUND:-}" ]; then
		rate tcp-dom0-to-domu "$2" "$3"
		cpu_rate cpu-tcp-dom0-to-domu "$4" "$2"
	fi
	return 0
}
#    domU -> dom0: dom0 fetches the domU's blob.
x_tcp_out() {
	rm -f /tmp/rx
	c0=
	domu 20 cpu_fe && c0=$(last_line)
	t0=$(uptime_s)
	if ! timeout 300 wget -q -O /tmp/rx "http://$DOMU_IP:8080/blob"; then
		WHY="wget from the domU failed"
		return 1
	fi
	dt=$(since "$t0")
	got=$(sha256sum /tmp/rx | cut -d' ' -f1)
	size=$(wc -c </tmp/rx)
	rm -f /tmp/rx
	if [ "$got" != "$DOMU_SHA" ] || [ "$size" != $((MB * 1048576)) ]; then
		WHY="got sha256 $got ($size bytes), domU sent $DOMU_SHA"
		return 1
	fi
	rate tcp-domu-to-dom0 "$size" "$dt"
	# (the frontend's CPU in the domU: the agent's own calls are process time,
	# not counted)
	domu 20 cpu_fe && [ -n "$c0" ] && cpu_rate cpu-tcp-domu-to-dom0 $(($(last_line) - c0)) "$size"
	return 0
}

# traffic ROUND: ping both ways, frames 60..1514 echoed intact each way, MB
# MiB of TCP each way (sha256), with RATE lines for ROUND.  Round 1: one
# check per transfer; later rounds: one check round-ROUND for them all.
traffic() {
	ROUND=$1
	step "round $ROUND: $SIDE"
	errs=
	f0_traffic=$failed
	for x in ping-domu-to-dom0:x_ping_out ping-dom0-to-domu:x_ping_in \
		frames-domu-to-dom0:x_frames_out frames-dom0-to-domu:x_frames_in \
		tcp-dom0-to-domu:x_tcp_in tcp-domu-to-dom0:x_tcp_out; do
		WHY=
		if "${x#*:}"; then
			[ "$ROUND" = 1 ] && pass "${x%%:*}"
		elif [ "$ROUND" = 1 ]; then
			fail "${x%%:*}" "$WHY"
		else
			errs="$errs ${x%%:*}: $WHY;"
		fi
	done
	if [ "$ROUND" != 1 ]; then
		if [ -z "$errs" ]; then pass "round-$ROUND"; else fail "round-$ROUND" "$errs"; fi
	fi
	failed_since "$f0_traffic" "$SIDE, round $ROUND"
	ROUND=
}

# queues_busy: 32 flows each way (framecheck spray, to closed ports: the
# datagrams are counted all the same), then every queue of xennet-xdp must
# have carried packets both ways (a hash puts all 32 on one of two queues
# once in 2^31).
queues_busy() {
	WHY=
	framecheck spray $DOMU_IP 20000 32 >/dev/null &&
		in_domu 60 "framecheck spray $DOM0_IP 20000 32" &&
		in_domu 60 xennet_queues_busy
	r_qb=$?
	echo "INFO $SIDE:queues $(last_line)"
	return $r_qb
}

# ---- jumbo frames ----------------------------------------------------------------
# UDP frames of 4042..4242 and 8814..9014 bytes (the packet on one, two and
# three pages of the ring), don't-fragment, echoed intact: x_jumbo out (domU
# -> dom0) or in.
JUMBO_RANGES="4000:4200 8772:8972"
x_jumbo() {
	for r in $JUMBO_RANGES; do
		if [ "$1" = out ]; then
			in_domu 240 "framecheck send $DOM0_IP $FRAME_PORT ${r%:*} ${r#*:}" || return 1
		elif ! framecheck send $DOMU_IP $FRAME_PORT "${r%:*}" "${r#*:}" >/tmp/fc.log 2>&1; then
			WHY=$(one_line "$(cat /tmp/fc.log)")
			return 1
		fi
	done
}
# jumbo_frames: at MTU 9000 on both ends (the vif here), jumbo frames cross
# each way: checks jumbo-frames-out and jumbo-frames-in; then the vif back
# to 1500.
jumbo_frames() {
	WHY=
	if ! ip link set "vif$D.0" mtu 9000; then
		fail jumbo-frames "netback refused MTU 9000 on vif$D.0 (no feature-sg?)"
		return 1
	fi
	check jumbo-frames-out x_jumbo out
	check jumbo-frames-in x_jumbo in
	ip link set "vif$D.0" mtu 1500
}
# jumbo SIDE: MTU 9000.  kernel: eth0 set to 9000 by hand, as a guest owner
# does with the kernel's netfront.  xennet: the toolstack's mtu key says
# 9000 (as xl's vif mtu= writes it) and a fresh takeover honours it: eth0
# comes up at 9000 with no command of ours.
jumbo() {
	f0_jumbo=$failed
	step "jumbo frames: $1"
	if [ "$1" = kernel ]; then
		SIDE=kernel
		WHY=
		check jumbo-mtu in_domu 60 "set_mtu 9000" && jumbo_frames
		domu 60 "set_mtu 1500"
	else
		xenstore-write "$FE/mtu" 9000
		if takeover takeover-jumbo; then
			WHY=
			check jumbo-mtu in_domu 60 "mtu_is 9000" && jumbo_frames
			xenstore-write "$FE/mtu" 1500
			give_back handback-jumbo
		else
			xenstore-write "$FE/mtu" 1500
		fi
	fi
	failed_since "$f0_jumbo" "jumbo frames, $1"
}

# ---- the frontends -------------------------------------------------------------
# takeover NAME [DOMU-COMMAND]: xennet-xdp takes vif-0 over from the
# kernel's driver and connects (its status says Connected, both ends'
# states are 4); DOMU-COMMAND (default xennet_connect --takeover) starts it.
# Then NAME-no-leftovers: every key in the frontend's directory was written
# by xennet-xdp during the takeover (see no_leftovers).
takeover() {
	SIDE=xennet
	step "takeover ($1)"
	WHY=
	xsw_mark
	# (240 s: on a loaded host the unbind alone once took 33 s of it)
	if in_domu 240 "${2:-xennet_connect --takeover} $XNOPTS" && both_connected 30; then
		pass "$1"
		check "$1-no-leftovers" no_leftovers
		return 0
	fi
	fail "$1" "$WHY"
	return 1
}
# xsw_mark: remember where the timeline of vif writes (/tmp/xsw.log, the
# XSW lines) is now.
xsw_mark() { XSW0=$(wc -l </tmp/xsw.log); }
# no_leftovers: every key of the frontend's directory but the toolstack's
# (libxl writes backend, backend-id, handle, mac, mtu and trusted for the
# frontend to read) was written since xsw_mark, so none of
# them is a leftover of the kernel's netfront (its multi-queue-num-queues,
# queue-N/, feature-sg, feature-gso-*, xdp-headroom...) that the backend
# would negotiate from; WHY names each leftover with its value.
no_leftovers() {
	# the watch events trail the store: wait for our frontend's Connected
	end=$(($(secs) + 15))
	until tail -n +$((XSW0 + 1)) /tmp/xsw.log | grep -q "^XSW [0-9.]* $FE/state = 4\$"; do
		[ "$(secs)" -gt "$end" ] && break
		sleep 0.2
	done
	tail -n +$((XSW0 + 1)) /tmp/xsw.log | awk -v fe="$FE/" '$4 == "=" && $5 != "(gone)" &&
		index($3, fe) == 1 { print substr($3, length(fe) + 1) }' | sort -u >/tmp/written
	left=
	for k in $(fe_keys); do
		case $k in backend | backend-id | handle | mac | mtu | trusted) continue ;; esac
		grep -qx "$k" /tmp/written || grep -q "^$k/" /tmp/written || left="$left $k=$(xsr "$FE/$k")"
	done
	echo "dom0: frontend keys written during the takeover: $(tr '\n' ' ' </tmp/written)"
	WHY="keys a previous frontend left, not written by xennet-xdp:$left"
	[ -z "$left" ]
}
# handback NAME: `down --handback`; up exits 0, the kernel's driver binds
# vif-0 again and connects.
handback() {
	SIDE=xennet
	step "handback ($1)"
	WHY=
	if in_domu 60 xennet_handback && both_connected 60; then
		pass "$1"
		return 0
	fi
	fail "$1" "$WHY"
	kernel_back
	return 1
}
# kernel_back: after a failed check, vif-0 back to the kernel's driver by
# force, so that the next checks start from a working frontend.
kernel_back() {
	echo "dom0: recovering: vif-0 back to the kernel's driver"
	domu 90 kernel_reclaim
	both_connected 60 || echo "dom0: recovery failed: $WHY"
}
# recover: after a failed check of SIDE, a working frontend of that side
# again (a fresh xennet-xdp, or the kernel's driver rebound).
recover() {
	if [ "$SIDE" = xennet ]; then
		echo "dom0: recovering: a fresh xennet-xdp instance"
		domu 120 "xennet_restart $XNOPTS" && both_connected 60 || echo "dom0: recovery failed: $(one_line "$OUT") $WHY"
	else
		echo "dom0: recovering: the kernel's driver unbound and bound again"
		domu 90 "netfront_down; netfront_up" && both_connected 60 || echo "dom0: recovery failed: $(one_line "$OUT") $WHY"
	fi
}
# working: the frontend passes a ping from dom0 (else recover).
working() {
	ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1 || ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1 || recover
}

frontend_down() {
	case $SIDE in
	kernel) in_domu 30 netfront_down ;;
	xennet) in_domu 30 xennet_down ;;
	esac
}
frontend_up() {
	case $SIDE in
	kernel) in_domu 60 netfront_up ;;
	xennet) in_domu 120 "xennet_connect $XNOPTS" ;;
	esac
}

# ---- the checks, one function per topic ---------------------------------------

# filter_counts CHECK: the example filters' counters in the domU, as FC_D
# (port filter dropped), FC_P (prefix filter packets), FC_Q (prefix filter
# dropped); FC_OK=1.  If `xennet-xdp stats` fails, CHECK fails (FC_OK=0).
filter_counts() {
	if domu 20 filter_counts; then
		# shellcheck disable=SC2046 # split "D P Q" into $1 $2 $3
		set -- $(last_line)
		FC_D=${1:-0} FC_P=${2:-0} FC_Q=${3:-0} FC_OK=1
	else
		fail "$1" "stats failed: $(one_line "$OUT")"
		FC_D=0 FC_P=0 FC_Q=0 FC_OK=0
		return 1
	fi
}

# filters: two example filters under libxdp's dispatcher, in priority order;
# a drop by the first ends the chain; the second's deny-list bites;
# detaching it restores delivery.
filters() {
	f0=$failed
	step "filters"
	# (each attach verifies and loads BPF programs: slow under emulation, more
	# so on a busy host; 60 s was once not enough)
	if domu 180 filter_chain_up && printf '%s' "$OUT" | grep -q 'xdp_dispatcher' &&
		printf '%s' "$OUT" | grep -q 'order 10 xennet_port_deny.*order 20 xennet_prefix.*order 30 xdpfilt_alw_all'; then
		pass filters-dispatcher-order
	else
		fail filters-dispatcher-order "$(one_line "$OUT")"
	fi
	filter_counts filters-port-denied
	d0=$FC_D p0=$FC_P
	# (busybox wget has no timeout of its own: the SYNs are retried until
	# timeout kills it, and busybox timeout's status does not say so: judge
	# by what arrived)
	got=$(timeout 6 wget -q -O - "http://$DOMU_IP:8080/blob" 2>/dev/null | wc -c)
	filter_counts filters-port-denied
	d1=$FC_D p1=$FC_P
	if [ "$FC_OK" != 1 ]; then
		: # failed above: `stats` did not answer
	elif [ "$got" != 0 ]; then
		fail filters-port-denied "TCP 8080 still reached the domU ($got bytes came back)"
	elif [ $((d1 - d0)) = 0 ]; then
		fail filters-port-denied "nothing arrived, but the port filter dropped nothing"
	else
		pass filters-port-denied
	fi
	echo "dom0: port filter dropped $((d1 - d0)), prefix filter saw $((p1 - p0)) meanwhile"
	# had the chain gone on after the drop, the prefix filter would have seen
	# every dropped SYN as well
	if [ $((d1 - d0)) -gt 0 ] && [ $((p1 - p0)) -lt $((d1 - d0)) ]; then
		pass filters-drop-ends-chain
	else
		fail filters-drop-ends-chain "port dropped $((d1 - d0)), prefix saw $((p1 - p0))"
	fi
	if ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1; then
		pass filters-icmp-passes-both
	else
		fail filters-icmp-passes-both "ping failed with both filters attached"
	fi
	if ! domu 20 prefix_deny_dom0; then
		fail filters-prefix-denies "bpftool could not add dom0 to the deny-list: $(one_line "$OUT")"
	elif ping -c 2 -W 2 $DOMU_IP >/dev/null 2>&1; then
		fail filters-prefix-denies "ping still answered with dom0 on the deny-list"
	elif filter_counts filters-prefix-denies; then
		if [ "$FC_Q" -gt 0 ]; then
			pass filters-prefix-denies
		else
			fail filters-prefix-denies "ping failed, but the prefix filter dropped nothing"
		fi
	fi
	if domu 60 "xn filter detach \$IFNAME --prog xennet_prefix" &&
		ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1; then
		pass filters-detach-restores
	else
		fail filters-detach-restores "$(one_line "$OUT")"
	fi
	if domu 60 "xn filter detach \$IFNAME --all && xdp-loader status \$IFNAME" &&
		printf '%s' "$OUT" | grep -q 'detached xdpfilt_alw_all' &&
		printf '%s' "$OUT" | grep -q 'No XDP program loaded'; then
		pass filters-detach-all
	else
		fail filters-detach-all "$(one_line "$OUT")"
	fi
	failed_since "$f0" "filters"
}

# give_back NAME: the vif back to the kernel's driver (`down --handback`);
# the frontend's keys are the kernel's again, as at boot; ping.
give_back() {
	f0_give=$failed
	if handback "$1"; then
		dump_xs "after the handback ($1): the kernel's xen-netfront again"
		echo "$BOOT_KEYS" >/tmp/k0
		fe_keys >/tmp/k1
		WHY="frontend keys differ from the kernel's at boot: $(diff /tmp/k0 /tmp/k1 | grep '^[-+][^-+]' | tr '\n' ' ')"
		check "$1-keys-as-at-boot" cmp -s /tmp/k0 /tmp/k1
		check "$1-ping" x_ping_in
	fi
	no_oops "$1"
	failed_since "$f0_give" "$1"
}

# disruptive: the checks that shake the frontend, for SIDE.
disruptive() {
	f0_dis=$failed
	down_up
	no_oops down-up
	failed_since "$f0_dis" "$SIDE: down and up"
	working
	flood
	working
	rebinds
	working
	save_restore
}

# down_up: the frontend down (backend reaches Closed, no grant left mapped by
# netback), up again, connected, ping.
down_up() {
	step "$SIDE: grants, down and up again"
	# While connected, netback holds the two ring pages mapped: the dump must
	# show them, or the leak check after down proves nothing.
	GB=$(mapped_grants 2>/tmp/gb.dump)
	sed -n '1,12p' /tmp/gb.dump
	if [ "$GB" -ge 2 ] 2>/dev/null; then
		pass grants-mapped-while-connected
		echo "dom0: $GB of the domU's grants mapped while connected"
	else
		fail grants-mapped-while-connected "hypervisor dump shows ${GB:-?} mapped grants of d$D (expected the 2 rings at least)"
	fi
	check frontend-down frontend_down
	closed=0
	WHY=
	wait_state "$BE/state" 6 30 && closed=1 ||
		WHY="backend state $(xsr "$BE/state"), frontend state $(xsr "$FE/state")"
	check backend-closed [ $closed = 1 ]
	dump_xs "$SIDE: after the frontend went down"
	# Closed must mean unmapped: no grant of the domU left mapped by netback.
	GA=$(mapped_grants 2>/tmp/ga.dump)
	sed -n '1,20p' /tmp/ga.dump
	if [ "$GA" = 0 ]; then
		pass no-leaked-grants
	else
		fail no-leaked-grants "after down, $GA grant(s) of d$D still mapped (hypervisor dump above)"
	fi
	check frontend-up-again frontend_up
	# A reconnection only counts if the backend was seen Closed in between.
	if [ $closed = 0 ]; then
		fail reconnect "the backend never reached Closed, so nothing reconnected"
	elif check reconnect both_connected; then
		WHY=
		check ping-after-reconnect x_ping_out
	fi
}

# flood: two dom0 senders of 1472-byte UDP at full speed for 10 s while a
# CPU-bound process runs in the guest; then ping both ways within 20 s, and
# the frontend's receive count moves again (xennet-xdp: `stats`).
flood() {
	step "$SIDE: flood"
	WHY=
	in_domu 20 "rx_count $SIDE" && rx0=$(last_line) || rx0="?"
	check flood-cpu-hog in_domu 10 "hog 14"
	framecheck flood $DOMU_IP $FLOOD_PORT 10 >/tmp/flood1 2>&1 &
	f1=$!
	framecheck flood $DOMU_IP $FLOOD_PORT 10 >/tmp/flood2 2>&1 &
	f2=$!
	wait $f1 $f2
	cat /tmp/flood1 /tmp/flood2 | sed 's/^/dom0: /'
	check flood-ping-dom0-to-domu ping_dom0_within 20
	check flood-ping-domu-to-dom0 ping_domu_within 20
	WHY=
	if in_domu 20 "rx_count $SIDE"; then
		rx1=$(last_line)
		ping -c 3 -W 2 $DOMU_IP >/dev/null 2>&1
		if in_domu 20 "rx_count $SIDE"; then
			rx2=$(last_line)
			echo "dom0: $SIDE rx_packets $rx0 before the flood, $rx1 after it, $rx2 after 3 pings"
			[ "$rx2" -gt "$rx1" ] 2>/dev/null || WHY="rx_packets stuck at $rx1 after the flood (3 pings sent)"
		fi
	fi
	verdict flood-rx-moving
	if [ "$SIDE" = xennet ]; then
		# and idle afterwards: no thread spinning (over half the wall
		# time), no queue thread (xennet-qN) waking more than 5 times a
		# second: a datapath with nothing to do sleeps until an event.
		# (The control threads' loop runs once a second and blocks briefly
		# several times in each round: 42 switches in 6 s, not a spin.)
		# Counted in sleeps, not CPU shares: a stalled emulated guest on
		# a busy host makes any share look bigger.
		WHY=
		if in_domu 40 "xennet_idle 5"; then
			out_lines | sed 's/^/dom0: xennet-xdp idle after the flood: /'
			WHY=$(out_lines | awk '
				$1 == "wall" { wall = $2; next }
				NF == 4 { n++; tid[n] = $1; comm[n] = $2; cpu[n] = $3; sl[n] = $4 }
				END {
					if (!wall) { print "no wall time measured"; exit }
					for (i = 1; i <= n; i++) {
						if (cpu[i] * 2 > wall)
							printf "thread %s (%s) used %d of %d ticks; ", tid[i], comm[i], cpu[i], wall
						if (comm[i] ~ /^xennet-q[0-9]/ && sl[i] * 100 > 5 * wall)
							printf "thread %s (%s) woke %d times in %.1f s; ", tid[i], comm[i], sl[i], wall / 100
					}
				}')
		fi
		verdict flood-idle-after
	fi
	no_oops "flood"
}

# rebind NAME AWAY: the backend's driver unbound in dom0 and bound again
# after AWAY seconds (what udev's hotplug script does for the new vifD.0 is
# done by hand); a ping from dom0 must be answered within 30 s of the bind.
rebind() {
	dev=vif-$D-0
	step "$SIDE: backend unbound for $2 s ($1)"
	WHY=
	if ! echo "$dev" >/sys/bus/xen-backend/drivers/vif/unbind; then
		fail "$1" "cannot unbind $dev from xen-netback"
		return 1
	fi
	sleep "$2"
	echo "dom0: backend state $(xsr "$BE/state"), frontend state $(xsr "$FE/state") after $2 s away"
	if ! echo "$dev" >/sys/bus/xen-backend/drivers/vif/bind; then
		fail "$1" "cannot bind $dev to xen-netback again"
		return 1
	fi
	end=$(($(secs) + 10))
	until ip link show "vif$D.0" >/dev/null 2>&1; do
		[ "$(secs)" -gt "$end" ] && break
		sleep 0.2
	done
	XENBUS_PATH=backend/vif/$D/0 /etc/xen/scripts/vif-test online
	check "$1" ping_dom0_within 30
}
rebinds() {
	f0=$failed
	# netback keeps the state Connected while unbound (it allows a rebind)
	# and goes InitWait when bound again: a frontend must connect anew
	WHY=
	rc0=
	[ "$SIDE" = xennet ] && { in_domu 20 xennet_reconnects && rc0=$(last_line) || why0=$WHY; }
	rebind backend-rebind-1 1 && rebind backend-rebind-2 1 && rebind backend-rebind-3 1
	rebind backend-away-15s 15
	if [ "$SIDE" = xennet ]; then
		# four times the backend left Connected: four reconnects counted
		if [ -z "$rc0" ]; then
			WHY="before the rebinds: $why0"
		elif in_domu 20 xennet_reconnects; then
			WHY=
			[ "$(last_line)" -ge $((rc0 + 4)) ] 2>/dev/null ||
				WHY="status counts $(last_line) reconnects, $rc0 before the 4 rebinds"
		fi
		verdict rebind-reconnects-counted
	fi
	no_oops "rebind"
	failed_since "$f0" "$SIDE: backend rebinds"
}

# moved NAME T0 [RECONNECTS]: the guest came back from a save, a restore or
# a migration (at T0): ping both ways within 10 s, the agent answers at the
# current domain id, a TCP transfer intact; xennet-xdp's status names the
# current backend (and counts RECONNECTS).
moved() {
	WHY=
	check "$1-ping-dom0-to-domu" ping_dom0_within $((10 - $(secs) + ${2%.*}))
	WHY=
	if in_domu 20 "xenstore-read domid" && [ "$(last_line)" != "$D" ]; then
		WHY="the agent says domid $(last_line), xl says $D"
	fi
	verdict "$1-agent"
	check "$1-ping-domu-to-dom0" ping_domu_within 10
	check "$1-tcp-dom0-to-domu" x_tcp_in
	[ "$SIDE" = xennet ] && check "$1-status" in_domu 20 "xennet_followed $BE ${3:-}"
	no_oops "$1"
}

# save_restore: xl save + xl restore (a new domain id), xl save -c (a
# checkpoint: same id), and a localhost live migration (a new id again).
save_restore() {
	f0=$failed
	step "$SIDE: save and restore"
	d0=$D
	rm -f /tmp/domu.save
	t0=$(uptime_s)
	if ! timeout 300 xl save domu /tmp/domu.save >/tmp/xl.log 2>&1; then
		fail save "xl save: $(one_line "$(cat /tmp/xl.log)")"
		ids || exit 1
		return 1
	fi
	pass save
	echo "dom0: xl save took $(since "$t0") s, $(($(wc -c </tmp/domu.save) / 1048576)) MiB"
	t0=$(uptime_s)
	if ! timeout 300 xl restore /tmp/domu.save >/tmp/xl.log 2>&1 || ! ids; then
		fail restore "xl restore: $(one_line "$(cat /tmp/xl.log)")"
		rm -f /tmp/domu.save
		exit 1
	fi
	t1=$(uptime_s)
	rm -f /tmp/domu.save
	echo "dom0: xl restore took $(since "$t0") s; domain $d0 is now $D, backend $BE"
	WHY="the domain id stayed $D"
	check restore [ "$D" != "$d0" ]
	moved restore "$t1" 1
	failed_since "$f0" "$SIDE: after restore"
	working

	f0=$failed
	step "$SIDE: checkpoint"
	d0=$D
	t0=$(uptime_s)
	if timeout 300 xl save -c domu /tmp/domu.save >/tmp/xl.log 2>&1 && ids; then
		t1=$(uptime_s)
		echo "dom0: xl save -c took $(since "$t0") s; domain $d0 is $D"
		WHY="the domain id changed from $d0 to $D"
		check checkpoint [ "$D" = "$d0" ]
		moved checkpoint "$t1"
	else
		fail checkpoint "xl save -c: $(one_line "$(cat /tmp/xl.log)")"
		ids || exit 1
	fi
	rm -f /tmp/domu.save
	failed_since "$f0" "$SIDE: after checkpoint"
	working

	f0=$failed
	step "$SIDE: live migration to localhost"
	# A live migration of a PV guest tracks the pages it dirties with the
	# hypervisor's log-dirty mode, which for PV is shadow paging.  Debian's
	# Xen 4.17 is built without it (CONFIG_SHADOW_PAGING unset): xl fails
	# with "Failed to enable logdirty: 95" (EOPNOTSUPP).  Said loudly, as a
	# SKIP line with the reason; the check runs on a hypervisor that can.
	if ! xl info | grep -q '^virt_caps.* shadow'; then
		echo "SKIP $SIDE:migrate this hypervisor cannot live-migrate a PV guest: no shadow paging for log-dirty (xl info: $(xl info | sed -n 's/^virt_caps *: *//p'))"
		return 0
	fi
	d0=$D
	t0=$(uptime_s)
	# -s "": no ssh; the "host" is the command that receives the stream
	if timeout 300 xl migrate -s "" domu "xl migrate-receive" >/tmp/xl.log 2>&1 && ids; then
		t1=$(uptime_s)
		echo "dom0: xl migrate took $(since "$t0") s; domain $d0 is now $D, backend $BE"
		WHY="the domain id stayed $D"
		check migrate [ "$D" != "$d0" ]
		moved migrate "$t1" 1
	else
		fail migrate "xl migrate: $(one_line "$(cat /tmp/xl.log)")"
		cat /tmp/xl.log
		xl list
		ids || exit 1
	fi
	failed_since "$f0" "$SIDE: after migration"
	working
}

# ---- zero-copy ------------------------------------------------------------------
# says_zero_copy: the domU's status says mode zero-copy (else WHY: what it says)
says_zero_copy() {
	in_domu 60 "xn status \$IFNAME" || return 1
	printf '%s' "$OUT" | grep -q 'mode  *zero-copy' || { WHY=$(one_line "$OUT"); return 1; }
}
# zerocopy: xennet-xdp with --zerocopy (its UMEM the granted pages; the
# toolstack's trusted key allows it), taken over and checked with the same
# traffic, as SIDE zerocopy (its own column); then given back.
zerocopy() {
	if takeover takeover-zerocopy "xennet_connect --takeover --zerocopy"; then
		SIDE=zerocopy
		check status-says-zero-copy says_zero_copy
		traffic 1
		check offloads-at-work in_domu 60 xennet_offloads
		echo "INFO zerocopy:offloads after round 1: $(last_line)"
		check queues-carry-traffic queues_busy
		domu 20 xennet_negotiated && echo "INFO zerocopy:negotiated $(last_line)"
		# the backend lost and back: the UMEM unshared while it is away,
		# then shared anew through gntalloc (new grants, new sockets on
		# the same queues, which the kernel lets go of late) for the next
		# connection
		if rebind zerocopy-backend-rebind 2; then
			check zerocopy-tcp-after-rebind x_tcp_in
			check zerocopy-still-after-rebind says_zero_copy
		fi
		no_oops zerocopy
		give_back handback-zerocopy
	fi
	SIDE=xennet
}

# ---- the run -------------------------------------------------------------------
echo "dom0: checks for mode $MODE, TCP transfers of $MB MiB, $ROUNDS round(s) per side${XNOPTS:+, xennet-xdp up with $XNOPTS}"

# A timeline of every write to a vif key, from a watch on /local/domain:
# "XSW SECONDS PATH = VALUE" (xswatch reads each key right after its event).
# (also kept in /tmp/xsw.log for no_leftovers)
xswatch /vif /local/domain | tee /tmp/xsw.log &

# The domU's console, as xenconsoled logs it (guest-NAME.log: a migrated
# domain starts as domu--incoming), each line prefixed "domU| ".
rm -f /var/log/xen/console/guest-*.log
(
	while :; do
		for f in /var/log/xen/console/guest-*.log; do
			[ -e "$f" ] || continue
			k=/tmp/con.$(basename "$f")
			s=$(cat "$k" 2>/dev/null || echo 0)
			n=$(wc -l <"$f")
			[ "$n" -gt "$s" ] || continue
			tail -n +$((s + 1)) "$f" | head -n $((n - s)) | sed 's/^/domU| /'
			echo "$n" >"$k"
		done
		sleep 0.5
	done
) &

# 192 MiB: room for the blobs in tmpfs and xennet-xdp's UMEM, and small enough
# that xl save, restore and save -c (which copy every page) stay quick; a
# localhost migration needs room for two copies of the domain in Xen.
cat >/tmp/domu.cfg <<EOF
name = "domu"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/domu.gz"
extra = "console=hvc0 loglevel=4"
memory = 192
vcpus = 2
vif = [ 'mac=00:16:3e:00:00:02,script=/etc/xen/scripts/vif-test' ]
on_crash = "destroy"
EOF

t0=$(uptime_s)
if xl create /tmp/domu.cfg >/tmp/xl.log 2>&1 && ids; then
	pass create-domu
	echo "dom0: domU is domain $D, created in $(since "$t0") s"
else
	fail create-domu "$(one_line "$(cat /tmp/xl.log)")"
	cat /tmp/xl.log
	exit 1
fi
# What dom0 serves: a random blob over HTTP, a UDP echo for framecheck
# (made while the domU boots).
head -c $((MB * 1048576)) /dev/urandom >/srv/blob
BLOB_SHA=$(sha256sum /srv/blob | cut -d' ' -f1)
httpd -p 8080 -h /srv
framecheck echo $FRAME_PORT >/dev/console 2>&1 &
# (the domU boots in about 25 s of its time on a quiet host; far slower when
# the host's cores are busy with something else)
if wait_state "$DP/data/agent" ready 300; then
	pass domu-agent
else
	fail domu-agent "the domU's agent did not start in 300 s"
	xl list
	exit 1
fi
# The domU's blob and servers (they outlive every change of frontend).
if domu 120 "servers $MB $FRAME_PORT"; then
	pass domu-servers
	DOMU_SHA=$(last_line)
else
	fail domu-servers "$(one_line "$OUT")"
fi

# ---- the kernel's xen-netfront, as the domU booted ----
SIDE=kernel
step "kernel xen-netfront at boot"
if ! check connected-at-boot both_connected 120; then
	dump_xs "the kernel's netfront did not connect"
	diagnose "at boot"
	exit 1
fi
dump_xs "at boot: the kernel's xen-netfront"
BOOT_KEYS=$(fe_keys)
traffic 1
no_oops boot

if [ "$MODE" = both ]; then
	# ---- xennet-xdp takes the vif over, and gives it back, ROUNDS times ----
	SIDE=xennet
	step "the xennet-xdp package"
	if in_domu 120 install_deb; then
		case $(last_line) in
		"no .deb"*) echo "INFO xennet:package none: $(last_line)" ;;
		*) pass package-installs; echo "INFO xennet:package $(last_line)" ;;
		esac
	else
		fail package-installs "$WHY"
	fi
	step "xennet-xdp without --takeover while the kernel's driver is bound"
	check refuses-without-takeover in_domu 40 xennet_refuse
	if ! both_connected 10 || ! ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1; then
		echo "dom0: the kernel's netfront is broken after the refusal: $WHY"
		kernel_back
	fi
	r=0
	if takeover takeover; then
		dump_xs "after the takeover: xennet-xdp"
		if domu 30 xennet_inspect && case $OUT in *ok) true ;; *) false ;; esac; then
			pass list-and-status
			echo "dom0: xennet-xdp list and status: $(one_line "$OUT")"
			domu 20 xennet_negotiated && echo "INFO xennet:negotiated $(last_line)"
		else
			fail list-and-status "$(one_line "$OUT")"
		fi
		traffic 1
		WHY=
		check offloads-at-work in_domu 60 xennet_offloads
		echo "INFO xennet:offloads after round 1: $(last_line)"
		check queues-carry-traffic queues_busy
		no_oops takeover
		r=2
		while [ $r -le "$ROUNDS" ]; do
			handback "handback-$r"
			SIDE=kernel
			traffic $r
			takeover "takeover-$r" || break
			traffic $r
			r=$((r + 1))
		done
	fi
	if [ $r -gt "$ROUNDS" ]; then
		filters
		give_back handback
		jumbo kernel
		jumbo xennet
		zerocopy
	else
		no_oops takeover
		fail filters "not run: xennet-xdp did not take the vif over"
		kernel_back
	fi
fi

# ---- the checks that shake the frontend: the kernel's, then xennet-xdp's ----
SIDE=kernel
disruptive
if [ "$MODE" = both ]; then
	# the second time as the systemd unit does it: up --config, the
	# takeover asked for in /etc/xennet-xdp/eth0.conf
	if takeover takeover-again xennet_connect_config; then
		disruptive
		give_back handback-at-end
		# xennet-xdp went through a restore: as it exited it gave the event
		# channels bound before the suspend to an evtchn-keeper, which must
		# still hold them (were they closed, evtchn.c's BUG_ON would fire)
		WHY=
		check keeper-holds-old-channels in_domu 20 keeper_holds
		echo "dom0: $(one_line "$OUT")"
	else
		fail disruptive "not run: xennet-xdp did not take the vif over"
	fi
fi

SIDE=boot
step "all done"
no_oops end
echo "dom0: netback's view (dmesg):"
dmesg | grep -iE 'vif|netback|xen_netfront|xen-netfront' | tail -n 20 | sed 's/^/dom0-dmesg| /'
xl destroy domu 2>/dev/null
sleep 1
echo "dom0: $failed check(s) failed"
[ "$failed" = 0 ]
