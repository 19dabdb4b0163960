/* SPDX-License-Identifier: MIT */
/*
 * The simulated netback: the toolstack's nodes, the backend half of the
 * xenbus handshake (as Linux xen-netback plays it), and the rings served
 * against a TAP device through checked grant accesses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "simback.h"
#include "common/parse.h"

#define PAGE 4096u
#define BUDGET 64u

static int put(struct simnet *n, const char *dir, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int put(struct simnet *n, const char *dir, const char *key, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (path_join(path, sizeof(path), dir, key) < 0 || len < 0)
		return EINVAL;
	return xs_store_write(n->st, 0, path, val, (unsigned int)len);
}

static char *get(struct simnet *n, const char *dir, const char *key)
{
	char path[256], *val = NULL;
	unsigned int len;

	if (path_join(path, sizeof(path), dir, key) < 0 ||
	    xs_store_read(n->st, 0, path, &val, &len) != 0)
		return NULL;
	if (strlen(val) != len) {
		free(val);
		return NULL;
	}
	return val;
}

static int get_uint(struct simnet *n, const char *dir, const char *key, unsigned long max,
		    unsigned long *out)
{
	char *v = get(n, dir, key);
	int ret = v ? parse_uint(v, max, out) : -1;

	free(v);
	return ret;
}

static void set_state(struct simnet *n, enum xenbus_state s)
{
	n->be_state = s;
	put(n, n->be_dir, "state", "%d", (int)s);
}

static void on_change(void *ctx, const char *path)
{
	struct simnet *n = ctx;
	size_t l = strlen(n->fe_dir);

	if (!strncmp(path, n->fe_dir, l) && (!path[l] || !strcmp(path + l, "/state")))
		n->fe_changed = true;
}

/* The load generator's frame (gen_frame.c): by default for another host's
 * MAC, so the guest's stack drops it early (the benchmark measures the path
 * to the stack, not the stack); with --gen-dst, for a UDP port of the
 * guest's (the benchmark's into-a-socket rows). */
static void build_gen_frame(struct simnet *n)
{
	gen_frame_build(n->gen_frame, sizeof(n->gen_frame), n->cfg.gen_size, &n->cfg.gen_dst);
}

/* What the kernel's netfront leaves in its directory when it is unbound
 * (as seen in the real tier): a frontend that takes the vif over must
 * clear it, or this backend refuses it by name (unsupported_request). */
static int put_stale_frontend(struct simnet *n)
{
	const char *fe = n->fe_dir;
	int err = 0;

	err = err ?: put(n, fe, "multi-queue-num-queues", "2");
	for (int q = 0; q < 2 && !err; q++) {
		char d[128];

		snprintf(d, sizeof(d), "%s/queue-%d", fe, q);
		err = err ?: put(n, d, "tx-ring-ref", "%d", 8 + 2 * q);
		err = err ?: put(n, d, "rx-ring-ref", "%d", 9 + 2 * q);
		err = err ?: put(n, d, "event-channel-tx", "%d", 15 + 2 * q);
		err = err ?: put(n, d, "event-channel-rx", "%d", 16 + 2 * q);
	}
	err = err ?: put(n, fe, "request-rx-copy", "1");
	err = err ?: put(n, fe, "feature-rx-notify", "1");
	err = err ?: put(n, fe, "feature-sg", "1");
	err = err ?: put(n, fe, "feature-gso-tcpv4", "1");
	err = err ?: put(n, fe, "feature-gso-tcpv6", "1");
	err = err ?: put(n, fe, "feature-ipv6-csum-offload", "1");
	err = err ?: put(n, fe, "xdp-headroom", "0");
	err = err ?: put(n, fe, "state", "%d", XenbusStateClosed);
	return err;
}

/* The toolstack's nodes for the vif of domain cfg.fe_domid, and the
 * backend's offers; the backend goes InitWait. */
