/* SPDX-License-Identifier: MIT */
/* The example filters in bpf/filters/: load each object with libbpf (as root;
 * nothing is attached to any interface), fill its maps and run its program
 * with BPF_PROG_TEST_RUN on hand-built frames, checking the action and the
 * counters.  Objects come from $XENNET_BUILD/filters (default build/). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <cmocka.h>

/* Mirrors of the filters' map layouts (see the header comments in bpf/filters/);
 * the tests check their sizes against the maps' BTF-derived sizes. */
struct filter_stats { uint64_t packets, passed, dropped; };
struct hits { uint64_t hits; };
struct port_key { uint16_t port; uint8_t proto; uint8_t pad; };
struct pfx4_key { uint32_t prefixlen; uint8_t addr[4]; };
struct pfx6_key { uint32_t prefixlen; uint8_t addr[16]; };
struct pfx_cfg { uint32_t mode; };
struct rl_key { uint8_t addr[16]; };
struct rl_state { uint64_t tokens, last_ns; };
struct rl_cfg { uint64_t rate_pps, burst; };

#define NS 1000000000ULL

static const char *const filters[] = { "xennet_port_deny", "xennet_prefix", "xennet_ratelimit" };
static const unsigned int prios[] = { 10, 20, 30 };

/* ---- libbpf / libxdp plumbing ---------------------------------------- */

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int quiet_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBXDP_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void obj_path(char *buf, size_t len, const char *name)
{
	const char *b = getenv("XENNET_BUILD");
	int n = snprintf(buf, len, "%s/filters/%s.bpf.o", b && *b ? b : "build", name);

	if (n < 0 || (size_t)n >= len)
		fail_msg("path too long");
}

struct fx {
	struct bpf_object *obj;
	int prog;
	unsigned long n_pass, n_drop;  /* what the test expects the filter counted */
};

static struct fx *fx_load(const char *name)
{
	char path[512];
	struct fx *f = calloc(1, sizeof(*f));
	struct bpf_program *p;
	int err;

	assert_non_null(f);
	obj_path(path, sizeof(path), name);
	f->obj = bpf_object__open_file(path, NULL);
	if (!f->obj)
		fail_msg("open %s: %s", path, strerror(errno));
	err = bpf_object__load(f->obj);
	if (err)
		fail_msg("load %s: %s", path, strerror(-err));
	p = bpf_object__find_program_by_name(f->obj, name);
	assert_non_null(p);
	f->prog = bpf_program__fd(p);
	assert_true(f->prog >= 0);
	return f;
}

static int fx_setup(void **state, const char *name)
{
	/* loading BPF needs root; the suite runs as root, so not being root
	 * is a failure here, not a test passed over */
	if (geteuid() != 0) {
		print_message("not root: loading BPF programs needs root\n");
		return -1;
	}
	*state = fx_load(name);
	return 0;
}

static int setup_port(void **state) { return fx_setup(state, "xennet_port_deny"); }
static int setup_prefix(void **state) { return fx_setup(state, "xennet_prefix"); }
static int setup_rl(void **state) { return fx_setup(state, "xennet_ratelimit"); }

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	if (f) {
		bpf_object__close(f->obj);
		free(f);
	}
	return 0;
}

static struct fx *need_fx(void **state)
{
	assert_non_null(*state);
	return *state;
}

static int map_fd(struct fx *f, const char *name, size_t key_size, size_t value_size)
{
	struct bpf_map *m = bpf_object__find_map_by_name(f->obj, name);

	if (!m)
		fail_msg("no map %s", name);
	assert_int_equal(bpf_map__key_size(m), key_size);
	assert_int_equal(bpf_map__value_size(m), value_size);
	assert_true(bpf_map__fd(m) >= 0);
	return bpf_map__fd(m);
}

static void update(int fd, const void *key, const void *value)
{
	if (bpf_map_update_elem(fd, key, value, BPF_ANY))
		fail_msg("bpf_map_update_elem: %s", strerror(errno));
}

static int run(int prog, const void *pkt, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (__u32)len, .repeat = 1);

	if (bpf_prog_test_run_opts(prog, &o))
		fail_msg("bpf_prog_test_run_opts (%zu bytes): %s", len, strerror(errno));
	return (int)o.retval;
}

/* run the filter on a frame, assert its action and tally it */
#define EXPECT(f, pkt, len, want) do {                                   \
		assert_int_equal(run((f)->prog, (pkt), (len)), (want));  \
		if ((want) == XDP_DROP)                                   \
			(f)->n_drop++;                                    \
		else                                                      \
			(f)->n_pass++;                                    \
	} while (0)

/* the per-CPU stats map, summed, must match the tally */
static void check_stats(struct fx *f, const char *map)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = map_fd(f, map, sizeof(uint32_t), sizeof(struct filter_stats));
	struct filter_stats *v, sum = { 0, 0, 0 };
	uint32_t key = 0;

	assert_true(ncpu > 0);
	v = calloc((size_t)ncpu, sizeof(*v));
	assert_non_null(v);
	assert_int_equal(bpf_map_lookup_elem(fd, &key, v), 0);
	for (int i = 0; i < ncpu; i++) {
		sum.packets += v[i].packets;
		sum.passed += v[i].passed;
		sum.dropped += v[i].dropped;
	}
	free(v);
	assert_int_equal(sum.packets, f->n_pass + f->n_drop);
	assert_int_equal(sum.passed, f->n_pass);
	assert_int_equal(sum.dropped, f->n_drop);
}

/* ---- frames ----------------------------------------------------------- */

struct l4 {
	uint8_t proto;          /* IPPROTO_UDP / IPPROTO_TCP / other */
	uint16_t sport, dport;
};

static size_t put_eth(uint8_t *b, uint16_t type, int vlan)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 }, src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t n = 12;

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan) {
		b[n++] = 0x81; b[n++] = 0x00;
		b[n++] = 0x00; b[n++] = 0x2a;   /* VID 42 */
	}
	b[n++] = (uint8_t)(type >> 8);
	b[n++] = (uint8_t)type;
	return n;
}

/* UDP header + 8 bytes, or TCP header (doff 5) + 8 bytes, or 16 bytes */
static size_t put_l4(uint8_t *b, struct l4 l)
{
	size_t hl = l.proto == IPPROTO_TCP ? 20 : 8;

	memset(b, 0, hl + 8);
	b[0] = (uint8_t)(l.sport >> 8); b[1] = (uint8_t)l.sport;
	b[2] = (uint8_t)(l.dport >> 8); b[3] = (uint8_t)l.dport;
	if (l.proto == IPPROTO_TCP) {
		b[12] = 5 << 4;
		b[13] = 0x02;           /* SYN */
	} else {
		b[4] = 0; b[5] = 16;    /* UDP length */
	}
	memset(b + hl, 0xab, 8);
	return hl + 8;
}

