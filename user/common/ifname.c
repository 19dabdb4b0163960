/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include "common/ifname.h"

int ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

void ifname_peer(const char *ifname, char peer[16])
{
	snprintf(peer, 16, "%.13s-p", ifname);
}
