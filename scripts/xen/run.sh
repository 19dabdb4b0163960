#!/bin/bash
# scripts/xen/run.sh [netfront|both]   (default: netfront; xennet = both)
#
# The real tier: boot real Xen 4.17 + a Linux 6.12 dom0 (xen-netback) under
# QEMU TCG, create a PV domU with one vif, booted as every PV guest is (the
# kernel's xen-netfront bound to vif-0, eth0 up), and check the domU's
# frontend against that backend, in one boot:
#   netfront  the kernel's xen-netfront only (the baseline)
#   both      the kernel's xen-netfront, then xennet-xdp (its .deb installed
#             in the domU with dpkg) taking the vif over
#             from it and giving it back; measurement rounds alternate
#             kernel, xennet, kernel, xennet, ... and the same checks run for
#             both, side by side
# The checks (tests/real/dom0-checks.sh): ping both ways, Ethernet frames of
# every size 60..1514 echoed intact both ways, MB MiB over TCP each way
# (sha256 compared), the ring grants mapped while connected and none left
# after down, backend Closed, up again; a UDP flood with a busy guest; the
# backend unbound and bound again in dom0; xl save/restore, a checkpoint
# and a localhost live migration; no kernel BUG/oops/warning in either
# domain; for xennet-xdp also the refusal without --takeover, the takeover,
# list/status, the filter chain, and the handback.
# Prints PASS/FAIL/RATE lines, a side-by-side table of the checks and one of
# the rates (median per side and the ratio xennet/kernel); exits non-zero on
# any FAIL or timeout.
#
# Environment:
#   XEN_CACHE         downloads and images (default $REPO/.cache/xen)
#   XENNET_DEB        the xennet-xdp .deb for the both mode (default: built
#                     from this tree by scripts/mkdeb.sh into $XEN_CACHE/deb)
#   XENNET_BIN        instead, a binary to copy into the domU (no package)
#   XEN_TCP_MB        MiB per TCP transfer (default 4: the tier must fit in
#                     tests/run.sh's timeout; 8 or more for steadier rates)
#   XEN_ROUNDS        measurement rounds per side (default 2)
#   XEN_XENNET_OPTS   extra options for every `xennet-xdp up` (say --zerocopy)
#   XEN_TIMEOUT       overall limit in seconds (default 2940: under the
#                     timeout 3000 of tests/run.sh, so that a slow run still
#                     prints its checks and says it timed out)
#   XEN_VERBOSE=1     print the whole serial console log
# The full serial log of the boot (with the xenstore dumps, "XS" lines, and
# the timeline of vif keys, "XSW" lines) stays in $XEN_CACHE/logs/.
set -u
START=$SECONDS
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

MODE=${1:-netfront}
case $MODE in
netfront | both) ;;
xennet) MODE=both ;;
*) echo "usage: $0 [netfront|both]" >&2; exit 2 ;;
esac
XEN_TIMEOUT=${XEN_TIMEOUT:-2940}
[ "$(id -u)" = 0 ] || die "run as root (apt-get for QEMU; nothing else needs it)"

# One run at a time per cache (the stage and image directories are shared).
mkdir -p "$XEN_CACHE" "$LOG_DIR"
exec 9>"$XEN_CACHE/lock"
flock -w 60 9 || die "another run holds $XEN_CACHE/lock"

# xennet-xdp, only when that mode runs: the .deb (XENNET_DEB, or built from
# this tree by scripts/mkdeb.sh), which the domU installs with dpkg; or a
# binary copied in (XENNET_BIN: a development build).
XENNET_IMG='' XENNET_PKG=''
if [ "$MODE" = both ]; then
	if [ -n "${XENNET_BIN:-}" ]; then
		if [ ! -x "$XENNET_BIN" ]; then
			echo "FAIL xennet:binary no executable at XENNET_BIN=$XENNET_BIN"
			echo "real tier: no run; 1 failure(s)"
			exit 1
		fi
		XENNET_IMG=$XENNET_BIN
	else
		if [ -z "${XENNET_DEB:-}" ]; then
			t=$SECONDS
			XENNET_DEB=$("$REPO/scripts/mkdeb.sh" "$XEN_CACHE/deb" | tail -n 1)
			say "built $XENNET_DEB in $((SECONDS - t)) s"
		fi
		if [ ! -f "${XENNET_DEB:-}" ]; then
			echo "FAIL xennet:package no .deb (XENNET_DEB=${XENNET_DEB:-}; scripts/mkdeb.sh failed?)"
			echo "real tier: no run; 1 failure(s)"
			exit 1
		fi
		XENNET_PKG=$XENNET_DEB
	fi
fi

# 1-3. Host tools, packages, images.
t=$SECONDS
"$XEN_SCRIPTS/host-deps.sh" || die "host dependencies"
"$XEN_SCRIPTS/fetch.sh" || die "fetching the Debian packages"
XENNET_BIN=$XENNET_IMG XENNET_DEB=$XENNET_PKG "$XEN_SCRIPTS/mkinitrd.sh" || die "building the images"
say "host tools, packages and images ready in $((SECONDS - t)) s"

