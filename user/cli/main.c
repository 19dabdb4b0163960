/* SPDX-License-Identifier: MIT */
/* xennet-xdp: a Xen PV network frontend in userspace, over AF_XDP. */
#include <stdio.h>
#include <string.h>
#include "cli/cmd.h"
#include "cli/keeper.h"
#include "common/log.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "up", cmd_up, "up [--vif N] [--ifname NAME] [--takeover] [--sim SOCKET] [--netns NS] [--poll interrupt|busy] [--timeout S] [--umem-frames N]" },
	{ "down", cmd_down, "down [--ifname NAME] [--handback]" },
	{ "status", cmd_status, "status [IFNAME] [--json]" },
	{ "stats", cmd_stats, "stats [IFNAME] [--interval S [--count N]] [--json]" },
	{ "list", cmd_list, "list [--sim SOCKET] [--json]" },
	{ "filter", cmd_filter, "filter attach IFNAME OBJ [--prog NAME] [--priority N]\n"
				"  filter detach IFNAME (--prog NAME | --all)\n"
				"  filter list [IFNAME]" },
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
	/* not a user's command: see cli/keeper.h */
	if (!strcmp(argv[1], "evtchn-keeper"))
		return cmd_evtchn_keeper(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "xennet-xdp: '%s' is not a command; see xennet-xdp help\n", argv[1]);
	return 2;
}
