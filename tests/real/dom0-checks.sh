#!/bin/sh
# dom0 side of the real-Xen checks, run by dom0's /init as
#     sh /tests/dom0-checks.sh MODE MB
# MODE netfront: the domU's frontend is kernel xen-netfront (the baseline);
# MODE xennet:   it is xennet-xdp (the binary put in the domU initramfs).
# MB: size in MiB of each TCP transfer.
#
# Creates one PV domU with one vif (backend: Linux xen-netback in this dom0,
# vifD.0 addressed 198.18.0.1/24 by the hotplug script; the domU takes
# 198.18.0.2/24), drives it through its xenstore agent (domu-init.sh) and
# prints one line per check:  PASS MODE:NAME  or  FAIL MODE:NAME WHY,
# plus RATE lines, and XS lines (xenstore dumps and a timeline of vif keys).
# Exits non-zero if any check failed.
MODE=${1:-netfront}
MB=${2:-20}
DOM0_IP=198.18.0.1
DOMU_IP=198.18.0.2
FRAME_PORT=7007
failed=0

pass() { echo "PASS $MODE:$1"; }
# step WHAT: a timestamped progress line, to see where the time goes.
step() { echo "dom0: [$(uptime_s)] $*"; }
fail() {
	n=$1
	shift
	echo "FAIL $MODE:$n $*"
	failed=$((failed + 1))
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
secs() { cut -d. -f1 /proc/uptime; }
# xsr PATH: xenstore-read, quiet when PATH is missing, loud if it crashes.
xsr() {
	xenstore-read "$1" 2>/dev/null
	r=$?
	[ $r -ge 128 ] && echo "dom0: xenstore-read $1 died with status $r" >&2
	return $r
}
# rate NAME BYTES SECONDS: one RATE line in MB/s (10^6 bytes).
rate() {
	echo "$1 $2 $3" | awk -v m="$MODE" '{ r = ($3 > 0) ? $2 / $3 / 1e6 : 0;
		printf "RATE %s:%s %.1f MB/s (%d bytes in %.2f s)\n", m, $1, r, $2, $3 }'
}
# frame_rate NAME SUMMARY: framecheck's summary line as a RATE line
# (echoed frames per second, 32 in flight).
frame_rate() {
	echo "$2" | awk -v m="$MODE" -v n="$1" '{ s = $(NF - 1); k = $6;
		printf "RATE %s:%s %.0f frames/s (%s)\n", m, n, (s > 0) ? k / s : 0, $0 }'
}

# ---- talking to the domU's agent -------------------------------------------
DN=0
# domu SECONDS COMMAND: run COMMAND (a shell command line, with the functions
# of domu-checks.sh) in the domU; wait for it at most SECONDS (+ slack).
# Sets OUT to the last 1000 bytes of its output; returns its exit status
# (137 when the agent's timeout killed it, 124 when the agent never answered).
domu() {
	t=$1
	shift
	n=$DN
	DN=$((DN + 1))
	xenstore-write "$DP/data/cmd$n" "$t $*"
	end=$(($(secs) + t + 15))
	while ! rc=$(xsr "$DP/data/rc$n"); do
		[ "$(secs)" -gt "$end" ] && { OUT="agent did not answer"; return 124; }
		sleep 0.2
	done
	OUT=$(xsr "$DP/data/out$n")
	return "$rc"
}
last_line() { printf '%s\n' "$OUT" | tail -n 1; }
# one_line TEXT: TEXT on one line, short (xenstore-read shows newlines as \n).
one_line() { printf '%s' "$*" | tr '\n' ' ' | sed 's/\\n/ /g; s/  */ /g' | cut -c1-200; }

# wait_state PATH VALUE SECONDS: wait until xenstore PATH holds VALUE.
wait_state() {
	end=$(($(secs) + $3))
	while [ "$(xsr "$1")" != "$2" ]; do
		[ "$(secs)" -gt "$end" ] && return 1
		sleep 0.2
	done
}

# dump_xs: both ends' xenstore directories, with permissions (XS lines).
dump_xs() {
	echo "XS --- $1: backend $BE"
	xenstore-ls -fp "$BE" 2>&1 | sed 's/^/XS /'
	echo "XS --- $1: frontend $FE"
	xenstore-ls -fp "$FE" 2>&1 | sed 's/^/XS /'
}

# diagnose WHEN: both sides' view, after a failed check (at most twice).
DIAGS=0
diagnose() {
	[ $DIAGS -ge 2 ] && return
	DIAGS=$((DIAGS + 1))
	echo "---- dom0 diagnostics ($1)"
	ip link show "vif$D.0"
	grep "vif$D.0" /proc/net/dev
	ip neigh
	xenstore-ls -f "$BE" | grep -E '/state|hotplug'
	dmesg | tail -n 20
	echo "---- end of dom0 diagnostics"
	domu 60 diag
}

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

