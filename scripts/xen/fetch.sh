#!/bin/bash
# Download (apt-get download, no install) and unpack (dpkg -x) every Debian
# package the guests need into $XEN_CACHE/root: the Xen 4.17 hypervisor and
# toolstack, the bookworm-backports 6.12 kernel, busybox-static.
# Idempotent: a package whose .deb is already in $XEN_CACHE/debs is neither
# downloaded nor unpacked again, so a warm cache needs no network at all.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# The Xen packages named in shared/notes/real-xen-under-qemu.md.
XEN_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
libxenmisc4.17 libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1
libxenstore4 libxentoollog1 libxentoolcore1 libxendevicemodel1 libxenhypfs1
libyajl2"
OTHER_PKGS="busybox-static"

mkdir -p "$DEB_DIR" "$ROOT_DIR"

# have PKG: is a .deb of PKG already downloaded?
have() { ls "$DEB_DIR/$1"_*.deb >/dev/null 2>&1; }

# The kernel: the package linux-image-amd64 from bookworm-backports depends
# on (linux-image-6.12.N+...-amd64).  Remembered in debs/KERNEL_PKG so a warm
# cache does not need the package lists.
kpkg_file=$DEB_DIR/KERNEL_PKG
if [ -s "$kpkg_file" ] && have "$(cat "$kpkg_file")"; then
	KERNEL_PKG=$(cat "$kpkg_file")
else
	apt_setup
	KERNEL_PKG=$(apt_cache depends linux-image-amd64/bookworm-backports 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	[ -n "$KERNEL_PKG" ] || die "cannot tell which kernel linux-image-amd64/bookworm-backports depends on"
	echo "$KERNEL_PKG" >"$kpkg_file"
fi

missing=""
for p in $XEN_PKGS $OTHER_PKGS $KERNEL_PKG; do
	have "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt_setup
	say "downloading$missing"
	# shellcheck disable=SC2086
	(cd "$DEB_DIR" && apt_private -qq download $missing) || die "apt-get download failed"
	for p in $missing; do
		have "$p" || die "apt-get download did not produce $p"
		rm -f "$ROOT_DIR/.stamp"
	done
fi

# Unpack everything into one tree (again only when the set of debs changed).
want=$(cd "$DEB_DIR" && ls ./*.deb | sort | md5sum)
if [ "$(cat "$ROOT_DIR/.stamp" 2>/dev/null)" != "$want" ]; then
	say "unpacking $(ls "$DEB_DIR"/*.deb | wc -l) packages into $ROOT_DIR"
	rm -rf "$ROOT_DIR" && mkdir -p "$ROOT_DIR"
	for d in "$DEB_DIR"/*.deb; do
		dpkg -x "$d" "$ROOT_DIR"
	done
	echo "$want" >"$ROOT_DIR/.stamp"
fi
