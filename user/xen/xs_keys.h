/* SPDX-License-Identifier: MIT */
/* XenStore paths and values: formatting ours, strictly parsing theirs. */
#ifndef XENNET_XS_KEYS_H
#define XENNET_XS_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include "common/parse.h"
#include "xen/plat.h"

#define XS_PATH_MAX 256   /* XENSTORE_ABS_PATH_MAX is 3072; ours are short */

/* A backend path we accept: absolute, printable, no "..", no "//", no
 * trailing '/', at most XS_PATH_MAX - 32 bytes (room for our keys). */
bool xk_valid_dir(const char *s);
/* The largest domain id a backend can have (DOMID_FIRST_RESERVED - 1). */
#define DOMID_MAX 0x7fefu

/* Read dir/key.  Returns the malloc'd value or NULL with errno set. */
char *xk_read(struct plat *p, xs_transaction_t t, const char *dir, const char *key);
/* Read dir/key as an unsigned <= max.  0, -ENOENT if absent, -EINVAL if not a number. */
int xk_read_uint(struct plat *p, xs_transaction_t t, const char *dir, const char *key,
		 unsigned long max, unsigned long *out);
/* Write dir/key = printf(fmt, ...).  0 or -errno. */
int xk_printf(struct plat *p, xs_transaction_t t, const char *dir, const char *key,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
