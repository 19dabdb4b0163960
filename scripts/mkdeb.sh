#!/bin/bash
# Build the .deb as a packager would: dpkg-buildpackage -us -uc -b in a copy
# of the tree (the files git knows and the new ones it does not ignore) under
# OUTDIR, which it empties first.  Prints the .deb's path on the last line;
# the build's output goes to OUTDIR/build.log.  Exits non-zero on failure.
#   scripts/mkdeb.sh OUTDIR
set -eu
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/mkdeb.sh OUTDIR}
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
rm -rf "$out" && mkdir -p "$out"
out=$(realpath "$out")
src=$out/xennet-xdp-$VERSION
mkdir -p "$src"
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$src"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed (all of it in $out/build.log)" >&2
	exit 1
fi
deb=$(ls "$out"/xennet-xdp_"$VERSION"_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "mkdeb: no .deb in $out" >&2; exit 1; }
echo "$deb"
