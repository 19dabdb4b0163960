/* SPDX-License-Identifier: MIT */
/*
 * The simulated netback's control side: the toolstack's nodes, the backend
 * half of the xenbus handshake (as Linux xen-netback 6.12 plays it), what
 * the frontend asked for (queues, channels, features), and the host side
 * set to match.  The rings are served in netback_rx.c and netback_tx.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "simback.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/parse.h"

#define PAGE 4096u
#define WHO "xennet-simback"

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

/* 0 and *out set; 1 if the key is absent (*out untouched); -1 if malformed. */
static int get_uint(struct simnet *n, const char *dir, const char *key, unsigned long max,
		    unsigned long *out)
{
	char *v = get(n, dir, key);
	int ret = v ? parse_uint(v, max, out) : 1;

	free(v);
	return ret;
}

/* A frontend flag as netback reads it (xenbus_read_unsigned, then !!):
 * absent is 0; present, it must be a number here. */
static int get_flag(struct simnet *n, const char *key, bool *on)
{
	unsigned long v = 0;
	int r = get_uint(n, n->fe_dir, key, UINT32_MAX, &v);

	if (r < 0) {
		log_err(WHO, "frontend wrote %s/%s, which is not a number", n->fe_dir, key);
		return -1;
	}
	*on = v != 0;
	return 0;
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

	if (strncmp(path, n->fe_dir, l))
		return;
	if (!path[l] || !strcmp(path + l, "/state"))
		n->fe_changed = true;
	else if (!strcmp(path + l, "/request-multicast-control"))
		n->mcast_changed = true;
}

/* What the kernel's netfront leaves in its directory when it is unbound
 * (as seen in the real tier): a frontend that takes the vif over must
 * clear it, or this backend negotiates from it, as netback would. */
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
	 * a frontend meets the same offers here as against the real one.  The
	 * control ring and XDP headroom are refused at connect time, loudly
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
	err = err ?: put(n, be, "multi-queue-max-queues", "%u", cfg->max_queues);
	err = err ?: put(n, be, "feature-ctrl-ring", "1");
	if (cfg->stale_frontend)
		err = err ?: put_stale_frontend(n);
	if (err) {
		log_err(WHO, "can't populate xenstore: %s", strerror(err));
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
	if (!n->cfg.max_queues)
		n->cfg.max_queues = 2;
	if (n->cfg.max_queues > SIM_MAX_QUEUES || (cfg->gen_size && cfg->gen_size < 60)) {
		log_err(WHO, "max queues %u or generator size %u out of range", n->cfg.max_queues,
			cfg->gen_size);
		return -1;
	}
	n->st = st;
	n->gt = gt;
	n->evt = evt;
	n->mtu = cfg->mtu ? cfg->mtu : 1500;
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		n->q[i].id = i;
		n->q[i].wire = -1;
		n->wire[i] = -1;
	}
	n->gen_frame = calloc(1, SIM_FRAME_MAX);
	n->txbuf = malloc(SIM_FRAME_MAX);
	bool oom = !n->gen_frame || !n->txbuf;

	for (unsigned int i = 0; i < n->cfg.max_queues; i++)
		oom |= !(n->q[i].buf = malloc(SIM_FRAME_MAX));
	if (oom) {
		log_err(WHO, "out of memory");
		simnet_fini(n);
		return -1;
	}
	if (simnet_set_gen(n, cfg->gen_size) < 0) {
		log_err(WHO, "a %u-byte frame does not fit the mtu %u", cfg->gen_size, n->mtu);
		simnet_fini(n);
		return -1;
	}
	if (cfg->tap) {
		if (tap_open(&n->tap, cfg->tap, n->mtu, n->cfg.max_queues) < 0) {
			log_err(WHO, "can't open tap %s: %s", cfg->tap, strerror(errno));
			simnet_fini(n);
			return -1;
		}
		for (unsigned int i = 0; i < n->cfg.max_queues; i++)
			n->wire[i] = n->tap.fd[i];
	} else if (cfg->wire_fds) {
		for (unsigned int i = 0; i < n->cfg.max_queues; i++)
			n->wire[i] = cfg->wire_fds[i];
	}
	err = xs_store_add_listener(st, on_change, n);
	if (err) {
		log_err(WHO, "can't listen to xenstore: %s", strerror(err));
		simnet_fini(n);
		return -1;
	}
	return populate(n);
}

