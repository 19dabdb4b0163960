# xennet-xdp — one entry point.  `make help` lists the targets.
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
B       := build
# the one place the version is said (debian/changelog must agree: make test checks)
VERSION := 0.1.0
# where `make install` puts things (under DESTDIR); the Debian package: PREFIX=/usr
PREFIX         ?= /usr/local
SBINDIR        ?= $(PREFIX)/sbin
LIBEXECDIR     ?= $(PREFIX)/libexec/xennet-xdp
FILTERDIR      ?= $(PREFIX)/lib/xennet-xdp/filters
MANDIR         ?= $(PREFIX)/share/man
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
# the config files (SYSCONFDIR/xennet-xdp/IFNAME.conf): /etc whatever PREFIX is
SYSCONFDIR     ?= /etc
CONFDIR        := $(SYSCONFDIR)/xennet-xdp

PKGS    := xenstore xengnttab xenevtchn libbpf libxdp libnl-route-3.0 json-c libsystemd
CFLAGS  ?= -O2 -g
# warnings are errors here; a distribution's build may say WERROR=
WERROR  ?= -Werror
# no build path in what is installed (debug info, __FILE__)
NOPATH  := -ffile-prefix-map=$(CURDIR)=.
CFLAGS  += -std=gnu11 -Wall -Wextra $(WERROR) $(NOPATH) -Iinclude -Iuser -I$(B) -MMD -MP -D__XEN_TOOLS__ \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# expanded when a link runs, after deps-ok has installed what pkg-config reads
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
BPF_CFLAGS := -g -O2 -target bpf -Wall $(WERROR) $(NOPATH) -Iinclude \
              -I/usr/include/$(shell uname -m)-linux-gnu

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
FILTER_SRCS := $(wildcard bpf/filters/*.bpf.c)
BPF_OBJS    := $(BPF_SRCS:bpf/%.bpf.c=$(B)/%.bpf.o)
SKELS       := $(BPF_SRCS:bpf/%.bpf.c=$(B)/%.skel.h)
FILTER_OBJS := $(FILTER_SRCS:bpf/filters/%.bpf.c=$(B)/filters/%.bpf.o)

# user/ in layers (see README, Layout): common <- xen, state <- port <- cli;
# the simulator links only common/.
COMMON_SRCS  := $(wildcard user/common/*.c)
LIB_SRCS     := $(wildcard user/xen/*.c user/port/*.c user/state/*.c)
CLI_SRCS     := $(wildcard user/cli/*.c)
SIMBACK_SRCS := $(wildcard user/simback/*.c)
COMMON_OBJS  := $(COMMON_SRCS:%.c=$(B)/%.o)
LIB_OBJS     := $(LIB_SRCS:%.c=$(B)/%.o)
CLI_OBJS     := $(CLI_SRCS:%.c=$(B)/%.o)
SIMBACK_LIB  := $(filter-out $(B)/user/simback/main.o,$(SIMBACK_SRCS:%.c=$(B)/%.o))
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TOOL_SRCS    := $(filter-out %.bpf.c,$(wildcard tests/tools/*.c))
TOOL_BINS    := $(TOOL_SRCS:tests/tools/%.c=$(B)/tests/tools/%)
TOOL_BPF     := $(patsubst tests/tools/%.bpf.c,$(B)/tests/tools/%.bpf.o,$(wildcard tests/tools/*.bpf.c))

BINS := $(B)/xennet-xdp $(B)/xennet-simback
# what `make install` installs, generated from the programs' option tables
DOCS := $(B)/man/xennet-xdp.8 $(B)/man/xennet-simback.1 $(B)/completion/xennet-xdp
# the systemd unit and the example config, with this install's paths
SYSTEMD_UNIT := $(B)/systemd/xennet-xdp@.service
EXAMPLE := $(B)/conf/example.conf
PROGRAMS := $(BINS) $(FILTER_OBJS) $(DOCS) $(SYSTEMD_UNIT) $(EXAMPLE)

.PHONY: all programs deps test test-unit test-e2e test-e2e-zc test-xen test-setup test-pkg test-fuzz fuzz fuzz-build \
	soak demo bench install uninstall clean help asan
all: $(PROGRAMS) $(UNIT_BINS) $(TOOL_BINS) $(TOOL_BPF)
programs: $(PROGRAMS)

help:
	@echo "make            build xennet-xdp, xennet-simback, BPF objects, man pages, completion and"
	@echo "                unit tests into $(B)/"
	@echo "make deps       install the Debian packages the build and tests need (idempotent, apt-get)"
	@echo "make demo       build and run the demo on the simulated backend (root)"
	@echo "make test       build and run every test; ends with 'N passed, N failed' (root)"
	@echo "make test-unit  cmocka unit tests only"
	@echo "make test-e2e   end-to-end tests against xennet-simback in network namespaces (root)"
	@echo "make test-e2e-zc the same, every xennet-xdp up in zero-copy mode (root)"
	@echo "make test-xen   the real tier: Xen 4.17 + Linux xen-netback under QEMU TCG (root)"
	@echo "make test-setup the README's build on a fresh Debian root (mmdebstrap, cached) (root)"
	@echo "make soak       1000 backend restarts under traffic, then 10 min of TCP/UDP checks (root)"
	@echo "make bench      xennet-xdp on the simulated backend vs raw AF_XDP, TAP and more: medians, ratios (root)"
	@echo "make asan       rebuild with ASan/UBSan into build-asan/ and run the tests there"
	@echo "make fuzz       build the libFuzzer targets (tests/fuzz/) and run each for 10 million inputs or XENNET_FUZZ_CAP s (root)"
	@echo "make test-fuzz  run each fuzz target for a few seconds on its corpus, and every regression input"
	@echo "make test-pkg   build the .deb (dpkg-buildpackage), check its contents, install it in a"
	@echo "                scratch root, run lintian; and make install/uninstall into a DESTDIR"
	@echo "make programs   build only what make install installs"
	@echo "make install    install xennet-xdp (SBINDIR), the filters (FILTERDIR), man pages (MANDIR),"
	@echo "                bash completion (BASHCOMPDIR), xennet-simback (LIBEXECDIR), the systemd unit"
	@echo "                xennet-xdp@.service (SYSTEMDUNITDIR), an example config (SYSCONFDIR/xennet-xdp)"
	@echo "                under DESTDIR; PREFIX=$(PREFIX); builds only those, never runs apt-get"
	@echo "make uninstall  remove what make install installed (same variables)"
	@echo "make clean      remove $(B)/"

deps:
	@scripts/install-deps.sh

$(B)/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h) | deps-ok
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/filters/%.bpf.o: bpf/filters/%.bpf.c $(wildcard include/*.h) $(wildcard bpf/filters/*.h) | deps-ok
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/%.skel.h: $(B)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

$(B)/%.o: %.c | deps-ok $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# man pages and completion: the programs print them from their option tables
$(B)/man/xennet-xdp.8: $(B)/xennet-xdp
	@mkdir -p $(dir $@)
	$< --generate man | scdoc > $@.tmp && mv $@.tmp $@
$(B)/man/xennet-simback.1: $(B)/xennet-simback
	@mkdir -p $(dir $@)
	$< --generate man | scdoc > $@.tmp && mv $@.tmp $@
$(B)/completion/xennet-xdp: $(B)/xennet-xdp
	@mkdir -p $(dir $@)
	$< --generate bash-completion > $@.tmp && mv $@.tmp $@

# the paths said in the unit and the example: written again when one changes
SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g' -e 's|@FILTERDIR@|$(FILTERDIR)|g'
$(SYSTEMD_UNIT): systemd/xennet-xdp@.service.in FORCE
	@mkdir -p $(dir $@)
	@$(SUBST) $< > $@.tmp && { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }
$(EXAMPLE): conf/example.conf.in FORCE
	@mkdir -p $(dir $@)
	@$(SUBST) $< > $@.tmp && { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }

# what the binaries say about themselves (--version, the man page, where the
# completion finds installed filters): main.o is rebuilt when it changes
BUILD_INFO = $(VERSION) $(FILTERDIR) $(SYSCONFDIR) $(shell pkg-config --modversion libxdp 2>/dev/null)
$(B)/build-info: FORCE | deps-ok
	@mkdir -p $(B); echo '$(BUILD_INFO)' | cmp -s - $@ || echo '$(BUILD_INFO)' > $@
$(B)/user/cli/main.o $(B)/user/simback/main.o: $(B)/build-info
$(B)/user/cli/main.o $(B)/user/simback/main.o: CFLAGS += -DXENNET_VERSION='"$(word 1,$(BUILD_INFO))"' \
	-DXENNET_FILTER_DIR='"$(word 2,$(BUILD_INFO))"' -DXENNET_CONF_DIR='"$(word 3,$(BUILD_INFO))/xennet-xdp"' \
	-DXENNET_LIBXDP_VERSION='"$(word 4,$(BUILD_INFO))"'
.PHONY: FORCE

$(B)/libcommon.a: $(COMMON_OBJS)
	$(AR) rcs $@ $^
$(B)/libxennet.a: $(LIB_OBJS)
	$(AR) rcs $@ $^
$(B)/libsimback.a: $(SIMBACK_LIB)
	$(AR) rcs $@ $^

$(B)/xennet-xdp: $(CLI_OBJS) $(B)/libxennet.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/xennet-simback: $(B)/user/simback/main.o $(B)/libsimback.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libsimback.a $(B)/libxennet.a $(B)/libcommon.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(B)/tests/tools/%: $(B)/tests/tools/%.o $(B)/libxennet.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# the TAP baseline writes the simulator's generator frames (simback/gen_frame.c)
$(B)/tests/tools/tapbench: $(B)/tests/tools/tapbench.o $(B)/libsimback.a $(B)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
# the benchmark's deny-all filter (and its raw baseline's XDP_DROP)
$(B)/tests/tools/%.bpf.o: tests/tools/%.bpf.c | deps-ok
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# deps-ok: a cheap check that the toolchain is there; `make deps` installs it.
# Building for install (NO_APT=1: `make install`, the Debian package) only
# checks, and fails naming what is missing.
.PHONY: deps-ok
deps-ok:
	@command -v $(CLANG) >/dev/null && command -v $(BPFTOOL) >/dev/null && command -v scdoc >/dev/null && \
	 pkg-config --exists $(PKGS) $(if $(NO_APT),,cmocka) || scripts/install-deps.sh $(if $(NO_APT),--check-build)

test: deps all fuzz-build
	@tests/run.sh all
test-unit: all
	@tests/run.sh unit
test-e2e: deps all
	@tests/run.sh e2e
test-e2e-zc: deps all
	@tests/run.sh e2e-zc
test-xen: deps all
	@tests/run.sh xen
test-setup: deps
	@tests/run.sh setup
test-fuzz: deps all fuzz-build
	@tests/run.sh fuzz
fuzz: deps all fuzz-build
	@tests/fuzz/run.sh long
soak: deps all
	@SOAK_RESTARTS=1000 SOAK_SECONDS=600 bash tests/e2e/test_soak.sh
demo: deps all
	@scripts/demo.sh
bench: deps all
	@scripts/bench.sh
asan:
	$(MAKE) B=build-asan SAN=1 all
	@XENNET_BUILD=build-asan tests/run.sh unit e2e

test-pkg: deps
	@tests/run.sh pkg

# what is installed, where
INSTALLED := $(SBINDIR)/xennet-xdp $(LIBEXECDIR)/xennet-simback \
	$(FILTER_OBJS:$(B)/filters/%=$(FILTERDIR)/%) $(MANDIR)/man8/xennet-xdp.8 \
	$(MANDIR)/man1/xennet-simback.1 $(BASHCOMPDIR)/xennet-xdp $(SYSTEMDUNITDIR)/xennet-xdp@.service \
	$(CONFDIR)/example.conf
install: NO_APT = 1
install: programs
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(FILTERDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(CONFDIR)
	install -m 755 $(B)/xennet-xdp $(DESTDIR)$(SBINDIR)/
	install -m 755 $(B)/xennet-simback $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 $(FILTER_OBJS) $(DESTDIR)$(FILTERDIR)/
	install -m 644 $(B)/man/xennet-xdp.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(B)/man/xennet-simback.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(B)/completion/xennet-xdp $(DESTDIR)$(BASHCOMPDIR)/
	install -m 644 $(SYSTEMD_UNIT) $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 644 $(EXAMPLE) $(DESTDIR)$(CONFDIR)/
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(FILTERDIR) $(DESTDIR)$(dir $(FILTERDIR)) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(CONFDIR) 2>/dev/null

clean:
	rm -rf $(B) build-asan

# ---- fuzzing: clang's libFuzzer with ASan and UBSan, one target per parser
# (tests/fuzz/README.md); $(FUZZ_<target>) are the sources each one tests.
FUZZ_B       := $(B)/fuzz
FUZZ_CFLAGS  := -g -O2 -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -Itests/fuzz -D__XEN_TOOLS__ \
                -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := xs_values netif_ring xs_server xs_store filters
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
FUZZ_xs_values := user/common/parse.c user/common/mac.c user/common/xenbus_names.c \
                  user/xen/xs_keys.c user/xen/xenbus_state.c
FUZZ_netif_ring := user/xen/netif_ring.c
FUZZ_xs_server := user/simback/xs_server.c user/simback/xs_store.c
FUZZ_xs_store  := user/simback/xs_store.c tests/fuzz/ref_xs_store.c
FUZZ_filters   := tests/fuzz/ref_filter.c
FUZZ_LIBS_filters := -lbpf

$(foreach t,$(FUZZ_TARGETS),$(eval FUZZ_OBJS_$(t) := $(patsubst %.c,$(FUZZ_B)/%.o,$(FUZZ_$(t)))))

fuzz-build: $(FUZZ_BINS) $(FILTER_OBJS)

FUZZ_COV     := -fsanitize=fuzzer-no-link
# the reference XenStore guides nothing: no coverage, half the cost
%/ref_xs_store.o: FUZZ_COV :=
# the simulator's XenStore: edge coverage without comparison tracing (its
# 32-slot scans made half the cost of every session; the harnesses pick
# message types and paths from tables, which comparisons would not find
# sooner): twice the inputs a second
$(FUZZ_B)/user/simback/%.o: FUZZ_COV := -fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp

$(FUZZ_B)/%.o: %.c | deps-ok
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_COV) -MMD -MP -c $< -o $@

.SECONDEXPANSION:
$(FUZZ_B)/fuzz_%: $(FUZZ_B)/tests/fuzz/fuzz_%.o $$(FUZZ_OBJS_$$*)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(FUZZ_LIBS_$*)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
