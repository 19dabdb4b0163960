/* SPDX-License-Identifier: MIT */
/* `filter rule`: the rule parsers (common/rulespec) and the typed map
 * operations with their layout checks (state/filter_maps), the latter on
 * the maps of the built example filters, loaded with libbpf as root and
 * attached nowhere.  Objects come from $XENNET_BUILD/filters (default build/). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>
#include "common/rulespec.h"
#include "state/filter_maps.h"

/* ---- parsers ---------------------------------------------------------- */

static void port_specs(void **state)
{
	static const char *const bad[] = { "", "/udp", "53/", "53/icmp", "65536", "-1", "053", "53/udp/x",
					   " 53", "53 ", "0x35", "99999999999999999999/tcp", "53//udp" };
	struct port_spec p;
	char why[160];

	(void)state;
	assert_int_equal(rulespec_port("53/udp", &p, why, sizeof(why)), 0);
	assert_int_equal(p.port, 53);
	assert_int_equal(p.nproto, 1);
	assert_int_equal(p.proto[0], RULE_UDP);
	assert_int_equal(rulespec_port("8080/TCP", &p, why, sizeof(why)), 0);
	assert_int_equal(p.port, 8080);
	assert_int_equal(p.proto[0], RULE_TCP);
	assert_int_equal(rulespec_port("65535", &p, why, sizeof(why)), 0);
	assert_int_equal(p.nproto, 2);
	assert_int_equal(p.proto[0], RULE_TCP);
	assert_int_equal(p.proto[1], RULE_UDP);
	assert_int_equal(rulespec_port("0/tcp", &p, why, sizeof(why)), 0);
	assert_int_equal(p.port, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (rulespec_port(bad[i], &p, why, sizeof(why)) != -1)
			fail_msg("accepted port \"%s\"", bad[i]);
		assert_non_null(strstr(why, bad[i]));   /* the reason quotes what was given */
	}
	assert_string_equal(rulespec_proto_name(RULE_TCP), "tcp");
	assert_string_equal(rulespec_proto_name(RULE_UDP), "udp");
}

static void prefix_ok(const char *in, int family, unsigned int len, const char *canon)
{
	struct prefix_spec p;
	char why[160], out[64];

	if (rulespec_prefix(in, &p, why, sizeof(why)) != 0)
		fail_msg("refused \"%s\": %s", in, why);
	assert_int_equal(p.family, family);
	assert_int_equal(p.len, len);
	rulespec_prefix_format(&p, out, sizeof(out));
	assert_string_equal(out, canon);
}

static void prefix_specs(void **state)
{
	static const char *const bad[] = { "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/08", "10/8",
					   "10.0.0.0/8/8", "10.0.0.256/32", "2001:db8::/129", "2001:db8:::/32",
					   "fe80::1%eth0/64", "10.0.0.0 /8", "::ffff:10.0.0.0/104",
					   "::ffff:0:0/96", "10.0.0.1/8", "2001:db8::1/64", "192.168.1.0/23" };
	struct prefix_spec p;
	char why[160];

	(void)state;
	prefix_ok("10.0.0.0/8", AF_INET, 8, "10.0.0.0/8");
	prefix_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	prefix_ok("203.0.113.7", AF_INET, 32, "203.0.113.7/32");
	prefix_ok("192.168.0.0/23", AF_INET, 23, "192.168.0.0/23");
	prefix_ok("2001:0db8:0::/32", AF_INET6, 32, "2001:db8::/32");
	prefix_ok("::/0", AF_INET6, 0, "::/0");
	prefix_ok("fd00:18::2", AF_INET6, 128, "fd00:18::2/128");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (rulespec_prefix(bad[i], &p, why, sizeof(why)) != -1)
			fail_msg("accepted prefix \"%s\"", bad[i]);
		assert_true(why[0] != '\0');
	}
	/* host bits: the reason names the prefix meant */
	rulespec_prefix("10.1.2.3/8", &p, why, sizeof(why));
	assert_non_null(strstr(why, "10.0.0.0/8"));
	rulespec_prefix("2001:db8::1/64", &p, why, sizeof(why));
	assert_non_null(strstr(why, "2001:db8::/64"));
}