static void queue_disconnect(struct simnet *n, struct simnet_queue *q)
{
	if (!q->connected)
		return;
	gnttab_back_unmap(n->gt, q->tx_ref, true);
	gnttab_back_unmap(n->gt, q->rx_ref, true);
	q->tx_chan = q->rx_chan = NULL;
	q->pend.valid = false;
	q->holding = false;
	q->connected = false;
}

void simnet_disconnect(struct simnet *n)
{
	if (!n->connected)
		return;
	for (unsigned int i = 0; i < n->nqueues; i++)
		queue_disconnect(n, &n->q[i]);
	n->nqueues = 0;
	n->nmcast = 0;
	n->connected = false;
	if (n->tap.open)
		tap_set_offload(&n->tap, false, false, false);
	n->stats.disconnects++;
}

/* What netback does when its device goes away under a connected frontend
 * (driver unbound, vif detached): unmap, Closing, Closed.  The frontend is
 * expected to let go and start again; a new Initialising from it brings
 * this backend back to InitWait (simnet_handle_state).  Away: the same,
 * but the backend stays Closed, deaf to the frontend, until simnet_back.
 * The vif is a new one when it comes back: a fatal error is forgotten. */
void simnet_restart(struct simnet *n)
{
	simnet_disconnect(n);
	set_state(n, XenbusStateClosing);
	set_state(n, XenbusStateClosed);
	n->disabled = false;
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
	unsigned int max = (n->cfg.mtu ? n->cfg.mtu : 1500) + 14;

	if (size && (size < 60 || size > max || size > SIM_FRAME_MAX))
		return -1;
	n->cfg.gen_size = size;
	n->gen_idle = false;
	for (unsigned int i = 0; i < n->nqueues; i++)
		n->q[i].pend.valid = false;   /* a generated frame waiting: of the old size */
	if (size)
		simnet_build_gen_frame(n);
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
	n->disabled = false;
	n->stats.restores++;
	return populate(n);
}

void simnet_fini(struct simnet *n)
{
	simnet_disconnect(n);
	tap_close(&n->tap);
	free(n->gen_frame);
	free(n->txbuf);
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		free(n->q[i].buf);
		n->q[i].buf = NULL;
	}
	n->gen_frame = n->txbuf = NULL;
}

static struct sim_evtchn *find_chan(struct simnet *n, unsigned long port)
{
	for (int i = 0; i < SIM_MAX_EVTCHN; i++)
		if (n->evt[i].port && (unsigned long)n->evt[i].port == port)
			return &n->evt[i];
	return NULL;
}

void simnet_evtchn_gone(struct simnet *n, const struct sim_evtchn *e)
{
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		if (n->q[i].tx_chan == e)
			n->q[i].tx_chan = NULL;
		if (n->q[i].rx_chan == e)
			n->q[i].rx_chan = NULL;
	}
}

/* A frontend request the simulator cannot honour (xen-netback would): name
 * it and refuse the connection, rather than carry traffic wrongly. */
static const char *unsupported_request(struct simnet *n)
{
	unsigned long v;
	char *s = get(n, n->fe_dir, "ctrl-ring-ref");

	free(s);
	if (s)
		return "ctrl-ring-ref";   /* the control ring: hashing, mappings */
	if (get_uint(n, n->fe_dir, "xdp-headroom", UINT32_MAX, &v) != 1 && v != 0)
		return "xdp-headroom";
	return NULL;
}

/* Each queue-N/ beyond the queues asked for: netback never reads it. */
static void note_stray_queue_dirs(struct simnet *n)
{
	char **ents = NULL;
	unsigned int num = 0;

	if (xs_store_directory(n->st, 0, n->fe_dir, &ents, &num))
		return;
	for (unsigned int i = 0; i < num; i++) {
		unsigned long k;

		if (!strncmp(ents[i], "queue-", 6) && parse_uint(ents[i] + 6, UINT32_MAX, &k) == 0 &&
		    (n->nqueues == 1 || k >= n->nqueues)) {
			log_warn(WHO, "ignoring %s/%s: the frontend asked for %u queue(s)", n->fe_dir,
				 ents[i], n->nqueues);
			n->stats.stray_queue_dirs++;
		}
	}
	free(ents);   /* (one block: the names live in it) */
}

