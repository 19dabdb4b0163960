/* SPDX-License-Identifier: MIT */
/* xennet-xdp up: connect a vif and carry its traffic until told to stop. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_xdp.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "cli/config.h"
#include "cli/keeper.h"
#include "cli/stale.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/mac.h"
#include "port/datapath.h"
#include "port/veth.h"
#include "port/xdp_port.h"
#include "state/lock.h"
#include "state/runfile.h"
#include "xen/netfront.h"
#include "xen/xenbus_dev.h"
#include "xen/xenbus_state.h"

#define CLOSE_TIMEOUT_MS 5000
#define SETTLE_TIMEOUT_MS 10000   /* a taken-over backend has this long to settle */
#define STALL_SECONDS 5           /* a datapath thread stuck this long is reported */

struct up {
	const char *sim, *netns;
	char ifname[16], peer[16];
	unsigned int vif;
	bool busy, takeover, no_offload;
	int zerocopy;                  /* 1 --zerocopy, 0 --copy, -1 default (copy) */
	bool trust_backend;
	struct nq_zc zc[NF_MAX_QUEUES];
	bool zc_shared;              /* zero-copy: the UMEM is shared now */
	unsigned int zc_share_fails; /* zero-copy: tries that failed in a row */
	long timeout_ms;
	unsigned int umem_frames, queues;
	struct plat *plat;
	struct netfront nf;
	struct xdp_port port;
	bool port_open;
	struct datapath dp[NF_MAX_QUEUES];
	struct xennet_stats_file *stats;
	struct runstate rs;
	int if_lock, vif_lock;
	char if_lock_name[64], vif_lock_name[160];
	char took_over[32];
	unsigned int dp_stuck_s[NF_MAX_QUEUES];   /* seconds each datapath thread was seen stuck */
};

static const char *phase_name(enum nf_phase p)
{
	static const char *const n[] = { "idle", "wait-closed", "wait-initwait", "wait-connected",
					 "connected", "closing", "closed", "failed" };
	return p <= NF_FAILED ? n[p] : "?";
}

/* The state the frontend has said in XenStore, by phase. */
static int fe_state_of(enum nf_phase p)
{
	switch (p) {
	case NF_IDLE: case NF_WAIT_INITWAIT: return XenbusStateInitialising;
	case NF_WAIT_CONNECTED: case NF_CONNECTED: return XenbusStateConnected;
	case NF_CLOSING: return XenbusStateClosing;
	case NF_WAIT_CLOSED: case NF_CLOSED: case NF_FAILED: return XenbusStateClosed;
	}
	return -1;
}

static void save_state(struct up *u)
{
	struct runstate *rs = &u->rs;
	const struct netfront *nf = &u->nf;

	rs->pid = getpid();
	rs->vif = u->vif;
	snprintf(rs->sim, sizeof(rs->sim), "%s", u->sim ? u->sim : "");
	snprintf(rs->netns, sizeof(rs->netns), "%s", u->netns ? u->netns : "");
	snprintf(rs->backend, sizeof(rs->backend), "%s", nf->be_dir);
	snprintf(rs->phase, sizeof(rs->phase), "%s", phase_name(nf->phase));
	snprintf(rs->poll, sizeof(rs->poll), "%s", u->busy ? "busy" : "interrupt");
	rs->evtchn = nf->nq ? nf->q[0].evtchn : -1;
	rs->channels[0] = '\0';
	for (unsigned int i = 0, n = 0; i < nf->nq; i++) {
		int w = snprintf(rs->channels + n, sizeof(rs->channels) - n, nf->q[i].evtchn_rx >= 0 ?
				 "%s%d,%d" : "%s%d", n ? " " : "", nf->q[i].evtchn, nf->q[i].evtchn_rx);

		if (w < 0 || (size_t)w >= sizeof(rs->channels) - n)
			break;
		n += (unsigned int)w;
	}
	rs->be_domid = nf->be_domid;
	rs->domid = nf->domid >= 0 ? (unsigned int)nf->domid : 0;
	rs->mtu = nf->mtu;
	rs->be_state = nf->be_state;
	rs->fe_state = fe_state_of(nf->phase);
	mac_format(nf->mac, rs->mac);
	snprintf(rs->peer, sizeof(rs->peer), "%s", u->peer);
	/* what the frontend asks for and gets: netfront.c writes these keys */
	netfront_features(nf, rs->features, sizeof(rs->features));
	if (u->port_open && u->port.txmd && nf->feat.csum)
		strncat(rs->features, " guest-csum-partial", sizeof(rs->features) - strlen(rs->features) - 1);
	snprintf(rs->rx_mode, sizeof(rs->rx_mode), "%s", u->port.zc ? "zero-copy" : "copy");
	rs->queues = nf->nq ? nf->nq : u->port.nqueues;
	rs->umem_frames = u->umem_frames;
	rs->reconnects = nf->reconnects;
	rs->restores = nf->restores;
	snprintf(rs->took_over, sizeof(rs->took_over), "%s", u->took_over);
	runfile_write_state(u->ifname, rs);
	if (u->stats)
		__atomic_store_n(&u->stats->nqueues, nf->phase == NF_CONNECTED ? nf->nq : 0,
				 __ATOMIC_RELAXED);
}

