/* SPDX-License-Identifier: MIT */
/*
 * The run directory (default /run/xennet; $XENNET_RUN_DIR or --run-dir):
 * what a running instance keeps there for `down`, `stats` and `status`:
 * <ifname>.lock (its claim on the name, see lock.h), @vif-<key>.lock (its
 * claim on the vif), <ifname>.state (key=value lines) and <ifname>.stats
 * (counters, mapped shared so readers see them live without asking the
 * datapath).  An instance is live while it holds its name's lock.
 */
#ifndef XENNET_RUNFILE_H
#define XENNET_RUNFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "xennet_queue_stats.h"

#define RUNFILE_DEFAULT_DIR "/run/xennet"
/* The run directory in effect (for messages). */
#define XENNET_RUN_DIR runfile_dir()

const char *runfile_dir(void);
/* Use dir instead of $XENNET_RUN_DIR or the default; -EINVAL unless an
 * absolute path that fits. */
int runfile_set_dir(const char *dir);
/* Create the run directory if it is not there (0 or -1 with errno). */
int runfile_mkdir(void);

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
	unsigned int be_domid, mtu, domid;
	int fe_state, be_state;      /* xenbus states, -1 if unknown */
	char mac[18];
	char peer[16];
	char features[160];          /* what is in effect, space-separated */
	char rx_mode[16];            /* "copy" */
	char channels[64];           /* event channels, space-separated */
	unsigned int queues;
	unsigned int umem_frames;     /* UMEM frames a queue */
	unsigned int reconnects;     /* connections after the first */
	unsigned int restores;       /* of which after the guest moved (restore, migration) */
	char took_over[32];          /* the kernel driver taken over at start, "" if none */
};

int runfile_write_state(const char *ifname, const struct runstate *rs);
/* 0, -ENOENT if there is none, -EINVAL if it is malformed. */
int runfile_read_state(const char *ifname, struct runstate *rs);
/* Create (writable: the caller holds ifname's lock) or map ifname.stats;
 * NULL with errno on failure. */
struct xennet_stats_file *runfile_map_stats(const char *ifname, int writable);
void runfile_unmap_stats(struct xennet_stats_file *f);
/* Remove ifname's state and stats files. */
void runfile_remove(const char *ifname);
/* The pid of the live instance on ifname (holding its lock), 0 if none. */
pid_t runfile_live_pid(const char *ifname);
#define RUNFILE_STALE_NS 5000000000ull   /* a heartbeat this old: unresponsive */
/* The state of a live instance: 0 (rs->pid is the lock holder), or -1.
 * An instance whose control thread stopped beating, or whose datapath
 * stalled, has phase "unresponsive" or "datapath-stalled" and both xenbus
 * states unknown (-1), whatever its state file says. */
int runfile_read_live(const char *ifname, struct runstate *rs);
/* Call fn for every live instance, in name order; returns how many, or
 * -errno if the run directory can't be read. */
int runfile_for_each(void (*fn)(const char *ifname, const struct runstate *rs));
/* The lock names: an interface's, and a vif's (key: "N" on Xen,
 * "sim-DEV-INO-N" for a simulator's socket). */
void runfile_if_lock(char *buf, size_t size, const char *ifname);
void runfile_vif_lock(char *buf, size_t size, const char *vif_key);
/* The lock name of vif N, on a simulator (its socket's identity names it)
 * or on Xen (sim NULL). */
void runfile_vif_lock_for(char *buf, size_t size, const char *sim, unsigned int vif);

#endif
