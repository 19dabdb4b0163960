#!/bin/sh
# /init of the domU initramfs (a PV guest of the dom0 above).
# Boots as every PV guest does: loads the Xen device modules, xen-netfront
# among them, which binds vif-0; gives its eth0 the address 198.18.0.2/24
# (xennet-xdp takes the vif over from the kernel's driver later, and gives
# it back).  Mounts what xennet-xdp needs (/run, bpffs, xenfs), then hands
# PID 1 to busybox init (which reaps orphans: `xennet-xdp down`
# waits for its daemon's pid to vanish) with one job: `/init agent`, an agent
# that executes commands dom0 writes into this domain's xenstore directory.
# Control goes through xenstore, not the network, so it survives the
# frontend going down and up.
#
# Agent protocol (paths relative to /local/domain/DOMID):
#   dom0 writes data/cmdN = "SECONDS COMMAND"   (N = 0, 1, 2, ...)
#   the agent runs COMMAND with /tests/domu-checks.sh sourced, killed after
#   SECONDS, echoes its output to the console, then writes
#   data/outN = last 1000 bytes of output, and data/rcN = exit status.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

agent() {
	xenstore-write data/agent ready
	n=0
	while :; do
		c=$(xenstore-read "data/cmd$n" 2>/dev/null) || {
			sleep 0.1
			continue
		}
		t=${c%% *}
		c=${c#* }
		t0=$(cut -d' ' -f1 /proc/uptime)
		echo "domU# [$t0] $c"
		timeout -s KILL "$t" sh -c ". /tests/domu-checks.sh; $c" </dev/null >"/tmp/out.$n" 2>&1
		rc=$?
		cat "/tmp/out.$n"
		echo "domU# status $rc after $(echo "$t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{ print $2 - $1 }') s"
		xenstore-write "data/out$n" "$(tail -c 1000 "/tmp/out.$n")"
		xenstore-write "data/rc$n" "$rc"
		n=$((n + 1))
	done
}

if [ "$1" = agent ]; then
	agent
	exit
fi
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mkdir -p /srv
while read -r m opts; do
	# shellcheck disable=SC2086
	insmod "/lib/modules/$m.ko" $opts || echo "domU: insmod $m failed"
done </lib/modules/order
mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen
ip link set lo up
# (busybox ash has ulimit -l; xennet-xdp locks its UMEM)
# shellcheck disable=SC3045
ulimit -l unlimited

echo "domU: up at $(cut -d' ' -f1 /proc/uptime) s, domid $(xenstore-read domid)"
echo "domU: /dev/xen: $(ls /dev/xen | tr '\n' ' ')"
# shellcheck source=tests/real/domu-checks.sh
. /tests/domu-checks.sh
boot_netfront || echo "domU: eth0 from xen-netfront is not up"
echo "domU: eth0 up at $(cut -d' ' -f1 /proc/uptime) s"
echo '::once:/init agent' >/etc/inittab
exec /bin/init