struct up_cfg {
	unsigned long vif, timeout, umem_frames, queues;
	const char *ifname, *sim, *netns, *config;
	int poll;                   /* 0 interrupt, 1 busy */
	bool takeover, no_offload, zerocopy, copy, trust_backend;
};

/* What the option table gave, checked further, into u. */
static int configure(struct up *u, const struct up_cfg *c)
{
	if (c->zerocopy && c->copy)
		return cmd_usage_error("up", "--zerocopy and --copy exclude each other");
	if (c->netns && (strchr(c->netns, '/') || strlen(c->netns) >= 64))
		return cmd_usage_error("up", "--netns: '%s' is not a namespace name", c->netns);
	u->vif = (unsigned int)c->vif;
	u->sim = c->sim;
	u->netns = c->netns;
	u->busy = c->poll == 1;
	u->timeout_ms = (long)c->timeout * 1000;
	u->takeover = c->takeover;
	u->zerocopy = c->zerocopy ? 1 : c->copy ? 0 : -1;
	u->trust_backend = c->trust_backend;
	u->no_offload = c->no_offload;
	u->queues = c->queues == OPT_UNSET ? 0 : (unsigned int)c->queues;   /* 0: one per CPU */
	/* zero-copy shares the UMEM with the backend: fewer frames by default */
	u->umem_frames = c->umem_frames != OPT_UNSET ? (unsigned int)c->umem_frames : u->zerocopy == 1 ? 1024 : 4096;
	if (c->ifname)
		snprintf(u->ifname, sizeof(u->ifname), "%s", c->ifname);
	else if (snprintf(u->ifname, sizeof(u->ifname), "xennet%u", u->vif) > IFNAME_MAX)
		return cmd_usage_error("up", "--vif %u: pick a shorter --ifname", u->vif);
	ifname_peer(u->ifname, u->peer);
	return 0;
}

/* One instance per interface name and per vif, for the life of the process:
 * the locks are taken before anything of the name's is touched. */
static int claim(struct up *u)
{
	pid_t holder;

	runfile_if_lock(u->if_lock_name, sizeof(u->if_lock_name), u->ifname);
	u->if_lock = lock_take(u->if_lock_name);
	if (u->if_lock == -EWOULDBLOCK) {
		holder = lock_holder(u->if_lock_name);
		log_err(u->ifname, "already running as pid %ld; stop it with xennet-xdp down --ifname %s",
			(long)holder, u->ifname);
		return -1;
	}
	if (u->if_lock < 0) {
		log_err(u->ifname, "can't lock %s/%s.lock: %s", runfile_dir(), u->if_lock_name,
			strerror(-u->if_lock));
		return -1;
	}
	runfile_vif_lock_for(u->vif_lock_name, sizeof(u->vif_lock_name), u->sim, u->vif);
	u->vif_lock = lock_take(u->vif_lock_name);
	if (u->vif_lock == -EWOULDBLOCK) {
		holder = lock_holder(u->vif_lock_name);
		log_err(u->ifname, "vif %u is already driven by xennet-xdp (pid %ld)", u->vif, (long)holder);
		return -1;
	}
	if (u->vif_lock < 0) {
		log_err(u->ifname, "can't lock %s/%s.lock: %s", runfile_dir(), u->vif_lock_name,
			strerror(-u->vif_lock));
		return -1;
	}
	return 0;
}

