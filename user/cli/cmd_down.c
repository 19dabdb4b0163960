/* SPDX-License-Identifier: MIT */
/* xennet-xdp down: stop a running instance, or clear what a crashed one
 * left behind (veth, pins, run files, a frontend state still Connected). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "xen/netfront.h"
#include "state/runfile.h"
#include "port/xdp_port.h"
#include "xen/xenbus_state.h"

static bool alive(long pid)
{
	return runfile_pid_alive(pid);
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 }, NULL);
}

/* A crashed frontend may have left its state Connected: close it the way
 * it should have, so the backend lets go of the rings. */
static void close_stale_frontend(const char *ifname, const struct runstate *rs)
{
	struct plat *p = rs->sim[0] ? plat_sim_open(rs->sim) : plat_xen_open();
	char dir[64];
	int st;

	if (!p)
		return;
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
		fprintf(stderr, "%s: closed stale frontend state of vif %u\n", ifname, rs->vif);
	}
	plat_close(p);
}

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ifname", required_argument, NULL, 'i' },
		{ 0 },
	};
	const char *ifname = "xennet0";
	struct runstate rs;
	char peer[16];
	int c, have;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'i')
			return cmd_option_error("down", argv, c);
		ifname = optarg;
	}
	if (optind != argc)
		return cmd_usage_error("down", "unexpected argument '%s'", argv[optind]);
	if (!ifname_valid(ifname))
		return cmd_usage_error("down", "--ifname: '%s' is not a valid name", ifname);
	ifname_peer(ifname, peer);
	have = runfile_read_state(ifname, &rs);
	if (have == 0 && alive(rs.pid)) {
		if (kill((pid_t)rs.pid, SIGTERM) < 0) {
			fprintf(stderr, "%s: can't stop pid %ld: %s\n", ifname, rs.pid, strerror(errno));
			return 1;
		}
		for (int i = 0; i < 200 && alive(rs.pid); i++)
			sleep_ms(50);
		if (alive(rs.pid)) {
			fprintf(stderr, "%s: pid %ld did not stop within 10 s\n", ifname, rs.pid);
			return 1;
		}
		return 0;
	}
	/* nothing running: clear what a crashed instance left */
	if (have == 0)
		close_stale_frontend(ifname, &rs);
	c = xdp_port_cleanup_stale(ifname, peer, have == 0 && rs.netns[0] ? rs.netns : NULL);
	runfile_remove(ifname);
	if (have != 0 && c <= 0) {
		fprintf(stderr, "%s: not running, and nothing left behind to remove\n", ifname);
		return 1;
	}
	fprintf(stderr, "%s: removed what a stopped instance left behind\n", ifname);
	return 0;
}