# ---- the domU's frontend, per mode -----------------------------------------
frontend_up() {
	case $MODE in
	netfront) domu 60 netfront_up ;;
	xennet) domu 90 xennet_up ;;
	esac
}
frontend_down() {
	case $MODE in
	netfront) domu 30 netfront_down ;;
	xennet) domu 30 xennet_down ;;
	esac
}

# connected NAME: backend and frontend both reach 4 (Connected).
connected() {
	if wait_state "$BE/state" 4 60 && wait_state "$FE/state" 4 10; then
		pass "$1"
	else
		fail "$1" "backend state $(xenstore-read "$BE/state"), frontend state $(xenstore-read "$FE/state")"
		return 1
	fi
}

# ping_domu NAME: domU pings dom0.
ping_domu() {
	if domu 40 "ping -c 3 -W 10 $DOM0_IP"; then
		pass "$1"
	else
		fail "$1" "$(one_line "$OUT")"
	fi
}

# ---- the run ---------------------------------------------------------------
echo "dom0: checks for mode $MODE, TCP transfers of $MB MiB"

# A timeline of every write to a vif key, from a watch on /local/domain:
# "XSW SECONDS PATH = VALUE" (xswatch reads each key right after its event).
xswatch /vif /local/domain &
WATCH=$!

# The domU's console, as xenconsoled logs it, prefixed "domU| ".
: >/var/log/xen/console/guest-domu.log
tail -f /var/log/xen/console/guest-domu.log 2>/dev/null | while IFS= read -r l; do
	echo "domU| $l"
done &

# What dom0 serves: a random blob over HTTP, a UDP echo for framecheck.
head -c $((MB * 1048576)) /dev/urandom >/srv/blob
BLOB_SHA=$(sha256sum /srv/blob | cut -d' ' -f1)
httpd -p 8080 -h /srv
framecheck echo $FRAME_PORT >/dev/console 2>&1 &

cat >/tmp/domu.cfg <<EOF
name = "domu"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/domu.gz"
extra = "console=hvc0 loglevel=4"
memory = 512
vcpus = 2
vif = [ 'mac=00:16:3e:00:00:02,script=/etc/xen/scripts/vif-test' ]
on_crash = "destroy"
EOF

t0=$(uptime_s)
if xl create /tmp/domu.cfg >/tmp/xl.log 2>&1 && D=$(xl domid domu 2>/dev/null); then
	pass create-domu
	echo "dom0: domU is domain $D, created in $(echo "$t0 $(uptime_s)" | awk '{print $2 - $1}') s"
else
	fail create-domu "$(one_line "$(cat /tmp/xl.log)")"
	cat /tmp/xl.log
	exit 1
fi
DP=/local/domain/$D
BE=/local/domain/0/backend/vif/$D/0
FE=$DP/device/vif/0

if wait_state "$DP/data/agent" ready 90; then
	pass domu-agent
else
	fail domu-agent "the domU's agent did not start in 90 s"
	xl list
	exit 1
fi
echo "dom0: backend state before the frontend: $(xenstore-read "$BE/state")"
dump_xs "before the frontend starts"

step "frontend up"
# 1. The frontend comes up and connects.
if frontend_up; then
	pass frontend-up
else
	fail frontend-up "$(one_line "$OUT")"
fi
if ! connected connect; then
	dump_xs "failed to connect"
	exit 1
fi
dump_xs "connected"

if [ "$MODE" = xennet ]; then
	# (the agent's output comes back through xenstore with \n for newlines)
	if domu 30 xennet_inspect && case $OUT in *ok) true ;; *) false ;; esac; then
		pass list-and-status
	else
		fail list-and-status "$(one_line "$OUT")"
	fi
fi

step ping
# 2. Ping both ways.
ping_domu ping-domu-to-dom0
if ping -c 3 -W 10 $DOMU_IP >/tmp/ping.log 2>&1; then
	pass ping-dom0-to-domu
else
	fail ping-dom0-to-domu "$(one_line "$(tail -n 2 /tmp/ping.log)")"
fi

[ $failed -gt 0 ] && diagnose "after ping"
step frames
# 3. Ethernet frames of every size 60..1514, each echoed and compared byte
#    for byte, started from each side.
domu 20 "echo_server $FRAME_PORT"
if domu 240 "framecheck send $DOM0_IP $FRAME_PORT 18 1472"; then
	pass frames-domu-to-dom0
	frame_rate frames-domu-to-dom0 "$(last_line)"
else
	fail frames-domu-to-dom0 "$(one_line "$OUT")"
fi
if framecheck send $DOMU_IP $FRAME_PORT 18 1472 >/tmp/fc.log 2>&1; then
	pass frames-dom0-to-domu
	frame_rate frames-dom0-to-domu "$(tail -n 1 /tmp/fc.log)"