/* connect_data_rings(): one queue's rings and channels, from dir. */
static int connect_queue(struct simnet *n, struct simnet_queue *q, const char *dir)
{
	unsigned long tx_ref, rx_ref, tx_port, rx_port;
	struct netif_tx_sring *txs;
	struct netif_rx_sring *rxs;

	if (get_uint(n, dir, "tx-ring-ref", UINT32_MAX, &tx_ref) ||
	    get_uint(n, dir, "rx-ring-ref", UINT32_MAX, &rx_ref)) {
		log_err(WHO, "reading %s/{tx,rx}-ring-ref: missing or malformed", dir);
		return -1;
	}
	/* split channels first, then one */
	if (get_uint(n, dir, "event-channel-tx", UINT32_MAX, &tx_port) ||
	    get_uint(n, dir, "event-channel-rx", UINT32_MAX, &rx_port)) {
		if (get_uint(n, dir, "event-channel", UINT32_MAX, &tx_port)) {
			log_err(WHO, "reading %s/event-channel(-tx/rx): missing or malformed", dir);
			return -1;
		}
		rx_port = tx_port;
	}
	q->tx_chan = find_chan(n, tx_port);
	q->rx_chan = find_chan(n, rx_port);
	if (!q->tx_chan || !q->rx_chan) {
		log_err(WHO, "%s: event channel %lu is not bound", dir, q->tx_chan ? rx_port : tx_port);
		q->tx_chan = q->rx_chan = NULL;
		return -1;
	}
	/* a port binds once: another queue's is refused, as Xen refuses
	 * netback's second bind_interdomain of it */
	for (unsigned int k = 0; k < q->id; k++) {
		const struct simnet_queue *o = &n->q[k];

		if (o->tx_chan == q->tx_chan || o->rx_chan == q->tx_chan || o->tx_chan == q->rx_chan ||
		    o->rx_chan == q->rx_chan) {
			log_err(WHO, "%s: an event channel of queue %u again", dir, k);
			q->tx_chan = q->rx_chan = NULL;
			return -1;
		}
	}
	txs = (void *)gnttab_back_map(n->gt, (uint32_t)tx_ref, true);
	rxs = txs ? (void *)gnttab_back_map(n->gt, (uint32_t)rx_ref, true) : NULL;
	if (rxs) {
		/* netback attaches where the shared rings stand, and refuses
		 * rings whose producer is past what the ring can hold */
		BACK_RING_ATTACH(&q->tx, txs, txs->rsp_prod, PAGE);
		BACK_RING_ATTACH(&q->rx, rxs, rxs->rsp_prod, PAGE);
		if (txs->req_prod - txs->rsp_prod <= RING_SIZE(&q->tx) &&
		    rxs->req_prod - rxs->rsp_prod <= RING_SIZE(&q->rx)) {
			q->tx_ref = (uint32_t)tx_ref;
			q->rx_ref = (uint32_t)rx_ref;
			q->pend.valid = q->holding = false;
			q->connected = true;
			return 0;
		}
		gnttab_back_unmap(n->gt, (uint32_t)rx_ref, true);
	}
	if (txs)
		gnttab_back_unmap(n->gt, (uint32_t)tx_ref, true);
	log_err(WHO, "mapping shared-frames %lu/%lu port tx %lu rx %lu failed", tx_ref, rx_ref,
		tx_port, rx_port);
	q->tx_chan = q->rx_chan = NULL;
	return -1;
}

/* read_xenbus_vif_flags(): what the frontend asked for. */
static int read_flags(struct simnet *n)
{
	struct simnet_features *f = &n->fe;
	bool copy = false, no_csum = false;

	if (get_flag(n, "request-rx-copy", &copy) < 0 || get_flag(n, "feature-rx-notify", &f->rx_notify) < 0 ||
	    get_flag(n, "feature-sg", &f->sg) < 0 || get_flag(n, "feature-gso-tcpv4", &f->gso_tcpv4) < 0 ||
	    get_flag(n, "feature-gso-tcpv6", &f->gso_tcpv6) < 0 ||
	    get_flag(n, "feature-no-csum-offload", &no_csum) < 0 ||
	    get_flag(n, "feature-ipv6-csum-offload", &f->ipv6_csum) < 0 ||
	    get_flag(n, "request-multicast-control", &f->mcast_ctrl) < 0)
		return -1;
	if (!copy) {
		log_err(WHO, "frontend did not request rx-copy");
		return -1;
	}
	f->ip_csum = !no_csum;
	return 0;
}

/* The host side as netback's vif device would be for these features
 * (xenvif_fix_features, and the kernel's rule that TSO needs SG and the
 * checksum offload of its family): the TAP's offloads, queues and MTU. */
