/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "common/mac.h"

static void valid(void **state)
{
	uint8_t m[6];
	char buf[18];
	(void)state;
	assert_int_equal(mac_parse("00:16:3e:0a:Bc:ff", m), 0);
	assert_memory_equal(m, ((uint8_t[]){0x00, 0x16, 0x3e, 0x0a, 0xbc, 0xff}), 6);
	mac_format(m, buf);
	assert_string_equal(buf, "00:16:3e:0a:bc:ff");
	assert_int_equal(mac_parse("02:00:00:00:00:01", m), 0);
}

static void invalid(void **state)
{
	static const char *bad[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:", "02:00:00:00:00:0",
		"02:00:00:00:00:01:02", "02:00:00:00:00:01 ", " 02:00:00:00:00:01",
		"02:00:zz:00:00:01", "02-00-00-00-00-01", "2:0:0:0:0:1",
		"020:00:00:00:00:01", "02:00:00:00:00:01\n", "02:00:00:00:00:0g",
		"01:00:5e:00:00:01" /* multicast */, "ff:ff:ff:ff:ff:ff",
		"03:00:00:00:00:01", "00:00:00:00:00:00",
	};
	uint8_t m[6] = {9, 9, 9, 9, 9, 9};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mac_parse(bad[i], m) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(mac_parse(NULL, m), -1);
	assert_memory_equal(m, ((uint8_t[]){9, 9, 9, 9, 9, 9}), 6); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid),
		cmocka_unit_test(invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
