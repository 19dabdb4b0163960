/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xen/xs_keys.h"

bool xk_valid_dir(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > XS_PATH_MAX - 32 || s[0] != '/' || s[n - 1] == '/')
		return false;
	if (strstr(s, "//") || strstr(s, "/../") || strstr(s, "/./"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("/_-@", s[i]))
			return false;
	return true;
}

char *xk_read(struct plat *p, xs_transaction_t t, const char *dir, const char *key)
{
	char path[XS_PATH_MAX];
	unsigned int len;
	char *v;

	if (path_join(path, sizeof(path), dir, key) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	v = p->ops->xs_read(p, t, path, &len);
	if (v && strlen(v) != len) {        /* embedded NUL: not a string */
		free(v);
		errno = EINVAL;
		return NULL;
	}
	return v;
}

int xk_read_uint(struct plat *p, xs_transaction_t t, const char *dir, const char *key,
		 unsigned long max, unsigned long *out)
{
	char *v = xk_read(p, t, dir, key);
	int ret;

	if (!v)
		return errno == ENOENT ? -ENOENT : -EINVAL;
	ret = parse_uint(v, max, out) < 0 ? -EINVAL : 0;
	free(v);
	return ret;
}

int xk_printf(struct plat *p, xs_transaction_t t, const char *dir, const char *key,
	      const char *fmt, ...)
{
	char path[XS_PATH_MAX], val[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(val) || path_join(path, sizeof(path), dir, key) < 0)
		return -EINVAL;
	return p->ops->xs_write(p, t, path, val, (unsigned int)n) ? 0 : -errno;
}
