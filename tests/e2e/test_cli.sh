#!/bin/bash
# The command line as a user meets it: every command answers -h from its
# option table, --version, --run-dir and $XENNET_RUN_DIR, the bash
# completion generated from the same tables; messages in one style through
# common/log ("IFNAME: message" or "xennet-xdp: message", LOG_ERR lines
# prefixed "<3>" when stderr is the journal's stream).  Needs no backend.
. "$(dirname "$0")/lib.sh"
NOSUCH=xnnosuch$$

# a name that runs nowhere: one line, the interface's name first, exit 1
"$XN" status "$NOSUCH" >"$T/out" 2>"$T/err"; rc=$?
check "status NAME not running: exit 1, one line 'NAME: no running ...'" \
	eval '[ $rc = 1 ] && [ "$(cat "$T/err")" = "$NOSUCH: no running xennet-xdp instance" ] && [ ! -s "$T/out" ]'
"$XN" stats "$NOSUCH" >"$T/out" 2>"$T/err"; rc=$?
check "stats NAME not running: exit 1, the same line" \
	eval '[ $rc = 1 ] && [ "$(cat "$T/err")" = "$NOSUCH: no running xennet-xdp instance" ]'
"$XN" frobnicate >"$T/out" 2>"$T/err"; rc=$?
check "an unknown command: exit 2, 'xennet-xdp: ...' naming it" \
	eval '[ $rc = 2 ] && grep -q "^xennet-xdp: .frobnicate. is not a command" "$T/err"'
"$XN" status "bad/name" >"$T/out" 2>"$T/err"; rc=$?
check "a bad interface name: exit 2, 'xennet-xdp: status: ...'" \
	eval '[ $rc = 2 ] && [ "$(cat "$T/err")" = "xennet-xdp: status: '"'"'bad/name'"'"' is not a valid interface name" ]'

# under systemd, stderr is the journal's stream ($JOURNAL_STREAM names its
# device and inode): every line carries its syslog priority, <3> for errors
: >"$T/journal"
JOURNAL_STREAM=$(stat -c %d:%i "$T/journal") "$XN" status "$NOSUCH" 2>>"$T/journal"
check "under JOURNAL_STREAM: '<3>NAME: message'" \
	eval '[ "$(cat "$T/journal")" = "<3>$NOSUCH: no running xennet-xdp instance" ]'
# ...and not when stderr is something else than that stream
JOURNAL_STREAM=$(stat -c %d:%i "$T/journal") "$XN" status "$NOSUCH" 2>"$T/err2"
check "JOURNAL_STREAM naming another file: no prefix" grep -q "^$NOSUCH: " "$T/err2"
# every command of the usage lines answers -h (exit 0, its own usage first),
# given up to its first argument but IFNAME
"$XN" --generate usage >"$T/usage"
bad=
while read -r prog words; do
	path=$(printf '%s\n' "$words" | awk '{ for (i = 1; i <= NF; i++) { if ($i ~ /^[[\-]/ || ($i ~ /^[A-Z]+$/ && $i != "IFNAME")) break; printf "%s ", $i } }')
	args=$(printf '%s' "$path" | sed 's/IFNAME/xnany0/g')
	# shellcheck disable=SC2086
	"$XN" $args -h >"$T/help" 2>&1 && head -1 "$T/help" | grep -qF "usage: xennet-xdp ${path% }" ||
		bad="$bad [$path]"
done <"$T/usage"
check "every command answers -h with its usage ($(wc -l <"$T/usage") commands)" eval '[ -z "$bad" ] || { echo "no help:$bad"; false; }'
check "--help: exit 0, lists every command" sh -c \
	"'$XN' --help >$T/help && [ \$(grep -c '^  xennet-xdp ' $T/help) = $(wc -l <"$T/usage") ]"
check "help (the word): the same" sh -c "'$XN' help | cmp -s - $T/help"
check "a command's help names its options with their short forms" sh -c \
	"'$XN' stats --help | grep -q -- '-j, --json' && '$XN' status -h | grep -q -- '-v, --verbose'"
check "-h anywhere after the command" sh -c "'$XN' filter rule xnany0 port add 53 -h | grep -q '^usage: xennet-xdp filter rule IFNAME port add PORT'"

