#!/bin/bash
# The command line as a user meets it: messages in one style through
# common/log ("IFNAME: message" or "xennet-xdp: message", LOG_ERR lines
# prefixed "<3>" when stderr is the journal's stream).  Needs no backend.
. "$(dirname "$0")/lib.sh"
# nothing is started here: leave xennet0 and the namespaces alone
trap 'rm -rf "$T"' EXIT
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
finish
