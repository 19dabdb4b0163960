/* SPDX-License-Identifier: MIT */
/* xennet-xdp up: connect a vif and carry its traffic until told to stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <linux/if_xdp.h>
#include <time.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "port/datapath.h"
#include "common/mac.h"
#include "xen/netfront.h"
#include "state/runfile.h"
#include "port/xdp_port.h"
#include "xen/xenbus_state.h"

#define CLOSE_TIMEOUT_MS 5000

struct up {
	const char *sim, *netns;
	char ifname[16], peer[16];
	unsigned int vif;
	bool busy;
	long timeout_ms;
	struct plat *plat;
	struct netfront nf;
	struct xdp_port port;
	bool port_open;
	struct datapath dp;
	struct xennet_stats_file *stats;
	struct runstate rs;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *phase_name(enum nf_phase p)
{
	static const char *const n[] = { "idle", "wait-initwait", "wait-connected", "connected",
					 "lost", "closing", "closed", "failed" };
	return p <= NF_FAILED ? n[p] : "?";
}

/* The state the frontend has said in XenStore, by phase. */
static int fe_state_of(enum nf_phase p)
{
	switch (p) {
	case NF_IDLE: case NF_WAIT_INITWAIT: case NF_LOST: return XenbusStateInitialising;
	case NF_WAIT_CONNECTED: case NF_CONNECTED: return XenbusStateConnected;
	case NF_CLOSING: return XenbusStateClosing;
	case NF_CLOSED: case NF_FAILED: return XenbusStateClosed;
	}
	return -1;
}

static void save_state(struct up *u)
{
	u->rs.pid = getpid();
	u->rs.vif = u->vif;
	snprintf(u->rs.sim, sizeof(u->rs.sim), "%s", u->sim ? u->sim : "");
	snprintf(u->rs.netns, sizeof(u->rs.netns), "%s", u->netns ? u->netns : "");
	snprintf(u->rs.backend, sizeof(u->rs.backend), "%s", u->nf.be_dir);
	snprintf(u->rs.phase, sizeof(u->rs.phase), "%s", phase_name(u->nf.phase));
	snprintf(u->rs.poll, sizeof(u->rs.poll), "%s", u->busy ? "busy" : "interrupt");
	u->rs.evtchn = u->nf.q.evtchn;
	u->rs.be_domid = u->nf.be_domid;
	u->rs.mtu = u->nf.mtu;
	u->rs.be_state = u->nf.be_state;
	u->rs.fe_state = fe_state_of(u->nf.phase);
	mac_format(u->nf.mac, u->rs.mac);
	snprintf(u->rs.peer, sizeof(u->rs.peer), "%s", u->peer);
	/* what the frontend asks for and gets: netfront.c writes these keys */
	snprintf(u->rs.features, sizeof(u->rs.features), "rx-copy rx-notify no-csum-offload");
	snprintf(u->rs.rx_mode, sizeof(u->rs.rx_mode), "copy");
	u->rs.queues = 1;
	runfile_write_state(u->ifname, &u->rs);
}

static int parse(struct up *u, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vif", required_argument, NULL, 'v' },
		{ "ifname", required_argument, NULL, 'i' },
		{ "sim", required_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'n' },
		{ "poll", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 },
	};
	const char *ifname = NULL;
	unsigned long v;
	int c;

	u->timeout_ms = 10000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (cmd_parse_uint("up", "--vif", optarg, 65535, &v))
				return 2;
			u->vif = (unsigned int)v;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 's':
			u->sim = optarg;
			break;
		case 'n':
			u->netns = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "busy") && strcmp(optarg, "interrupt"))
				return cmd_usage_error("up", "--poll: '%s' is not interrupt or busy", optarg);
			u->busy = !strcmp(optarg, "busy");
			break;
		case 't':
			if (cmd_parse_uint("up", "--timeout", optarg, 3600, &v) || !v)
				return v ? 2 : cmd_usage_error("up", "--timeout must be at least 1 second");
			u->timeout_ms = (long)v * 1000;
			break;
		default:
			return cmd_option_error("up", argv, c);
		}
	}
	if (optind != argc)
		return cmd_usage_error("up", "unexpected argument '%s'", argv[optind]);
	if (ifname && !ifname_valid(ifname))
		return cmd_usage_error("up", "--ifname: '%s' is not a valid name (1-13 of A-Z a-z 0-9 _ . -)", ifname);
	if (u->netns && (!*u->netns || strchr(u->netns, '/') || strlen(u->netns) >= 64))
		return cmd_usage_error("up", "--netns: '%s' is not a namespace name", u->netns);
	if (ifname)
		snprintf(u->ifname, sizeof(u->ifname), "%s", ifname);
	else if (snprintf(u->ifname, sizeof(u->ifname), "xennet%u", u->vif) > 13)
		return cmd_usage_error("up", "--vif %u: pick a shorter --ifname", u->vif);
	ifname_peer(u->ifname, u->peer);
	return 0;
}