# 4. One boot.
tmo=$((XEN_TIMEOUT - (SECONDS - START)))
log=$LOG_DIR/$MODE-$(date +%Y%m%d-%H%M%S).log
ln -sfn "$(basename "$log")" "$LOG_DIR/$MODE-latest.log"
say "booting Xen + dom0 + domU, mode $MODE (limit ${tmo}s); serial log: $log"
t=$SECONDS
"$XEN_SCRIPTS/boot.sh" "$MODE" "$log" "$tmo"
rc=$?
wall=$((SECONDS - t))
tr -d '\r\000' <"$log" >"$log.txt" && mv "$log.txt" "$log"
[ "${XEN_VERBOSE:-0}" = 1 ] && sed "s/^/[$MODE] /" "$log"
# The check lines dom0 printed (PASS/FAIL/SKIP/RATE), as they are.
grep -aE '^(PASS|FAIL|SKIP|RATE) ' "$log"
npass=$(grep -ac '^PASS ' "$log")
nfail=$(grep -ac '^FAIL ' "$log")
if [ "$rc" = 124 ]; then
	echo "FAIL boot:timeout the boot and its checks took over ${tmo}s (see $log)"
	nfail=$((nfail + 1))
elif [ "$rc" != 0 ] && [ "$nfail" = 0 ]; then
	echo "FAIL boot:status dom0 ended with status $rc and no FAIL line (see $log)"
	nfail=$((nfail + 1))
elif [ "$npass" = 0 ]; then
	echo "FAIL boot:checks no check ran (see $log)"
	nfail=$((nfail + 1))
fi
if [ "$nfail" != 0 ]; then
	echo "---- last lines of $log"
	grep -avE '^(XS|XSW|XG) ' "$log" | tail -n 40
	echo "----"
fi
say "mode $MODE: $npass passed, $nfail failed, $wall s wall"

# 5. Side by side: every check either side printed, in order; then the
# rates, median per side over the interleaved rounds, and the ratio.
echo
echo "==== side by side in one boot: kernel xen-netfront vs xennet-xdp (copy mode, and zero-copy) (Xen 4.17, Linux xen-netback)"
awk '
	/^(PASS|FAIL|SKIP) (kernel|xennet|zerocopy):/ {
		split($2, a, ":")
		if (!(a[2] in seen)) { seen[a[2]] = 1; order[++n] = a[2] }
		if (!((a[1], a[2]) in r)) r[a[1], a[2]] = $1
	}
	END {
		printf "%-34s %-8s %-8s %-8s\n", "check", "kernel", "xennet", "zerocopy"
		for (i = 1; i <= n; i++) {
			k = ((("kernel", order[i]) in r) ? r["kernel", order[i]] : "-")
			x = ((("xennet", order[i]) in r) ? r["xennet", order[i]] : "-")
			z = ((("zerocopy", order[i]) in r) ? r["zerocopy", order[i]] : "-")
			printf "%-34s %-8s %-8s %-8s\n", order[i], k, x, z
		}
	}' "$log"
echo
echo "==== rates, median of the rounds (each round's value in brackets), interleaved in one boot; zero-copy: one round"
awk '
	function median(s, x, n, i, j, t) {
		n = split(s, x, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && x[j - 1] + 0 > x[j] + 0; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		if (n == 0) return ""
		return (n % 2) ? x[(n + 1) / 2] + 0 : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	function cell(side, m, md) {
		md = median(v[side, m])
		return (md == "") ? "-" : sprintf("%.1f %s [%s ]", md, unit[m], v[side, m])
	}
	function ratio(side, m, km, xm) {
		km = median(v["kernel", m]); xm = median(v[side, m])
		return (km != "" && xm != "" && km > 0) ? sprintf("%.2f", xm / km) : "-"
	}
	/^RATE (kernel|xennet|zerocopy):/ {
		split($2, a, ":"); split(a[2], b, "#")
		if (!(b[1] in unit)) { unit[b[1]] = $4; order[++n] = b[1] }
		v[a[1], b[1]] = v[a[1], b[1]] " " $3
	}
	END {
		printf "%-22s %-26s %-26s %-20s %-13s %s\n", "metric", "kernel", "xennet", "zerocopy",
			"xennet/kernel", "zerocopy/kernel"
		for (i = 1; i <= n; i++) {
			m = order[i]
			printf "%-22s %-26s %-26s %-20s %-13s %s\n", m, cell("kernel", m), cell("xennet", m),
				cell("zerocopy", m), ratio("xennet", m), ratio("zerocopy", m)
		}
	}' "$log"
# what xennet-xdp ran with, and what it negotiated with the backend
grep -a '^INFO ' "$log"
echo "wall time: $wall s for the boot and its checks, $((SECONDS - START)) s in all"
echo "real tier: mode $MODE in $((SECONDS - START)) s; $nfail failure(s)"
[ "$nfail" = 0 ]
