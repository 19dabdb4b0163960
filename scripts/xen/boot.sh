#!/bin/bash
# boot.sh MODE LOG [TIMEOUT]: boot Xen + dom0 under QEMU (TCG, no KVM) once,
# dom0 running the checks of MODE (netfront|both); the serial console goes
# to LOG.  Returns when dom0 prints "XENTEST-END rc=N" (exit status N), or
# fails after TIMEOUT seconds (default 300).  Images come from mkinitrd.sh.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
MODE=$1 LOG=$2 TMO=${3:-300}
MB=${XEN_TCP_MB:-4} ROUNDS=${XEN_ROUNDS:-2}

# The hypervisor's command line: serial console, a fixed 1 GiB dom0 with two
# vCPUs.  dom0's: console on hvc0 (Xen relays it to the serial port), quiet
# kernel (its messages would interleave with the check lines), the mode.
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=warning guest_loglvl=warning"
DOM0_ARGS="console=hvc0 earlyprintk=xen loglevel=4 xentest.mode=$MODE xentest.mb=$MB xentest.rounds=$ROUNDS"
# xennet-xdp's extra up options, commas for spaces on the command line
[ -n "${XEN_XENNET_OPTS:-}" ] && DOM0_ARGS="$DOM0_ARGS xentest.xnopts=$(echo "$XEN_XENNET_OPTS" | tr ' ' :)"
# The CPU: QEMU's "max" without XSAVE.  With XSAVE (and so AVX) offered,
# user processes in dom0 and the domU crash now and then (SIGSEGV, "malloc():
# invalid size") once two domains share the CPUs, and sometimes every later
# run of a program does: measured with ~2400 process spawns during traffic,
# 10-300 crashes with "max" (also with xsaveopt/xsavec/xsaves or pku off, and
# with thread=single), none with "max,xsave=off" or "qemu64".  Override with
# XEN_QEMU_CPU.
CPU=${XEN_QEMU_CPU:-max,xsave=off}
# -initrd takes the multiboot modules comma-separated (a literal comma would
# be written ",,"): the dom0 kernel with its command line, then its initramfs.
qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu "$CPU" -m 2048 -smp 2 \
	-display none -serial stdio -monitor none -no-reboot -nic none \
	-kernel "$IMG_DIR/xen" -append "$XEN_ARGS" \
	-initrd "$IMG_DIR/vmlinuz $DOM0_ARGS,$IMG_DIR/dom0.gz" \
	</dev/null >"$LOG" 2>&1 &
QPID=$!
# Never leave QEMU behind, whatever ends this script.
trap 'kill $QPID 2>/dev/null' EXIT
trap 'exit 143' INT TERM

# Watch the log for the end marker; dom0's poweroff normally ends QEMU by
# itself, and QEMU is killed if it lingers after the marker or overruns.
end=$((SECONDS + TMO))
rc=
while kill -0 $QPID 2>/dev/null; do
	if [ -z "$rc" ]; then
		rc=$(tr -d '\r' <"$LOG" | sed -n 's/^XENTEST-END rc=\([0-9]*\).*/\1/p' | head -n1)
		[ -n "$rc" ] && end=$((SECONDS + 10))
	fi
	if [ $SECONDS -ge $end ]; then
		kill $QPID 2>/dev/null
		sleep 1
		kill -9 $QPID 2>/dev/null
		break
	fi
	sleep 0.5
done
wait $QPID 2>/dev/null
[ -z "$rc" ] && rc=$(tr -d '\r' <"$LOG" | sed -n 's/^XENTEST-END rc=\([0-9]*\).*/\1/p' | head -n1)
if [ -z "$rc" ]; then
	echo "TIMEOUT after ${TMO}s" >>"$LOG"
	exit 124
fi
exit "$rc"
