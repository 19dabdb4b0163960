/* SPDX-License-Identifier: MIT */
/* What a running instance leaves in /run/xennet for `down`, `stats` and
 * `status`: <ifname>.state (key=value lines) and <ifname>.stats (counters,
 * mapped shared so readers see them live without asking the datapath). */
#ifndef XENNET_RUNFILE_H
#define XENNET_RUNFILE_H
#include <stdbool.h>
#include <stddef.h>
#include "xennet_queue_stats.h"

/* Where a running instance keeps its pid and counters: this, unless
 * runfile_set_dir() or $XENNET_RUN_DIR says otherwise. */
#define XENNET_RUN_DIR "/run/xennet"
#define RUNFILE_DIR_MAX 200
#define RUNFILE_PATH_MAX (RUNFILE_DIR_MAX + 32)

/* The run directory from now on (xennet-xdp --run-dir): 0, or -EINVAL if
 * it is empty or longer than RUNFILE_DIR_MAX. */
int runfile_set_dir(const char *dir);
/* The one set, else $XENNET_RUN_DIR (if set and not too long), else
 * XENNET_RUN_DIR. */
const char *runfile_dir(void);

struct runstate {
	long pid;
	unsigned int vif;
	char sim[108];       /* simulator socket, "" on real Xen */
	char netns[64];      /* "" if ifname stays in our namespace */
	char backend[256];
	char phase[32];
	char poll[16];
	int evtchn;
	/* for `status` */
	unsigned int be_domid, mtu;
	int fe_state, be_state;      /* xenbus states, -1 if unknown */
	char mac[18];
	char peer[16];
	char features[96];           /* what is in effect, space-separated */
	char rx_mode[8];             /* "copy" */
	unsigned int queues;
};

int runfile_write_state(const char *ifname, const struct runstate *rs);
/* 0, -ENOENT if there is none, -EINVAL if it is malformed. */
int runfile_read_state(const char *ifname, struct runstate *rs);
/* Create and map ifname.stats; NULL with errno on failure. */
struct xennet_stats_file *runfile_map_stats(const char *ifname, int writable);
void runfile_unmap_stats(struct xennet_stats_file *f);
void runfile_remove(const char *ifname);
/* The state of a running instance (a state file and a live pid): 0, or -1. */
int runfile_read_live(const char *ifname, struct runstate *rs);
/* Is pid a live process (a plausible pid, and signalable or EPERM)? */
bool runfile_pid_alive(long pid);
/* Call fn for every running instance (state file and a live pid), in name
 * order; returns how many, or -errno if /run/xennet can't be read. */
int runfile_for_each(void (*fn)(const char *ifname, const struct runstate *rs));

#endif
