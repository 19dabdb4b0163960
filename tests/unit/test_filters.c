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

	/* not IP, not parseable, or not TCP/UDP directly: pass */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "198.51.100.1", UDP(1000, 53));
	EXPECT(f, b, 14, XDP_PASS);                     /* Ethernet header only */
	EXPECT(f, b, 14 + 19, XDP_PASS);                /* IPv4 header cut short */
	EXPECT(f, b, 14 + 20 + 4, XDP_PASS);            /* ports there, UDP header not whole */
	EXPECT(f, b, 14 + 20 + 8, XDP_DROP);            /* UDP header whole, no payload */
	EXPECT(f, b, n, XDP_DROP);
	n = mk_v4_full(b, 1, "198.51.100.1", "192.0.2.1", UDP(1000, 53), 5, 0);
	EXPECT(f, b, 16, XDP_PASS);                     /* VLAN tag cut short */
	EXPECT(f, b, 18 + 20 + 7, XDP_PASS);
	/* destination 192.0.0.53: a 16-byte header would put "port 53" in its
	 * last two bytes */
	n = mk_v4_full(b, 0, "198.51.100.1", "192.0.0.53", UDP(1000, 53), 6, 0);
	EXPECT(f, b, 14 + 23, XDP_PASS);                /* options cut short */
	b[14] = 0x44;                                   /* IHL 4: invalid */
	EXPECT(f, b, n, XDP_PASS);
	b[14] = 0x56;                                   /* version 5 */
	EXPECT(f, b, n, XDP_PASS);
	EXPECT(f, b, mk_v4(b, "198.51.100.1", ((struct l4){ IPPROTO_ICMP, 0, 53 })), XDP_PASS);
	EXPECT(f, b, mk_v6(b, "2001:db8::1", ((struct l4){ 0 /* hop-by-hop */, 1000, 53 })), XDP_PASS);
	n = mk_v6(b, "2001:db8::1", UDP(1000, 53));
	b[14] = 0x40;                                   /* IPv6 ethertype, version 4 */
	EXPECT(f, b, n, XDP_PASS);
	b[14] = 0x60;
	EXPECT(f, b, 14 + 39, XDP_PASS);
	EXPECT(f, b, 14 + 40 + 7, XDP_PASS);
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
	EXPECT(f, b, mk_v6(b, "2001:db8:1:2::5", ((struct l4){ 0, 1, 2 })), XDP_DROP);

	/* non-IP and unparseable frames pass */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "10.0.0.1", UDP(1, 2));
	EXPECT(f, b, 14, XDP_PASS);
	EXPECT(f, b, 14 + 19, XDP_PASS);
	EXPECT(f, b, 14 + 20, XDP_DROP);                /* L3 is enough */
	EXPECT(f, b, n, XDP_DROP);
	n = mk_v6(b, "2001:db8:1:2::5", UDP(1, 2));
	EXPECT(f, b, 14 + 39, XDP_PASS);
	EXPECT(f, b, 14 + 40, XDP_DROP);

	/* /8 rule: 10.200.3.4, 10.0.0.0, then 10.0.0.1 six times (icmp, fragment,
	 * options, vlan, headers only, whole) */
	assert_int_equal(v4_hits(v4, "10.0.0.0", 8), 8);
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

	/* non-IP and unparseable frames pass even in allow-list mode */
	EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
	EXPECT(f, b, mk_arp(b, 1), XDP_PASS);
	n = mk_v4(b, "11.0.0.1", UDP(1, 2));
	EXPECT(f, b, 14, XDP_PASS);
	EXPECT(f, b, 14 + 19, XDP_PASS);
	EXPECT(f, b, n, XDP_DROP);
	n = mk_v6(b, "2001:db8:1:3::5", UDP(1, 2));
	EXPECT(f, b, 14 + 39, XDP_PASS);
	EXPECT(f, b, n, XDP_DROP);

	assert_int_equal(v4_hits(v4, "10.0.0.0", 8), 2);

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
	/* non-IP and unparseable frames are not limited */
	mk_v4(cut, "198.51.100.1", UDP(1, 2));
	for (int i = 0; i < 5; i++) {
		EXPECT(f, b, mk_arp(b, 0), XDP_PASS);
		EXPECT(f, cut, 14 + 19, XDP_PASS);      /* IPv4 header cut short */
	}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(filter_names),
		cmocka_unit_test_setup_teardown(filter_port_deny, setup_port, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_prefix_deny, setup_prefix, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_prefix_allow, setup_prefix, fx_teardown),
		cmocka_unit_test_setup_teardown(filter_ratelimit, setup_rl, fx_teardown),
	};

	libbpf_set_print(quiet_libbpf);
	libxdp_set_print(quiet_libxdp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