/* The kernel's netfront may own the vif (every PV guest boots that way):
 * without --takeover say so and stop; with it, unbind the driver and wait
 * for the backend to settle (Closed, or InitWait again). */
static int take_over(struct up *u)
{
	char drv[32], kif[32];
	int r = xenbus_dev_driver(u->vif, drv, sizeof(drv));
	long end;

	if (u->sim || r <= 0)
		return 0;   /* the simulator, no such device here, or no driver bound */
	xenbus_dev_netif(u->vif, kif, sizeof(kif));
	if (!u->takeover) {
		log_err(u->ifname, "vif %u is in use by the kernel's %s driver%s%s%s; xennet-xdp up "
			"--takeover takes it over", u->vif, drv, kif[0] ? " (interface " : "", kif,
			kif[0] ? ")" : "");
		return -1;
	}
	log_notice(u->ifname, "taking vif %u over from the kernel's %s driver%s%s%s", u->vif, drv,
		   kif[0] ? " (interface " : "", kif, kif[0] ? ")" : "");
	r = xenbus_dev_unbind(u->vif);
	if (r < 0) {
		log_err(u->ifname, "can't unbind vif-%u from %s: %s", u->vif, drv, strerror(-r));
		return -1;
	}
	snprintf(u->took_over, sizeof(u->took_over), "%s", drv);
	for (end = now_ms() + SETTLE_TIMEOUT_MS; now_ms() < end;) {
		int be = xb_read_state(u->plat, u->nf.be_dir);

		if (xenbus_dev_driver(u->vif, drv, sizeof(drv)) == 0 &&
		    be != XenbusStateConnected && be != XenbusStateClosing)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
	}
	log_warn(u->ifname, "backend %s did not settle within %d s after the unbind; going on",
		 u->nf.be_dir, SETTLE_TIMEOUT_MS / 1000);
	return 0;
}

/* How many queues to ask for: --queues, else one per online CPU; at most
 * what the backend offers now (it may offer fewer after a restart: the
 * guest interface then uses only the connected ones). */
static unsigned int queues_wanted(struct up *u)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long max = 1;
	unsigned int n = u->queues ? u->queues : cpus > 0 ? (unsigned int)cpus : 1;

	if (xk_read_uint(u->plat, XBT_NULL, u->nf.be_dir, "multi-queue-max-queues", 4096, &max) < 0 || !max)
		max = 1;
	if (n > max)
		n = (unsigned int)max;
	return n > NF_MAX_QUEUES ? NF_MAX_QUEUES : n;
}

/* Zero-copy: each queue's UMEM is pages granted (writable) to the backend. */
static void *umem_alloc(void *ctx, uint32_t nframes, uint32_t *refs)
{
	struct up *u = ctx;

	return u->plat->ops->gnt_share(u->plat, u->nf.be_domid, nframes, refs, true);
}

static void umem_free(void *ctx, void *area, uint32_t nframes)
{
	struct up *u = ctx;

	u->plat->ops->gnt_unshare(u->plat, area, nframes);
}

/* The queues' zero-copy descriptions, for the UMEMs the port has now. */
static void zc_describe(struct up *u)
{
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		struct port_queue *pq = &u->port.q[i];

		u->zc[i] = (struct nq_zc){
			.area = pq->area, .refs = pq->refs, .nframes = pq->nframes, .ctx = pq,
			.rx_frame = xdp_port_zc_rx_frame, .give_back = xdp_port_zc_give_back,
		};
		u->nf.zc[i] = u->port.zc && i < u->port.nqueues ? &u->zc[i] : NULL;
	}
}

/* Zero-copy grants the backend every UMEM frame, its own traffic's and the
 * rest: only for a backend the toolstack calls trusted (or --trust-backend). */
static bool zerocopy_allowed(struct up *u)
{
	unsigned long trusted = 1;

	if (u->zerocopy != 1)
		return false;
	if (xk_read_uint(u->plat, XBT_NULL, u->nf.fe_dir, "trusted", 1, &trusted) == 0 && !trusted &&
	    !u->trust_backend) {
		nf_log(&u->nf, LOG_ERR, "the toolstack says the backend is not trusted (%s/trusted = 0): "
		       "zero-copy would let it see every frame in flight; use --copy, or "
		       "--trust-backend to override", u->nf.fe_dir);
		return false;
	}
	return true;
}

