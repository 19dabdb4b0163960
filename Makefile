# xennet-xdp — one entry point.  `make help` lists the targets.
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
B       := build
PREFIX  ?= /usr/local

PKGS    := xenstore xengnttab xenevtchn libbpf libxdp libnl-route-3.0 json-c libsystemd
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Iinclude -Iuser -I$(B) -MMD -MP -D__XEN_TOOLS__ \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# expanded when a link runs, after deps-ok has installed what pkg-config reads
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror -Iinclude \
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

.PHONY: all deps test test-unit test-e2e test-xen test-setup demo bench install clean help asan
all: $(BINS) $(FILTER_OBJS) $(UNIT_BINS) $(TOOL_BINS) $(TOOL_BPF)

help:
	@echo "make            build xennet-xdp, xennet-simback, BPF objects and unit tests into $(B)/"
	@echo "make deps       install the Debian packages the build and tests need (idempotent, apt-get)"
	@echo "make demo       build and run the demo on the simulated backend (root)"
	@echo "make test       build and run every test; ends with 'N passed, N failed' (root)"
	@echo "make test-unit  cmocka unit tests only"
	@echo "make test-e2e   end-to-end tests against xennet-simback in network namespaces (root)"
	@echo "make test-xen   the real tier: Xen 4.17 + Linux xen-netback under QEMU TCG (root)"
	@echo "make test-setup the README's build on a fresh Debian root (mmdebstrap, cached) (root)"
	@echo "make bench      xennet-xdp on the simulated backend vs raw AF_XDP, TAP and more: medians, ratios (root)"
	@echo "make asan       rebuild with ASan/UBSan into build-asan/ and run the tests there"
	@echo "make install    install the binaries and filter objects under PREFIX=$(PREFIX)"
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
	$(CC) $(CFLAGS) -c $< -o $@

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
.PHONY: deps-ok
deps-ok:
	@command -v $(CLANG) >/dev/null && pkg-config --exists $(PKGS) cmocka || scripts/install-deps.sh

test: deps all
	@tests/run.sh all
test-unit: all
	@tests/run.sh unit
test-e2e: deps all
	@tests/run.sh e2e
test-xen: deps all
	@tests/run.sh xen
test-setup: deps
	@tests/run.sh setup
demo: deps all
	@scripts/demo.sh
bench: deps all
	@scripts/bench.sh
asan:
	$(MAKE) B=build-asan SAN=1 all
	@XENNET_BUILD=build-asan tests/run.sh unit e2e

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/xennet-xdp/filters
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/sbin/
	install -m 644 $(FILTER_OBJS) $(DESTDIR)$(PREFIX)/lib/xennet-xdp/filters/

clean:
	rm -rf $(B) build-asan

-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
