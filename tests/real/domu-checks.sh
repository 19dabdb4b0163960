# domU side of the real-Xen checks: functions the domU agent (its /init,
# scripts/xen/domu-init.sh) sources before running each command dom0 sends.
# dom0-checks.sh decides what runs and when, and judges the results; these
# only do the domU's half and print what dom0 needs on their last line.
# shellcheck shell=sh

# shellcheck disable=SC2034 # for the command lines dom0 sends
DOM0_IP=198.18.0.1
DOMU_IP=198.18.0.2
IFNAME=eth0
XENNET=/usr/sbin/xennet-xdp
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

# wait_if NAME SECONDS: wait for a network interface to appear.
wait_if() {
	i=0
	while [ ! -e "/sys/class/net/$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && { echo "no interface $1 after $2 s"; return 1; }
		sleep 0.1
	done
}

# addr_up: give the frontend interface its address and bring it up.
addr_up() {
	ip addr add "$DOMU_IP/24" dev "$IFNAME" &&
		ip link set "$IFNAME" up &&
		ip -o addr show dev "$IFNAME" &&
		ip -o link show dev "$IFNAME"
}

# The baseline frontend: kernel xen-netfront.  Down and up again is an
# unbind and a bind of the xenbus device (rmmod is refused while the module
# is in use): unbinding closes the frontend (state 5, then 6), binding
# probes it anew, as a fresh frontend.
netfront_up() {
	if [ ! -d /sys/bus/xen/drivers/vif ]; then
		insmod /lib/modules/xen-netfront.ko || return 1
	else
		echo vif-0 >/sys/bus/xen/drivers/vif/bind || return 1
	fi
	wait_if "$IFNAME" 30 && addr_up
}
netfront_down() {
	ip link set "$IFNAME" down 2>/dev/null
	echo vif-0 >/sys/bus/xen/drivers/vif/unbind
}

# Ours: xennet-xdp in the foreground (here: in the background of the agent,
# its output straight to the console), then wait for the interface it makes.
# Its exit status goes to $UP_RC when it ends, for up_exit to judge.
xennet_up() {
	[ -x "$XENNET" ] || { echo "$XENNET missing from the domU initramfs"; return 1; }
	rm -f "$UP_RC"
	(
		"$XENNET" up --vif 0 --ifname "$IFNAME" "$@" </dev/null >/dev/console 2>&1
		echo $? >"$UP_RC"
	) &
	wait_if "$IFNAME" 60 && addr_up
}
# up_exit: wait (10 s at most) for the `up` started by xennet_up to end;
# succeed only if it exited 0.
up_exit() {
	i=0
	while [ ! -s "$UP_RC" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "xennet-xdp up still running 10 s after down ($(pidof xennet-xdp))"; return 1; }
		sleep 0.1
	done
	r=$(cat "$UP_RC")
	[ "$r" = 0 ] || { echo "xennet-xdp up exited with status $r"; return 1; }
	echo "xennet-xdp up exited with status 0"
}
xennet_down() {
	xn down --ifname "$IFNAME" "$@" || return 1
	up_exit
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
	"$XENNET" filter attach "$IFNAME" $FILTERS/xennet_port_deny.bpf.o --priority 10 || return 1
	"$XENNET" filter attach "$IFNAME" $FILTERS/xennet_prefix.bpf.o --priority 20 || return 1
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

# make_blob MB: a random file of MB MiB served by busybox httpd on :8080;
# prints its sha256.
make_blob() {
	head -c $(($1 * 1048576)) /dev/urandom >/srv/blob || return 1
	pidof httpd >/dev/null || httpd -p 8080 -h /srv || return 1
	sha256sum /srv/blob | cut -d' ' -f1
}

# fetch URL: download over TCP into tmpfs; last line "SHA256 BYTES SECONDS".
fetch() {
	rm -f /tmp/rx
	t0=$(cut -d' ' -f1 /proc/uptime)
	wget -q -O /tmp/rx "$1" || { echo "wget $1 failed"; return 1; }
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$(sha256sum /tmp/rx | cut -d' ' -f1) $(wc -c </tmp/rx) $(echo "$t0 $t1" | awk '{print $2 - $1}')"
	rm -f /tmp/rx
}

# echo_server PORT: framecheck's UDP echo, in the background.
echo_server() {
	pidof framecheck >/dev/null || framecheck echo "$1" </dev/null >/dev/console 2>&1 &
}

# diag: the domU's network and frontend state, for a failed check's log.
diag() {
	echo "---- domU diagnostics"
	ip addr
	ip route
	ip neigh
	cat /proc/net/dev
	ps | grep -v ' \['
	for p in $(pidof xennet-xdp); do
		echo "xennet-xdp pid $p: $(grep State /proc/$p/status)"
		for t in /proc/$p/task/*; do
			echo "  thread ${t##*/} $(cat $t/comm) wchan=$(cat $t/wchan 2>/dev/null) $(grep State $t/status)"
		done
	done
	for f in /run/xennet/*.state; do
		[ -e "$f" ] && echo "$f:" && cat "$f"
	done
	[ -x "$XENNET" ] && pidof xennet-xdp >/dev/null && xn stats "$IFNAME"
	dmesg | tail -n 30
	echo "---- end of domU diagnostics"
}
