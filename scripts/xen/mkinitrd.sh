#!/bin/bash
# Build what QEMU boots, from the packages fetch.sh unpacked:
#   $IMG_DIR/xen          the hypervisor, gunzipped (QEMU's multiboot loader
#                         does not take xen-4.17-amd64.gz)
#   $IMG_DIR/vmlinuz      the 6.12 kernel (dom0 and domU alike)
#   $IMG_DIR/domu.gz      the domU initramfs
#   $IMG_DIR/dom0.gz      the dom0 initramfs (holds vmlinuz and domu.gz too)
#
# Environment:
#   XENNET_DEB   optional: the xennet-xdp .deb for the domU to install with
#                dpkg (at /root/xennet-xdp.deb), with dpkg itself, the
#                libraries `ldd` names for its program (at the same paths as
#                on this host), a dpkg database that lists the packages of
#                those libraries as installed (their versions on this host),
#                and libxdp's BPF objects.
#   XENNET_BIN   optional, instead: a xennet-xdp binary copied to
#                /usr/sbin/xennet-xdp (a development build: ASan, say), with
#                its libraries and the example filters built beside it.
set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -e "$ROOT_DIR/.stamp" ] || die "run scripts/xen/fetch.sh first"
KVER=$(basename "$(ls -d "$ROOT_DIR"/lib/modules/*/ | head -n1)")
MODDIR=$ROOT_DIR/lib/modules/$KVER/kernel
STAGE=$XEN_CACHE/stage
mkdir -p "$IMG_DIR" "$STAGE"

# The libraries of the unpacked Xen packages, for ldd to find.
LIBPATH=$ROOT_DIR/usr/lib/x86_64-linux-gnu:$ROOT_DIR/lib/x86_64-linux-gnu

# ---- helpers ---------------------------------------------------------------

# new_tree DIR: an empty initramfs tree with busybox and its applet links.
new_tree() {
	local t=$1 a
	rm -rf "$t"
	mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,srv,lib/modules,tests}
	mkdir -p "$t"/var/{lib,log} "$t/lib64"
	ln -s ../run "$t/var/run"
	ln -s ../run/lock "$t/var/lock"
	cp "$ROOT_DIR/bin/busybox" "$t/bin/busybox"
	for a in $("$ROOT_DIR/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$t/bin/$a"
	done
}

