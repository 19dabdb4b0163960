#!/bin/bash
# scripts/xen/run.sh [netfront|xennet|both]   (default: netfront)
#
# The real tier: boot real Xen 4.17 + a Linux 6.12 dom0 (xen-netback) under
# QEMU TCG, create a PV domU with one vif, and check the domU's frontend
# against that backend: ping both ways, Ethernet frames of every size
# 60..1514 echoed intact both ways, 20 MiB over TCP each way (sha256
# compared), frontend down (backend reaches Closed) and up again.
#   netfront  the domU's frontend is kernel xen-netfront (the baseline)
#   xennet    it is xennet-xdp, the binary named by XENNET_BIN
#             (default: $REPO/build/xennet-xdp)
#   both      one boot each, then a side-by-side summary
# Prints PASS/FAIL/RATE lines; exits non-zero on any FAIL or timeout.
#
# Environment:
#   XEN_CACHE         downloads and images (default $REPO/.cache/xen)
#   XENNET_BIN        the xennet-xdp binary for the xennet mode
#   XEN_TCP_MB        MiB per TCP transfer (default 20)
#   XEN_TIMEOUT       overall limit in seconds (default 540)
#   XEN_BOOT_TIMEOUT  limit for one boot and its checks (default 300)
#   XEN_VERBOSE=1     print the whole serial console log of each boot
# The full serial log of each boot (with the xenstore dumps, "XS" lines, and
# the timeline of vif keys, "XSW" lines) stays in $XEN_CACHE/logs/.
set -u
START=$SECONDS
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MODES=${1:-netfront}
case $MODES in
netfront | xennet) ;;
both) MODES="netfront xennet" ;;
*) echo "usage: $0 [netfront|xennet|both]" >&2; exit 2 ;;
esac
XEN_TIMEOUT=${XEN_TIMEOUT:-540}
BOOT_TIMEOUT=${XEN_BOOT_TIMEOUT:-300}
[ "$(id -u)" = 0 ] || die "run as root (apt-get for QEMU; nothing else needs it)"

# One run at a time per cache (the stage and image directories are shared).
mkdir -p "$XEN_CACHE" "$LOG_DIR"
exec 9>"$XEN_CACHE/lock"
flock -w 60 9 || die "another run holds $XEN_CACHE/lock"

# The xennet binary: only when that mode runs.
unset XENNET_IMG
case " $MODES " in
*" xennet "*)
	XENNET_BIN=${XENNET_BIN:-$REPO/build/xennet-xdp}
	if [ -x "$XENNET_BIN" ]; then
		XENNET_IMG=$XENNET_BIN
	else
		echo "FAIL xennet:binary no executable at XENNET_BIN=$XENNET_BIN (run make first)"
		MODES=${MODES/xennet/}
		NOBIN=1
	fi
	;;
esac

# 1-3. Host tools, packages, images.
t=$SECONDS
"$XEN_SCRIPTS/host-deps.sh" || die "host dependencies"
"$XEN_SCRIPTS/fetch.sh" || die "fetching the Debian packages"
XENNET_BIN=${XENNET_IMG:-} "$XEN_SCRIPTS/mkinitrd.sh" || die "building the images"
say "host tools, packages and images ready in $((SECONDS - t)) s"

# 4-5. One boot per mode.
declare -A RESULT WALL
failed=${NOBIN:-0}
for mode in $MODES; do
	left=$((XEN_TIMEOUT - (SECONDS - START)))
	tmo=$((left < BOOT_TIMEOUT ? left : BOOT_TIMEOUT))
	if [ "$tmo" -lt 30 ]; then
		echo "FAIL $mode:boot no time left under XEN_TIMEOUT=${XEN_TIMEOUT}s"
		failed=$((failed + 1))
		continue
	fi
	log=$LOG_DIR/$mode-$(date +%Y%m%d-%H%M%S).log
	ln -sfn "$(basename "$log")" "$LOG_DIR/$mode-latest.log"
	say "booting Xen + dom0 + domU, mode $mode (limit ${tmo}s); serial log: $log"
	t=$SECONDS
	"$XEN_SCRIPTS/boot.sh" "$mode" "$log" "$tmo"
	rc=$?
	WALL[$mode]=$((SECONDS - t))
	tr -d '\r\000' <"$log" >"$log.txt" && mv "$log.txt" "$log"
	[ "${XEN_VERBOSE:-0}" = 1 ] && sed "s/^/[$mode] /" "$log"
	# The check lines dom0 printed (PASS/FAIL/RATE), as they are.
	grep -aE '^(PASS|FAIL|RATE) ' "$log"
	npass=$(grep -ac '^PASS ' "$log")
	nfail=$(grep -ac '^FAIL ' "$log")
	if [ "$rc" = 124 ]; then
		echo "FAIL $mode:boot timed out after ${tmo}s (see $log)"
		nfail=$((nfail + 1))
	elif [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
		echo "FAIL $mode:boot dom0 ended with status $rc and no FAIL line (see $log)"
		nfail=$((nfail + 1))
	elif [ "$npass" = 0 ]; then
		echo "FAIL $mode:boot no check ran (see $log)"
		nfail=$((nfail + 1))
	fi
	if [ "$nfail" != 0 ]; then
		echo "---- last lines of $log"
		grep -avE '^(XS|XSW) ' "$log" | tail -n 40
		echo "----"
	fi
	failed=$((failed + nfail))
	RESULT[$mode]=$log
	say "mode $mode: $npass passed, $nfail failed, ${WALL[$mode]} s wall"
done

# Side by side, when both modes ran.
if [ -n "${RESULT[netfront]:-}" ] && [ -n "${RESULT[xennet]:-}" ]; then
	echo
	echo "==== side by side: kernel xen-netfront vs xennet-xdp (Xen 4.17, Linux xen-netback)"
	printf '%-30s %-22s %-22s\n' check netfront xennet
	# every check name either mode printed (rates as rate:NAME), in order
	names=$(sed -nE 's/^(PASS|FAIL) (netfront|xennet):([^ ]*).*/\3/p; s/^RATE (netfront|xennet):([^ ]*).*/rate:\2/p' \
		"${RESULT[netfront]}" "${RESULT[xennet]}" | awk '!seen[$0]++')
	for n in $names; do
		row=()
		for m in netfront xennet; do
			case $n in
			rate:*) v=$(sed -nE "s/^RATE $m:${n#rate:} ([0-9.]+ [^ ]+).*/\1/p" "${RESULT[$m]}") ;;
			*) v=$(sed -nE "s/^(PASS|FAIL) $m:$n( .*)?$/\1/p" "${RESULT[$m]}" | head -n1) ;;
			esac
			row+=("${v:--}")
		done
		printf '%-30s %-22s %-22s\n' "$n" "${row[0]}" "${row[1]}"
	done
	printf '%-30s %-22s %-22s\n' "wall time (boot + checks)" "${WALL[netfront]} s" "${WALL[xennet]} s"
fi
echo "real tier: modes [${MODES# }] in $((SECONDS - START)) s; $failed failure(s)"
[ "$failed" = 0 ]