static void rates(void **state)
{
	static const char *const bad[] = { "", "0", "0/s", "/s", "1000/m", "1000/", "1000s", "-5",
					   "1000000001", "01/s", "1e3" };
	uint64_t v;
	char why[160];

	(void)state;
	assert_int_equal(rulespec_rate("1000/s", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(rulespec_rate("7", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rulespec_rate("1000000000/s", &v, why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rulespec_rate(bad[i], &v, why, sizeof(why)) != -1)
			fail_msg("accepted rate \"%s\"", bad[i]);
	assert_int_equal(rulespec_burst("50", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 50);
	assert_int_equal(rulespec_burst("18446744073", &v, why, sizeof(why)), 0);
	assert_int_equal(rulespec_burst("18446744074", &v, why, sizeof(why)), -1);
	assert_int_equal(rulespec_burst("0", &v, why, sizeof(why)), -1);
	assert_int_equal(rulespec_burst("5x", &v, why, sizeof(why)), -1);
}

/* ---- the filters' maps ------------------------------------------------ */

static struct bpf_object *load(const char *name)
{
	const char *b = getenv("XENNET_BUILD");
	char path[512];
	struct bpf_object *o;

	snprintf(path, sizeof(path), "%s/filters/%s.bpf.o", b && *b ? b : "build", name);
	o = bpf_object__open_file(path, NULL);
	if (libbpf_get_error(o))
		fail_msg("can't open %s", path);
	if (bpf_object__load(o))
		fail_msg("can't load %s (root? BPF?): %s", path, strerror(errno));
	return o;
}

static int map_of(struct bpf_object *o, enum fm_map m)
{
	struct bpf_map *map = bpf_object__find_map_by_name(o, fm_name(m));
	char why[256] = "";
	int fd;

	if (!map)
		fail_msg("no map %s", fm_name(m));
	fd = bpf_map__fd(map);
	/* the layout this tree mirrors is the one the object declares */
	if (fm_check(fd, m, why, sizeof(why)) != 0)
		fail_msg("%s: %s", fm_name(m), why);
	return fd;
}

static void port_rules(void **state)
{
	struct bpf_object *o = load("xennet_port_deny");
	struct fm_port_rule r[8];
	int fd = map_of(o, FM_DENYPORT);
	uint64_t hits = 7;
	uint8_t key[4] = { 0x35, 0x00, 17, 0 };   /* 53/udp as the filter's comment spells it */

	(void)state;
	assert_int_equal(fm_port_list(fd, r, 8), 0);
	assert_int_equal(fm_port_add(fd, 53, RULE_UDP), 0);
	assert_int_equal(fm_port_add(fd, 53, RULE_UDP), -EEXIST);
	assert_int_equal(fm_port_add(fd, 8080, RULE_TCP), 0);
	assert_int_equal(fm_port_add(fd, 53, RULE_TCP), 0);
	/* the key is the bytes the filter looks up */
	assert_int_equal(bpf_map_update_elem(fd, key, &hits, BPF_EXIST), 0);
	assert_int_equal(fm_port_list(fd, r, 8), 3);
	assert_int_equal(r[0].port, 53);
	assert_int_equal(r[0].proto, RULE_TCP);
	assert_int_equal(r[1].port, 53);
	assert_int_equal(r[1].proto, RULE_UDP);
	assert_int_equal(r[1].hits, 7);
	assert_int_equal(r[2].port, 8080);
	assert_int_equal(fm_port_list(fd, r, 1), 3);  /* the count, though one fits */
	assert_int_equal(fm_port_list(fd, NULL, 0), 3);   /* just the count */
	assert_int_equal(fm_port_del(fd, 53, RULE_UDP), 0);
	assert_int_equal(fm_port_del(fd, 53, RULE_UDP), -ENOENT);
	assert_int_equal(fm_port_list(fd, r, 8), 2);
	bpf_object__close(o);
}

static void prefix_rules(void **state)
{
	struct bpf_object *o = load("xennet_prefix");
	int v4 = map_of(o, FM_PFX_V4), v6 = map_of(o, FM_PFX_V6), cfg = map_of(o, FM_PFX_CFG);
	struct fm_prefix_rule r[8];
	struct prefix_spec a, b, c;
	char why[160], text[64];
	uint8_t key[8] = { 8, 0, 0, 0, 10, 0, 0, 0 };   /* 10.0.0.0/8 as the comment spells it */
	uint64_t hits;
	uint32_t mode = 9;

	(void)state;
	assert_int_equal(rulespec_prefix("10.0.0.0/8", &a, why, sizeof(why)), 0);
	assert_int_equal(rulespec_prefix("192.168.1.0/24", &b, why, sizeof(why)), 0);
	assert_int_equal(rulespec_prefix("2001:db8::/32", &c, why, sizeof(why)), 0);
	assert_int_equal(fm_prefix_get_mode(cfg, &mode), 0);
	assert_int_equal(mode, FM_PFX_DENY);
	assert_int_equal(fm_prefix_add(v4, &b), 0);
	assert_int_equal(fm_prefix_add(v4, &a), 0);
	assert_int_equal(fm_prefix_add(v4, &a), -EEXIST);
	assert_int_equal(fm_prefix_add(v6, &c), 0);
	assert_int_equal(bpf_map_lookup_elem(v4, key, &hits), 0);
	assert_int_equal(fm_prefix_list(v4, AF_INET, r, 8), 2);
	rulespec_prefix_format(&r[0].p, text, sizeof(text));
	assert_string_equal(text, "10.0.0.0/8");
	rulespec_prefix_format(&r[1].p, text, sizeof(text));
	assert_string_equal(text, "192.168.1.0/24");
	assert_int_equal(fm_prefix_list(v6, AF_INET6, r, 8), 1);
	assert_int_equal(fm_prefix_list(v4, AF_INET, NULL, 0), 2);
	rulespec_prefix_format(&r[0].p, text, sizeof(text));
	assert_string_equal(text, "2001:db8::/32");
	assert_int_equal(fm_prefix_del(v4, &a), 0);
	assert_int_equal(fm_prefix_del(v4, &a), -ENOENT);
	assert_int_equal(fm_prefix_list(v4, AF_INET, r, 8), 1);
	assert_int_equal(fm_prefix_set_mode(cfg, FM_PFX_ALLOW), 0);
	assert_int_equal(fm_prefix_get_mode(cfg, &mode), 0);
	assert_int_equal(mode, FM_PFX_ALLOW);
	bpf_object__close(o);
}

static void ratelimit_rules(void **state)
{
	struct bpf_object *o = load("xennet_ratelimit");
	int cfg = map_of(o, FM_RL_CFG), src = map_of(o, FM_RL_SRC);
	uint64_t rate = 1, burst = 1, raw[2];
	uint32_t zero = 0;

	(void)state;
	assert_int_equal(fm_rl_get(cfg, &rate, &burst), 0);
	assert_int_equal(rate, 0);
	assert_int_equal(fm_rl_set(cfg, 1000, 50), 0);
	assert_int_equal(fm_rl_get(cfg, &rate, &burst), 0);
	assert_int_equal(rate, 1000);
	assert_int_equal(burst, 50);
	/* {rate_pps, burst} as the filter reads them */
	assert_int_equal(bpf_map_lookup_elem(cfg, &zero, raw), 0);
	assert_int_equal(raw[0], 1000);
	assert_int_equal(raw[1], 50);
	assert_int_equal(fm_rl_sources(src), 0);
	bpf_object__close(o);
}

/* A map that is not what xennet-xdp knows is refused, by sizes and by BTF. */
static void layouts_refused(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct btf *btf = btf__new_empty();
	int u16, u8, u64, key, val, btf_fd, fd;
	char why[256] = "";

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xennet_t_size", 8, 8, 4, NULL);
	assert_true(fd >= 0);
	assert_int_equal(fm_check(fd, FM_DENYPORT, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "8-byte keys"));
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xennet_t_type", 4, 8, 1, NULL);
	assert_int_equal(fm_check(fd, FM_DENYPORT, why, sizeof(why)), -EPROTO);
	close(fd);
	/* the right sizes, but port and proto swapped */
	u16 = btf__add_int(btf, "__u16", 2, 0);
	u8 = btf__add_int(btf, "__u8", 1, 0);
	u64 = btf__add_int(btf, "__u64", 8, 0);
	key = btf__add_struct(btf, "xennet_port_key", 4);
	btf__add_field(btf, "proto", u8, 0, 0);
	btf__add_field(btf, "pad", u8, 8, 0);
	btf__add_field(btf, "port", u16, 16, 0);
	val = btf__add_struct(btf, "xennet_hits", 8);
	btf__add_field(btf, "hits", u64, 0, 0);
	assert_true(u16 > 0 && u8 > 0 && u64 > 0 && key > 0 && val > 0);
	assert_int_equal(btf__load_into_kernel(btf), 0);
	btf_fd = btf__fd(btf);
	opts.btf_fd = (__u32)btf_fd;
	opts.btf_key_type_id = (__u32)key;
	opts.btf_value_type_id = (__u32)val;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "xennet_t_btf", 4, 8, 4, &opts);
	assert_true(fd >= 0);
	assert_int_equal(fm_check(fd, FM_DENYPORT, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "field 0 is proto"));
	close(fd);
	btf__free(btf);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level > LIBBPF_WARN ? 0 : vfprintf(stderr, fmt, ap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_specs),
		cmocka_unit_test(prefix_specs),
		cmocka_unit_test(rates),
		cmocka_unit_test(port_rules),
		cmocka_unit_test(prefix_rules),
		cmocka_unit_test(ratelimit_rules),
		cmocka_unit_test(layouts_refused),
	};

	libbpf_set_print(quiet);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
