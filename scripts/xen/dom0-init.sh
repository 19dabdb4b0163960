#!/bin/sh
# /init of the dom0 initramfs (runs under real Xen 4.17 in QEMU).
# Brings up the Xen toolstack (xenstored, xen-init-dom0, xenconsoled), then
# runs /tests/dom0-checks.sh MODE, which creates the domU and prints the
# PASS/FAIL lines, and powers the machine off.  Everything printed here goes
# to hvc0 -> Xen's serial console -> QEMU's stdout, which the host parses.
# MODE, MB and ROUNDS come from the kernel command line:
# xentest.mode=netfront|both xentest.mb=N xentest.rounds=N, and
# xentest.xnopts=OPT:OPT... (colons: a comma would split QEMU's -initrd list) (xennet-xdp's extra up options).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /run/lock /var/lib/xen /var/lib/xenstored \
	/var/log/xen/console /srv
echo "dom0: /init at $(cut -d' ' -f1 /proc/uptime) s"

arg() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
MODE=$(arg xentest.mode)
MB=$(arg xentest.mb)
ROUNDS=$(arg xentest.rounds)
XNOPTS=$(arg xentest.xnopts | tr : ' ')

# Kernel modules, in dependency order (see mkinitrd.sh).
while read -r m opts; do
	# shellcheck disable=SC2086
	insmod "/lib/modules/$m.ko" $opts || echo "dom0: insmod $m failed"
done </lib/modules/order
mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen
ip link set lo up

# The toolstack, in the order the note found to work.
xenstored --pid-file /run/xenstored.pid || echo "dom0: xenstored failed"
xen-init-dom0 >/tmp/xen-init-dom0.log 2>&1 || { echo "dom0: xen-init-dom0 failed"; cat /tmp/xen-init-dom0.log; }
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console ||
	echo "dom0: xenconsoled failed"
echo "dom0: toolstack up at $(cut -d' ' -f1 /proc/uptime) s"

sh /tests/dom0-checks.sh "${MODE:-netfront}" "${MB:-4}" "${ROUNDS:-2}" "$XNOPTS"
rc=$?
echo "XENTEST-END rc=$rc"
sync
poweroff -f
