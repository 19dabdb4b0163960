# domU side of the real-Xen checks: functions the domU agent (its /init,
# scripts/xen/domu-init.sh) sources before running each command dom0 sends.
# dom0-checks.sh decides what runs and when, and judges the results; these
# only do the domU's half and print what dom0 needs on their last line.
#
# The domU boots as every PV guest does: the kernel's xen-netfront bound to
# vif-0 and eth0 up (boot_netfront, from /init).  xennet-xdp takes the vif
# over from it (xennet_connect --takeover) and gives it back
# (xennet_handback).
# shellcheck shell=sh

# shellcheck disable=SC2034 # for the command lines dom0 sends
DOM0_IP=198.18.0.1
DOMU_IP=198.18.0.2
IFNAME=eth0
XENNET=/usr/sbin/xennet-xdp
VIF=/sys/bus/xen/devices/vif-0
# the exit status of the running `xennet-xdp up`, written when it ends
UP_RC=/tmp/xennet-up.rc

# xn ARGS...: xennet-xdp ARGS, its output on stdout; a non-zero exit status
# is said in one line and returned (every xennet-xdp command is judged by it).
xn() {
	"$XENNET" "$@" >/tmp/xn.out 2>&1
	r=$?
	cat /tmp/xn.out
	[ $r = 0 ] || echo "xennet-xdp $* exited with status $r"
	return $r
}

# until_ok SECONDS WHAT CMD...: run CMD every 0.2 s until it succeeds; after
# SECONDS say "WHAT after SECONDS s" and fail.
until_ok() {
	t=$1 what=$2
	shift 2
	i=0
	until "$@"; do
		i=$((i + 1))
		[ $i -gt $((t * 5)) ] && { echo "$what after $t s"; return 1; }
		sleep 0.2
	done
}

# wait_if NAME SECONDS: wait for a network interface to appear.
wait_if() { until_ok "$2" "no interface $1" [ -e "/sys/class/net/$1" ]; }

# addr_up: give the frontend interface its address and bring it up.
addr_up() {
	ip addr add "$DOMU_IP/24" dev "$IFNAME" &&
		ip link set "$IFNAME" up &&
		ip -o addr show dev "$IFNAME" &&
		ip -o link show dev "$IFNAME"
}

# ---- the kernel's xen-netfront ------------------------------------------------
# kernel_bound: xen-netfront is bound to vif-0.
kernel_bound() { [ -e "$VIF/driver" ]; }
# kernel_if: eth0 is the kernel's netfront device (a veth has no device).
kernel_if() { [ -e "/sys/class/net/$IFNAME/device" ]; }

# boot_netfront: at boot (from /init), as on every PV guest: xen-netfront
# (loaded with the other modules) binds vif-0; eth0 gets its address.
boot_netfront() {
	until_ok 60 "xen-netfront not bound to vif-0" kernel_bound &&
		until_ok 60 "no eth0 from xen-netfront" kernel_if && addr_up
}

# Down and up again with the kernel's driver: an unbind and a bind of the
# xenbus device (rmmod is refused while the module is in use).  Unbinding
# closes the frontend (state 5, then 6); binding probes it anew.
netfront_up() {
	echo vif-0 >/sys/bus/xen/drivers/vif/bind || return 1
	until_ok 30 "no eth0 from xen-netfront" kernel_if && addr_up
}
netfront_down() {
	ip link set "$IFNAME" down 2>/dev/null
	echo vif-0 >/sys/bus/xen/drivers/vif/unbind
}