static void set_wire(struct simnet *n)
{
	const struct simnet_features *f = &n->fe;
	unsigned int mtu = n->cfg.mtu ? n->cfg.mtu : 1500;

	/* xenvif_carrier_on: no SG, no frame past one page's worth of MTU */
	if (!f->sg && mtu > 1500)
		mtu = 1500;
	n->mtu = mtu;
	n->gen_idle = false;
	for (unsigned int i = 0; i < n->nqueues; i++)
		n->q[i].wire = n->wire[i];
	if (!n->tap.open)
		return;
	if (n->tap.mtu != mtu && tap_set_mtu(&n->tap, mtu) < 0)
		log_warn(WHO, "can't set the mtu of %s to %u: %s", n->tap.name, mtu, strerror(errno));
	if (tap_set_offload(&n->tap, f->ip_csum || f->ipv6_csum, f->sg && f->ip_csum && f->gso_tcpv4,
			    f->sg && f->ipv6_csum && f->gso_tcpv6) < 0 ||
	    tap_use_queues(&n->tap, n->nqueues) < 0)
		log_warn(WHO, "can't set the offloads or queues of %s: %s", n->tap.name, strerror(errno));
}

/* connect(): read what the frontend wrote, map every queue's rings, bind
 * its channels, and set the host side to match. */
static int connect_frontend(struct simnet *n)
{
	unsigned long nq = 1;
	const char *what;

	if (get_uint(n, n->fe_dir, "multi-queue-num-queues", UINT32_MAX, &nq) < 0 || nq == 0 ||
	    nq > n->cfg.max_queues) {
		/* netback: "guest requested %u queues, exceeding the maximum of %u." */
		char *v = get(n, n->fe_dir, "multi-queue-num-queues");

		log_err(WHO, "frontend set %s/multi-queue-num-queues=%s, not within 1..%u "
			"(multi-queue-max-queues)", n->fe_dir, v ? v : "", n->cfg.max_queues);
		free(v);
		return -1;
	}
	if ((what = unsupported_request(n))) {
		log_err(WHO, "frontend set %s/%s, which xen-netback supports but this simulator does not",
			n->fe_dir, what);
		return -1;
	}
	if (read_flags(n) < 0)
		return -1;
	n->nqueues = (unsigned int)nq;
	for (unsigned int i = 0; i < n->nqueues; i++) {
		char dir[128];

		if (n->nqueues == 1)
			snprintf(dir, sizeof(dir), "%s", n->fe_dir);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", n->fe_dir, i);
		if (connect_queue(n, &n->q[i], dir) < 0) {
			for (unsigned int k = 0; k < i; k++)
				queue_disconnect(n, &n->q[k]);
			n->nqueues = 0;
			return -1;
		}
	}
	note_stray_queue_dirs(n);
	n->nmcast = 0;
	set_wire(n);
	n->connected = true;
	n->stats.connects++;
	return 0;
}

int simnet_timeout_ms(const struct simnet *n)
{
	long left;

	if (!n->fe_due)
		return -1;
	left = n->fe_due - now_ms();
	return left < 0 ? 0 : (int)left;
}

void simnet_handle_state(struct simnet *n)
{
	unsigned long fe;

	if (n->mcast_changed) {
		n->mcast_changed = false;
		if (n->connected)
			get_flag(n, "request-multicast-control", &n->fe.mcast_ctrl);
	}
	if (!n->fe_changed)
		return;
	/* --watch-delay: netback's watch fires that much after the write
	 * (xenwatch runs later; on a loaded dom0, much later), and reads the
	 * state as it is then */
	if (n->cfg.watch_delay_ms) {
		if (!n->fe_due)
			n->fe_due = now_ms() + n->cfg.watch_delay_ms;
		if (now_ms() < n->fe_due)
			return;
		n->fe_due = 0;
	}
	n->fe_changed = false;
	if (get_uint(n, n->fe_dir, "state", XenbusStateReconfigured, &fe))
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
		if (n->cfg.fail_connects) {
			/* as Linux 6.12 netback failing to bind a queue's event
			 * channel: xenbus_dev_fatal writes the error, then Closing */
			char dir[128];

			n->cfg.fail_connects--;
			snprintf(dir, sizeof(dir), "/local/domain/%u/error/backend/vif/%u/%u", n->cfg.be_domid,
				 n->cfg.fe_domid, n->cfg.vif);
			put(n, dir, "error", "22 mapping shared-frames (simulated failure)");
			log_err(WHO, "vif%u.%u: failing this connect (--fail-connects)", n->cfg.fe_domid, n->cfg.vif);
			set_state(n, XenbusStateClosing);
			break;
		}
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

void simnet_notify(struct simnet_queue *q, struct sim_evtchn *chan)
{
	uint64_t one = 1;

	if (chan && write(chan->to_front, &one, sizeof(one)) == sizeof(one))
		q->stats.notifies++;
}

void simnet_fatal(struct simnet *n, struct simnet_queue *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->fatal_reason, sizeof(n->fatal_reason), fmt, ap);
	va_end(ap);
	n->disabled = true;
	n->stats.fatal++;
	log_err(WHO, "vif%u.%u queue %u: %s; fatal error, disabling the vif as xen-netback does",
		n->cfg.fe_domid, n->cfg.vif, q->id, n->fatal_reason);
}

