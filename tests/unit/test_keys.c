/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "xen/xs_keys.h"

static void paths(void **state)
{
	char buf[32];
	(void)state;
	assert_int_equal(path_join(buf, sizeof(buf), "device/vif/0", "mac"), 0);
	assert_string_equal(buf, "device/vif/0/mac");
	assert_int_equal(path_join(buf, sizeof(buf), "device/vif/0", "a-key-that-is-far-too-long"), -1);
	assert_int_equal(path_join(buf, sizeof(buf), "", "mac"), -1);
	assert_int_equal(path_join(buf, sizeof(buf), "d", ""), -1);
	assert_int_equal(path_join(buf, 17, "device/vif/0", "mac"), 0);   /* exactly fits */
	assert_int_equal(path_join(buf, 16, "device/vif/0", "mac"), -1);
}

static void uints(void **state)
{
	unsigned long v = 77;
	(void)state;
	assert_int_equal(parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("32751", 0x7fef, &v), 0);
	assert_int_equal(v, 32751);
	v = 77;
	static const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "0x10", "010", "32752",
				     "99999999999999999999999", "1\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse_uint(bad[i], 0x7fef, &v) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(v, 77);
	assert_int_equal(parse_uint(NULL, 1, &v), -1);
}

/* Every max below 10: a digit above max must not wrap the bound (issue 11:
 * "99" passed for max 8, "2".."9" for max 1; the backend's state is parsed
 * with max 8, and nineteen 9s came back as a negative state). */
static void uints_small_max(void **state)
{
	unsigned long v;
	char s[4];
	(void)state;
	for (unsigned long max = 0; max < 10; max++) {
		for (unsigned long n = 0; n < 200; n++) {
			snprintf(s, sizeof(s), "%lu", n);
			v = 12345;
			if (n <= max) {
				assert_int_equal(parse_uint(s, max, &v), 0);
				assert_int_equal(v, n);
			} else if (parse_uint(s, max, &v) != -1 || v != 12345) {
				fail_msg("\"%s\" accepted for max %lu", s, max);
			}
		}
	}
	assert_int_equal(parse_uint("9999999999999999999", 8, &v), -1);
	assert_int_equal(parse_uint("18446744073709551615", (unsigned long)-1, &v), 0);
	assert_true(v == (unsigned long)-1);
	assert_int_equal(parse_uint("18446744073709551616", (unsigned long)-1, &v), -1);
}

static void dirs(void **state)
{
	(void)state;
	assert_true(xk_valid_dir("/local/domain/0/backend/vif/1/0"));
	assert_false(xk_valid_dir("local/domain/0/backend/vif/1/0"));
	assert_false(xk_valid_dir("/local/domain/0/backend/vif/1/0/"));
	assert_false(xk_valid_dir("/local//domain"));
	assert_false(xk_valid_dir("/local/../domain"));
	assert_false(xk_valid_dir("/local/dom ain"));
	assert_false(xk_valid_dir("/local/dom\nain"));
	assert_false(xk_valid_dir("/"));
	assert_false(xk_valid_dir(NULL));
	char longp[300];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_false(xk_valid_dir(longp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(uints),
		cmocka_unit_test(uints_small_max),
		cmocka_unit_test(dirs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