# add_libs TREE FILE [host]: copy the shared libraries `ldd` names for FILE
# into TREE, each at the path ldd gives, less the $ROOT_DIR prefix for those
# of the unpacked packages (the host's: libc, libz, ... the same Debian 12).
# With "host", ldd looks only at the host's libraries (as for XENNET_BIN,
# which was built against them).
add_libs() {
	local t=$1 f=$2 lp=$LIBPATH line lib dst
	[ "${3:-}" = host ] && lp=
	if ! LD_LIBRARY_PATH=$lp ldd "$f" >/dev/null 2>&1; then
		return 0 # static, or not ELF
	fi
	LD_LIBRARY_PATH=$lp ldd "$f" | while read -r line; do
		case $line in
		*"not found"*) die "$f: ${line%% *} not found" ;;
		*"=> /"*) lib=${line#*=> } lib=${lib%% (*} ;;
		/*) lib=${line%% (*} ;;
		*) continue ;;
		esac
		dst=${lib#"$ROOT_DIR"}
		[ -e "$t$dst" ] && continue
		mkdir -p "$t$(dirname "$dst")"
		cp -L "$lib" "$t$dst"
	done
}

# add_bin TREE SRC DST [host]: copy an executable and its libraries.
add_bin() {
	mkdir -p "$1$(dirname "$3")"
	cp -L "$2" "$1$3"
	add_libs "$1" "$2" "${4:-}"
}

# add_libgcc TREE: glibc dlopen()s libgcc_s.so.1 for pthread_cancel (and
# libxenstore cancels its reader thread in xs_close), so every program using
# libxenstore aborts on exit with "libgcc_s.so.1 must be installed for
# pthread_cancel to work" (status 134) without it; ldd cannot see a dlopen.
add_libgcc() {
	local lib
	lib=$(ldconfig -p | sed -n 's/.*libgcc_s.so.1 (libc6,x86-64) => //p' | head -n1)
	[ -n "$lib" ] || die "libgcc_s.so.1 not found on the host"
	mkdir -p "$1/lib/x86_64-linux-gnu" && cp -L "$lib" "$1/lib/x86_64-linux-gnu/libgcc_s.so.1"
}

# module_file NAME: the .ko.xz of module NAME (xen-netfront, xenfs, ...).
module_file() {
	find "$MODDIR" -name "$1.ko.xz" | head -n1
}
# module_deps NAME: the modules NAME depends on, from its .modinfo section.
module_deps() {
	xz -dc "$(module_file "$1")" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# add_modules TREE "NAME[:PARAMS] ...": decompress each module and those it
# depends on into TREE/lib/modules, and write TREE/lib/modules/order, the
# insmod order (dependencies first) with parameters, one "NAME PARAMS" a line.
add_modules() {
	local t=$1 spec name
	: >"$t/lib/modules/order"
	for spec in $2; do
		add_module "$t" "${spec%%:*}" "$(echo "${spec#"${spec%%:*}"}" | sed 's/^://; s/,/ /g')"
	done
}
add_module() {
	local t=$1 name=$2 params=$3 dep f
	grep -q "^$name\b" "$t/lib/modules/order" && return 0
	f=$(module_file "$name")
	[ -n "$f" ] || die "module $name not in $KVER"
	for dep in $(module_deps "$name"); do
		add_module "$t" "$dep" ""
	done
	xz -dc "$f" >"$t/lib/modules/$name.ko"
	echo "$name $params" >>"$t/lib/modules/order"
}

# cpio_gz TREE OUT: pack TREE as a newc cpio, gzipped.
cpio_gz() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -4 >"$2.tmp"
	mv "$2.tmp" "$2"
}

# The Xen clients both guests use (one multi-call binary, hard-linked).
XS_CLIENTS="xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-exists
xenstore-rm xenstore-watch xenstore-chmod"

# ---- images ----------------------------------------------------------------
gunzip -c "$ROOT_DIR/boot/xen-4.17-amd64.gz" >"$IMG_DIR/xen"
cp "$ROOT_DIR/boot/vmlinuz-$KVER" "$IMG_DIR/vmlinuz"

# framecheck: the frame-size checker, static so it needs no library.
FRAMECHECK=$STAGE/framecheck
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$FRAMECHECK" "$XEN_TESTS/framecheck.c" ||
	die "cannot build framecheck (needs gcc and libc6-dev)"

# xswatch: the xenstore timeline printer (dom0), against libxenstore.
XSWATCH=$STAGE/xswatch
# shellcheck disable=SC2046
${CC:-gcc} -O2 -Wall -Wextra -Werror -o "$XSWATCH" "$XEN_TESTS/xswatch.c" \
	$(pkg-config --cflags --libs xenstore) ||
	die "cannot build xswatch (needs libxen-dev: make deps)"

# ---- domU ------------------------------------------------------------------
# gntalloc's default limit of 1024 grants is too few for a frontend with
# several queues of 256 TX + 256 RX buffers: allow 8192.
T=$STAGE/domu
new_tree "$T"
# xen-netfront is loaded at boot, as on every PV guest: it binds vif-0.
add_modules "$T" "xen-evtchn xen-gntalloc:limit=8192 xen-gntdev xen-privcmd xenfs veth xen-netfront"
for c in $XS_CLIENTS; do add_bin "$T" "$ROOT_DIR/usr/bin/$c" "/usr/bin/$c"; done
add_libgcc "$T"
cp "$FRAMECHECK" "$T/usr/bin/framecheck"
cp "$XEN_SCRIPTS/domu-init.sh" "$T/init"
cp "$XEN_TESTS/domu-checks.sh" "$T/tests/domu-checks.sh"
chmod 755 "$T/init"
# add_xennet_support TREE PROGRAM: what xennet-xdp needs at run time besides
# itself: PROGRAM's libraries, libxdp's BPF objects (its dispatcher and XSK
# programs, loaded at run time), and the tools users inspect it with.
add_xennet_support() {
	local t=$1 d b
	add_libs "$t" "$2" host
	for d in /usr/lib/x86_64-linux-gnu/bpf /usr/lib/bpf; do
		[ -d "$d" ] && mkdir -p "$t$d" && cp "$d"/xdp-dispatcher.o "$d"/xsk_def_xdp_prog*.o "$d"/xdpfilt_alw_all.o "$t$d/" 2>/dev/null
	done
	ldd "$2" | sed -n 's/^\t*/  domU: /; s/ (0x[0-9a-f]*)$//p' >&2
	for b in /usr/sbin/xdp-loader /usr/sbin/bpftool; do
		[ -x "$b" ] && add_bin "$t" "$b" "$b" host
	done
}

