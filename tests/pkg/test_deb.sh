#!/bin/bash
# Packaging, as a packager would do it, in copies of the tree under a
# temporary directory (the tree itself is left as it is):
#   - debian/changelog's version is the Makefile's;
#   - dpkg-buildpackage -us -uc -b builds the .deb; it holds what make
#     install installs and nothing else (no test binaries), with no build
#     path inside; lintian finds no error; apt resolves its dependencies;
#     it installs into (and is removed from) a scratch root, where the
#     binary, the man pages and the completion work;
#   - make install DESTDIR=... builds only what it installs, puts it where
#     the variables say, and make uninstall removes it;
#   - make install with a build dependency missing names it and never runs
#     apt-get.
# Prints PASS/FAIL lines; exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
NPASS=0 NFAIL=0
pass() { echo "PASS $*"; NPASS=$((NPASS + 1)); }
fail() { echo "FAIL $*"; NFAIL=$((NFAIL + 1)); }
check() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
T=$(mktemp -d /tmp/xennet-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT

VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
check "debian/changelog's version ($(dpkg-parsechangelog -S Version)) is the Makefile's ($VERSION)" \
	[ "$(dpkg-parsechangelog -S Version)" = "$VERSION" ]

# copy: the files git knows and the new ones it does not ignore
copy() {
	mkdir -p "$1" && git ls-files -co --exclude-standard | tar -cf - -T - | tar -xf - -C "$1"
}
# (scripts/mkdeb.sh: dpkg-buildpackage in a copy under $T/deb, as the real
# tier builds the .deb its domU installs)
SRC=$T/deb/xennet-xdp-$VERSION
DEB=$(scripts/mkdeb.sh "$T/deb" 2>"$T/mkdeb.err"); rc=$?
check "dpkg-buildpackage -us -uc -b: exit 0" [ "$rc" = 0 ] || cat "$T/mkdeb.err"
[ -f "$DEB" ] || { fail "no .deb built"; echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"; exit 1; }

dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' | sort >"$T/files"
cat >"$T/want" <<EOF
etc/xennet-xdp/example.conf
lib/systemd/system/xennet-xdp@.service
usr/lib/xennet-xdp/filters/xennet_port_deny.bpf.o
usr/lib/xennet-xdp/filters/xennet_prefix.bpf.o
usr/lib/xennet-xdp/filters/xennet_ratelimit.bpf.o
usr/libexec/xennet-xdp/xennet-simback
usr/sbin/xennet-xdp
usr/share/bash-completion/completions/xennet-xdp
usr/share/doc/xennet-xdp/changelog.gz
usr/share/doc/xennet-xdp/copyright
usr/share/lintian/overrides/xennet-xdp
usr/share/man/man1/xennet-simback.1.gz
usr/share/man/man8/xennet-xdp.8.gz
EOF
check "the .deb holds exactly the program, filters, simulator, man pages, completion, unit, example config" \
	cmp -s "$T/files" "$T/want" || diff "$T/want" "$T/files"
check "...and no test binary" sh -c "! grep -Eq 'test|xskbench|udpburst' '$T/files'"

mkdir -p "$T/x" && dpkg-deb -x "$DEB" "$T/x"
check "no build path in any installed file (BPF objects included)" sh -c "! grep -rlF '$SRC' '$T/x'"

lintian --tag-display-limit 0 "$DEB" >"$T/lintian" 2>&1
sed 's/^/  lintian: /' "$T/lintian" | grep -v 'root privileges'
check "lintian: no error" sh -c "! grep -q '^E:' '$T/lintian'"

apt-get install -s "$DEB" >"$T/apt" 2>&1; rc=$?
check "apt resolves its dependencies here (apt-get install -s)" \
	sh -c "[ $rc = 0 ] && grep -q '^Inst xennet-xdp ' '$T/apt'" || tail -5 "$T/apt"

# a scratch root of its own (its libraries are the host's: --force-depends)
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" && : >"$R/var/lib/dpkg/status"
dpkg --root="$R" --force-depends --force-not-root -i "$DEB" >"$T/dpkg" 2>&1; rc=$?
check "dpkg -i into a scratch root: exit 0, configured" \
	sh -c "[ $rc = 0 ] && dpkg --root='$R' -s xennet-xdp | grep -q 'Status: install ok installed'" || cat "$T/dpkg"
check "the installed xennet-xdp runs: --version $VERSION" \
	sh -c "'$R/usr/sbin/xennet-xdp' --version | head -1 | grep -qx 'xennet-xdp $VERSION'"
check "the installed xennet-simback runs: -h" sh -c "'$R/usr/libexec/xennet-xdp/xennet-simback' -h | grep -q '^usage: xennet-simback'"
check "the completion knows where the installed filters are" \
	grep -q '/usr/lib/xennet-xdp/filters/\*.bpf.o' "$R/usr/share/bash-completion/completions/xennet-xdp"
check "man xennet-xdp(8) renders, with every command" sh -c \
	"MANWIDTH=80 man -l '$R/usr/share/man/man8/xennet-xdp.8.gz' 2>&1 >'$T/man8' | (! grep -q .) &&
	 grep -q 'filter rule IFNAME ratelimit set' '$T/man8' && grep -q 'EXIT STATUS' '$T/man8'"
check "man xennet-simback(1) renders" sh -c \
	"MANWIDTH=80 man -l '$R/usr/share/man/man1/xennet-simback.1.gz' 2>/dev/null | grep -q 'xennet-simback ctl'"
MANPATH=$R/usr/share/man systemd-analyze verify --root="$R" xennet-xdp@xennet0.service >"$T/verify" 2>&1; rc=$?
check "the installed unit: systemd-analyze verify xennet-xdp@xennet0 (its program, its man page): clean" \
	sh -c "[ $rc = 0 ] && [ ! -s '$T/verify' ]" || cat "$T/verify"
check "the unit runs the installed program on /etc/xennet-xdp/IFNAME.conf" \
	grep -qx 'ExecStart=/usr/sbin/xennet-xdp up --config /etc/xennet-xdp/%i.conf --ifname %i' \
	"$R/lib/systemd/system/xennet-xdp@.service"
example_ok() {
	local ex=$R/etc/xennet-xdp/example.conf
	grep -qx /etc/xennet-xdp/example.conf "$R/var/lib/dpkg/info/xennet-xdp.conffiles" &&
		! grep -Eqv '^(#|$)' "$ex" &&
		grep -q '^#filter = /usr/lib/xennet-xdp/filters/xennet_port_deny.bpf.o' "$ex"
}
check "the example config is a conffile, all commented out, naming the installed filters" example_ok
dpkg --root="$R" --force-depends --force-not-root -r xennet-xdp >"$T/dpkg" 2>&1; rc=$?
check "dpkg -r: exit 0, nothing of it left (but the conffile, until a purge)" \
	sh -c "[ $rc = 0 ] && [ -z \"\$(find '$R/usr' '$R/lib' -type f 2>/dev/null)\" ]" || cat "$T/dpkg"

# make install into a DESTDIR, in a copy of its own: only what is installed
# is built; every variable is honoured
copy "$T/mi"
(cd "$T/mi" && make install B="$T/mib" DESTDIR="$T/dest" PREFIX=/opt/xx SBINDIR=/opt/sb MANDIR=/opt/man \
	CPPFLAGS=-DXENNET_TEST_CPPFLAGS) >"$T/mi.log" 2>&1; rc=$?
check "make install DESTDIR= PREFIX= SBINDIR= MANDIR=: exit 0" [ "$rc" = 0 ] || tail -20 "$T/mi.log"
(cd "$T/dest" && find . -type f | sed 's|^\./||' | sort) >"$T/mifiles"
cat >"$T/miwant" <<EOF
etc/xennet-xdp/example.conf
opt/man/man1/xennet-simback.1
opt/man/man8/xennet-xdp.8
opt/sb/xennet-xdp
opt/xx/lib/systemd/system/xennet-xdp@.service
opt/xx/lib/xennet-xdp/filters/xennet_port_deny.bpf.o
opt/xx/lib/xennet-xdp/filters/xennet_prefix.bpf.o
opt/xx/lib/xennet-xdp/filters/xennet_ratelimit.bpf.o
opt/xx/libexec/xennet-xdp/xennet-simback
opt/xx/share/bash-completion/completions/xennet-xdp
EOF
check "make install: each file where its variable says" cmp -s "$T/mifiles" "$T/miwant" || diff "$T/miwant" "$T/mifiles"
check "make install built no test (no $T/mib/tests)" [ ! -e "$T/mib/tests" ]
check "make install passed CPPFLAGS to the compiler" grep -q -- '-DXENNET_TEST_CPPFLAGS' "$T/mi.log"
(cd "$T/mi" && make uninstall B="$T/mib" DESTDIR="$T/dest" PREFIX=/opt/xx SBINDIR=/opt/sb MANDIR=/opt/man) \
	>"$T/mu.log" 2>&1; rc=$?
check "make uninstall: exit 0, no file left" sh -c "[ $rc = 0 ] && [ -z \"\$(find '$T/dest' -type f)\" ]"

# a build dependency missing: make install says which, and runs no apt-get
mkdir -p "$T/fake"
cat >"$T/fake/dpkg-query" <<'EOF'
#!/bin/sh
# every package is installed, but scdoc
for a; do :; done
[ "$a" = scdoc ] && exit 1
printf 'install ok installed'
EOF
printf '#!/bin/sh\ntouch "%s/apt-get-ran"\n' "$T" >"$T/fake/apt-get"
chmod +x "$T/fake/dpkg-query" "$T/fake/apt-get"
(cd "$T/mi" && PATH=$T/fake:$PATH make install B="$T/mib2" DESTDIR="$T/dest2" CLANG=/nonexistent/clang) \
	>"$T/miss.log" 2>&1; rc=$?
check "make install with scdoc missing: fails naming it, runs no apt-get" \
	sh -c "[ $rc != 0 ] && grep -q 'missing here: scdoc' '$T/miss.log' && [ ! -e '$T/apt-get-ran' ]" || tail -5 "$T/miss.log"
echo "# $NPASS passed, $NFAIL failed in $(basename "$0")"
[ "$NFAIL" = 0 ]