static int open_port(struct up *u)
{
	struct xdp_port_cfg cfg = {
		.ifname = u->ifname, .peer = u->peer, .netns = u->netns,
		.nqueues = queues_wanted(u), .nframes = u->umem_frames,
		.frame_size = XSK_UMEM__DEFAULT_FRAME_SIZE, .ring_size = 2048,
		.busy_poll = u->busy, .want_sg = true,
		/* not with zero-copy: the kernel (6.8+) wants TX metadata room
		 * before the data in its frame, and netback writes a packet at
		 * offset 0 of the granted page (every frame was an invalid
		 * descriptor in the real tier); checksums are then completed here.
		 * Asking netback for xdp-headroom would keep the offload. */
		.want_txmd = !u->no_offload && u->zerocopy != 1,
	};
	bool be_sg = netfront_backend_offers(&u->nf, "feature-sg");

	if (u->zerocopy == 1 && !zerocopy_allowed(u))
		return -1;
	if (u->zerocopy == 1) {
		cfg.umem_alloc = umem_alloc;
		cfg.umem_free = umem_free;
		cfg.umem_ctx = u;
	}
	memcpy(cfg.mac, u->nf.mac, 6);
	cfg.mtu = netfront_mtu(&u->nf, be_sg);
	if (cfg.mtu < u->nf.mtu_key)
		nf_log(&u->nf, LOG_WARNING, "mtu %u needs scatter-gather, which the backend does not offer; "
		       "using %u", u->nf.mtu_key, cfg.mtu);
	if (xdp_port_open(&u->port, &cfg) < 0) {
		if (cfg.umem_alloc)
			nf_log(&u->nf, LOG_ERR, "zero-copy needs %u granted pages per queue (gntalloc's limit: "
			       "/sys/module/xen_gntalloc/parameters/limit); --copy needs none of them",
			       cfg.nframes);
		return -1;
	}
	if (cfg.mtu > cfg.frame_size - XSK_TX_HEADROOM - 256 && !u->port.sg) {
		/* a frame larger than a UMEM frame needs multi-buffer AF_XDP */
		xdp_port_close(&u->port);
		cfg.mtu = NF_DEFAULT_MTU;
		nf_log(&u->nf, LOG_WARNING, "mtu %u needs multi-buffer AF_XDP (XDP_USE_SG, Linux 6.6), which "
		       "this kernel lacks; using %u", u->nf.mtu_key, cfg.mtu);
		if (xdp_port_open(&u->port, &cfg) < 0)
			return -1;
	}
	u->port_open = true;
	u->zc_shared = u->port.zc;
	u->nf.mtu = cfg.mtu;
	nf_log(&u->nf, LOG_INFO, "%s: %u UMEM frames a queue%s", u->port.zc ? "zero-copy" : "copy mode",
	       cfg.nframes, u->port.zc ? ", granted to the backend for the connection's life" : "");
	u->nf.want = (struct nf_want){
		.queues = cfg.nqueues, .sg = u->port.sg, .csum = !u->no_offload,
		.gso = !u->no_offload && u->port.sg,
	};
	zc_describe(u);
	return 0;
}

/* Zero-copy: the UMEM is granted only while a connection may use it.  A
 * lost connection, or a guest that moved (its grants dead with the old
 * grant table, the backend perhaps in another domain), gives it back; the
 * next connect shares a new one with the backend of then. */
static void zc_unshare(void *ctx)
{
	struct up *u = ctx;

	if (!u->port.zc || !u->zc_shared)
		return;
	xdp_port_close_queues(&u->port);
	u->zc_shared = false;
	zc_describe(u);
}

static int zc_share(void *ctx)
{
	struct up *u = ctx;
	int err;

	if (!u->port.zc || u->zc_shared)
		return 0;
	/* a failure is said once (the socket's own line, then this one), not
	 * at every try */
	err = xdp_port_open_queues(&u->port, u->zc_share_fails > 0);
	if (err < 0) {
		if (!u->zc_share_fails++)
			nf_log(&u->nf, LOG_WARNING, "can't share the UMEM with domain %u again: %s; "
			       "trying again each second", u->nf.be_domid, strerror(-err));
		xdp_port_close_queues(&u->port);
	}
	zc_describe(u);
	if (err < 0)
		return err;
	if (u->zc_share_fails)
		nf_log(&u->nf, LOG_NOTICE, "shared the UMEM with domain %u again, at try %u", u->nf.be_domid,
		       u->zc_share_fails + 1);
	u->zc_share_fails = 0;
	u->zc_shared = true;
	return 0;
}