/* Ethernet (+VLAN) + IPv4 with ihl 32-bit words (options are NOPs) + L4;
 * frag is the host-order frag_off field (flags | offset) */
static size_t mk_v4_full(uint8_t *b, int vlan, const char *src, const char *dst,
			 struct l4 l, unsigned int ihl, uint16_t frag)
{
	size_t n = put_eth(b, ETH_P_IP, vlan), ip = n, tot;

	memset(b + ip, 0, ihl * 4);
	b[ip] = (uint8_t)(0x40 | ihl);
	b[ip + 6] = (uint8_t)(frag >> 8);
	b[ip + 7] = (uint8_t)frag;
	b[ip + 8] = 64;
	b[ip + 9] = l.proto;
	assert_int_equal(inet_pton(AF_INET, src, b + ip + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, b + ip + 16), 1);
	memset(b + ip + 20, 0x01, ihl * 4 - 20);   /* NOP options */
	n += ihl * 4;
	n += put_l4(b + n, l);
	tot = n - ip;
	b[ip + 2] = (uint8_t)(tot >> 8);
	b[ip + 3] = (uint8_t)tot;
	return n;
}

static size_t mk_v4(uint8_t *b, const char *src, struct l4 l)
{
	return mk_v4_full(b, 0, src, "192.0.2.1", l, 5, 0x4000 /* DF */);
}

static size_t mk_v6_full(uint8_t *b, int vlan, const char *src, const char *dst, struct l4 l)
{
	size_t n = put_eth(b, ETH_P_IPV6, vlan), ip = n, pl;

	memset(b + ip, 0, 40);
	b[ip] = 0x60;
	b[ip + 6] = l.proto;
	b[ip + 7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, b + ip + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, b + ip + 24), 1);
	n += 40;
	pl = put_l4(b + n, l);
	n += pl;
	b[ip + 4] = (uint8_t)(pl >> 8);
	b[ip + 5] = (uint8_t)pl;
	return n;
}

static size_t mk_v6(uint8_t *b, const char *src, struct l4 l)
{
	return mk_v6_full(b, 0, src, "2001:db8:ffff::1", l);
}

static size_t mk_arp(uint8_t *b, int vlan)
{
	static const uint8_t arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,          /* request */
		0x02, 0, 0, 0, 0, 0x02, 10, 0, 0, 1,               /* sender: a "denied" 10/8 */
		0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
	};
	size_t n = put_eth(b, ETH_P_ARP, vlan);

	memcpy(b + n, arp, sizeof(arp));
	return n + sizeof(arp);
}

#define UDP(s, d) ((struct l4){ IPPROTO_UDP, (s), (d) })
#define TCP(s, d) ((struct l4){ IPPROTO_TCP, (s), (d) })

/* ---- names and run config --------------------------------------------- */

static void filter_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		char path[512];
		struct bpf_object *obj;
		struct bpf_program *p;
		struct bpf_map *m;
		struct xdp_program *xp;
		int nprog = 0, nmap = 0;

		obj_path(path, sizeof(path), filters[i]);
		obj = bpf_object__open_file(path, NULL);
		if (!obj)
			fail_msg("open %s: %s", path, strerror(errno));
		bpf_object__for_each_program(p, obj) {
			const char *n = bpf_program__name(p);

			if (strncmp(n, "xennet_", 7) != 0)
				fail_msg("%s: program %s does not start with xennet_", path, n);
			assert_int_equal(bpf_program__type(p), BPF_PROG_TYPE_XDP);
			/* frags-aware: loaded with BPF_F_XDP_HAS_FRAGS, so that it
			 * can sit on an interface with multi-buffer frames */
			assert_string_equal(bpf_program__section_name(p), "xdp.frags");
			nprog++;
		}
		assert_int_equal(nprog, 1);
		assert_non_null(bpf_object__find_program_by_name(obj, filters[i]));
		bpf_object__for_each_map(m, obj) {
			const char *n = bpf_map__name(m);

			if (bpf_map__is_internal(m))    /* .rodata, .bss, .data */
				continue;
			if (strncmp(n, "xennet_", 7) != 0)
				fail_msg("%s: map %s does not start with xennet_", path, n);
			if (strlen(n) > 15)
				fail_msg("%s: map %s is longer than the kernel's 15 characters", path, n);
			nmap++;
		}
		assert_true(nmap >= 2);         /* rules/config + stats */
		bpf_object__close(obj);

		/* libxdp's view: dispatcher priority and chain-on-pass */
		xp = xdp_program__open_file(path, NULL, NULL);
		if (libxdp_get_error(xp))
			fail_msg("libxdp open %s: %ld", path, libxdp_get_error(xp));
		assert_string_equal(xdp_program__name(xp), filters[i]);
		assert_int_equal(xdp_program__run_prio(xp), prios[i]);
		assert_true(xdp_program__chain_call_enabled(xp, XDP_PASS));
		assert_false(xdp_program__chain_call_enabled(xp, XDP_DROP));
		xdp_program__close(xp);
	}
}

/* ---- xennet_port_deny ------------------------------------------------- */

static uint64_t port_hits(int fd, uint16_t port, uint8_t proto)
{
	struct port_key k = { port, proto, 0 };
	struct hits h;

	assert_int_equal(bpf_map_lookup_elem(fd, &k, &h), 0);
	return h.hits;
}

