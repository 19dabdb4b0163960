/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli/cmd.h"
#include "cli/stale.h"
#include "common/log.h"
#include "port/xdp_port.h"
#include "state/lock.h"
#include "state/runfile.h"
#include "xen/netfront.h"
#include "xen/xenbus_state.h"

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
}

/* A dead frontend may have left its state Connected: close it the way it
 * should have, so the backend lets go of the rings.  Not if another
 * instance drives that vif now (it holds the vif's lock). */
static int close_stale_frontend(const char *ifname, const struct runstate *rs)
{
	char dir[64], lock[160];
	struct plat *p;
	int st, closed = 0;

	runfile_vif_lock_for(lock, sizeof(lock), rs->sim[0] ? rs->sim : NULL, rs->vif);
	if (lock_holder(lock) != 0)
		return 0;
	p = plat_store_open(rs->sim[0] ? rs->sim : NULL);
	if (!p)
		return 0;
	snprintf(dir, sizeof(dir), "device/vif/%u", rs->vif);
	st = xb_read_state(p, dir);
	if (st == XenbusStateConnected || st == XenbusStateInitialised || st == XenbusStateClosing) {
		xb_switch_state(p, dir, XenbusStateClosing);
		for (int i = 0; i < 50 && rs->backend[0]; i++) {
			int be = xb_read_state(p, rs->backend);

			if (be == XenbusStateClosing || be == XenbusStateClosed || be < 0)
				break;
			sleep_ms(100);
		}
		xb_switch_state(p, dir, XenbusStateClosed);
		log_info(ifname, "closed the stale frontend state of vif %u", rs->vif);
		closed = 1;
	}
	if (st >= 0)
		netfront_clear_keys(p, dir);   /* no key of ours for the next frontend */
	plat_close(p);
	return closed;
}

int stale_cleanup(const char *ifname)
{
	struct runstate rs;
	char peer[16];
	int have = runfile_read_state(ifname, &rs), n = 0;

	ifname_peer(ifname, peer);
	if (have == 0)
		n += close_stale_frontend(ifname, &rs);
	n += xdp_port_cleanup_stale(ifname, peer, have == 0 && rs.netns[0] ? rs.netns : NULL);
	if (have != -ENOENT) {
		runfile_remove(ifname);
		n++;
	}
	if (n)
		log_notice(ifname, "removed what a stopped instance left behind");
	return n;
}