# add_dpkg TREE DEB: dpkg (and what it checks for on PATH) and a database
# in which DEB's dependencies are installed: for each package DEB depends
# on, its stanza as this host's dpkg has it, less its own relations (the
# image carries the files of those packages that DEB's program needs).
add_dpkg() {
	local t=$1 deb=$2 b p l f
	# (busybox's dpkg and dpkg-deb applets go: they are not dpkg; its tar
	# too: dpkg-deb runs GNU tar's options)
	rm -f "$t/bin/dpkg" "$t/bin/dpkg-deb" "$t/bin/tar"
	add_bin "$t" "$(command -v tar)" /bin/tar host
	for b in dpkg dpkg-deb dpkg-query dpkg-split dpkg-trigger; do
		add_bin "$t" "/usr/bin/$b" "/usr/bin/$b" host
	done
	add_bin "$t" /sbin/ldconfig /sbin/ldconfig host
	mkdir -p "$t/var/lib/dpkg/info" "$t/var/lib/dpkg/updates" "$t/var/lib/dpkg/triggers" "$t/etc/dpkg"
	: >"$t/var/lib/dpkg/available"
	: >"$t/var/lib/dpkg/status"
	: >"$STAGE/deps.status"
	for p in $(dpkg-deb -f "$deb" Depends Pre-Depends | sed 's/^[A-Za-z-]*: //; s/([^)]*)//g; s/|[^,]*//g' |
		tr ',' '\n' | awk '{ print $1 }' | sort -u); do
		{ dpkg-query -s "$p:amd64" || dpkg-query -s "$p"; } >>"$STAGE/deps.status" 2>/dev/null ||
			die "$deb depends on $p, which this host does not have"
		echo >>"$STAGE/deps.status"
		# its file list: those of its files the image carries
		for l in "/var/lib/dpkg/info/$p:amd64.list" "/var/lib/dpkg/info/$p.list"; do
			[ -e "$l" ] || continue
			while read -r f; do
				[ -e "$t$f" ] || [ -L "$t$f" ] && echo "$f"
			done <"$l" >"$t$l"
			break
		done
	done
	awk '/^(Depends|Pre-Depends|Recommends|Suggests|Breaks|Conflicts|Replaces|Provides|Conffiles|Enhances):/ { skip = 1; next }
		/^[^ ]/ || /^$/ { skip = 0 } !skip' "$STAGE/deps.status" >"$t/var/lib/dpkg/status"
}

if [ -n "${XENNET_DEB:-}" ]; then
	[ -f "$XENNET_DEB" ] || die "XENNET_DEB=$XENNET_DEB is not a file"
	say "domU gets $XENNET_DEB to install with dpkg"
	rm -rf "$STAGE/deb" && mkdir -p "$STAGE/deb"
	dpkg-deb -x "$XENNET_DEB" "$STAGE/deb"
	[ -x "$STAGE/deb/usr/sbin/xennet-xdp" ] || die "$XENNET_DEB has no usr/sbin/xennet-xdp"
	mkdir -p "$T/root"
	cp "$XENNET_DEB" "$T/root/xennet-xdp.deb"
	add_dpkg "$T" "$XENNET_DEB"
	add_xennet_support "$T" "$STAGE/deb/usr/sbin/xennet-xdp"
elif [ -n "${XENNET_BIN:-}" ]; then
	[ -x "$XENNET_BIN" ] || die "XENNET_BIN=$XENNET_BIN is not an executable"
	say "domU gets $XENNET_BIN as /usr/sbin/xennet-xdp"
	add_bin "$T" "$XENNET_BIN" /usr/sbin/xennet-xdp host
	add_xennet_support "$T" "$XENNET_BIN"
	# the example filters built beside it (the filter-chain check runs
	# them under libxdp's dispatcher)
	fdir=$(dirname "$XENNET_BIN")/filters
	if [ -d "$fdir" ]; then
		mkdir -p "$T/usr/lib/xennet-xdp/filters"
		cp "$fdir"/*.bpf.o "$T/usr/lib/xennet-xdp/filters/"
	fi
fi
cpio_gz "$T" "$IMG_DIR/domu.gz"

# ---- dom0 ------------------------------------------------------------------
T=$STAGE/dom0
new_tree "$T"
add_modules "$T" "xen-evtchn xen-gntalloc xen-gntdev xen-privcmd xenfs xen-netback"
# libxl-save-helper: what `xl save`, `xl restore` and `xl migrate` run to
# move the domain's memory.
for b in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do
	add_bin "$T" "$ROOT_DIR$XEN_LIBEXEC/bin/$b" "$XEN_LIBEXEC/bin/$b"
done
for c in $XS_CLIENTS; do add_bin "$T" "$ROOT_DIR/usr/bin/$c" "/usr/bin/$c"; done
add_libgcc "$T"
mkdir -p "$T/etc/xen/scripts" "$T/var/lib/xen" "$T/var/lib/xenstored" "$T/var/log/xen" "$T/guest"
cat >"$T/etc/xen/xl.conf" <<'EOF'
# dom0 has a fixed 1 GiB (dom0_mem=1024M,max:1024M): never balloon it.
autoballoon="off"
# libxl itself runs the vif script (there is no udev here).
run_hotplug_scripts=1
EOF
cp "$XEN_SCRIPTS/vif-hotplug.sh" "$T/etc/xen/scripts/vif-test"
cp "$XEN_SCRIPTS/dom0-init.sh" "$T/init"
cp "$XEN_TESTS/dom0-checks.sh" "$T/tests/dom0-checks.sh"
chmod 755 "$T/init" "$T/etc/xen/scripts/vif-test"
cp "$FRAMECHECK" "$T/usr/bin/framecheck"
add_bin "$T" "$XSWATCH" /usr/bin/xswatch
cp "$IMG_DIR/vmlinuz" "$T/guest/vmlinuz"
cp "$IMG_DIR/domu.gz" "$T/guest/domu.gz"
cpio_gz "$T" "$IMG_DIR/dom0.gz"
say "images: $(cd "$IMG_DIR" && ls -l xen vmlinuz dom0.gz domu.gz | awk '{printf "%s %d KiB  ", $NF, $5 / 1024}')"
