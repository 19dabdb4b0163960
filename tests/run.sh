#!/bin/bash
# Run the test tiers named on the command line (build, pkg, setup, unit,
# fuzz, e2e, xen, or all; e2e-zc, the e2e suite in zero-copy mode, is not
# in all) and end with one line "N passed, N failed".  Exit
# status 0 only if none failed.
set -u
cd "$(dirname "$0")/.."
B=${XENNET_BUILD:-build}
export XENNET_BUILD=$B
passed=0 failed=0
tiers="$*"
[ -z "$tiers" ] || [ "$tiers" = all ] && tiers="build pkg setup unit fuzz e2e xen"

# the namespaces e2e tests name (xnw/xng + their pid), sorted
test_netns() { ip netns list | awk '/^xn[wg][0-9]+/ { print $1 }' | sort; }

count() {   # count PASS/FAIL lines of a log; a non-zero exit with no FAIL is one failure
	local log=$1 rc=$2 p f
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; echo "FAIL $3 (exit $rc)"; fi
	if [ "$rc" = 0 ] && [ "$p" = 0 ] && [ "$f" = 0 ]; then f=1; echo "FAIL $3 (ran no check)"; fi
	passed=$((passed + p)); failed=$((failed + f))
}

script_tier() {   # script_tier SCRIPT TIMEOUT: one script's PASS/FAIL lines, counted
	local log rc
	log=$(mktemp)
	echo "== $1"
	timeout "$2" bash "$1" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
	count "$log" "$rc" "$1"
	rm -f "$log"
}

for tier in $tiers; do
	case $tier in
	build)
		# the whole tree with the other compiler too, warnings as errors
		for cc in gcc clang; do
			log=$(mktemp) dir=$(mktemp -d)
			if make -s CC=$cc B="$dir" all >"$log" 2>&1; then
				echo "PASS build: make CC=$cc, -Wall -Wextra -Werror"
				passed=$((passed + 1))
			else
				echo "FAIL build: make CC=$cc"
				tail -n 20 "$log"
				failed=$((failed + 1))
			fi
			rm -rf "$log" "$dir"
		done ;;
	pkg)
		# the .deb (dpkg-buildpackage, lintian, a scratch root), make install/uninstall
		script_tier tests/pkg/test_deb.sh 900 ;;
	setup)
		# the README's build on a fresh Debian root, nothing installed by hand
		script_tier tests/setup/fresh_build.sh 1800 ;;
	unit)
		for t in "$B"/tests/test_*; do
			[ -x "$t" ] || continue
			log=$(mktemp)
			"$t" >"$log" 2>&1; rc=$?
			# cmocka: "[       OK ] name" / "[  FAILED  ] name"
			sed -n 's/^\[       OK \] \(.*\)/PASS unit:\1/p; s/^\[  FAILED  \] \([a-z_0-9]*\)$/FAIL unit:\1/p' "$log" | sort -u | tee "$log.pf"
			[ "$rc" != 0 ] && grep -v '^\[' "$log" | tail -20
			count "$log.pf" "$rc" "$(basename "$t")"
			rm -f "$log" "$log.pf"
		done
		# checks of the tree itself (the layering of user/)
		for t in tests/tree/test_*.sh; do
			log=$(mktemp)
			bash "$t" >"$log" 2>&1; rc=$?
			grep -E '^(PASS|FAIL) ' "$log"
			count "$log" "$rc" "$t"
			rm -f "$log"
		done ;;
	fuzz)
		# each libFuzzer target a few seconds on its corpus, and every
		# crash found so far (tests/fuzz/regress/) once
		log=$(mktemp)
		tests/fuzz/run.sh short 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
		count "$log" "$rc" "tests/fuzz/run.sh"
		rm -f "$log" ;;
	e2e | e2e-zc)
		# e2e-zc: the same suite with every up in zero-copy mode
		[ "$tier" = e2e-zc ] && export XENNET_E2E_UP_OPTS="--zerocopy --trust-backend"
		for t in tests/e2e/test_*.sh; do
			log=$(mktemp)
			echo "== $t"
			# the namespaces the tests name (xnw/xng + their pid): a test
			# leaves none of its own behind (others' are not touched)
			before=$(test_netns)
			timeout 900 bash "$t" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
			left=$(comm -13 <(echo "$before") <(test_netns) | tr '\n' ' ')
			if [ -n "$left" ]; then
				echo "FAIL $t: left network namespaces behind: $left" | tee -a "$log"
			else
				echo "PASS $t: no network namespace left behind" | tee -a "$log"
			fi
			count "$log" "$rc" "$t"
			rm -f "$log"
		done ;;
	xen)
		log=$(mktemp)
		echo "== tests/real/run.sh"
		# xennet-xdp as users get it: this tree's .deb, installed in the domU
		timeout 3000 bash tests/real/run.sh 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
		count "$log" "$rc" "tests/real/run.sh"
		rm -f "$log" ;;
	*) echo "unknown tier $tier" >&2; exit 2 ;;
	esac
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