bool simnet_mcast_listed(const struct simnet *n, const uint8_t *mac)
{
	for (unsigned int i = 0; i < n->nmcast; i++)
		if (!memcmp(n->mcast[i], mac, 6))
			return true;
	return false;
}

unsigned int simnet_service(struct simnet *n)
{
	unsigned int done = 0;

	if (!n->connected || n->disabled)
		return 0;
	for (unsigned int i = 0; i < n->nqueues && !n->disabled; i++)
		done += simnet_tx_service(n, &n->q[i]);
	for (unsigned int i = 0; i < n->nqueues && !n->disabled; i++)
		done += simnet_rx_service(n, &n->q[i]);
	return done;
}

bool simnet_final_check(struct simnet *n)
{
	bool work = false;

	if (!n->connected || n->disabled)
		return false;
	for (unsigned int i = 0; i < n->nqueues; i++) {
		struct simnet_queue *q = &n->q[i];
		int more;

		RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
		work |= more != 0;
		work |= simnet_rx_final_check(n, q);
	}
	return work;
}

int simnet_pollfds(const struct simnet *n, struct pollfd *pfd, int max)
{
	int k = 0;

	if (!n->connected || n->disabled)
		return 0;
	for (unsigned int i = 0; i < n->nqueues; i++) {
		const struct simnet_queue *q = &n->q[i];

		if (q->tx_chan && k < max)
			pfd[k++] = (struct pollfd){ .fd = q->tx_chan->to_back, .events = POLLIN };
		if (q->rx_chan && q->rx_chan != q->tx_chan && k < max)
			pfd[k++] = (struct pollfd){ .fd = q->rx_chan->to_back, .events = POLLIN };
		/* the wire, while a frame read from it has RX slots to go to
		 * (while the generator runs, the TAP's frames wait) */
		if (q->wire >= 0 && !n->cfg.gen_size && !q->pend.valid && !q->holding && k < max &&
		    RING_HAS_UNCONSUMED_REQUESTS(&q->rx))
			pfd[k++] = (struct pollfd){ .fd = q->wire, .events = POLLIN };
	}
	return k;
}

