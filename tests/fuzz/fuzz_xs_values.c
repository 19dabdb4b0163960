/* SPDX-License-Identifier: MIT */
/* fuzz_xs_values: every parser the frontend runs on a XenStore value the
 * backend (or the toolstack) controls, each checked against a reference
 * written here from its contract rather than from its code:
 *
 *   parse_uint (common/parse.c): backend-id (max DOMID_MAX), mtu (65535),
 *     state (8), feature-* (1), vif numbers, the N of a queue-N directory
 *     (4095), and a max from the input;
 *   mac_parse / mac_format (common/mac.c): the mac key;
 *   xk_valid_dir (xen/xs_keys.c): the backend path;
 *   xk_read, xk_read_uint, xb_read_state (xen/xs_keys.c, xenbus_state.c):
 *     the value as libxenstore returns it, a length and bytes that may hold
 *     a NUL, through a plat whose xs_read hands back the input;
 *   xenbus_state_name (common/xenbus_names.c): any state number.
 *
 * Input: byte 0 picks the max for parse_uint (bytes 1..8 give one when it
 * picks ULONG_MAX); the rest is the value. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/mac.h"
#include "common/parse.h"
#include "common/xenbus_names.h"
#include "xen/xenbus_state.h"
#include "xen/xs_keys.h"

static void fail(const char *what, const char *s)
{
	fprintf(stderr, "fuzz_xs_values: %s: \"%.80s\"\n", what, s);
	abort();
}

/* ---- references ------------------------------------------------------ */

static int ref_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (unsigned long)(*s - '0'), &v))
			return -1;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* out is written only on success */
static int ref_mac(const char *s, uint8_t out[6])
{
	unsigned int any = 0;
	uint8_t m[6];

	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *o = s + 3 * i;

		if (hex(o[0]) < 0 || hex(o[1]) < 0 || (i < 5 && o[2] != ':'))
			return -1;
		m[i] = (uint8_t)(hex(o[0]) * 16 + hex(o[1]));
		any |= m[i];
	}
	if ((m[0] & 1) || !any)
		return -1;
	memcpy(out, m, 6);
	return 0;
}

static bool ref_dir(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > XS_PATH_MAX - 32 || s[0] != '/' || s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '/' || c == '_' || c == '-' || c == '@';

		if (!ok || (c == '/' && s[i + 1] == '/'))
			return false;
	}
	return true;
}

/* ---- a plat whose XenStore holds one value --------------------------- */

static const uint8_t *val;
static size_t val_len;

static char *f_read(struct plat *p, xs_transaction_t t, const char *path, unsigned int *len)
{
	char *v = malloc(val_len + 1);

	(void)p;
	(void)t;
	(void)path;
	if (!v)
		abort();
	memcpy(v, val, val_len);
	v[val_len] = '\0';      /* libxenstore terminates what it returns */
	*len = (unsigned int)val_len;
	return v;
}

static const struct plat_ops f_ops = { .name = "fuzz", .xs_read = f_read };
static struct plat fplat = { .ops = &f_ops };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned long maxes[] = { 0, 1, 8, DOMID_MAX, 65535, 1u << 20, 4194304, ULONG_MAX, 4095 };
	unsigned long max, v, rv;
	uint8_t m[6], rm[6];
	char *s;
	bool has_nul;

	if (size < 1)
		return 0;
	max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
	data++;
	size--;
	if (max == ULONG_MAX && size >= 8) {
		memcpy(&max, data, 8);  /* any max */
		data += 8;
		size -= 8;
	}
	s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	has_nul = memchr(data, '\0', size) != NULL;

	/* parse_uint: same verdict and value as the reference; *out untouched on failure */
	v = rv = 12345;
	if (parse_uint(s, max, &v) != ref_uint(s, max, &rv) || v != rv)
		fail("parse_uint disagrees", s);

	/* mac_parse: same verdict and octets; mac_format gives the text back */
	memset(m, 0xee, sizeof(m));
	memset(rm, 0xee, sizeof(rm));
	if (mac_parse(s, m) != ref_mac(s, rm))
		fail("mac_parse disagrees", s);
	if (memcmp(m, rm, 6))
		fail("mac_parse octets differ", s);
	if (ref_mac(s, rm) == 0) {
		char buf[18];

		mac_format(m, buf);
		if (strcasecmp(buf, s))
			fail("mac_format does not give the text back", s);
	}

	/* xk_valid_dir */
	if (xk_valid_dir(s) != ref_dir(s))
		fail("xk_valid_dir disagrees", s);

	/* through the plat: an embedded NUL makes it no string at all */
	val = data;
	val_len = size;
	{
		char *r = xk_read(&fplat, XBT_NULL, "device/vif/0", "mac");
		int ret;

		if (has_nul ? r != NULL || errno != EINVAL : r == NULL || strcmp(r, s))
			fail("xk_read", s);
		free(r);
		v = 777;
		ret = xk_read_uint(&fplat, XBT_NULL, "device/vif/0", "mtu", max, &v);
		if (has_nul || ref_uint(s, max, &rv) ? ret != -EINVAL || v != 777 : ret != 0 || v != rv)
			fail("xk_read_uint", s);
		ret = xb_read_state(&fplat, "device/vif/0");
		if (has_nul || ref_uint(s, 8, &rv) ? ret != -EINVAL : ret != (int)rv)
			fail("xb_read_state", s);
		if (strcmp(xenbus_state_name(ret), ret == -EINVAL ? "invalid" : xenbus_state_name((int)rv)))
			fail("xenbus_state_name", s);
	}
	/* a key that does not fit with the directory is refused, not truncated */
	{
		char *r = xk_read(&fplat, XBT_NULL, ref_dir(s) ? s : "/x", s);

		if (r && (strlen(s) + (ref_dir(s) ? strlen(s) : 2) + 2 > XS_PATH_MAX || !*s))
			fail("xk_read took a path that does not fit", s);
		free(r);
	}
	free(s);
	return 0;
}