static int populate(struct simnet *n)
{
	const struct simnet_cfg *cfg = &n->cfg;
	const char *fe, *be;
	char dom[64];
	int err = 0;

	snprintf(n->fe_dir, sizeof(n->fe_dir), "/local/domain/%u/device/vif/%u", cfg->fe_domid, cfg->vif);
	snprintf(n->be_dir, sizeof(n->be_dir), "/local/domain/%u/backend/vif/%u/%u", cfg->be_domid,
		 cfg->fe_domid, cfg->vif);
	snprintf(dom, sizeof(dom), "/local/domain/%u", cfg->fe_domid);
	fe = n->fe_dir;
	be = n->be_dir;
	/* What libxl (Xen 4.17) writes for a domain and its vif, frontend side
	 * then backend side, as seen in the real tier's xenstore dumps. */
	err = err ?: put(n, dom, "domid", "%u", cfg->fe_domid);
	err = err ?: put(n, fe, "backend", "%s", be);
	err = err ?: put(n, fe, "backend-id", "%u", cfg->be_domid);
	err = err ?: put(n, fe, "state", "%d", XenbusStateInitialising);
	err = err ?: put(n, fe, "handle", "%u", cfg->vif);
	if (cfg->mac)
		err = err ?: put(n, fe, "mac", "%s", cfg->mac);
	err = err ?: put(n, fe, "trusted", "1");
	if (cfg->mtu)
		err = err ?: put(n, fe, "mtu", "%u", cfg->mtu);
	err = err ?: put(n, be, "frontend", "%s", fe);
	err = err ?: put(n, be, "frontend-id", "%u", cfg->fe_domid);
	err = err ?: put(n, be, "online", "1");
	err = err ?: put(n, be, "state", "%d", XenbusStateInitialising);
	err = err ?: put(n, be, "script", "/etc/xen/scripts/vif-bridge");
	err = err ?: put(n, be, "mac", "%s", cfg->mac ? cfg->mac : "");
	err = err ?: put(n, be, "bridge", "xenbr0");
	err = err ?: put(n, be, "handle", "%u", cfg->vif);
	err = err ?: put(n, be, "type", "vif");
	err = err ?: put(n, be, "hotplug-status", "connected");
	/* What Linux xen-netback (6.12) advertises at probe, all of it, so that
	 * a frontend meets the same offers here as against the real one.  What
	 * the simulator does not implement it refuses at connect time, loudly
	 * (see unsupported_request()), rather than by hiding the offer. */
	err = err ?: put(n, be, "feature-sg", "1");
	err = err ?: put(n, be, "feature-gso-tcpv4", "1");
	err = err ?: put(n, be, "feature-gso-tcpv6", "1");
	err = err ?: put(n, be, "feature-ipv6-csum-offload", "1");
	err = err ?: put(n, be, "feature-rx-copy", "%d", cfg->rx_copy ? 1 : 0);
	err = err ?: put(n, be, "feature-xdp-headroom", "1");
	err = err ?: put(n, be, "feature-rx-flip", "%d", cfg->rx_copy ? 0 : 1);
	err = err ?: put(n, be, "feature-multicast-control", "1");
	err = err ?: put(n, be, "feature-dynamic-multicast-control", "1");
	err = err ?: put(n, be, "feature-split-event-channels", "1");
	err = err ?: put(n, be, "multi-queue-max-queues", "2");
	err = err ?: put(n, be, "feature-ctrl-ring", "1");
	if (cfg->stale_frontend)
		err = err ?: put_stale_frontend(n);
	if (err) {
		fprintf(stderr, "xennet-simback: can't populate xenstore: %s\n", strerror(err));
		return -1;
	}
	n->be_state = XenbusStateInitialising;
	if (cfg->stall != STALL_INITWAIT)
		set_state(n, XenbusStateInitWait);
	return 0;
}

int simnet_init(struct simnet *n, const struct simnet_cfg *cfg, struct xs_store *st,
		struct gnttab_back *gt, struct sim_evtchn *evt)
{
	int err;

	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	n->st = st;
	n->gt = gt;
	n->evt = evt;
	n->tap_fd = -1;
	if (cfg->gen_size)
		build_gen_frame(n);
	if (cfg->tap) {
		n->tap_fd = tap_open(cfg->tap, cfg->mtu ? cfg->mtu : 1500);
		if (n->tap_fd < 0) {
			fprintf(stderr, "xennet-simback: can't open tap %s: %s\n", cfg->tap, strerror(errno));
			return -1;
		}
	}
	err = xs_store_add_listener(st, on_change, n);
	if (err) {
		fprintf(stderr, "xennet-simback: can't listen to xenstore: %s\n", strerror(err));
		return -1;
	}
	return populate(n);
}