static void filter_port_deny(void **state)
{
	struct fx *f = need_fx(state);
	int fd = map_fd(f, "xennet_denyport", sizeof(struct port_key), sizeof(struct hits));
	struct port_key k;
	struct hits zero = { 0 };
	uint8_t b[256];
	size_t n;

	/* no rules: everything passes */
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1000, 53)), XDP_PASS);

	k = (struct port_key){ 53, IPPROTO_UDP, 0 };
	update(fd, &k, &zero);
	k = (struct port_key){ 22, IPPROTO_TCP, 0 };
	update(fd, &k, &zero);
	k = (struct port_key){ 8080, IPPROTO_TCP, 0 };  /* above 255: byte order matters */
	update(fd, &k, &zero);

	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1000, 53)), XDP_DROP);
	assert_int_equal(port_hits(fd, 53, IPPROTO_UDP), 1);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(1000, 53)), XDP_PASS);   /* wrong proto */
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1000, 54)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(53, 1000)), XDP_PASS);   /* source port */
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(40000, 22)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(40000, 22)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(1, 8080)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(1, 0x901f)), XDP_PASS);  /* 8080 byte-swapped */
	assert_int_equal(port_hits(fd, 22, IPPROTO_TCP), 1);
	assert_int_equal(port_hits(fd, 8080, IPPROTO_TCP), 1);

	/* IPv6 */
	EXPECT(f, b, mk_v6(b, "2001:db8::1", UDP(1000, 53)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8::1", TCP(1000, 22)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8::1", UDP(1000, 5353)), XDP_PASS);
	assert_int_equal(port_hits(fd, 53, IPPROTO_UDP), 2);
	assert_int_equal(port_hits(fd, 22, IPPROTO_TCP), 2);

	/* VLAN-tagged */
	EXPECT(f, b, mk_v4_full(b, 1, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 0), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 1, "198.51.100.1", "192.0.2.1", UDP(1000, 99), 5, 0), XDP_PASS);
	EXPECT(f, b, mk_v6_full(b, 1, "2001:db8::1", "2001:db8::2", TCP(1000, 22)), XDP_DROP);
	assert_int_equal(port_hits(fd, 53, IPPROTO_UDP), 3);

	/* IHL 6: ports after a 4-byte option (NOPs, which would read as port 257) */
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 6, 0), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "192.0.2.1", TCP(1000, 22), 15, 0), XDP_DROP);
	/* first fragment (MF, offset 0) has ports; a later one does not */
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 0x2000), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 0x2000 | 185), XDP_PASS);
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 185), XDP_PASS);
	assert_int_equal(port_hits(fd, 53, IPPROTO_UDP), 5);

	/* not IP, or not TCP/UDP: pass; IP that cannot be judged (cut short,
	 * past its IP length, IHL < 5, a wrong version, a broken extension
	 * header): dropped, with no rule hit */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "198.51.100.1", UDP(1000, 53));
	EXPECT(f, b, 14, XDP_DROP);                     /* Ethernet header only */
	EXPECT(f, b, 14 + 19, XDP_DROP);                /* IPv4 header cut short */
	EXPECT(f, b, 14 + 20 + 4, XDP_DROP);            /* shorter than its IP length */
	EXPECT(f, b, 14 + 20 + 8, XDP_DROP);
	EXPECT(f, b, n, XDP_DROP);
	b[17] = 28;                                     /* IP length: UDP header, no payload */
	EXPECT(f, b, 14 + 28, XDP_DROP);
	n = mk_v4_full(b, 1, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 0);
	EXPECT(f, b, 16, XDP_DROP);                     /* VLAN tag cut short */
	EXPECT(f, b, 18 + 20 + 7, XDP_DROP);
	/* destination 192.0.0.53: a 16-byte header would put "port 53" in its
	 * last two bytes */
	n = mk_v4_full(b, 0, "198.51.100.1", "192.0.0.53", UDP(1000, 53), 6, 0);
	EXPECT(f, b, 14 + 23, XDP_DROP);                /* options cut short */
	b[14] = 0x44;                                   /* IHL 4: invalid */
	EXPECT(f, b, n, XDP_DROP);
	b[14] = 0x56;                                   /* version 5 */
	EXPECT(f, b, n, XDP_DROP);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", ((struct l4){ IPPROTO_ICMP, 0, 53 })), XDP_PASS);
	/* a hop-by-hop header of (0xe8 + 1) * 8 bytes in a 16-byte payload */
	EXPECT(f, b, mk_v6(b, "2001:db8::1", ((struct l4){ 0 /* hop-by-hop */, 1000, 53 })), XDP_DROP);
	n = mk_v6(b, "2001:db8::1", UDP(1000, 53));
	b[14] = 0x40;                                   /* IPv6 ethertype, version 4 */
	EXPECT(f, b, n, XDP_DROP);
	b[14] = 0x60;
	EXPECT(f, b, 14 + 39, XDP_DROP);
	EXPECT(f, b, 14 + 40 + 7, XDP_DROP);
	assert_int_equal(port_hits(fd, 53, IPPROTO_UDP), 7);

	/* a rule removed at run time */
	k = (struct port_key){ 53, IPPROTO_UDP, 0 };
	assert_int_equal(bpf_map_delete_elem(fd, &k), 0);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1000, 53)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(1000, 22)), XDP_DROP);

	check_stats(f, "xennet_port_st");
}

/* ---- xennet_prefix ---------------------------------------------------- */

static void add_v4(int fd, const char *addr, uint32_t len)
{
	struct pfx4_key k = { .prefixlen = len };
	struct hits zero = { 0 };

	assert_int_equal(inet_pton(AF_INET, addr, k.addr), 1);
	update(fd, &k, &zero);
}

static void add_v6(int fd, const char *addr, uint32_t len)
{
	struct pfx6_key k = { .prefixlen = len };
	struct hits zero = { 0 };

	assert_int_equal(inet_pton(AF_INET6, addr, k.addr), 1);
	update(fd, &k, &zero);
}

static uint64_t v4_hits(int fd, const char *addr, uint32_t len)
{
	struct pfx4_key k = { .prefixlen = len };
	struct hits h;

	assert_int_equal(inet_pton(AF_INET, addr, k.addr), 1);
	/* an LPM lookup takes the longest match: query with the prefix itself */
	assert_int_equal(bpf_map_lookup_elem(fd, &k, &h), 0);
	return h.hits;
}

static void set_mode(struct fx *f, uint32_t mode)
{
	int fd = map_fd(f, "xennet_pfx_cfg", sizeof(uint32_t), sizeof(struct pfx_cfg));
	struct pfx_cfg c = { mode };
	uint32_t key = 0;

	update(fd, &key, &c);
}

static void prefix_common(struct fx *f, int *v4, int *v6)
{
	*v4 = map_fd(f, "xennet_pfx_v4", sizeof(struct pfx4_key), sizeof(struct hits));
	*v6 = map_fd(f, "xennet_pfx_v6", sizeof(struct pfx6_key), sizeof(struct hits));
	add_v4(*v4, "10.0.0.0", 8);
	add_v4(*v4, "192.168.1.0", 24);
	add_v4(*v4, "203.0.113.7", 32);
	add_v6(*v6, "2001:db8:1:2::", 64);
	add_v6(*v6, "2001:db8:aa::5", 128);
}

