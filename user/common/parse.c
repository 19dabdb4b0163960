/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include "common/parse.h"

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]))
		return -1;  /* empty, or a leading zero (no octal games) */
	for (; *s; s++) {
		unsigned long d = (unsigned long)(*s - '0');

		if (*s < '0' || *s > '9')
			return -1;
		/* d > max first: max - d would wrap and let anything through */
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int path_join(char *buf, size_t size, const char *dir, const char *key)
{
	int n;

	if (!*dir || !*key)
		return -1;
	n = snprintf(buf, size, "%s/%s", dir, key);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