# ---- the package ----------------------------------------------------------------
# The image carries the .deb and dpkg, with a dpkg database in which the
# packages of the libraries it carries are installed (scripts/xen/mkinitrd.sh).
DEB=/root/xennet-xdp.deb
# dpkg by its path: busybox's shell may prefer an applet of the same name
DPKG=/usr/bin/dpkg
# install_deb: dpkg -i the package, as a guest owner would; succeed only if
# dpkg exits 0 and says it is installed, and the program, the filters, the
# unit and the example config are where the package puts them.  Last line:
# what is installed.  An image with a binary copied in instead (XENNET_BIN)
# has no .deb: the last line says so.
install_deb() {
	[ -e "$DEB" ] || { echo "no .deb in this image: $XENNET was copied in"; return 0; }
	$DPKG -i "$DEB" || { echo "dpkg -i $DEB exited with status $?"; return 1; }
	$DPKG -s xennet-xdp | grep -qx 'Status: install ok installed' || { echo "dpkg -s: not installed"; return 1; }
	for f in "$XENNET" /usr/lib/xennet-xdp/filters/xennet_port_deny.bpf.o \
		/lib/systemd/system/xennet-xdp@.service /etc/xennet-xdp/example.conf; do
		[ -e "$f" ] || { echo "$f: not installed"; return 1; }
	done
	echo "installed $(/usr/bin/dpkg-query -W -f='${Package} ${Version} ${Architecture}' xennet-xdp): $("$XENNET" --version | head -n 1)"
}

# ---- xennet-xdp ---------------------------------------------------------------
# xennet_pids [keeper]: the pids of the running xennet-xdp instances, or
# with "keeper" those of `xennet-xdp evtchn-keeper` (it holds the event
# channels bound before a restore: if it died, the kernel would close them
# and hit BUG_ON in drivers/xen/evtchn.c, so recovery never kills it).
xennet_pids() {
	for p in $(pidof xennet-xdp); do
		case "$1:$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" in
		keeper:*evtchn-keeper*) echo "$p" ;;
		keeper:* | *evtchn-keeper*) ;;
		*) echo "$p" ;;
		esac
	done
}

# xennet_start ARGS...: `xennet-xdp up --vif 0 --ifname eth0 ARGS` in the
# background (it runs in the foreground until stopped), its output straight
# to the console, its exit status to $UP_RC when it ends (see up_exit).
xennet_start() {
	[ -x "$XENNET" ] || { echo "$XENNET missing from the domU initramfs"; return 1; }
	rm -f "$UP_RC"
	echo "up --vif 0 --ifname $IFNAME $*" >/tmp/xennet-up.args
	(
		"$XENNET" up --vif 0 --ifname "$IFNAME" "$@" </dev/null >/dev/console 2>&1
		echo $? >"$UP_RC"
	) &
}

# connected_now: `xennet-xdp status` says both ends are Connected (its
# output in /tmp/st); fails at once if `up` has ended.
connected_now() {
	if [ -s "$UP_RC" ]; then
		echo "xennet-xdp up exited with status $(cat "$UP_RC")" >/tmp/st
		return 2
	fi
	"$XENNET" status "$IFNAME" >/tmp/st 2>&1 && grep -q 'frontend Connected, backend Connected' /tmp/st
}

# xennet_wait SECONDS: until the instance is Connected, or `up` ended.
xennet_wait() {
	i=0
	while :; do
		connected_now
		case $? in
		0) return 0 ;;
		2) cat /tmp/st; return 1 ;;
		esac
		i=$((i + 1))
		[ $i -gt $(($1 * 5)) ] && { cat /tmp/st; echo "xennet-xdp not Connected after $1 s"; return 1; }
		sleep 0.2
	done
}

# xennet_connect [--takeover]: start xennet-xdp, wait until it is Connected,
# then address its eth0; with --takeover the kernel's driver must be gone
# from vif-0 by then.
xennet_connect() {
	xennet_start "$@" || return 1
	xennet_wait 90 || return 1
	if kernel_bound; then
		echo "xennet-xdp is Connected, but the kernel's driver is still bound to vif-0"
		return 1
	fi
	kernel_if && { echo "eth0 is still the kernel's netfront device"; return 1; }
	addr_up
}

# xennet_connect_config [ARGS]: the same, as the systemd unit starts it: the
# takeover asked for by /etc/xennet-xdp/eth0.conf (up --config), not by the
# command line
xennet_connect_config() {
	mkdir -p /etc/xennet-xdp
	printf '# as a guest owner writes it\nvif = 0\ntakeover = yes\npoll = interrupt\n' >/etc/xennet-xdp/eth0.conf
	xennet_connect --config /etc/xennet-xdp/eth0.conf "$@"
}