static void traffic_off(void *ctx);

static int traffic_on(void *ctx)
{
	struct up *u = ctx;
	struct netfront *nf = &u->nf;
	int err;

	if (nf->nq > u->port.nqueues) {
		nf_log(nf, LOG_ERR, "the backend gave %u queues, the guest side has %u", nf->nq,
		       u->port.nqueues);
		return -1;
	}
	/* the guest's stack sends only on queues with a datapath behind them */
	err = veth_set_queues(u->ifname, u->netns, nf->nq);
	if (err < 0 && nf->nq < u->port.nqueues)
		nf_log(nf, LOG_WARNING, "can't limit %s to %u queues: %s", u->ifname, nf->nq, strerror(-err));
	for (unsigned int i = 0; i < nf->nq; i++) {
		err = datapath_start(&u->dp[i], i, &nf->q[i], &u->port, u->busy);
		if (err < 0) {
			nf_log(nf, LOG_ERR, "can't start the datapath: %s", strerror(-err));
			traffic_off(u);
			return -1;
		}
		u->dp_stuck_s[i] = 0;
	}
	xdp_port_set_carrier(&u->port, true);
	nf_log(nf, LOG_INFO, "connected to backend domain %u, %u queue%s, %s poll", nf->be_domid, nf->nq,
	       nf->nq == 1 ? "" : "s", u->busy ? "busy" : "interrupt");
	sd_notifyf(0, "READY=1\nSTATUS=connected to backend domain %u", nf->be_domid);
	return 0;
}

static bool any_running(const struct up *u)
{
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
		if (u->dp[i].running)
			return true;
	return false;
}

static void traffic_off(void *ctx)
{
	struct up *u = ctx;

	if (!any_running(u))
		return;
	xdp_port_set_carrier(&u->port, false);
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
		datapath_stop(&u->dp[i]);
	sd_notify(0, "STATUS=disconnected");
}