void simnet_disconnect(struct simnet *n)
{
	if (!n->connected)
		return;
	gnttab_back_unmap(n->gt, n->tx_ref, true);
	gnttab_back_unmap(n->gt, n->rx_ref, true);
	n->chan = NULL;
	n->connected = false;
	n->stats.disconnects++;
}

/* What netback does when its device goes away under a connected frontend
 * (driver unbound, vif detached): unmap, Closing, Closed.  The frontend is
 * expected to let go and start again; a new Initialising from it brings
 * this backend back to InitWait (simnet_handle_state).  Away: the same,
 * but the backend stays Closed, deaf to the frontend, until simnet_back. */
void simnet_restart(struct simnet *n)
{
	simnet_disconnect(n);
	set_state(n, XenbusStateClosing);
	set_state(n, XenbusStateClosed);
	n->stats.restarts++;
}

void simnet_away(struct simnet *n)
{
	n->away = true;
	simnet_restart(n);
}

void simnet_back(struct simnet *n)
{
	n->away = false;
	/* netback's probe on a rebind: it offers its features and waits */
	if (n->be_state == XenbusStateClosed && n->cfg.stall != STALL_INITWAIT)
		set_state(n, XenbusStateInitWait);
}

int simnet_set_gen(struct simnet *n, unsigned int size)
{
	if (size && (size < 60 || size > 1514))
		return -1;
	n->cfg.gen_size = size;
	if (size)
		build_gen_frame(n);
	return 0;
}

/* xl save + xl restore: the old domain is gone (its nodes, its backend
 * directory, the rings), the guest comes back as domain new_domid with a
 * fresh vif; the caller kills the old event channels and grants. */
int simnet_restore(struct simnet *n, uint16_t new_domid)
{
	char dom[64];

	simnet_disconnect(n);
	snprintf(dom, sizeof(dom), "/local/domain/%u", n->cfg.fe_domid);
	xs_store_rm(n->st, 0, dom);
	xs_store_rm(n->st, 0, n->be_dir);
	n->cfg.fe_domid = new_domid;
	n->cfg.stale_frontend = false;
	n->away = false;
	n->stats.restores++;
	return populate(n);
}

void simnet_fini(struct simnet *n)
{
	simnet_disconnect(n);
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	n->tap_fd = -1;
}

static struct sim_evtchn *find_chan(struct simnet *n, unsigned long port)
{
	for (int i = 0; i < SIM_MAX_EVTCHN; i++)
		if (n->evt[i].port && (unsigned long)n->evt[i].port == port)
			return &n->evt[i];
	return NULL;
}

/* A frontend request the simulator cannot honour (xen-netback would): name
 * it and refuse the connection, rather than carry traffic wrongly. */
static const char *unsupported_request(struct simnet *n)
{
	static const char *const keys[] = {
		"multi-queue-num-queues", "event-channel-tx", "event-channel-rx", "ctrl-ring-ref",
		"feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv6", "xdp-headroom",
	};
	unsigned long v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *s = get(n, n->fe_dir, keys[i]);
		bool used = s && !(parse_uint(s, UINT32_MAX, &v) == 0 &&
				   (v == 0 || (v == 1 && !strcmp(keys[i], "multi-queue-num-queues"))));

		free(s);
		if (used)
			return keys[i];
	}
	return NULL;
}