# --version: ours (the Makefile's), libbpf's and libxdp's
want=$(sed -n 's/^VERSION *:= *//p' Makefile)
"$XN" --version >"$T/version"
check "--version: xennet-xdp $want, libbpf, libxdp" sh -c \
	"[ \"\$(head -1 $T/version)\" = 'xennet-xdp $want' ] && grep -q '^libbpf v\?[0-9]' $T/version && grep -q '^libxdp [0-9]' $T/version"

# the run directory: --run-dir, else $XENNET_RUN_DIR; a stale state file there
# (a pid that is not alive) is not a running instance
mkdir -p "$T/run"
printf 'pid=%s\nvif=0\n' 4194304 >"$T/run/xnstale0.state"
check "--run-dir DIR: status reads DIR" sh -c \
	"'$XN' --run-dir '$T/run' status xnstale0 2>&1 | grep -q 'xnstale0: no running xennet-xdp instance'"
"$XN" --run-dir "$T/nosuch/run" status >"$T/out" 2>&1; rc=$?
check "--run-dir of nothing: no instances, exit 0" eval '[ $rc = 0 ] && grep -q "no running instances" "$T/out"'
check "\$XENNET_RUN_DIR: the same" sh -c "XENNET_RUN_DIR='$T/nosuch/run' '$XN' stats --json | grep -qx '\[\]'"
"$XN" --run-dir "$(printf 'x%.0s' $(seq 300))" status >"$T/out" 2>&1; rc=$?
check "--run-dir too long: exit 2, one line" eval '[ $rc = 2 ] && [ "$(wc -l <"$T/out")" = 1 ]'
"$XN" down --ifname xnnone0 --wait 0 >"$T/out" 2>&1; rc=$?
check "down --wait 0: exit 2, one line naming the range" \
	eval '[ $rc = 2 ] && [ "$(wc -l <"$T/out")" = 1 ] && grep -q "wait.*1..3600" "$T/out"'

# the bash completion, generated from the same tables, in a bash of its own
"$XN" --generate bash-completion >"$T/completion"
check "the completion is valid bash" bash -n "$T/completion"
: >"$T/run/xncomp0.state"
comp() {   # comp WORD... : what completing the last word offers
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _xennet_xdp; printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$T/completion" xennet-xdp --run-dir "$T/run" "$@" 2>&1 | sort | tr '\n' ' '
}
check "completion: the commands" eval '[ "$(comp "")" = "down filter list stats status up " ]'
check "completion: filter's words" eval '[ "$(comp filter "")" = "attach detach list rule " ]'
check "completion: the instances in the run directory" eval '[ "$(comp filter rule xn)" = "xncomp0 xnstale0 " ]'
check "completion: the words after IFNAME" eval '[ "$(comp filter rule xncomp0 "")" = "port prefix ratelimit " ]'
check "completion: a command's options" eval 'comp stats --i | grep -q -- "--interval"'
check "completion: prefix add's action" eval '[ "$(comp filter rule xncomp0 prefix add 10.0.0.0/8 "")" = "allow deny " ]'
check "completion: keyword options (burst)" eval '[ "$(comp filter rule xncomp0 ratelimit set 10/s "")" = "burst " ]'

# -v: libbpf's and libxdp's messages pass through (up, loading its program);
# without it, none of them
make_netns || exit 1
start_sim || exit 1
for v in "" -v; do
	# shellcheck disable=SC2086
	"$XN" $v up --sim "$SOCK" --ifname "$IFN" --netns "$GUEST" --timeout 5 >"$T/up$v.log" 2>&1 &
	UP_PID=$!
	wait_log "$T/up$v.log" "connected to backend" || fail "up $v: connect"
	stop_up || fail "up $v: exit status"
done
check "up -v: libbpf's messages, one a line ($(grep -c "^xennet-xdp: libbpf: " "$T/up-v.log"))" \
	grep -q "^xennet-xdp: libbpf: loading object 'xennet_redirect'" "$T/up-v.log"
check "up without -v: none of them" eval '! grep -q "libbpf: \|libxdp: " "$T/up.log"'
stop_sim
check "up -v: nothing left behind" no_leftovers
finish
