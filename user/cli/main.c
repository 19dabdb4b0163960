/* SPDX-License-Identifier: MIT */
/* xennet-xdp: a Xen PV network frontend in userspace, over AF_XDP. */
#include <stdio.h>
#include <string.h>
#include "cli/cmd.h"
#include "common/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "up", cmd_up, "up [--vif N] [--ifname NAME] [--sim SOCKET] [--netns NS] [--poll interrupt|busy] [--timeout S]" },
	{ "down", cmd_down, "down [--ifname NAME]" },
	{ "status", cmd_status, "status [IFNAME] [--json]" },
	{ "stats", cmd_stats, "stats [IFNAME] [--interval S [--count N]] [--json]\n"
			      "      (rates: *_pps packets/s, *_bps bits/s, *_ps events/s; timestamp:\n"
			      "      CLOCK_REALTIME, seconds since the epoch)" },
	{ "list", cmd_list, "list [--sim SOCKET] [--json]" },
	{ "filter", cmd_filter, "filter attach IFNAME OBJ [--prog NAME] [--priority N]\n"
				"  filter detach IFNAME (--prog NAME | --all) [--purge]\n"
				"  filter list [IFNAME]\n"
				"  filter rule IFNAME port add|del PORT[/tcp|/udp] | port list\n"
				"  filter rule IFNAME prefix add PREFIX [deny|allow] | prefix del PREFIX | prefix list\n"
				"  filter rule IFNAME ratelimit set RATE[/s] [burst N] | ratelimit del | ratelimit list\n"
				"      (rule: [--prog NAME] [--json])" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xennet-xdp COMMAND [options]\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	log_err(NULL, "'%s' is not a command; see xennet-xdp help", argv[1]);
	return 2;
}