/* Another instance on ifname, running or crashed, must be dealt with first. */
static int check_leftovers(const char *ifname)
{
	struct runstate rs;
	int err = runfile_read_state(ifname, &rs);

	if (err == -ENOENT)
		return 0;
	if (err == 0 && runfile_pid_alive(rs.pid))
		fprintf(stderr, "%s: already running as pid %ld; stop it with xennet-xdp down --ifname %s\n",
			ifname, rs.pid, ifname);
	else
		fprintf(stderr, "%s: a stopped instance left its state behind; clear it with "
			"xennet-xdp down --ifname %s\n", ifname, ifname);
	return -1;
}

static int open_port(struct up *u)
{
	struct xdp_port_cfg cfg = {
		.ifname = u->ifname, .peer = u->peer, .netns = u->netns, .mtu = u->nf.mtu,
		.nframes = 4096, .frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE, .ring_size = 2048,
		.busy_poll = u->busy,
	};

	memcpy(cfg.mac, u->nf.mac, 6);
	if (xdp_port_open(&u->port, &cfg) < 0)
		return -1;
	u->port_open = true;
	return 0;
}

static void on_connected(struct up *u)
{
	int err = datapath_start(&u->dp, &u->nf.q, &u->port, u->busy);

	if (err < 0) {
		nf_log(&u->nf, "can't start the datapath, err %d", -err);
		u->nf.phase = NF_FAILED;
		return;
	}
	xdp_port_set_carrier(&u->port, true);
	nf_log(&u->nf, "connected to backend domain %u, %s poll", u->nf.be_domid,
	       u->busy ? "busy" : "interrupt");
}

static void stop_traffic(struct up *u)
{
	xdp_port_set_carrier(&u->port, false);
	datapath_stop(&u->dp);
}

