/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "xen/xenbus_state.h"
#include "xen/xs_keys.h"

int xb_read_state(struct plat *p, const char *dir)
{
	unsigned long v;
	int ret = xk_read_uint(p, XBT_NULL, dir, "state", XenbusStateReconfigured, &v);

	return ret < 0 ? ret : (int)v;
}

int xb_switch_state(struct plat *p, const char *dir, enum xenbus_state st)
{
	return xk_printf(p, XBT_NULL, dir, "state", "%d", (int)st);
}
