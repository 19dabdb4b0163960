/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "xenbus_state.h"
#include "xs_keys.h"

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

const char *xb_state_name(int st)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
		"Closing", "Closed", "Reconfiguring", "Reconfigured",
	};

	if (st < 0 || st >= (int)(sizeof(names) / sizeof(names[0])))
		return st == -ENOENT ? "absent" : "invalid";
	return names[st];
}