static void print_stats(struct up *u)
{
	const struct xennet_queue_stats *s = u->nf.q.st;

	nf_log(&u->nf, "rx %llu packets %llu bytes %llu dropped %llu errors %llu invalid; "
		       "tx %llu packets %llu bytes %llu dropped %llu errors %llu invalid",
	       (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
	       (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
	       (unsigned long long)s->rx_invalid, (unsigned long long)s->tx_packets,
	       (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped,
	       (unsigned long long)s->tx_errors, (unsigned long long)s->tx_invalid);
}

/* The kernel's counters for the XSK, into the stats file. */
static void refresh_xsk_stats(struct up *u)
{
	struct xdp_statistics xs;
	socklen_t len = sizeof(xs);
	struct xennet_queue_stats *s = u->nf.q.st;

	if (!u->port_open || getsockopt(u->port.xsk_fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
		return;
	s->xsk_rx_dropped = xs.rx_dropped;
	s->xsk_rx_invalid = xs.rx_invalid_descs;
	s->xsk_rx_ring_full = xs.rx_ring_full;
	s->xsk_fill_empty = xs.rx_fill_ring_empty_descs;
	s->xsk_tx_invalid = xs.tx_invalid_descs;
	s->xsk_tx_ring_empty = xs.tx_ring_empty_descs;
}

/* Wait for watch events, signals, a broken datapath, or the deadline. */
static int event_loop(struct up *u, int sigfd)
{
	struct plat *p = u->plat;
	enum nf_phase last = u->nf.phase;
	long deadline = now_ms() + u->timeout_ms;
	int exit_code = 0;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = p->ops->xs_fd(p), .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = u->dp.running ? u->dp.done_fd : -1, .events = POLLIN },
		};
		enum nf_phase ph = u->nf.phase;
		bool waiting = ph == NF_WAIT_INITWAIT || ph == NF_WAIT_CONNECTED || ph == NF_CLOSING;
		long left = deadline - now_ms();
		char **ev;
		unsigned int num;

		if (ph == NF_CLOSED || ph == NF_FAILED)
			return ph == NF_FAILED ? 1 : exit_code;
		if (waiting && left <= 0) {
			if (ph == NF_CLOSING) {
				nf_log(&u->nf, "backend did not close within %d s; revoking anyway",
				       CLOSE_TIMEOUT_MS / 1000);
				u->nf.phase = NF_CLOSED;
				continue;
			}
			nf_log(&u->nf, "backend %s did not reach %s within %ld s (it is %s)", u->nf.be_dir,
			       ph == NF_WAIT_INITWAIT ? "InitWait" : "Connected", u->timeout_ms / 1000,
			       xenbus_state_name(u->nf.be_state));
			return 1;
		}
		if (poll(pfd, 3, waiting ? (int)left : 1000) < 0 && errno != EINTR)
			return 1;
		refresh_xsk_stats(u);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && ph != NF_CLOSING) {
				if (u->dp.running)
					stop_traffic(u);
				netfront_close(&u->nf);
				deadline = now_ms() + CLOSE_TIMEOUT_MS;
			}
		}
		if (pfd[2].revents & POLLIN) {
			nf_log(&u->nf, "backend is broken: %s; shutting down", u->nf.q.broken_why);
			stop_traffic(u);
			netfront_close(&u->nf);
			deadline = now_ms() + CLOSE_TIMEOUT_MS;
			exit_code = 1;
		}
		while ((ev = p->ops->xs_read_watch(p, &num)) != NULL) {
			free(ev);
			netfront_backend_changed(&u->nf);
		}
		if (u->nf.phase == last) {
			if (u->nf.be_state != u->rs.be_state)
				save_state(u);
			continue;
		}
		if (u->nf.phase == NF_CONNECTED) {
			on_connected(u);
		} else if (u->nf.phase == NF_LOST) {
			stop_traffic(u);
			netfront_finish(&u->nf);
			netfront_start(&u->nf);       /* and wait for the backend again */
		}
		/* every wait gets the whole timeout, however it was entered (also
		 * through NF_LOST, which goes straight on to a wait) */
		if (u->nf.phase == NF_WAIT_CONNECTED || u->nf.phase == NF_WAIT_INITWAIT)
			deadline = now_ms() + u->timeout_ms;
		last = u->nf.phase;
		save_state(u);
	}
}

int cmd_up(int argc, char **argv)
{
	struct up u = { 0 };
	sigset_t mask;
	int sigfd = -1, ret = 1;

	u.dp.stop_fd = u.dp.done_fd = -1;
	ret = parse(&u, argc, argv);
	if (ret)
		return ret;
	ret = 1;
	if (check_leftovers(u.ifname) < 0)
		return 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	u.plat = u.sim ? plat_sim_open(u.sim) : plat_xen_open();
	if (!u.plat || sigfd < 0)
		goto out;
	if (netfront_probe(&u.nf, u.plat, u.vif, u.ifname) < 0)
		goto out;
	u.stats = runfile_map_stats(u.ifname, 1);
	if (u.stats)
		u.nf.q.st = &u.stats->q[0];
	if (open_port(&u) < 0)
		goto out;
	{
		char path[XS_PATH_MAX];

		if (path_join(path, sizeof(path), u.nf.be_dir, "state") < 0 ||
		    !u.plat->ops->xs_watch(u.plat, path, "backend-state")) {
			nf_log(&u.nf, "can't watch %s/state, err %d", u.nf.be_dir, errno);
			goto out;
		}
	}
	save_state(&u);
	if (netfront_start(&u.nf) == 0)
		ret = event_loop(&u, sigfd);
	if (u.dp.running)
		stop_traffic(&u);
	refresh_xsk_stats(&u);
	netfront_finish(&u.nf);
	print_stats(&u);
out:
	if (u.port_open)
		xdp_port_close(&u.port);
	runfile_unmap_stats(u.stats);
	if (u.stats || u.port_open)
		runfile_remove(u.ifname);
	plat_close(u.plat);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
