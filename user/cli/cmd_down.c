/* SPDX-License-Identifier: MIT */
/* xennet-xdp down: stop a running instance (the process that holds the
 * name's lock, and only it), or clear what a dead one left behind; with
 * --handback, give the vif back to the kernel's driver afterwards. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "cli/stale.h"
#include "common/log.h"
#include "state/lock.h"
#include "state/runfile.h"
#include "xen/xenbus_dev.h"

#define KILL_TIMEOUT_MS 5000

/* Wait for the process behind pidfd to end: true if it did within ms. */
static bool wait_exit(int pidfd, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

/* Stop the instance holding ifname's lock: SIGTERM, and SIGKILL if it does
 * not end in time (a thread stuck in the kernel must not make an instance
 * unstoppable) within wait_s.  0 when it is gone, 1 when nothing held the
 * lock, 2 when it was killed, -1. */
static int stop(const char *ifname, const char *lock, unsigned long wait_s)
{
	pid_t pid = lock_holder(lock);
	int pidfd;

	if (pid <= 0)
		return 1;
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 1 : (log_err(ifname, "can't reach pid %ld: %s", (long)pid,
						     strerror(errno)), -1);
	/* the pidfd names that process for good: check it still holds the
	 * lock (the pid was not reused between reading /proc/locks and now) */
	if (lock_holder(lock) != pid) {
		close(pidfd);
		return 1;
	}
	if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0) {
		log_err(ifname, "can't stop pid %ld: %s", (long)pid, strerror(errno));
		close(pidfd);
		return -1;
	}
	if (!wait_exit(pidfd, (int)wait_s * 1000)) {
		log_warn(ifname, "pid %ld did not stop within %lu s; killing it (--wait gives it longer)",
			 (long)pid, wait_s);
		pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		if (!wait_exit(pidfd, KILL_TIMEOUT_MS)) {
			log_err(ifname, "pid %ld did not die within %d s of SIGKILL (stuck in the kernel?)",
				(long)pid, KILL_TIMEOUT_MS / 1000);
			close(pidfd);
			return -1;
		}
		close(pidfd);
		return 2;   /* killed: what it held is left behind */
	}
	close(pidfd);
	return 0;
}

/* Give vif back to the kernel's driver (the one taken over, else "vif",
 * xen-netfront's name on the xenbus). */
static int hand_back(const char *ifname, const struct runstate *rs)
{
	char drv[32], kif[32];
	const char *want = rs->took_over[0] ? rs->took_over : "vif";
	int r;

	if (rs->sim[0]) {
		log_err(ifname, "--handback: vif %u is the simulator's; there is no kernel driver to "
			"give it to", rs->vif);
		return -1;
	}
	r = xenbus_dev_driver(rs->vif, drv, sizeof(drv));
	if (r < 0) {
		log_err(ifname, "--handback: no xenbus device vif-%u here: %s", rs->vif, strerror(-r));
		return -1;
	}
	if (r == 0) {
		r = xenbus_dev_bind(rs->vif, want);
		if (r < 0) {
			log_err(ifname, "--handback: can't bind vif-%u to the kernel's %s driver: %s", rs->vif,
				want, strerror(-r));
			return -1;
		}
	}
	xenbus_dev_netif(rs->vif, kif, sizeof(kif));
	log_notice(ifname, "gave vif %u back to the kernel's %s driver%s%s%s", rs->vif, want,
		   kif[0] ? " (interface " : "", kif, kif[0] ? ")" : "");
	return 0;
}

struct down_cfg {
	const char *ifname;
	bool handback;
	unsigned long wait;
};

static int run(void *cfg)
{
	const struct down_cfg *c = cfg;
	const char *ifname = c->ifname;
	bool handback = c->handback;
	char lock[64];
	struct runstate rs;
	int have, r, fd, removed;

	runfile_if_lock(lock, sizeof(lock), ifname);
	have = runfile_read_state(ifname, &rs);   /* before it is gone */
	r = stop(ifname, lock, c->wait);
	if (r < 0)
		return 1;
	if (r == 0) {
		if (handback && have == 0)
			return hand_back(ifname, &rs) < 0 ? 1 : 0;
		if (handback)
			log_err(ifname, "--handback: the instance left no state saying which vif it had");
		return handback ? 1 : 0;
	}
	/* nothing running (or killed): clear what was left, holding the lock
	 * so that no new instance starts on the name meanwhile */
	fd = lock_take(lock);
	if (fd < 0) {
		log_err(ifname, fd == -EWOULDBLOCK ? "another instance started meanwhile; not touching it"
						   : "can't lock %s: %s", runfile_dir(), strerror(-fd));
		return 1;
	}
	removed = stale_cleanup(ifname);
	lock_release(lock, fd);
	if (r == 1 && !removed && !handback) {
		log_err(ifname, "not running, and nothing left behind to remove");
		return 1;
	}
	if (handback && have == 0)
		return hand_back(ifname, &rs) < 0 ? 1 : 0;
	if (handback) {
		log_err(ifname, "--handback: no state left saying which vif %s had", ifname);
		return 1;
	}
	return 0;
}

#define O(f) offsetof(struct down_cfg, f)
static const struct opt opts[] = {
	OPT("ifname", 'i', OPT_IFNAME, O(ifname), "NAME", "the instance's interface", .dflt = "xennet0",
	    .comp = COMP_INSTANCE),
	OPT("handback", 0, OPT_FLAG, O(handback), NULL, "give the vif back to the kernel's xen-netfront "
	    "afterwards"),
	/* an orderly stop waits up to 5 s for the backend to close, then
	 * revokes, closes the sockets and detaches: seconds more on a slow
	 * guest (QEMU TCG) */
	OPT("wait", 'w', OPT_UINT, O(wait), "S", "seconds the instance has to stop before it is killed "
	    "(SIGKILL)", .dflt = "10", .min = 1, .max = 3600),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_down_def = OPT_CMD(
	"down", "Stop a running instance, or remove what a crashed one left behind.",
	"What a stopped instance may leave: the veth pair, the pins under /sys/fs/bpf/xennet/NAME, the "
	"run files, and a frontend state still Connected in XenStore.",
	opts, sizeof(struct down_cfg), run);
