/* SPDX-License-Identifier: MIT */
/* What a running instance leaves in /run/xennet for `down`, `stats` and
 * `status`: <ifname>.state (key=value lines) and <ifname>.stats (counters,
 * mapped shared so readers see them live without asking the datapath). */
#ifndef XENNET_RUNFILE_H
#define XENNET_RUNFILE_H
#include <stddef.h>
#include "xennet_queue_stats.h"

struct runstate {
	long pid;
	unsigned int vif;
	char sim[108];       /* simulator socket, "" on real Xen */
	char netns[64];      /* "" if ifname stays in our namespace */
	char backend[256];
	char phase[32];
	char poll[16];
	int evtchn;
};

int runfile_write_state(const char *ifname, const struct runstate *rs);
/* 0, -ENOENT if there is none, -EINVAL if it is malformed. */
int runfile_read_state(const char *ifname, struct runstate *rs);
/* Create and map ifname.stats; NULL with errno on failure. */
struct xennet_stats_file *runfile_map_stats(const char *ifname, int writable);
void runfile_unmap_stats(struct xennet_stats_file *f);
void runfile_remove(const char *ifname);

#endif