# up_exit: wait (10 s at most) for the `up` started by xennet_start to end;
# succeed only if it exited 0.
up_exit() {
	until_ok 10 "xennet-xdp up (pid $(xennet_pids)) still running" [ -s "$UP_RC" ] || return 1
	r=$(cat "$UP_RC")
	[ "$r" = 0 ] || { echo "xennet-xdp up exited with status $r"; return 1; }
	echo "xennet-xdp up exited with status 0"
}

# xennet_down [--handback]: stop the instance; `up` must exit 0.  (Under
# TCG an orderly stop with 2 queues takes seconds: the default 10 s before
# SIGKILL was once too short; a kill would show as up's status.)
xennet_down() {
	xn down --ifname "$IFNAME" --wait 60 "$@" || return 1
	up_exit
}

# xennet_handback: stop the instance and give vif-0 back to the kernel's
# driver, which must bind it and make its eth0 again.
xennet_handback() {
	xennet_down --handback || return 1
	until_ok 30 "the kernel's driver is not bound to vif-0 again" kernel_bound || return 1
	until_ok 30 "no eth0 from xen-netfront" kernel_if || return 1
	addr_up
}

# xennet_refuse: with the kernel's driver bound, `up` without --takeover must
# exit 1 with one line that says how to proceed (--takeover), leaving the
# kernel's driver bound.  (Run in the foreground: killed after 20 s if it
# does not refuse.)
xennet_refuse() {
	timeout -s KILL 20 "$XENNET" up --vif 0 --ifname "$IFNAME" </dev/null >/tmp/refuse 2>&1
	r=$?
	cat /tmp/refuse
	n=$(wc -l </tmp/refuse)
	echo "exit status $r, $n line(s)"
	[ $r = 137 ] && { echo "up did not refuse: still running after 20 s (killed)"; return 1; }
	[ $r = 1 ] || { echo "up exited with status $r, not 1"; return 1; }
	[ "$n" = 1 ] || { echo "up printed $n lines, not 1"; return 1; }
	grep -q -- '--takeover' /tmp/refuse || { echo "the line does not mention --takeover"; return 1; }
	kernel_bound || { echo "the kernel's driver lost vif-0"; return 1; }
	kernel_if || { echo "eth0 is no longer the kernel's"; return 1; }
}

# kernel_reclaim: after a failed check, give vif-0 back to the kernel's driver
# by force (stop or kill xennet-xdp, bind the driver), so that the next
# checks start from a working frontend.  Not a check: it only recovers.
kernel_reclaim() {
	if [ -n "$(xennet_pids)" ]; then
		xn down --ifname "$IFNAME"
		sleep 1
		# shellcheck disable=SC2046 # every pid
		[ -n "$(xennet_pids)" ] && kill -9 $(xennet_pids) && sleep 1 && xn down --ifname "$IFNAME"
	fi
	kernel_bound || echo vif-0 >/sys/bus/xen/drivers/vif/bind
	until_ok 30 "no eth0 from xen-netfront" kernel_if && addr_up
}

# xennet_restart [--takeover]: after a failed check, a fresh instance (stop
# or kill the old one first).  Not a check: it only recovers.
xennet_restart() {
	if [ -n "$(xennet_pids)" ]; then
		xn down --ifname "$IFNAME"
		sleep 1
		# shellcheck disable=SC2046 # every pid
		[ -n "$(xennet_pids)" ] && kill -9 $(xennet_pids) && sleep 1
	fi
	xn down --ifname "$IFNAME"
	xennet_connect "$@"
}

# xennet_inspect: the read-side commands on real Xen; last line "ok" when
# list and status both see vif 0 Connected to backend domain 0.
xennet_inspect() {
	xn list >/tmp/list || { cat /tmp/list; return 1; }
	xn status "$IFNAME" >/tmp/status || { cat /tmp/status; return 1; }
	cat /tmp/list /tmp/status
	grep -q '^0 .*Connected *Connected' /tmp/list || { echo "list: vif 0 not Connected"; return 1; }
	grep -q 'frontend Connected, backend Connected' /tmp/status ||
		{ echo "status: not Connected"; return 1; }
	echo ok
}