/* connect(): read what the frontend wrote, map its rings, bind its channel. */
static int connect_frontend(struct simnet *n)
{
	unsigned long tx_ref, rx_ref, port, copy = 0;
	struct netif_tx_sring *txs;
	struct netif_rx_sring *rxs;
	const char *what;

	if (get_uint(n, n->fe_dir, "tx-ring-ref", UINT32_MAX, &tx_ref) < 0 ||
	    get_uint(n, n->fe_dir, "rx-ring-ref", UINT32_MAX, &rx_ref) < 0 ||
	    get_uint(n, n->fe_dir, "event-channel", UINT32_MAX, &port) < 0) {
		fprintf(stderr, "xennet-simback: frontend keys missing or malformed in %s\n", n->fe_dir);
		return -1;
	}
	if ((what = unsupported_request(n))) {
		fprintf(stderr, "xennet-simback: frontend set %s/%s, which xen-netback supports "
			"but this simulator does not\n", n->fe_dir, what);
		return -1;
	}
	get_uint(n, n->fe_dir, "request-rx-copy", 1, &copy);
	if (!copy) {
		fprintf(stderr, "xennet-simback: frontend did not request rx-copy\n");
		return -1;
	}
	n->chan = find_chan(n, port);
	if (!n->chan) {
		fprintf(stderr, "xennet-simback: event channel %lu is not bound\n", port);
		return -1;
	}
	txs = (void *)gnttab_back_map(n->gt, (uint32_t)tx_ref, true);
	rxs = txs ? (void *)gnttab_back_map(n->gt, (uint32_t)rx_ref, true) : NULL;
	if (!rxs) {
		if (txs)
			gnttab_back_unmap(n->gt, (uint32_t)tx_ref, true);
		fprintf(stderr, "xennet-simback: can't map rings (refs %lu, %lu)\n", tx_ref, rx_ref);
		n->chan = NULL;
		return -1;
	}
	n->tx_ref = (uint32_t)tx_ref;
	n->rx_ref = (uint32_t)rx_ref;
	BACK_RING_INIT(&n->tx, txs, PAGE);
	BACK_RING_INIT(&n->rx, rxs, PAGE);
	n->connected = true;
	n->stats.connects++;
	return 0;
}