static void print_stats(struct up *u)
{
	struct xennet_queue_stats sum = { 0 }, *s = &sum;

	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		const uint64_t *a = (const uint64_t *)u->nf.st[i];
		uint64_t *b = (uint64_t *)&sum;

		for (size_t k = 0; k < sizeof(sum) / sizeof(uint64_t); k++)
			b[k] += a[k];
	}
	nf_log(&u->nf, LOG_INFO, "rx %llu packets %llu bytes %llu dropped %llu errors %llu invalid; "
	       "tx %llu packets %llu bytes %llu dropped %llu errors %llu invalid",
	       (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
	       (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
	       (unsigned long long)s->rx_invalid, (unsigned long long)s->tx_packets,
	       (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped,
	       (unsigned long long)s->tx_errors, (unsigned long long)s->tx_invalid);
}

/* The kernel's counters for each XSK, into the stats file. */
static void refresh_xsk_stats(struct up *u)
{
	for (unsigned int i = 0; u->port_open && i < u->port.nqueues; i++) {
		struct xdp_statistics xs;
		socklen_t len = sizeof(xs);
		struct xennet_queue_stats *s = u->nf.st[i];

		if (getsockopt(u->port.q[i].xsk.fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
			continue;
		s->xsk_rx_dropped = xs.rx_dropped;
		s->xsk_rx_invalid = xs.rx_invalid_descs;
		s->xsk_rx_ring_full = xs.rx_ring_full;
		s->xsk_fill_empty = xs.rx_fill_ring_empty_descs;
		s->xsk_tx_invalid = xs.tx_invalid_descs;
		s->xsk_tx_ring_empty = xs.tx_ring_empty_descs;
	}
}

/* Is each datapath thread still going?  Gone or in uninterruptible sleep
 * for STALL_SECONDS rounds of this check (once a second): say so once, and
 * let the stats file tell readers (status never shows a dead datapath as
 * carrying traffic). */
static void check_datapath(struct up *u)
{
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		struct datapath *dp = &u->dp[i];
		pid_t tid = __atomic_load_n(&dp->tid, __ATOMIC_ACQUIRE);
		char path[64], buf[256], *p;
		bool stuck;
		FILE *f;

		if (!dp->running || tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
		f = fopen(path, "re");
		if (!f || !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')) || p[1] != ' ')
			stuck = true;   /* the thread is gone */
		else
			stuck = p[2] == 'D' || p[2] == 'Z' || p[2] == 'X';
		if (f)
			fclose(f);
		u->dp_stuck_s[i] = stuck ? u->dp_stuck_s[i] + 1 : 0;
		if (u->dp_stuck_s[i] == STALL_SECONDS) {
			nf_log(&u->nf, LOG_ERR, "the datapath thread of queue %u has made no progress for %d s",
			       i, STALL_SECONDS);
			if (u->stats)
				__atomic_store_n(&u->stats->stalled, 1, __ATOMIC_RELAXED);
		}
	}
}

/* Wait for watch events, signals, a broken datapath, or a deadline. */
static int event_loop(struct up *u, int sigfd)
{
	struct plat *p = u->plat;
	struct netfront *nf = &u->nf;
	long first_deadline = now_ms() + u->timeout_ms, close_deadline = 0;
	unsigned int attempts = 0;   /* the first connect's handshakes the backend failed */
	enum nf_phase wait_phase = nf->phase;
	int exit_code = 0;
	const char *why = NULL;
	/* what the state file says: written again when any of it changes */
	struct { enum nf_phase phase; int be_state; unsigned int reconnects, restores; } last = {
		nf->phase, nf->be_state, nf->reconnects, nf->restores,
	};
	bool said_waiting = false;

	for (;;) {
		struct pollfd pfd[2 + NF_MAX_QUEUES] = {
			{ .fd = p->ops->xs_fd(p), .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		bool broke = false;
		enum nf_phase ph = nf->phase;
		char **ev;
		unsigned int num;
		long now;

		if (ph == NF_CLOSED || ph == NF_FAILED)
			return ph == NF_FAILED ? 1 : exit_code;
		for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
			pfd[2 + i] = (struct pollfd){ .fd = u->dp[i].running ? u->dp[i].done_fd : -1,
						      .events = POLLIN };
		if (poll(pfd, 2 + NF_MAX_QUEUES, 1000) < 0 && errno != EINTR)
			return 1;
		now = now_ms();
		if (u->stats)
			__atomic_store_n(&u->stats->heartbeat_ns, (uint64_t)now * 1000000, __ATOMIC_RELAXED);
		refresh_xsk_stats(u);
		check_datapath(u);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && !close_deadline) {
				sd_notify(0, "STOPPING=1");
				netfront_close(nf);
				close_deadline = now + CLOSE_TIMEOUT_MS;
			}
		}
		for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
			if (pfd[2 + i].revents & POLLIN && !broke) {
				broke = true;
				why = nf->q[i].broken_why;
			}
		if (broke && !close_deadline) {
			nf_log(nf, LOG_ERR, "backend is broken: %s; shutting down", why ? why : "?");
			netfront_close(nf);
			close_deadline = now + CLOSE_TIMEOUT_MS;
			exit_code = 1;
		}
		while ((ev = p->ops->xs_read_watch(p, &num)) != NULL)
			free(ev);
		netfront_event(nf, now);
		if (close_deadline && nf->phase == NF_CLOSING && now >= close_deadline) {
			nf_log(nf, LOG_WARNING, "backend did not close within %d s; revoking anyway",
			       CLOSE_TIMEOUT_MS / 1000);
			nf->phase = NF_CLOSED;
		}
		if (nf->attempts != attempts) {   /* a new handshake: its own --timeout */
			attempts = nf->attempts;
			first_deadline = now + NF_WAIT_CLOSED_MS + u->timeout_ms;
		}
		/* --timeout is for each step: waiting for Connected starts once
		 * our keys are written, however long setting up the rings, the
		 * XSKs and the transaction took (seconds on a loaded guest: the
		 * real tier once timed out 0.3 s before the backend connected) */
		if (nf->phase != wait_phase) {
			if (nf->phase == NF_WAIT_CONNECTED)
				first_deadline = now_ms() + u->timeout_ms;
			wait_phase = nf->phase;
		}
		/* --timeout bounds the first connect only: a backend that went
		 * away later may stay away as long as it likes */
		if (!nf->ever_connected && !close_deadline && now >= first_deadline &&
		    (nf->phase == NF_WAIT_INITWAIT || nf->phase == NF_WAIT_CONNECTED)) {
			if (nf->phase == NF_WAIT_INITWAIT && nf->be_state == XenbusStateInitWait)
				nf_log(nf, LOG_ERR, "could not connect to backend %s within %ld s", nf->be_dir,
				       u->timeout_ms / 1000);   /* (the reason said above) */
			else
				nf_log(nf, LOG_ERR, "backend %s did not reach %s within %ld s (it is %s)", nf->be_dir,
				       nf->phase == NF_WAIT_INITWAIT ? "InitWait" : "Connected",
				       u->timeout_ms / 1000, xenbus_state_name(nf->be_state));
			return 1;
		}
		if ((nf->phase == NF_WAIT_INITWAIT || nf->phase == NF_WAIT_CLOSED) && !said_waiting &&
		    nf->be_state != XenbusStateInitWait) {
			nf_log(nf, LOG_INFO, "waiting for backend %s (it is %s)", nf->be_dir,
			       xenbus_state_name(nf->be_state));
			sd_notifyf(0, "STATUS=waiting for backend %s", nf->be_dir);
			said_waiting = true;
		}
		if (nf->phase == NF_CONNECTED)
			said_waiting = false;
		if (nf->phase != last.phase || nf->be_state != last.be_state ||
		    nf->reconnects != last.reconnects || nf->restores != last.restores) {
			last.phase = nf->phase;
			last.be_state = nf->be_state;
			last.reconnects = nf->reconnects;
			last.restores = nf->restores;
			save_state(u);
		}
	}
}

static void close_lock(int *fd, const char *name)
{
	if (*fd >= 0)
		lock_release(name, *fd);
	*fd = -1;
}

static int run(void *cfg)
{
	struct up u = { .if_lock = -1, .vif_lock = -1 };
	struct up_config *conf = NULL;
	const char *conf_path = ((struct up_cfg *)cfg)->config;
	sigset_t mask;
	int sigfd = -1, ret;

	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
		u.dp[i].stop_fd = u.dp[i].done_fd = -1;
	ret = conf_path ? config_load(conf_path, &cmd_up_def, cfg, &conf) : 0;
	if (!ret)
		ret = configure(&u, cfg);
	if (ret) {
		config_free(conf);
		return ret;
	}
	ret = 1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sigfd < 0 || claim(&u) < 0)
		goto out;
	/* holding the name's lock: whatever a dead instance left is ours to clear */
	stale_cleanup(u.ifname);
	u.plat = u.sim ? plat_sim_open(u.sim) : plat_xen_open();
	if (!u.plat)
		goto out;
	if (netfront_probe(&u.nf, u.plat, u.vif, u.ifname) < 0 || take_over(&u) < 0)
		goto out;
	u.stats = runfile_map_stats(u.ifname, 1);
	for (unsigned int i = 0; u.stats && i < NF_MAX_QUEUES; i++)
		u.nf.st[i] = &u.stats->q[i];
	if (open_port(&u) < 0)
		goto out;
	save_state(&u);   /* the config's filter commands find the instance by it */
	if (config_apply(conf, u.ifname) < 0)
		goto out;
	{
		char stale[256];

		netfront_stale_keys(&u.nf, stale, sizeof(stale));
		if (stale[0])
			nf_log(&u.nf, LOG_INFO, "removing what a previous frontend left in %s: %s",
			       u.nf.fe_dir, stale);
	}
	u.nf.hooks = (struct nf_hooks){ .ctx = &u, .traffic_on = traffic_on, .traffic_off = traffic_off,
					.unshare = zc_unshare, .share = zc_share };
	if (netfront_watch(&u.nf) < 0)
		goto out;
	save_state(&u);
	if (netfront_start(&u.nf) == 0)
		ret = event_loop(&u, sigfd);
	refresh_xsk_stats(&u);
	netfront_finish(&u.nf);
	print_stats(&u);
out:
	if (u.port_open)
		xdp_port_close(&u.port);
	runfile_unmap_stats(u.stats);
	if (u.if_lock >= 0)
		runfile_remove(u.ifname);
	if (u.plat)
		keeper_spawn(u.plat);
	plat_close(u.plat);
	if (sigfd >= 0)
		close(sigfd);
	close_lock(&u.vif_lock, u.vif_lock_name);
	close_lock(&u.if_lock, u.if_lock_name);
	config_free(conf);
	return ret;
}

static const char *const polls[] = { "interrupt", "busy", NULL };

#define O(f) offsetof(struct up_cfg, f)
static const struct opt opts[] = {
	OPT("vif", 0, OPT_UINT, O(vif), "N", "the vif to connect: device/vif/N in XenStore", .dflt = "0",
	    .max = 65535),
	OPT("ifname", 'i', OPT_IFNAME, O(ifname), "NAME", "the guest's interface, 1-13 of A-Z a-z 0-9 _ . - "
	    "(default xennet<N>); its peer is NAME-p"),
	OPT("takeover", 0, OPT_FLAG, O(takeover), NULL, "take the vif over from the kernel's xen-netfront "
	    "(unbind it, clear what it left in XenStore)"),
	OPT("sim", 0, OPT_STRING, O(sim), "SOCKET", "use the simulated backend serving SOCKET (xennet-simback) "
	    "instead of Xen", .comp = COMP_FILE),
	OPT("netns", 0, OPT_NETNS, O(netns), "NS", "create the guest's interface in network namespace NS "
	    "(ip netns)", .comp = COMP_NETNS),
	OPT("poll", 0, OPT_CHOICE, O(poll), "MODE", "interrupt: sleep in poll() on the event channel and "
	    "the XSK (under load, up to 20 us after the last packet); busy: spin on the rings, never sleep", .dflt = "interrupt", .choices = polls),
	OPT("timeout", 0, OPT_UINT, O(timeout), "S", "seconds to wait for the backend at each step of the "
	    "handshake", .dflt = "10", .min = 1, .max = 3600),
	OPT("umem-frames", 0, OPT_UINT, O(umem_frames), "N", "UMEM frames per queue, a power of two (default "
	    "4096; 1024 with --zerocopy)", .min = 64, .max = 65536, .flags = OPT_POW2),
	OPT("queues", 0, OPT_UINT, O(queues), "N", "queues to ask for, at most the backend's "
	    "multi-queue-max-queues (default: one per online CPU)", .min = 1, .max = NF_MAX_QUEUES),
	OPT("no-offload", 0, OPT_FLAG, O(no_offload), NULL, "negotiate no checksum offload and no GSO "
	    "(scatter-gather stays)"),
	OPT("zerocopy", 0, OPT_FLAG, O(zerocopy), NULL, "UMEM frames are the granted pages: no copy in "
	    "userspace; only with a trusted backend (its XenStore trusted key, or --trust-backend)"),
	OPT("copy", 0, OPT_FLAG, O(copy), NULL, "copy between grant pages and UMEM (the default): the "
	    "backend sees only the pages of its own traffic"),
	OPT("trust-backend", 0, OPT_FLAG, O(trust_backend), NULL, "trust the backend with zero-copy even "
	    "where the toolstack did not mark it trusted"),
	OPT("config", 0, OPT_STRING, O(config), "FILE", "read these options, and the filters to attach with "
	    "their rules, from FILE (see CONFIGURATION in the man page); the command line's options win",
	    .flags = OPT_NOCONF, .comp = COMP_FILE),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_up_def = OPT_CMD(
	"up", "Connect a vif and carry its traffic until told to stop.",
	"up takes device/vif/N from XenStore, reads its backend and MAC, requires feature-rx-copy, shares "
	"the rings and buffers, and goes Connected; it creates the guest's interface (MAC from XenStore, MTU "
	"from the optional mtu key, default 1500) and its peer, which only xennet-xdp uses. The carrier of "
	"the interface is up only while the backend is Connected. It runs in the foreground until SIGINT or "
	"SIGTERM, then goes Closing and Closed and revokes every grant. If the backend leaves Connected, it "
	"lets go of everything and waits for the backend to come back; after the guest is restored or "
	"migrated, it connects again to the backend it finds. One process owns one vif and one interface "
	"name (locks in the run directory, held for its life).\n"
	"\n"
	"On real Xen it needs the xen-evtchn and xen-gntalloc modules (/dev/xen/{xenbus,evtchn,gntalloc}).",
	opts, sizeof(struct up_cfg), run);
