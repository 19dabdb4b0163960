#!/bin/bash
# The README's usage block is what the option tables say: the lines between
# "## Using it" and the end of its first code block are exactly
# `xennet-xdp --generate usage`.
set -u
cd "$(dirname "$0")/../.."
B=${XENNET_BUILD:-build}
if [ ! -x "$B/xennet-xdp" ]; then
	echo "FAIL docs: no $B/xennet-xdp (run make first)"
	exit 1
fi
readme=$(awk '/^## Using it/ { f = 1; next } f && /^```sh/ { b = 1; next } b && /^```/ { exit } b' README.md)
if [ "$readme" = "$("$B/xennet-xdp" --generate usage)" ]; then
	echo "PASS docs: README's usage block is the option tables' (xennet-xdp --generate usage)"
else
	echo "FAIL docs: README's usage block differs from xennet-xdp --generate usage:"
	diff <(printf '%s\n' "$readme") <("$B/xennet-xdp" --generate usage)
	exit 1
fi
