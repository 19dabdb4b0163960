/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "common/xenbus_names.h"

const char *xenbus_state_name(int st)
{
	static const char *const names[] = {
		"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
		"Closing", "Closed", "Reconfiguring", "Reconfigured",
	};

	if (st < 0 || st >= (int)(sizeof(names) / sizeof(names[0])))
		return st == -ENOENT ? "absent" : "invalid";
	return names[st];
}