else
	fail frames-dom0-to-domu "$(one_line "$(cat /tmp/fc.log)")"
fi

step tcp
# 4. TCP, MB MiB each way, content compared by sha256.
#    dom0 -> domU: the domU fetches dom0's blob.
if domu 300 "fetch http://$DOM0_IP:8080/blob"; then
	# shellcheck disable=SC2046 # split "SHA BYTES SECONDS" into $1 $2 $3
	set -- $(last_line)
	if [ "$1" = "$BLOB_SHA" ] && [ "$2" = $((MB * 1048576)) ]; then
		pass tcp-dom0-to-domu
		rate tcp-dom0-to-domu "$2" "$3"
	else
		fail tcp-dom0-to-domu "got sha256 $1 ($2 bytes), sent $BLOB_SHA"
	fi
else
	fail tcp-dom0-to-domu "$(one_line "$OUT")"
fi
#    domU -> dom0: dom0 fetches the domU's blob.
if domu 120 "make_blob $MB"; then
	DOMU_SHA=$(last_line)
	rm -f /tmp/rx
	t0=$(uptime_s)
	if timeout 300 wget -q -O /tmp/rx "http://$DOMU_IP:8080/blob"; then
		t1=$(uptime_s)
		got=$(sha256sum /tmp/rx | cut -d' ' -f1)
		size=$(wc -c </tmp/rx)
		if [ "$got" = "$DOMU_SHA" ] && [ "$size" = $((MB * 1048576)) ]; then
			pass tcp-domu-to-dom0
			rate tcp-domu-to-dom0 "$size" "$(echo "$t0 $t1" | awk '{print $2 - $1}')"
		else
			fail tcp-domu-to-dom0 "got sha256 $got ($size bytes), domU sent $DOMU_SHA"
		fi
	else
		fail tcp-domu-to-dom0 "wget from the domU failed"
	fi
	rm -f /tmp/rx
else
	fail tcp-domu-to-dom0 "$(one_line "$OUT")"
fi

if [ "$MODE" = xennet ]; then
	step "filters"
	# 4b. Two example filters under libxdp's dispatcher, in priority order; a
	#     drop by the first ends the chain; the second's deny-list bites;
	#     detaching it restores delivery.
	if domu 60 filter_chain_up && printf '%s' "$OUT" | grep -q 'xdp_dispatcher' &&
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
	if domu 20 "xn filter detach \$IFNAME --prog xennet_prefix" &&
		ping -c 2 -W 3 $DOMU_IP >/dev/null 2>&1; then
		pass filters-detach-restores
	else
		fail filters-detach-restores "$(one_line "$OUT")"
	fi
	if domu 20 "xn filter detach \$IFNAME --all && xdp-loader status \$IFNAME" &&
		printf '%s' "$OUT" | grep -q 'detached xdpfilt_alw_all' &&
		printf '%s' "$OUT" | grep -q 'No XDP program loaded'; then
		pass filters-detach-all
	else
		fail filters-detach-all "$(one_line "$OUT")"
	fi
fi

step "grants before down"
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

step "down and up again"
# 5. Down, Closed, up again: the backend must reach 6 (Closed) when the
#    frontend goes away, and the frontend must connect again.
if frontend_down; then
	pass frontend-down
else
	fail frontend-down "$(one_line "$OUT")"
fi
closed=0
if wait_state "$BE/state" 6 30; then
	pass backend-closed
	closed=1
else
	fail backend-closed "backend state $(xenstore-read "$BE/state"), frontend state $(xenstore-read "$FE/state")"
fi
dump_xs "after the frontend went down"
# Closed must mean unmapped: no grant of the domU left mapped by netback.
GA=$(mapped_grants 2>/tmp/ga.dump)
sed -n '1,20p' /tmp/ga.dump
if [ "$GA" = 0 ]; then
	pass no-leaked-grants
else
	fail no-leaked-grants "after down, $GA grant(s) of d$D still mapped (hypervisor dump above)"
fi
if frontend_up; then
	pass frontend-up-again
else
	fail frontend-up-again "$(one_line "$OUT")"
fi
# A reconnection only counts if the backend was seen Closed in between.
if [ $closed = 0 ]; then
	fail reconnect "the backend never reached Closed, so nothing reconnected"
elif connected reconnect; then
	ping_domu ping-after-reconnect
fi
dump_xs "reconnected"

step "all done"
[ $failed -gt 0 ] && diagnose "at the end"
echo "dom0: netback's view (dmesg):"
dmesg | grep -iE 'vif|netback|xen_netfront|xen-netfront' | tail -n 20 | sed 's/^/dom0-dmesg| /'
kill $WATCH 2>/dev/null
xl destroy domu 2>/dev/null
sleep 1
echo "dom0: $failed check(s) failed"
[ "$failed" = 0 ]
