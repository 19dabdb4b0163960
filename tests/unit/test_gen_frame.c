/* SPDX-License-Identifier: MIT */
/* The load generator's frame (xennet-simback --gen-size/--gen-dst, and
 * tapbench): the addresses asked for, lengths and checksums that add up,
 * and strict parsing of the destination. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "simback/gen_frame.h"

/* the one's complement sum of the IPv4 header, checksum included: 0xffff if right */
static unsigned int ip_sum(const uint8_t *h)
{
	unsigned int sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (unsigned int)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static unsigned int be16(const uint8_t *p) { return (unsigned int)(p[0] << 8 | p[1]); }

static void other_host_by_default(void **state)
{
	uint8_t f[2048];
	(void)state;
	memset(f, 0xaa, sizeof(f));
	assert_int_equal(gen_frame_build(f, sizeof(f), 64, NULL), 0);
	assert_memory_equal(f, "\x02\x00\x00\x00\x00\x99\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	assert_memory_equal(f + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
	assert_int_equal(be16(f + 16), 50);          /* IP total length */
	assert_int_equal(be16(f + 34 + 2), 9);       /* UDP destination port */
	assert_int_equal(be16(f + 34 + 4), 30);      /* UDP length */
	assert_int_equal(ip_sum(f + 14), 0xffff);
	assert_int_equal(f[64], 0xaa);               /* nothing written past len */
}

static void to_the_guest(void **state)
{
	struct gen_dst d = { 0 };
	uint8_t f[9100];
	(void)state;
	assert_int_equal(gen_dst_parse("00:16:3e:00:00:01,198.18.0.2,5001", &d), 0);
	assert_true(d.set);
	for (unsigned int len = 60; len <= sizeof(f); len += 547) {
		assert_int_equal(gen_frame_build(f, sizeof(f), len, &d), 0);
		assert_memory_equal(f, "\x00\x16\x3e\x00\x00\x01", 6);
		assert_memory_equal(f + 30, "\xc6\x12\x00\x02", 4);
		assert_int_equal(be16(f + 34 + 2), 5001);
		assert_int_equal(be16(f + 16), len - 14);
		assert_int_equal(be16(f + 34 + 4), len - 34);
		assert_int_equal(ip_sum(f + 14), 0xffff);
	}
}

static void bad_lengths(void **state)
{
	uint8_t f[128];
	(void)state;
	assert_int_equal(gen_frame_build(f, sizeof(f), 59, NULL), -1);
	assert_int_equal(gen_frame_build(f, sizeof(f), 129, NULL), -1);
	assert_int_equal(gen_frame_build(f, sizeof(f), 128, NULL), 0);
}

static void bad_destinations(void **state)
{
	static const char *bad[] = {
		"", "00:16:3e:00:00:01", "00:16:3e:00:00:01,198.18.0.2",
		"00:16:3e:00:00:01,198.18.0.2,", "00:16:3e:00:00:01,198.18.0.2,0",
		"00:16:3e:00:00:01,198.18.0.2,65536", "00:16:3e:00:00:01,198.18.0.2,9,9",
		"00:16:3e:00:00:01,198.18.0,9", "00:16:3e:00:00:01,fd00::2,9",
		"ff:ff:ff:ff:ff:ff,198.18.0.2,9", "00:16:3e:00:00:01,198.18.0.2, 9",
		"00:16:3e:00:00:01,198.18.0.2,9xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	struct gen_dst d = { .port = 77 };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gen_dst_parse(bad[i], &d) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_false(d.set);
	assert_int_equal(d.port, 77);                 /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(other_host_by_default),
		cmocka_unit_test(to_the_guest),
		cmocka_unit_test(bad_lengths),
		cmocka_unit_test(bad_destinations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