static void filter_prefix_deny(void **state)
{
	struct fx *f = need_fx(state);
	uint8_t b[256];
	size_t n;
	int v4, v6;

	/* empty lists, default mode (deny-list): everything passes */
	EXPECT(f, b, mk_v4(b, "10.1.2.3", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:2::1", UDP(1, 2)), XDP_PASS);

	prefix_common(f, &v4, &v6);
	/* default config (0) is deny-list */
	EXPECT(f, b, mk_v4(b, "10.200.3.4", UDP(1, 2)), XDP_DROP);          /* /8 */
	EXPECT(f, b, mk_v4(b, "10.0.0.0", TCP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "11.0.0.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "9.255.255.255", UDP(1, 2)), XDP_PASS);
	set_mode(f, 0);
	EXPECT(f, b, mk_v4(b, "192.168.1.77", TCP(1, 2)), XDP_DROP);        /* /24 */
	EXPECT(f, b, mk_v4(b, "192.168.1.255", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "192.168.2.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "192.168.0.255", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "203.0.113.7", UDP(1, 2)), XDP_DROP);         /* /32 */
	EXPECT(f, b, mk_v4(b, "203.0.113.6", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "203.0.113.8", UDP(1, 2)), XDP_PASS);
	/* the source counts, not the destination */
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "10.0.0.1", UDP(1, 2), 5, 0), XDP_PASS);
	/* other protocols, fragments, options, VLAN: the source still counts */
	EXPECT(f, b, mk_v4(b, "10.0.0.1", ((struct l4){ IPPROTO_ICMP, 0, 0 })), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 0, "10.0.0.1", "192.0.2.1", UDP(1, 2), 5, 185), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 0, "10.0.0.1", "192.0.2.1", UDP(1, 2), 7, 0), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 1, "10.0.0.1", "192.0.2.1", UDP(1, 2), 5, 0), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 1, "11.0.0.1", "192.0.2.1", UDP(1, 2), 5, 0), XDP_PASS);

	EXPECT(f, b, mk_v6(b, "2001:db8:1:2::5", UDP(1, 2)), XDP_DROP);      /* /64 */
	EXPECT(f, b, mk_v6(b, "2001:db8:1:2:ffff:ffff:ffff:ffff", TCP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:3::5", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:1:ffff::", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8:aa::5", UDP(1, 2)), XDP_DROP);       /* /128 */
	EXPECT(f, b, mk_v6(b, "2001:db8:aa::4", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "::ffff:10.0.0.1", UDP(1, 2)), XDP_PASS);      /* v6, not v4 */
	EXPECT(f, b, mk_v6_full(b, 1, "2001:db8:1:2::5", "2001:db8::2", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:2::5", ((struct l4){ 0, 1, 2 })), XDP_DROP); /* broken chain */

	/* non-IP frames pass; IP frames cut short are dropped, with no rule hit */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "11.0.0.1", UDP(1, 2));
	EXPECT(f, b, 14, XDP_DROP);
	EXPECT(f, b, 14 + 19, XDP_DROP);
	EXPECT(f, b, 14 + 20, XDP_DROP);                /* shorter than its IP length */
	EXPECT(f, b, n, XDP_PASS);
	n = mk_v4(b, "10.0.0.1", UDP(1, 2));
	EXPECT(f, b, 14 + 20, XDP_DROP);
	EXPECT(f, b, n, XDP_DROP);
	n = mk_v6(b, "2001:db8:1:2::5", UDP(1, 2));
	EXPECT(f, b, 14 + 39, XDP_DROP);
	EXPECT(f, b, 14 + 40, XDP_DROP);

	/* /8 rule: 10.200.3.4, 10.0.0.0, then 10.0.0.1 five times (icmp, fragment,
	 * options, vlan, whole) */
	assert_int_equal(v4_hits(v4, "10.0.0.0", 8), 7);
	assert_int_equal(v4_hits(v4, "203.0.113.7", 32), 1);
	assert_int_equal(v4_hits(v4, "192.168.1.0", 24), 2);

	/* rule removed at run time */
	{
		struct pfx4_key k = { .prefixlen = 8, .addr = { 10, 0, 0, 0 } };

		assert_int_equal(bpf_map_delete_elem(v4, &k), 0);
	}
	EXPECT(f, b, mk_v4(b, "10.200.3.4", UDP(1, 2)), XDP_PASS);

	check_stats(f, "xennet_pfx_st");
}

static void filter_prefix_allow(void **state)
{
	struct fx *f = need_fx(state);
	uint8_t b[256];
	size_t n;
	int v4, v6;

	prefix_common(f, &v4, &v6);
	set_mode(f, 1);
	EXPECT(f, b, mk_v4(b, "10.200.3.4", UDP(1, 2)), XDP_PASS);          /* /8 */
	EXPECT(f, b, mk_v4(b, "11.0.0.1", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "192.168.1.77", TCP(1, 2)), XDP_PASS);        /* /24 */
	EXPECT(f, b, mk_v4(b, "192.168.2.1", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "203.0.113.7", UDP(1, 2)), XDP_PASS);         /* /32 */
	EXPECT(f, b, mk_v4(b, "203.0.113.8", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 0, "198.51.100.1", "10.0.0.1", UDP(1, 2), 5, 0), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 1, "10.0.0.1", "192.0.2.1", UDP(1, 2), 5, 0), XDP_PASS);
	EXPECT(f, b, mk_v4_full(b, 1, "11.0.0.1", "192.0.2.1", UDP(1, 2), 5, 0), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:2::5", UDP(1, 2)), XDP_PASS);      /* /64 */
	EXPECT(f, b, mk_v6(b, "2001:db8:1:3::5", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8:aa::5", UDP(1, 2)), XDP_PASS);       /* /128 */
	EXPECT(f, b, mk_v6(b, "2001:db8:aa::6", UDP(1, 2)), XDP_DROP);

	/* non-IP frames pass even in allow-list mode; IP frames cut short are
	 * dropped, even from an allowed source */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "10.0.0.1", UDP(1, 2));
	EXPECT(f, b, 14, XDP_DROP);
	EXPECT(f, b, 14 + 19, XDP_DROP);
	EXPECT(f, b, 14 + 20, XDP_DROP);
	EXPECT(f, b, n, XDP_PASS);
	n = mk_v6(b, "2001:db8:1:3::5", UDP(1, 2));
	EXPECT(f, b, 14 + 39, XDP_DROP);
	EXPECT(f, b, n, XDP_DROP);

	assert_int_equal(v4_hits(v4, "10.0.0.0", 8), 3);

	/* ::/0 lets every IPv6 source through; back to deny-list drops them all */
	add_v6(v6, "::", 0);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:3::5", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "11.0.0.1", UDP(1, 2)), XDP_DROP);
	set_mode(f, 0);
	EXPECT(f, b, mk_v6(b, "2001:db8:1:3::5", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "11.0.0.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "10.0.0.1", UDP(1, 2)), XDP_DROP);

	check_stats(f, "xennet_pfx_st");
}

/* ---- xennet_ratelimit ------------------------------------------------- */

static void set_rate(struct fx *f, uint64_t rate, uint64_t burst)
{
	int fd = map_fd(f, "xennet_rl_cfg", sizeof(uint32_t), sizeof(struct rl_cfg));
	struct rl_cfg c = { rate, burst };
	uint32_t key = 0;

	update(fd, &key, &c);
}

static struct rl_key v4_key(const char *a)
{
	struct rl_key k;

	memset(&k, 0, sizeof(k));
	k.addr[10] = 0xff;
	k.addr[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, a, &k.addr[12]), 1);
	return k;
}

/* The program's clock (bpf_ktime_get_ns()), read back from the bucket it
 * stamps for a source of its own: the tests set bucket times relative to
 * it, never to a clock read in userspace, which may run ahead of it. */
static uint64_t bpf_clock_ns(struct fx *f, int src)
{
	struct rl_key k = v4_key("198.51.100.250");
	struct rl_state st;
	uint8_t b[256];

	EXPECT(f, b, mk_v4(b, "198.51.100.250", UDP(1, 2)), XDP_PASS);
	assert_int_equal(bpf_map_lookup_elem(src, &k, &st), 0);
	assert_int_equal(bpf_map_delete_elem(src, &k), 0);   /* full again next time */
	return st.last_ns;
}

static void assert_no_entry(int fd, const void *key)
{
	uint8_t v[64];

	assert_true(bpf_map_lookup_elem(fd, key, v) < 0);
	assert_int_equal(errno, ENOENT);
}

static void filter_ratelimit(void **state)
{
	struct fx *f = need_fx(state);
	int src = map_fd(f, "xennet_rl_src", sizeof(struct rl_key), sizeof(struct rl_state));
	struct rl_key ka = v4_key("198.51.100.1"), k6;
	struct rl_state st;
	uint8_t b[256], cut[256];

	/* no config: no limit, and no bucket kept */
	for (int i = 0; i < 10; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	assert_no_entry(src, &ka);
	set_rate(f, 0, 3);
	for (int i = 0; i < 10; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	assert_no_entry(src, &ka);

	/* 1 packet/s, bursts of 3 */
	set_rate(f, 1, 3);
	for (int i = 0; i < 3; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", TCP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v4_full(b, 1, "198.51.100.1", "192.0.2.1", UDP(1, 2), 5, 0), XDP_DROP);
	EXPECT(f, b, mk_v4(b, "198.51.100.2", UDP(1, 2)), XDP_PASS);        /* another source */
	/* the bucket is keyed by ::ffff:a.b.c.d */
	assert_int_equal(bpf_map_lookup_elem(src, &ka, &st), 0);
	assert_true(st.tokens < NS);
	assert_true(st.last_ns <= bpf_clock_ns(f, src));
	/* non-IP frames are not limited; IP frames cut short are dropped
	 * (and take no token: 198.51.100.3 still has its burst) */
	mk_v4(cut, "198.51.100.3", UDP(1, 2));
	for (int i = 0; i < 5; i++) {
		EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
		EXPECT(f, cut, 14 + 19, XDP_DROP);      /* IPv4 header cut short */
	}
	for (int i = 0; i < 3; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.3", UDP(1, 2)), XDP_PASS);

	/* IPv6 sources have their own buckets; VLAN-tagged frames count too */
	EXPECT(f, b, mk_v6(b, "2001:db8::1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6_full(b, 1, "2001:db8::1", "2001:db8::2", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8::1", TCP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8::1", UDP(1, 2)), XDP_DROP);
	EXPECT(f, b, mk_v6(b, "2001:db8::2", UDP(1, 2)), XDP_PASS);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", k6.addr), 1);
	assert_int_equal(bpf_map_lookup_elem(src, &k6, &st), 0);

	/* refill: an empty bucket last refilled 2.5 s ago holds 2.5 packets */
	st = (struct rl_state){ 0, bpf_clock_ns(f, src) - 2500000000ULL };
	update(src, &ka, &st);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_DROP);
	/* and never more than burst, however long ago */
	st.tokens = 0;
	st.last_ns = bpf_clock_ns(f, src);
	st.last_ns = st.last_ns > 1000 * NS ? st.last_ns - 1000 * NS : 0;  /* (since boot at most) */
	update(src, &ka, &st);
	for (int i = 0; i < 3; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_DROP);
	/* a huge rate must not overflow into a small refill: with 2^63 packets/s,
	 * elapsed * rate wraps to 0 for every even elapsed_ns (elapsed is at
	 * least i + 1 ns here: stamped that much before the program's clock) */
	set_rate(f, 1ULL << 63, 3);
	for (int i = 0; i < 16; i++) {
		st = (struct rl_state){ 0, bpf_clock_ns(f, src) - (uint64_t)(i + 1) };
		update(src, &ka, &st);
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	}
	/* a full bucket of 3 is cut to 1 when burst is lowered to 1 */
	set_rate(f, 1, 1);
	st = (struct rl_state){ 3 * NS, bpf_clock_ns(f, src) };
	update(src, &ka, &st);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_DROP);

	/* burst 0 is taken as 1 */
	set_rate(f, 1, 0);
	EXPECT(f, b, mk_v4(b, "198.51.100.77", UDP(1, 2)), XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.77", UDP(1, 2)), XDP_DROP);

	/* rate 0 again: everything passes */
	set_rate(f, 0, 3);
	for (int i = 0; i < 5; i++)
		EXPECT(f, b, mk_v4(b, "198.51.100.1", UDP(1, 2)), XDP_PASS);

	check_stats(f, "xennet_rl_st");
}

/* ---- hostile frames ----------------------------------------------------
 * A small builder for the frames an attacker would send: any number of VLAN
 * tags, IPv4 with options and fragment fields, IPv6 with a chain of
 * extension headers, and a cut-off L4 header.  Each header appended writes
 * its own protocol number into the previous one's next-header field. */

#define PKT_MAX 16384   /* room for multi-buffer frames (several pages) */

struct pkt {
	uint8_t b[PKT_MAX];
	size_t n;
	size_t l3;          /* start of the IP header */
	int v6;
	size_t nh;          /* offset of the pending next-header byte, 0: none */
};

static struct pkt *pkt_eth(struct pkt *p, int ntags, const uint16_t *tpids, uint16_t type)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->b, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 }, 12);
	p->n = 12;
	for (int i = 0; i < ntags; i++) {
		p->b[p->n++] = (uint8_t)(tpids[i] >> 8);
		p->b[p->n++] = (uint8_t)tpids[i];
		p->b[p->n++] = 0x00;
		p->b[p->n++] = (uint8_t)(10 + i);      /* VID */
	}
	p->b[p->n++] = (uint8_t)(type >> 8);
	p->b[p->n++] = (uint8_t)type;
	return p;
}

static void pkt_next(struct pkt *p, uint8_t proto)
{
	if (p->nh)
		p->b[p->nh] = proto;
}

/* IPv4 header, ihl words (options NOPs), frag = flags | offset (host order) */
static void pkt_ip4(struct pkt *p, const char *src, unsigned int ihl, uint16_t frag)
{
	uint8_t *h = p->b + p->n;

	p->l3 = p->n;
	p->v6 = 0;
	memset(h, 0x01, ihl * 4);
	memset(h, 0, 20);
	h[0] = (uint8_t)(0x40 | ihl);
	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	h[8] = 64;
	assert_int_equal(inet_pton(AF_INET, src, h + 12), 1);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", h + 16), 1);
	p->nh = p->n + 9;
	p->n += ihl < 5 ? 20 : ihl * 4;
}

static void pkt_ip6(struct pkt *p, const char *src)
{
	uint8_t *h = p->b + p->n;

	p->l3 = p->n;
	p->v6 = 1;
	memset(h, 0, 40);
	h[0] = 0x60;
	h[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, h + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:ffff::1", h + 24), 1);
	p->nh = p->n + 6;
	p->n += 40;
}

/* An extension header of len bytes: Hop-by-Hop (0), Routing (43),
 * Destination Options (60) in 8-byte units, AH (51) in 4-byte units. */
static void pkt_ext6(struct pkt *p, uint8_t type, size_t len)
{
	uint8_t *h = p->b + p->n;

	pkt_next(p, type);
	memset(h, 0, len);
	h[1] = (uint8_t)(type == 51 ? len / 4 - 2 : len / 8 - 1);
	if (type == 0 || type == 60) {          /* one PadN option filling it */
		h[2] = 1;
		h[3] = (uint8_t)(len - 4);
	} else if (type == 43) {
		h[2] = 4;                       /* segment routing, segments left 0 */
	}
	p->nh = p->n;
	p->n += len;
}

static void pkt_frag6(struct pkt *p, uint16_t offset, int more)
{
	uint8_t *h = p->b + p->n;
	uint16_t v = (uint16_t)(offset << 3 | (more ? 1 : 0));

	pkt_next(p, 44);
	memset(h, 0, 8);
	h[2] = (uint8_t)(v >> 8);
	h[3] = (uint8_t)v;
	h[7] = 0x2a;                            /* identification */
	p->nh = p->n;
	p->n += 8;
}

/* The first nbytes of a TCP (20-byte) or UDP (8-byte) header to dport,
 * or of anything else; nbytes < 0: the whole header and 8 bytes of data. */
static void pkt_l4(struct pkt *p, uint8_t proto, uint16_t dport, int nbytes)
{
	uint8_t h[28];
	size_t hl = proto == IPPROTO_TCP ? 20 : 8;
	size_t n = nbytes < 0 ? hl + 8 : (size_t)nbytes;

	pkt_next(p, proto);
	p->nh = 0;
	memset(h, 0xab, sizeof(h));
	memset(h, 0, hl);
	h[0] = 0x9c; h[1] = 0x40;               /* source port 40000 */
	h[2] = (uint8_t)(dport >> 8); h[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		h[12] = 5 << 4;
		h[13] = 0x02;
	} else {
		h[5] = 16;
	}
	assert_true(n <= sizeof(h));
	memcpy(p->b + p->n, h, n);
	p->n += n;
}

/* bytes of payload (after everything so far) */
static void pkt_data(struct pkt *p, size_t n, uint8_t fill)
{
	assert_true(p->n + n <= PKT_MAX);
	memset(p->b + p->n, fill, n);
	p->n += n;
}

/* Set the IP length field to what was built, plus adj. */
static void pkt_len(struct pkt *p, int adj)
{
	size_t v = p->n - p->l3 - (p->v6 ? 40 : 0) + (size_t)adj;
	size_t at = p->l3 + (p->v6 ? 4 : 2);

	p->b[at] = (uint8_t)(v >> 8);
	p->b[at + 1] = (uint8_t)v;
}

static const char *act_name(int act)
{
	return act == XDP_PASS ? "PASS" : act == XDP_DROP ? "DROP" : "other";
}

/* Run a hostile case; a mismatch is printed and counted, not fatal, so
 * that one run lists every case the filter gets wrong. */
static void hcase(struct fx *f, int *bad, const char *name, const struct pkt *p, int want)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (__u32)p->n, .repeat = 1);
	int act;

	if (bpf_prog_test_run_opts(f->prog, &o)) {
		print_message("MISMATCH %s (%zu bytes): test run failed: %s\n", name, p->n, strerror(errno));
		(*bad)++;
		return;
	}
	act = (int)o.retval;
	if (act == XDP_DROP)
		f->n_drop++;
	else if (act == XDP_PASS)
		f->n_pass++;
	if (act != want) {
		print_message("MISMATCH %s: %s, want %s\n", name, act_name(act), act_name(want));
		(*bad)++;
	}
}

/* After the cases: fail if any was judged wrong, then check the counters. */
static void hcase_end(struct fx *f, struct pkt *p, int bad, const char *stats_map)
{
	free(p);
	if (bad)
		fail_msg("%d frames judged wrong", bad);
	check_stats(f, stats_map);
}

static const uint16_t QINQ[] = { ETH_P_8021AD, ETH_P_8021Q }, QQ[] = { ETH_P_8021Q, ETH_P_8021Q },
		      QQQ[] = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q }, Q1[] = { ETH_P_8021Q };

#define V4 "198.51.100.1"
#define V6 "2001:db8::1"
#define CASE(name, want, ...) do { __VA_ARGS__; hcase(f, &bad, (name), p, (want)); } while (0)

/* TCP 80 and UDP 53 denied: each way round the rules an attacker has */
static void filter_port_deny_hostile(void **state)
{
	struct fx *f = need_fx(state);
	int fd = map_fd(f, "xennet_denyport", sizeof(struct port_key), sizeof(struct hits));
	struct port_key k;
	struct hits zero = { 0 };
	struct pkt *p = calloc(1, sizeof(*p));
	int bad = 0;

	assert_non_null(p);
	k = (struct port_key){ 80, IPPROTO_TCP, 0 };
	update(fd, &k, &zero);
	k = (struct port_key){ 53, IPPROTO_UDP, 0 };
	update(fd, &k, &zero);

	/* IPv4 fragments (RFC 1858): judge the first by its ports as soon as it
	 * holds them, drop one too short to, and TCP at offset 1 */
	CASE("v4 first fragment, 8 bytes of TCP to 80, unpadded", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000); pkt_l4(p, IPPROTO_TCP, 80, 8); pkt_len(p, 0));
	CASE("v4 first fragment, 8 bytes of TCP to 81", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000); pkt_l4(p, IPPROTO_TCP, 81, 8); pkt_len(p, 0));
	CASE("v4 first fragment, 4 bytes of UDP to 53", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000); pkt_l4(p, IPPROTO_UDP, 53, 4); pkt_len(p, 0));
	CASE("v4 first fragment, 3 bytes of TCP (no whole port)", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000); pkt_l4(p, IPPROTO_TCP, 80, 3); pkt_len(p, 0));
	CASE("v4 first fragment, no TCP byte at all", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000); pkt_next(p, IPPROTO_TCP); pkt_len(p, 0));
	CASE("v4 unfragmented, 2 bytes of UDP", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_UDP, 81, 2); pkt_len(p, 0));
	CASE("v4 TCP at fragment offset 1 (more fragments)", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000 | 1); pkt_next(p, IPPROTO_TCP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	CASE("v4 TCP at fragment offset 1 (last fragment)", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 1); pkt_next(p, IPPROTO_TCP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	CASE("v4 TCP at fragment offset 2", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000 | 2); pkt_next(p, IPPROTO_TCP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	CASE("v4 UDP at fragment offset 1", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0x2000 | 1); pkt_next(p, IPPROTO_UDP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	/* lengths: the IP header's total length, not the frame, says where L4 ends */
	CASE("v4 padded frame, TCP to 81, padding reading as port 80", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0);
	     pkt_data(p, 4, 0); p->b[p->n - 1] = 80);
	CASE("v4 total length beyond the frame", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 1));
	CASE("v4 total length shorter than the header", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 6, 0); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, -37));
	for (unsigned int ihl = 0; ihl < 5; ihl++) {
		char name[64];

		snprintf(name, sizeof(name), "v4 IHL %u, TCP to 80", ihl);
		CASE(name, XDP_DROP, pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, ihl, 0);
		     pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	}

	/* IPv6 extension headers, walked */
	CASE("v6 Hop-by-Hop, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 8); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 Hop-by-Hop, TCP to 81", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 8); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("v6 Routing, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 43, 24); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 Destination Options, UDP to 53", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 16); pkt_l4(p, IPPROTO_UDP, 53, -1); pkt_len(p, 0));
	CASE("v6 Fragment (first, more), TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_frag6(p, 0, 1); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 atomic Fragment, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_frag6(p, 0, 0); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 AH, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 51, 24); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 HbH, Dest, Routing, Fragment, AH, Dest, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 8); pkt_ext6(p, 60, 8);
	     pkt_ext6(p, 43, 24); pkt_frag6(p, 0, 1); pkt_ext6(p, 51, 12); pkt_ext6(p, 60, 2048);
	     pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("v6 the same chain, TCP to 81", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 8); pkt_ext6(p, 60, 8);
	     pkt_ext6(p, 43, 24); pkt_frag6(p, 0, 1); pkt_ext6(p, 51, 12); pkt_ext6(p, 60, 2048);
	     pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("v6 nine extension headers, TCP to 81 (more than the filter walks)", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6);
	     for (int i = 0; i < 9; i++) pkt_ext6(p, 60, 8);
	     pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("v6 eight extension headers, TCP to 81", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6);
	     for (int i = 0; i < 8; i++) pkt_ext6(p, 60, 8);
	     pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("v6 extension header running past the payload", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 16); pkt_len(p, -8));
	CASE("v6 first fragment, 3 bytes of TCP", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_frag6(p, 0, 1); pkt_l4(p, IPPROTO_TCP, 80, 3); pkt_len(p, 0));
	CASE("v6 TCP at fragment offset 1", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_frag6(p, 1, 1); pkt_next(p, IPPROTO_TCP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	CASE("v6 TCP at fragment offset 185", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_frag6(p, 185, 0); pkt_next(p, IPPROTO_TCP);
	     pkt_data(p, 16, 0); pkt_len(p, 0));
	CASE("v6 payload length beyond the frame", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 1));
	CASE("v6 Dest, ICMPv6", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 8); pkt_l4(p, 58, 80, -1); pkt_len(p, 0));
	CASE("v6 HbH, No Next Header", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 0, 8); pkt_next(p, 59); p->nh = 0;
	     pkt_data(p, 8, 0); pkt_len(p, 0));

	/* VLAN: two tags (802.1ad), and more than the filter walks */
	CASE("QinQ 88a8/8100, v4 TCP to 80", XDP_DROP,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_len(p, 0));
	CASE("QinQ 8100/8100, v6 UDP to 53", XDP_DROP,
	     pkt_eth(p, 2, QQ, ETH_P_IPV6); pkt_ip6(p, V6); pkt_l4(p, IPPROTO_UDP, 53, -1); pkt_len(p, 0));
	CASE("QinQ, v4 TCP to 81", XDP_PASS,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("QinQ, ARP", XDP_PASS, pkt_eth(p, 2, QINQ, ETH_P_ARP); pkt_data(p, 28, 0));
	CASE("three tags, v4 TCP to 81 (more than the filter walks)", XDP_DROP,
	     pkt_eth(p, 3, QQQ, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_len(p, 0));
	CASE("one tag, cut inside the tag", XDP_DROP, pkt_eth(p, 1, Q1, ETH_P_IP); p->n = 16);

	hcase_end(f, p, bad, "xennet_port_st");
}

/* Frames larger than a page: with the frags flag, BPF_PROG_TEST_RUN puts
 * the first 3520 bytes (a page less XDP headroom and skb_shared_info) in
 * the linear buffer and the rest in page fragments; headers beyond the
 * linear part are read with bpf_xdp_load_bytes. */
static void filter_port_deny_multibuf(void **state)
{
	struct fx *f = need_fx(state);
	int fd = map_fd(f, "xennet_denyport", sizeof(struct port_key), sizeof(struct hits));
	struct port_key k = { 80, IPPROTO_TCP, 0 };
	struct hits zero = { 0 };
	struct pkt *p = calloc(1, sizeof(*p));
	int bad = 0;

	assert_non_null(p);
	update(fd, &k, &zero);
	CASE("9000-byte v4 TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 80, -1);
	     pkt_data(p, 9000 - p->n, 0x50); pkt_len(p, 0));
	CASE("9000-byte v4 TCP to 81", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, V4, 5, 0); pkt_l4(p, IPPROTO_TCP, 81, -1);
	     pkt_data(p, 9000 - p->n, 0x50); pkt_len(p, 0));
	CASE("9000-byte QinQ v6 TCP to 80", XDP_DROP,
	     pkt_eth(p, 2, QINQ, ETH_P_IPV6); pkt_ip6(p, V6); pkt_l4(p, IPPROTO_TCP, 80, -1);
	     pkt_data(p, 9000 - p->n, 0x50); pkt_len(p, 0));
	/* 2 x 2048 bytes of Destination Options: the TCP header starts at
	 * 14 + 40 + 4096, in the second fragment */
	CASE("v6 4 KiB of options, TCP to 80 in a fragment", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 2048); pkt_ext6(p, 60, 2048);
	     pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_data(p, 100, 0); pkt_len(p, 0));
	CASE("v6 4 KiB of options, TCP to 81 in a fragment", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 2048); pkt_ext6(p, 60, 2048);
	     pkt_l4(p, IPPROTO_TCP, 81, -1); pkt_data(p, 100, 0); pkt_len(p, 0));
	/* the ports straddle the end of the linear part (bytes 3518..3521) */
	CASE("v6 ports across the linear/fragment boundary, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 2048); pkt_ext6(p, 60, 1416);
	     assert_int_equal(p->n, 3518); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_data(p, 1000, 0); pkt_len(p, 0));
	/* an extension header's length byte in a fragment */
	CASE("v6 extension header starting in a fragment, TCP to 80", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 2048); pkt_ext6(p, 60, 1464);
	     pkt_ext6(p, 0, 64); pkt_l4(p, IPPROTO_TCP, 80, -1); pkt_data(p, 1000, 0); pkt_len(p, 0));
	/* a first fragment whose TCP header is cut at the end of the frame */
	CASE("v6 first fragment ending 2 bytes into TCP, in a fragment", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, V6); pkt_ext6(p, 60, 2048); pkt_ext6(p, 60, 2048);
	     pkt_frag6(p, 0, 1); pkt_l4(p, IPPROTO_TCP, 80, 2); pkt_len(p, 0));
	hcase_end(f, p, bad, "xennet_port_st");
}

