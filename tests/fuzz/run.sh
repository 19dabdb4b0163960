#!/bin/bash
# Run the fuzz targets (build them first: make fuzz-build).
#
#   tests/fuzz/run.sh short [TARGET...]   each for a few seconds on its corpus
#                                         (make test, make test-fuzz)
#   tests/fuzz/run.sh long  [TARGET...]   each for 10 million inputs, or 7200 s
#                                         if that comes first (make fuzz)
#
# Every input in tests/fuzz/regress/TARGET/ (the crashes found so far) runs
# first, once.  Then libFuzzer runs on a work corpus seeded from
# tests/fuzz/corpus/TARGET/ (the checked-in seeds are never written).  One
# line per target: "PASS fuzz: TARGET: N inputs in S s (R/s), coverage C
# edges, F features, 0 crashes", or FAIL with the crash and where the
# input that caused it was saved.  Long runs use every core, a target each.
set -u
cd "$(dirname "$0")/../.."
B=${XENNET_BUILD:-build}
export XENNET_BUILD=$B
F=$B/fuzz
mode=${1:-short}
shift
targets=${*:-xs_values netif_ring xs_server xs_store filters}
SHORT_S=${XENNET_FUZZ_SECONDS:-5}

# inputs libFuzzer may grow to: a XenStore value; ring steps; a session; an
# op list; a frame
declare -A MAXLEN=([xs_values]=300 [netif_ring]=4096 [xs_server]=8192 [xs_store]=1024 [filters]=10000)
# long budgets: 10 million inputs each (the BPF target makes four system
# calls per input, and still runs tens of thousands a second), or
# XENNET_FUZZ_CAP seconds if that comes first (the line then says so)
RUNS=${XENNET_FUZZ_RUNS:-10000000}
CAP=${XENNET_FUZZ_CAP:-7200}

fuzz_one() {   # TARGET: fuzz it, print one PASS/FAIL line
	local t=$1 bin=$F/fuzz_$t log=$F/log/$t.$mode.log work art rc runs cov ft secs start
	local reg=tests/fuzz/regress/$t budget
	mkdir -p "$F/log" "$F/artifacts"
	if [ ! -x "$bin" ]; then
		echo "FAIL fuzz: $t: $bin is not built (make fuzz-build)"
		return
	fi
	# the crashes found before: each must run clean now
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if ! "$bin" "$reg"/* >"$log.regress" 2>&1; then
			echo "FAIL fuzz: $t: a regression input crashes again ($log.regress)"
			grep -m3 -E 'ERROR|fuzz_[a-z_]*:|runtime error' "$log.regress"
			return
		fi
	fi
	if [ "$mode" = long ]; then
		work=$F/work/$t
		budget="-runs=$RUNS -max_total_time=$CAP"
		# no allocation stacks kept (ASan still finds every error; a
		# crash's saved input, run again by hand, shows them): 8-14% more
		# inputs a second for the simulator's targets
		export ASAN_OPTIONS=malloc_context_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	else
		work=$(mktemp -d "/tmp/xennet-fuzz-$t.XXXXXX")
		budget="-max_total_time=$SHORT_S"
	fi
	mkdir -p "$work"
	art=$F/artifacts/$t-
	rm -f "$art"*
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" $budget -max_len="${MAXLEN[$t]}" -timeout=30 -rss_limit_mb=3072 \
		-print_final_stats=1 -artifact_prefix="$art" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	[ "$mode" = long ] || rm -rf "$work"
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	local found
	found=$(ls "$art"* 2>/dev/null | wc -l)
	local rate=$(( ${runs:-0} / (secs > 0 ? secs : 1) ))
	local line="$t: ${runs:-0} inputs in ${secs} s (${rate}/s), coverage ${cov:-0} edges, ${ft:-0} features, $found crashes"
	[ "$mode" = long ] && [ "${runs:-0}" -lt "$RUNS" ] && line="$line; stopped at the ${CAP} s cap"
	if [ "$rc" = 0 ] && [ "$found" = 0 ] && [ -n "$runs" ]; then
		echo "PASS fuzz: $line"
	else
		echo "FAIL fuzz: $line (exit $rc; log $log; input saved as $(ls "$art"* 2>/dev/null | head -1))"
		grep -m5 -E '^==.*ERROR|^fuzz_[a-z_]*:|runtime error|SUMMARY' "$log"
	fi
}

if [ "$mode" != short ] && [ "$mode" != long ]; then
	echo "usage: $0 short|long [TARGET...]" >&2
	exit 2
fi
if [ "$mode" = long ]; then
	# a target per core; results as each ends
	slots=$(nproc)
	for t in $targets; do
		while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do wait -n; done
		fuzz_one "$t" &
	done
	wait
else
	for t in $targets; do fuzz_one "$t"; done
fi