void simnet_handle_state(struct simnet *n)
{
	unsigned long fe;

	if (!n->fe_changed)
		return;
	n->fe_changed = false;
	if (get_uint(n, n->fe_dir, "state", XenbusStateReconfigured, &fe) < 0)
		return;
	switch (fe) {
	case XenbusStateInitialising:
		/* netback's set_backend_state: from Connected it goes down
		 * through Closing and Closed before it waits again */
		if (n->be_state == XenbusStateConnected || n->be_state == XenbusStateClosing) {
			simnet_disconnect(n);
			set_state(n, XenbusStateClosing);
			set_state(n, XenbusStateClosed);
		}
		if (n->be_state == XenbusStateClosed && !n->away && n->cfg.stall != STALL_INITWAIT)
			set_state(n, XenbusStateInitWait);   /* prepare for reconnect */
		break;
	case XenbusStateConnected:
		if (n->be_state != XenbusStateInitWait || n->cfg.stall == STALL_CONNECTED || n->away)
			break;
		if (connect_frontend(n) < 0)
			set_state(n, XenbusStateClosing);
		else
			set_state(n, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		simnet_disconnect(n);
		set_state(n, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		simnet_disconnect(n);
		set_state(n, XenbusStateClosed);
		break;
	default:
		break;
	}
}

static void notify(struct simnet *n)
{
	uint64_t one = 1;

	if (n->chan && write(n->chan->to_front, &one, sizeof(one)) == sizeof(one))
		n->stats.notifies++;
}

/* Frontend TX requests: from the granted page to the wire. */
static unsigned int serve_tx(struct simnet *n)
{
	RING_IDX cons = n->tx.req_cons, prod = n->tx.sring->req_prod;
	unsigned int done = 0;
	int need;

	xen_rmb();
	if (prod - cons > RING_SIZE(&n->tx))   /* a frontend lying about req_prod */
		prod = cons + RING_SIZE(&n->tx);
	while (cons != prod && done < BUDGET && !RING_REQUEST_PROD_OVERFLOW(&n->tx, cons)) {
		netif_tx_request_t req;
		netif_tx_response_t *rsp;
		int8_t status = NETIF_RSP_OKAY;
		uint8_t *page;

		memcpy(&req, RING_GET_REQUEST(&n->tx, cons), sizeof(req));
		cons++;
		done++;
		if (req.size < 14 || (uint32_t)req.offset + req.size > PAGE || (req.flags & NETTXF_more_data)) {
			status = NETIF_RSP_ERROR;
		} else if (!(page = gnttab_back_map(n->gt, req.gref, false))) {
			status = NETIF_RSP_ERROR;
		} else {
			if (n->tap_fd >= 0 && write(n->tap_fd, page + req.offset, req.size) < 0)
				status = NETIF_RSP_DROPPED;
			gnttab_back_unmap(n->gt, req.gref, false);
		}
		if (status == NETIF_RSP_OKAY) {
			n->stats.tx_packets++;
			n->stats.tx_bytes += req.size;
		} else {
			n->stats.tx_bad++;
		}
		rsp = RING_GET_RESPONSE(&n->tx, n->tx.rsp_prod_pvt);
		rsp->id = req.id;
		rsp->status = status;
		n->tx.rsp_prod_pvt++;
	}
	n->tx.req_cons = cons;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->tx, need);
	if (need)
		notify(n);
	return done;
}

/* Corrupt this response as the hostile mode says, every Nth one. */
static void hostile(struct simnet *n, netif_rx_response_t *rsp)
{
	if (n->cfg.hostile == HOSTILE_NONE || ++n->rx_count % n->cfg.hostile_every)
		return;
	n->stats.hostile_sent++;
	switch (n->cfg.hostile) {
	case HOSTILE_BAD_ID:
		rsp->id = 0xbad;
		break;
	case HOSTILE_BAD_SIZE:
		rsp->offset = 0;
		rsp->status = (int16_t)(PAGE + 100);
		break;
	case HOSTILE_BAD_OFFSET:
		rsp->offset = PAGE - 10;
		break;
	case HOSTILE_RUNAWAY:
		n->rx.rsp_prod_pvt += 1000;
		break;
	default:
		break;
	}
}

/* Wire frames into the frontend's posted RX buffers. */
static unsigned int serve_rx(struct simnet *n)
{
	unsigned int done = 0;
	int need;

	while (done < BUDGET && (n->tap_fd >= 0 || n->cfg.gen_size)) {
		RING_IDX cons = n->rx.req_cons;
		netif_rx_request_t req;
		netif_rx_response_t *rsp;
		uint8_t *page;
		ssize_t len;

		if (!RING_HAS_UNCONSUMED_REQUESTS(&n->rx)) {
			n->stats.rx_no_req++;
			break;
		}
		xen_rmb();
		memcpy(&req, RING_GET_REQUEST(&n->rx, cons), sizeof(req));
		page = gnttab_back_map(n->gt, req.gref, true);
		if (!page) {
			n->stats.rx_bad_copy++;
			len = -1;
		} else {
			if (n->cfg.gen_size) {
				len = n->cfg.gen_size;
				memcpy(page, n->gen_frame, (size_t)len);
			} else {
				len = read(n->tap_fd, page, PAGE);
			}
			gnttab_back_unmap(n->gt, req.gref, true);
			if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;  /* the request stays for the next frame */
		}
		n->rx.req_cons = cons + 1;
		rsp = RING_GET_RESPONSE(&n->rx, n->rx.rsp_prod_pvt);
		rsp->id = req.id;
		rsp->offset = 0;
		rsp->flags = 0;
		rsp->status = len > 0 ? (int16_t)len : NETIF_RSP_ERROR;
		if (len > 0) {
			n->stats.rx_packets++;
			n->stats.rx_bytes += (uint64_t)len;
			hostile(n, rsp);
		}
		n->rx.rsp_prod_pvt++;
		done++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&n->rx, need);
	if (need)
		notify(n);
	return done;
}

unsigned int simnet_service(struct simnet *n)
{
	if (!n->connected)
		return 0;
	return serve_tx(n) + serve_rx(n);
}

bool simnet_final_check(struct simnet *n)
{
	int more;

	if (!n->connected)
		return false;
	RING_FINAL_CHECK_FOR_REQUESTS(&n->tx, more);
	if (more || (n->tap_fd < 0 && !n->cfg.gen_size))
		return more;
	/* RX buffers posted since serve_rx() looked: the generator has work
	 * now (the frontend saw our stale req_event and did not notify); a TAP
	 * has work when a frame arrives, and its fd is polled for that. */
	if (RING_HAS_UNCONSUMED_REQUESTS(&n->rx))
		return n->cfg.gen_size != 0;
	RING_FINAL_CHECK_FOR_REQUESTS(&n->rx, more);  /* wake us when buffers come */
	return more;
}

int simnet_wire_fd(const struct simnet *n)
{
	/* (while the generator runs, the TAP's frames wait) */
	return n->connected && !n->cfg.gen_size && RING_HAS_UNCONSUMED_REQUESTS(&n->rx) ? n->tap_fd : -1;
}