void simnet_poll_done(struct simnet *n, const struct pollfd *pfd, int count)
{
	for (int k = 0; k < count; k++) {
		bool wire = false;
		uint64_t v;

		if (!(pfd[k].revents & POLLIN))
			continue;
		for (unsigned int i = 0; i < n->nqueues; i++)
			wire |= pfd[k].fd == n->q[i].wire;
		if (!wire && read(pfd[k].fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_warn(WHO, "reading an event channel: %s", strerror(errno));
	}
}

static int qline(char **buf, size_t *size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int qline(char **buf, size_t *size, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(*buf, *size, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= *size)
		return -1;
	*buf += len;
	*size -= (size_t)len;
	return len;
}

static void rings_text(char **b, size_t *s, const char *pfx, const struct simnet_queue *q)
{
	qline(b, s, "%srx-ring=req_prod %u req_cons %u req_event %u rsp_prod %u rsp_event %u\n", pfx,
	      q->rx.sring->req_prod, q->rx.req_cons, q->rx.sring->req_event, q->rx.sring->rsp_prod,
	      q->rx.sring->rsp_event);
	qline(b, s, "%stx-ring=req_prod %u req_cons %u req_event %u rsp_prod %u rsp_event %u\n", pfx,
	      q->tx.sring->req_prod, q->tx.req_cons, q->tx.sring->req_event, q->tx.sring->rsp_prod,
	      q->tx.sring->rsp_event);
}

int simnet_query(const struct simnet *n, char *buf, size_t size)
{
	static const struct { const char *name; size_t off; } qs[] = {
#define QS(f, name) { name, offsetof(struct simnet_qstats, f) }
		QS(tx_packets, "tx-packets"), QS(tx_bytes, "tx-bytes"), QS(tx_slots, "tx-slots"),
		QS(tx_gso, "tx-gso"), QS(tx_csum_blank, "tx-csum-blank"),
		QS(tx_data_validated, "tx-data-validated"), QS(tx_err, "tx-bad"),
		QS(tx_dropped, "tx-dropped"), QS(tx_gso_fixup, "tx-gso-fixup"), QS(tx_mcast, "tx-mcast"),
		QS(rx_packets, "rx-packets"), QS(rx_bytes, "rx-bytes"), QS(rx_slots, "rx-slots"),
		QS(rx_gso, "rx-gso"), QS(rx_csum_blank, "rx-csum-blank"),
		QS(rx_data_validated, "rx-data-validated"), QS(rx_csum_done, "rx-csum-done"),
		QS(rx_dropped, "rx-dropped"), QS(rx_bad_copy, "rx-bad-copy"), QS(notifies, "notifies"),
#undef QS
	};
	const struct simnet_features *f = &n->fe;
	char *b = buf;
	size_t s = size;

	if (size)
		buf[0] = 0;
	/* the shared rings' indices: what each side has produced, consumed and
	 * asked to be woken for (a stalled pair shows here); rx-ring and
	 * tx-ring are queue 0's */
	for (unsigned int i = 0; n->connected && i < n->nqueues; i++) {
		const struct simnet_queue *q = &n->q[i];
		char pfx[24];

		if (i == 0)
			rings_text(&b, &s, "", q);
		snprintf(pfx, sizeof(pfx), "queue-%u-", i);
		rings_text(&b, &s, pfx, q);
		qline(&b, &s, "queue-%u-evtchn=%d %d\n", i, q->tx_chan ? q->tx_chan->port : 0,
		      q->rx_chan ? q->rx_chan->port : 0);
	}
	const char *fnames[] = { f->sg ? "sg" : NULL, f->gso_tcpv4 ? "gso-tcpv4" : NULL,
				 f->gso_tcpv6 ? "gso-tcpv6" : NULL, f->ip_csum ? "csum" : NULL,
				 f->ipv6_csum ? "ipv6-csum" : NULL, f->rx_notify ? "rx-notify" : NULL,
				 f->mcast_ctrl ? "multicast-control" : NULL };
	bool any = false;

	qline(&b, &s, "queues=%u\nfeatures=", n->nqueues);
	for (size_t k = 0; n->connected && k < sizeof(fnames) / sizeof(fnames[0]); k++)
		if (fnames[k]) {
			qline(&b, &s, "%s%s", any ? " " : "", fnames[k]);
			any = true;
		}
	qline(&b, &s, "\nmtu=%u\ndisabled=%d\nfatal=%llu\nfatal-reason=%s\n", n->mtu, n->disabled,
	      (unsigned long long)n->stats.fatal, n->fatal_reason);
	/* each counter in all, under the name it always had, then per queue */
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		unsigned long long sum = 0;

		for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++)
			sum += *(const uint64_t *)((const char *)&n->q[i].stats + qs[k].off);
		qline(&b, &s, "%s=%llu\n", qs[k].name, sum);
	}
	for (unsigned int i = 0; i < n->cfg.max_queues; i++)
		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
			qline(&b, &s, "queue-%u-%s=%llu\n", i, qs[k].name,
			      (unsigned long long)*(const uint64_t *)((const char *)&n->q[i].stats + qs[k].off));
	qline(&b, &s, "rx-no-req=%llu\nhostile-sent=%llu\nstray-queue-dirs=%llu\nmulticast-addrs=%u\n"
	      "connects=%llu\ndisconnects=%llu\nrestarts=%llu\nrestores=%llu\ndomid=%u\n",
	      (unsigned long long)n->stats.rx_no_req, (unsigned long long)n->stats.hostile_sent,
	      (unsigned long long)n->stats.stray_queue_dirs, n->nmcast,
	      (unsigned long long)n->stats.connects, (unsigned long long)n->stats.disconnects,
	      (unsigned long long)n->stats.restarts, (unsigned long long)n->stats.restores,
	      n->cfg.fe_domid);
	return (int)(b - buf);
}