static void filter_prefix_hostile(void **state)
{
	struct fx *f = need_fx(state);
	struct pkt *p = calloc(1, sizeof(*p));
	int bad = 0, v4, v6;

	assert_non_null(p);
	prefix_common(f, &v4, &v6);     /* 10/8, 2001:db8:1:2::/64, ... */
	set_mode(f, 1);                 /* allow-list */
	CASE("allow: QinQ from 10.0.0.1", XDP_PASS,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("allow: QinQ from 11.0.0.1", XDP_DROP,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, "11.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("allow: QinQ from 2001:db8:1:3::5", XDP_DROP,
	     pkt_eth(p, 2, QQ, ETH_P_IPV6); pkt_ip6(p, "2001:db8:1:3::5"); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("allow: three tags from 10.0.0.1", XDP_DROP,
	     pkt_eth(p, 3, QQQ, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("allow: IHL 4 from 10.0.0.1", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 4, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("allow: 9000 bytes from 10.0.0.1", XDP_PASS,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1);
	     pkt_data(p, 9000 - p->n, 0); pkt_len(p, 0));
	CASE("allow: 9000 bytes from 11.0.0.1", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, "11.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1);
	     pkt_data(p, 9000 - p->n, 0); pkt_len(p, 0));
	set_mode(f, 0);                 /* deny-list */
	CASE("deny: QinQ from 10.0.0.1", XDP_DROP,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("deny: QinQ from 11.0.0.1", XDP_PASS,
	     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, "11.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	CASE("deny: v6 Hop-by-Hop from 2001:db8:1:2::5", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, "2001:db8:1:2::5"); pkt_ext6(p, 0, 8);
	     pkt_l4(p, IPPROTO_TCP, 1, -1); pkt_len(p, 0));
	CASE("deny: 9000 bytes from 10.0.0.1", XDP_DROP,
	     pkt_eth(p, 0, NULL, ETH_P_IP); pkt_ip4(p, "10.0.0.1", 5, 0); pkt_l4(p, IPPROTO_UDP, 1, -1);
	     pkt_data(p, 9000 - p->n, 0); pkt_len(p, 0));
	hcase_end(f, p, bad, "xennet_pfx_st");
}

static void filter_ratelimit_hostile(void **state)
{
	struct fx *f = need_fx(state);
	struct pkt *p = calloc(1, sizeof(*p));
	int bad = 0;

	assert_non_null(p);
	set_rate(f, 1, 1);
	for (int i = 0; i < 2; i++)
		CASE(i ? "QinQ, second frame from one source" : "QinQ, first frame from one source",
		     i ? XDP_DROP : XDP_PASS,
		     pkt_eth(p, 2, QINQ, ETH_P_IP); pkt_ip4(p, "198.51.100.9", 5, 0);
		     pkt_l4(p, IPPROTO_UDP, 1, -1); pkt_len(p, 0));
	for (int i = 0; i < 2; i++)
		CASE(i ? "9000 bytes, second frame from one source" : "9000 bytes, first frame from one source",
		     i ? XDP_DROP : XDP_PASS,
		     pkt_eth(p, 0, NULL, ETH_P_IPV6); pkt_ip6(p, "2001:db8::99"); pkt_l4(p, IPPROTO_UDP, 1, -1);
		     pkt_data(p, 9000 - p->n, 0); pkt_len(p, 0));
	hcase_end(f, p, bad, "xennet_rl_st");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_names),
		cmocka_unit_test_setup_teardown(filter_port_deny, setup_port, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_prefix_deny, setup_prefix, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_prefix_allow, setup_prefix, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_ratelimit, setup_rl, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_port_deny_hostile, setup_port, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_port_deny_multibuf, setup_port, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_prefix_hostile, setup_prefix, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_ratelimit_hostile, setup_rl, fx_teardown),
	};

	libbpf_set_print(quiet_libbpf);
	libxdp_set_print(quiet_libxdp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
