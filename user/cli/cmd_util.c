/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "state/runfile.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err(NULL, "%s: %s", cmd, msg);
	return 2;
}

int cmd_instance(const char *cmd, const char *ifname, struct runstate *rs)
{
	if (!ifname_valid(ifname)) {
		cmd_usage_error(cmd, "'%s' is not a valid interface name", ifname);
		return -1;
	}
	if (runfile_read_live(ifname, rs) < 0) {
		log_err(ifname, "not an interface of a running xennet-xdp instance");
		return -1;
	}
	return 0;
}
