/* SPDX-License-Identifier: MIT */
/* Strict parsing of numbers and paths from untrusted text (XenStore values,
 * command lines, run files).  No Xen, no BPF. */
#ifndef XENNET_PARSE_H
#define XENNET_PARSE_H
#include <stddef.h>

/* Strict unsigned decimal: digits only, no sign, no space, no leading zero,
 * no junk, <= max.  0, or -1 with *out untouched. */
int parse_uint(const char *s, unsigned long max, unsigned long *out);
/* "dir/key" into buf; -1 if it does not fit or dir/key are empty. */
int path_join(char *buf, size_t size, const char *dir, const char *key);

#endif