# xennet_reconnects: N of the "reconnects N" that `status` shows.
xennet_reconnects() {
	xn status "$IFNAME" >/tmp/status || { cat /tmp/status; return 1; }
	n=$(sed -n 's/.*[ ,]reconnects \([0-9][0-9]*\).*/\1/p' /tmp/status)
	[ -n "$n" ] || { cat /tmp/status; echo "status shows no \"reconnects N\""; return 1; }
	echo "$n"
}

# xennet_negotiated: one line: the command line of the running `up`, and
# what its `status` says was negotiated (the features, event channel and
# mode lines, whatever they hold).
xennet_negotiated() {
	xn status "$IFNAME" >/tmp/status || { cat /tmp/status; return 1; }
	echo "$(cat /tmp/xennet-up.args); $(grep -E '^ +(features|event chan|mode|queue)' /tmp/status |
		sed 's/^ *//; s/  */ /g' | tr '\n' ';' | sed 's/;/; /g')"
}

# xennet_offloads: after TCP from dom0, the counters that show the offloads
# at work: GSO packets from the backend cut into segments, and partial
# checksums handed on (TX metadata) or completed here.  Last line: them.
xennet_offloads() {
	xn stats "$IFNAME" >/tmp/stats || { cat /tmp/stats; return 1; }
	# shellcheck disable=SC2046 # four numbers
	set -- $(awk '{ v[$1] = $2 } END { print v["rx_gso"] + 0, v["rx_gso_segments"] + 0,
		v["rx_csum_offloaded"] + 0, v["rx_csum_sw"] + 0 }' /tmp/stats)
	echo "rx_gso $1 rx_gso_segments $2 rx_csum_offloaded $3 rx_csum_sw $4"
	[ "$1" -gt 0 ] && [ "$2" -gt "$1" ] && [ $(($3 + $4)) -gt 0 ]
}

# xennet_queues_busy: every queue in use carried traffic both ways
# (`stats`' "queue N name value" lines).  Last line: each queue's packets.
xennet_queues_busy() {
	xn stats "$IFNAME" >/tmp/stats || { cat /tmp/stats; return 1; }
	awk '$1 == "queue" && ($3 == "rx_packets" || $3 == "tx_packets") { v[$2 " " $3] = $4; if ($2 + 1 > n) n = $2 + 1 }
		END {
			for (q = 0; q < n; q++) { printf "queue %d rx %d tx %d; ", q, v[q " rx_packets"], v[q " tx_packets"]
				if (v[q " rx_packets"] == 0 || v[q " tx_packets"] == 0) bad = 1 }
			printf "%d queue(s)\n", n
			exit (n == 0 || bad)
		}' /tmp/stats
}

# mtu_is N: eth0's MTU is N (the last line says what it is).
mtu_is() {
	m=$(cat "/sys/class/net/$IFNAME/mtu")
	echo "$IFNAME mtu $m"
	[ "$m" = "$1" ]
}
# set_mtu N: eth0's MTU set to N by hand (the kernel's netfront).
set_mtu() { ip link set "$IFNAME" mtu "$1" && mtu_is "$1"; }

