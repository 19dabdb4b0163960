# Shared settings and helpers for the real-Xen harness (sourced, not run).
#
#   REPO       the checkout (two levels above this file)
#   XEN_CACHE  where downloads, unpacked packages and built images live
#              (default $REPO/.cache/xen; a warm cache needs no network)
#
# Layout of $XEN_CACHE:
#   apt/          private apt config: sources parts dir, lists, archives
#   debs/         the .deb files `apt-get download` fetched
#   root/         every .deb unpacked with `dpkg -x` (one merged tree)
#   images/       xen.gz-gunzipped hypervisor, kernel, the two initramfs
#   logs/         serial console logs of each run
# shellcheck shell=bash disable=SC2034

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
XEN_CACHE=${XEN_CACHE:-$REPO/.cache/xen}
XEN_SCRIPTS=$REPO/scripts/xen
XEN_TESTS=$REPO/tests/real
APT_DIR=$XEN_CACHE/apt
DEB_DIR=$XEN_CACHE/debs
ROOT_DIR=$XEN_CACHE/root
IMG_DIR=$XEN_CACHE/images
LOG_DIR=$XEN_CACHE/logs

# The Xen userland lives here inside the xen-utils package.
XEN_LIBEXEC=/usr/lib/xen-4.17

say() { printf 'xen-harness: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# apt_private ARGS...: apt-get with only our private sources (the system's
# Debian sources plus bookworm-backports) and our own lists directory, so the
# system's apt state is never touched.
apt_private() { apt_with apt-get "$@"; }
apt_cache() { apt_with apt-cache "$@"; }
apt_with() {
	local tool=$1
	shift
	"$tool" -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts="$APT_DIR/sources.list.d" \
		-o Dir::State::Lists="$APT_DIR/lists" \
		-o Dir::Cache::Archives="$APT_DIR/archives" \
		-o APT::Sandbox::User=root \
		"$@"
}

# apt_setup: write the private sources (derived from the system's, never
# naming a host) and fetch the package lists once.  Idempotent; a refresh is
# forced with XEN_APT_REFRESH=1.
apt_setup() {
	local src=/etc/apt/sources.list.d/debian.sources
	mkdir -p "$APT_DIR/sources.list.d" "$APT_DIR/lists/partial" "$APT_DIR/archives/partial"
	[ -r "$src" ] || die "$src not found: cannot derive the bookworm-backports source"
	# Same URIs, keys and components; the suite list that has
	# bookworm-updates gets bookworm-backports appended.
	sed '/^Suites:.*bookworm-updates/ s/$/ bookworm-backports/' "$src" \
		>"$APT_DIR/sources.list.d/debian.sources.new"
	grep -q 'bookworm-backports' "$APT_DIR/sources.list.d/debian.sources.new" ||
		die "no Suites: line with bookworm-updates in $src"
	if ! cmp -s "$APT_DIR/sources.list.d/debian.sources.new" "$APT_DIR/sources.list.d/debian.sources"; then
		mv "$APT_DIR/sources.list.d/debian.sources.new" "$APT_DIR/sources.list.d/debian.sources"
		rm -f "$APT_DIR/lists/.updated"
	else
		rm -f "$APT_DIR/sources.list.d/debian.sources.new"
	fi
	if [ ! -e "$APT_DIR/lists/.updated" ] || [ "${XEN_APT_REFRESH:-0}" = 1 ]; then
		say "apt-get update (private lists with bookworm-backports)"
		apt_private -qq update || die "apt-get update failed"
		touch "$APT_DIR/lists/.updated"
	fi
}
