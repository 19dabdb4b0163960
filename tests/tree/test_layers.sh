#!/bin/bash
# The layers of user/ (README, Layout), checked from the sources' includes
# and from the built objects' symbols:
#   common/  includes only common/                 (no Xen, no BPF)
#   xen/     common/, xen/                         (the seam, xenbus, netfront, rings)
#   state/   common/, state/                       (run directory, locks, stats file, read-side views)
#   port/    common/, xen/, state/, port/          (veth, XDP, UMEM/XSK, datapath)
#   cli/     anything                              (main, options, one file per subcommand)
#   simback/ common/ and its own headers           (the simulator links only libcommon.a)
# status, stats and filter (rule included) use only state/ and common/; the simulator's
# client (plat_sim) is reachable only from up, down and list.
# Prints PASS/FAIL lines; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
B=${XENNET_BUILD:-build}
NPASS=0 NFAIL=0
pass() { echo "PASS $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }

allowed() {   # allowed LAYER: the layers LAYER may include
	case $1 in
	common) echo "common" ;;
	xen) echo "common xen" ;;
	state) echo "common state" ;;
	port) echo "common xen state port" ;;
	cli) echo "common xen state port cli" ;;
	simback) echo "common" ;;
	esac
}

bad=""
for f in user/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	ok=$(allowed "$layer")
	[ -n "$ok" ] || { bad="$bad $f(unknown layer)"; continue; }
	# every quoted include: "layer/file.h", or for simback its own "file.h"
	while read -r inc; do
		case $inc in
		*/*) l=${inc%%/*}
			case " $ok " in *" $l "*) ;; *) bad="$bad $f->$inc" ;; esac ;;
		*) # unprefixed: include/ (cross-process layouts), the build's skeletons,
		   # or (simback only) a file of its own folder
			[ -e "include/$inc" ] || [[ $inc == *.skel.h ]] ||
				{ [ "$layer" = simback ] && [ -e "user/simback/$inc" ]; } ||
				bad="$bad $f->$inc" ;;
		esac
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
if [ -z "$bad" ]; then pass "layers: every include points down (or sideways to include/)"
else fail "layers: includes against the layering:$bad"; fi

# the read-side commands: includes
bad=""
for c in status stats filter rule; do
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "user/cli/cmd_$c.c"); do
		case $inc in common/* | state/* | cli/cmd.h | xennet_*.h) ;; *) bad="$bad cmd_$c.c->$inc" ;; esac
	done
done
if [ -z "$bad" ]; then pass "layers: status, stats, filter, rule include only state/, common/ (and cmd.h)"
else fail "layers: read-side commands reach past state/:$bad"; fi

# ...and link: every symbol their objects need is defined in state/, common/,
# cli/cmd_util.o, cli/cmd_rule.o (filter rule, itself checked) or outside the project (libc, libbpf, libxdp, json-c)
defined() { nm --defined-only -g "$@" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u; }
if ls "$B"/user/cli/cmd_status.o >/dev/null 2>&1; then
	ours=$(defined "$B"/user/*/*.o)
	low=$(defined "$B"/user/state/*.o "$B"/user/common/*.o "$B"/user/cli/cmd_util.o "$B"/user/cli/cmd_rule.o)
	bad=""
	for c in status stats filter rule; do
		for sym in $(nm -u "$B/user/cli/cmd_$c.o" | awk '{ print $2 }'); do
			if grep -qx "$sym" <<<"$ours" && ! grep -qx "$sym" <<<"$low"; then
				bad="$bad cmd_$c.o:$sym"
			fi
		done
	done
	if [ -z "$bad" ]; then pass "layers: status, stats, filter, rule link against state/ and common/ only"
	else fail "layers: read-side commands call into upper layers:$bad"; fi
	# plat_sim: who calls plat_sim_open
	users=$(for o in "$B"/user/*/*.o; do nm -u "$o" | grep -qw plat_sim_open && basename "$o"; done | sort | tr '\n' ' ')
	bad=""
	for u in $users; do
		case $u in cmd_up.o | cmd_down.o | cmd_list.o) ;; *) bad="$bad $u" ;; esac
	done
	if [ -n "$users" ] && [ -z "$bad" ]; then
		pass "layers: plat_sim is reached only from up, down and list ($users)"
	else
		fail "layers: plat_sim_open is called from:${bad:- nowhere} (only up, down and list may)"
	fi
	# the simulator links nothing but common/
	sim_undef=$(nm -u "$B"/user/simback/*.o | awk '{ print $2 }' | sort -u)
	simdef=$(defined "$B"/user/simback/*.o "$B"/user/common/*.o)
	bad=""
	for sym in $sim_undef; do
		grep -qx "$sym" <<<"$ours" && ! grep -qx "$sym" <<<"$simdef" && bad="$bad $sym"
	done
	if [ -z "$bad" ]; then pass "layers: xennet-simback needs nothing beyond common/"
	else fail "layers: xennet-simback calls frontend code:$bad"; fi
else
	fail "layers: no objects under $B/user (run make first)"
fi
echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"
[ "$NFAIL" = 0 ]