# keeper_holds: an `xennet-xdp evtchn-keeper` runs and holds event-channel
# handles (those bound before a restore, which xennet-xdp must never close).
keeper_holds() {
	k=$(xennet_pids keeper | tr '\n' ' ')
	[ -n "$k" ] || { echo "no xennet-xdp evtchn-keeper running"; return 1; }
	for p in $k; do
		n=0
		for f in "/proc/$p/fd"/*; do
			[ "$(readlink "$f")" = /dev/xen/evtchn ] && n=$((n + 1))
		done
		echo "evtchn-keeper pid $p holds $n /dev/xen/evtchn handle(s)"
		[ "$n" -gt 0 ] || return 1
	done
}

# xennet_followed BACKEND [RECONNECTS]: `status` names BACKEND (the current
# backend path) and, with RECONNECTS, counts at least that many reconnects.
xennet_followed() {
	xn status "$IFNAME" >/tmp/status || { cat /tmp/status; return 1; }
	cat /tmp/status
	grep -q "backend  *$1 " /tmp/status || { echo "status does not name the backend $1"; return 1; }
	[ -n "${2:-}" ] || return 0
	n=$(xennet_reconnects) || { echo "$n"; return 1; }
	[ "$n" -ge "$2" ] || { echo "status counts $n reconnect(s), expected at least $2"; return 1; }
}

# The example filters on the guest-facing interface, under libxdp's
# dispatcher (this kernel loads freplace programs): xennet_port_deny at
# priority 10 denying TCP 8080, xennet_prefix at 20 with an empty deny-list,
# beside xdp-tools' pass-all filter loaded with xdp-loader at 30.
FILTERS=/usr/lib/xennet-xdp/filters
PIN=/sys/fs/bpf/xennet/$IFNAME
filter_chain_up() {
	# someone else's program first, with xdp-loader (xdp-tools' pass-all
	# filter, priority 30): ours must join it, not replace it
	xdp-loader load -m native -P 30 "$IFNAME" /usr/lib/x86_64-linux-gnu/bpf/xdpfilt_alw_all.o || return 1
	xn filter attach "$IFNAME" $FILTERS/xennet_port_deny.bpf.o --priority 10 || return 1
	xn filter attach "$IFNAME" $FILTERS/xennet_prefix.bpf.o --priority 20 || return 1
	# TCP 8080 = 0x1f90: key {port, host order; proto 6; pad}
	bpftool map update pinned $PIN/xennet_port_deny/xennet_denyport \
		key 0x90 0x1f 0x06 0x00 value 0 0 0 0 0 0 0 0 || return 1
	xdp-loader status "$IFNAME" >/tmp/xdpl || { cat /tmp/xdpl; return 1; }
	grep -E 'dispatcher|xennet_|xdpfilt' /tmp/xdpl
	xn filter list "$IFNAME" >/tmp/fl || { cat /tmp/fl; return 1; }
	awk '/xennet_|xdpfilt/ { printf "order %s %s\n", $1, $2 }' /tmp/fl
}
# filter_counts: "PORT_DROPPED PREFIX_PACKETS PREFIX_DROPPED" (the filters'
# counters also go to the console, for the log)
filter_counts() {
	xn stats "$IFNAME" >/tmp/stats || { cat /tmp/stats; return 1; }
	grep '^filter' /tmp/stats >/dev/console
	awk '
		$1 == "filter" && $2 == "xennet_port_deny" && $4 == "dropped" { d = $5 }
		$1 == "filter" && $2 == "xennet_prefix" && $4 == "packets" { p = $5 }
		$1 == "filter" && $2 == "xennet_prefix" && $4 == "dropped" { q = $5 }
		END { print d + 0, p + 0, q + 0 }' /tmp/stats
}
# prefix_deny_dom0: put dom0's 198.18.0.1/32 on the prefix deny-list
prefix_deny_dom0() {
	bpftool map update pinned $PIN/xennet_prefix/xennet_pfx_v4 \
		key 32 0 0 0 198 18 0 1 value 0 0 0 0 0 0 0 0
}

# ---- traffic ------------------------------------------------------------------
# servers MB PORT: a random file of MB MiB served by busybox httpd on :8080,
# framecheck's UDP echo on PORT (both survive eth0 being replaced: they
# listen on every address); prints the file's sha256.
servers() {
	head -c $(($1 * 1048576)) /dev/urandom >/srv/blob || return 1
	pidof httpd >/dev/null || httpd -p 8080 -h /srv || return 1
	pidof framecheck >/dev/null || framecheck echo "$2" </dev/null >/dev/console 2>&1 &
	sha256sum /srv/blob | cut -d' ' -f1
}

# cpu_fe: the CPU the frontend and the stack under it have used so far, in
# ticks of 10 ms (USER_HZ): every vCPU's irq and softirq time (/proc/stat:
# the kernel's netfront, NAPI, the veth, the stack's packet work) and the
# user and system time of every xennet-xdp process.  Not the application's
# or this agent's own process time: that is the same on either side.
cpu_fe() {
	x=0
	for p in $(pidof xennet-xdp); do
		x=$((x + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }')))
	done
	echo $(($(awk '/^cpu / { print $7 + $8 }' /proc/stat) + x))
}

# fetch URL: download over TCP into tmpfs; last line "SHA256 BYTES SECONDS
# TICKS", TICKS the frontend's CPU meanwhile (cpu_fe).
fetch() {
	rm -f /tmp/rx
	t0=$(cut -d' ' -f1 /proc/uptime)
	c0=$(cpu_fe)
	wget -q -O /tmp/rx "$1" || { echo "wget $1 failed"; return 1; }
	c1=$(cpu_fe)
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$(sha256sum /tmp/rx | cut -d' ' -f1) $(wc -c </tmp/rx) $(echo "$t0 $t1" | awk '{print $2 - $1}') $((c1 - c0))"
	rm -f /tmp/rx
}

# ping_within SECONDS: ping dom0 until it answers, at most SECONDS; says
# after how long.
ping_within() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	end=$(($(cut -d. -f1 /proc/uptime) + $1))
	until ping -c 1 -W 1 "$DOM0_IP" >/dev/null 2>&1; do
		[ "$(cut -d. -f1 /proc/uptime)" -ge "$end" ] && { echo "dom0 did not answer a ping for $1 s"; return 1; }
	done
	echo "dom0 answered after $(echo "$t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{print $2 - $1}') s"
}

# rx_count SIDE: packets the frontend has received: the kernel's count of
# eth0, or xennet-xdp's rx_packets from `xennet-xdp stats`.
rx_count() {
	if [ "$1" = xennet ]; then
		xn stats "$IFNAME" >/tmp/stats || { cat /tmp/stats; return 1; }
		awk '$1 == "rx_packets" { print $2; n++ } END { exit n != 1 }' /tmp/stats ||
			{ echo "no rx_packets in xennet-xdp stats"; return 1; }
	else
		cat "/sys/class/net/$IFNAME/statistics/rx_packets"
	fi
}

# hog SECONDS: a CPU-bound process for SECONDS, in the background.
hog() {
	timeout -s KILL "$1" sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
	echo "hog pid $!"
}

# xennet_idle SECONDS: what each thread of the running xennet-xdp did while
# SECONDS went by: "TID COMM TICKS SLEEPS" (CPU clock ticks, 100 a second;
# voluntary context switches, each one a sleep), then "wall TICKS".
xennet_idle() {
	p=$(xennet_pids | tr '\n' ' ')
	p=${p% }
	[ -n "$p" ] || { echo "no xennet-xdp running"; return 1; }
	[ "$p" = "${p%% *}" ] || { echo "more than one xennet-xdp running: $p"; return 1; }
	idle_snap "$p" >/tmp/idle.a
	t0=$(awk '{ print int($1 * 100) }' /proc/uptime)
	sleep "$1"
	idle_snap "$p" >/tmp/idle.b
	t1=$(awk '{ print int($1 * 100) }' /proc/uptime)
	awk 'NR == FNR { c[$1] = $3; v[$1] = $4; next }
		$1 in c { print $1, $2, $3 - c[$1], $4 - v[$1] }' /tmp/idle.a /tmp/idle.b
	echo "wall $((t1 - t0))"
}
idle_snap() {
	for t in "/proc/$1/task"/*; do
		echo "${t##*/} $(tr ' ' _ <"$t/comm") $(awk '{ print $14 + $15 }' "$t/stat")" \
			"$(awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "$t/status")"
	done
}

# diag: the domU's network and frontend state, for a failed check's log.
diag() {
	echo "---- domU diagnostics"
	ip addr
	ip route
	ip neigh
	cat /proc/net/dev
	echo "vif-0 driver: $(readlink "$VIF/driver" || echo none)"
	ps | grep -v ' \['
	for p in $(pidof xennet-xdp); do
		echo "xennet-xdp pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline")): $(grep State /proc/$p/status)"
		for t in /proc/$p/task/*; do
			echo "  thread ${t##*/} $(cat $t/comm) wchan=$(cat $t/wchan 2>/dev/null) $(grep State $t/status)"
		done
	done
	for f in /run/xennet/*.state; do
		[ -e "$f" ] && echo "$f:" && cat "$f"
	done
	[ -x "$XENNET" ] && [ -n "$(xennet_pids)" ] && xn stats "$IFNAME"
	dmesg | tail -n 30
	echo "---- end of domU diagnostics"
}
