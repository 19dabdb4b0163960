/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/mac.h"
#include "xen/netfront.h"
#include "xen/xenbus_state.h"

/* Every key netif.h defines for the frontend side.  A previous frontend
 * (the kernel's netfront before a takeover, a crashed instance) may have
 * left any of them; the backend reads whatever is there when we say
 * Connected, so what we do not write ourselves is removed in the same
 * transaction as our keys, and everything is removed when we close. */
static const char *const frontend_keys[] = {
	"tx-ring-ref", "rx-ring-ref", "event-channel", "event-channel-tx", "event-channel-rx",
	"request-rx-copy", "feature-rx-notify", "feature-no-csum-offload",
	"feature-ipv6-csum-offload", "feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv4-prefix",
	"feature-gso-tcpv6", "feature-gso-tcpv6-prefix", "request-multicast-control",
	"multi-queue-num-queues", "ctrl-ring-ref", "event-channel-ctrl", "xdp-headroom",
};

void nf_log(const struct netfront *nf, int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, nf->ifname, fmt, ap);
	va_end(ap);
}

/* The keys that say where our frontend and backend are; called again
 * whenever the guest may have moved.  Fills a scratch copy, so that a
 * failed read leaves nf as it was. */
static int read_location(const struct netfront *nf, char *be_dir, uint16_t *be_domid, int *domid,
			 bool quiet)
{
	unsigned long v;
	unsigned int len;
	char *s;
	int ret;

	s = xk_read(nf->plat, XBT_NULL, nf->fe_dir, "backend");
	if (!s) {
		if (!quiet)
			nf_log(nf, LOG_ERR, "can't read backend path from %s/backend: %s", nf->fe_dir,
			       strerror(errno));
		return -1;
	}
	if (!xk_valid_dir(s)) {
		if (!quiet)
			nf_log(nf, LOG_ERR, "%.64s is not a valid backend path", s);
		free(s);
		return -1;
	}
	snprintf(be_dir, XS_PATH_MAX, "%s", s);
	free(s);
	ret = xk_read_uint(nf->plat, XBT_NULL, nf->fe_dir, "backend-id", DOMID_MAX, &v);
	if (ret < 0) {
		if (!quiet)
			nf_log(nf, LOG_ERR, ret == -ENOENT ? "can't read backend-id: %s"
							   : "backend-id is not a valid domain id (%s)",
			       strerror(-ret));
		return -1;
	}
	*be_domid = (uint16_t)v;
	/* our own domain id (libxl writes /local/domain/N/domid): it changes
	 * when the guest is restored or migrated */
	s = nf->plat->ops->xs_read(nf->plat, XBT_NULL, "domid", &len);
	*domid = s && parse_uint(s, DOMID_MAX, &v) == 0 ? (int)v : -1;
	free(s);
	return 0;
}

int netfront_probe(struct netfront *nf, struct plat *p, unsigned int vif, const char *ifname)
{
	unsigned long v;
	char *s;
	int ret;

	memset(nf, 0, sizeof(*nf));
	nf->plat = p;
	nf->vif = vif;
	nf->be_state = -1;
	nf->domid = -1;
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		nf->q[i].evtchn = -1;
		nf->st[i] = &nf->q[i].own_st;   /* until the caller gives them a stats file */
		nf->q[i].st = nf->st[i];
	}
	snprintf(nf->ifname, sizeof(nf->ifname), "%s", ifname);
	snprintf(nf->fe_dir, sizeof(nf->fe_dir), "device/vif/%u", vif);

	if (read_location(nf, nf->be_dir, &nf->be_domid, &nf->domid, false) < 0)
		return -1;
	s = xk_read(p, XBT_NULL, nf->fe_dir, "mac");
	if (!s) {
		/* the seed's words (xennet(4)) */
		nf_log(nf, LOG_ERR, "can't read mac address, err %d", errno);
		return -1;
	}
	if (mac_parse(s, nf->mac) < 0) {
		nf_log(nf, LOG_ERR, "%.64s is not a valid mac address", s);
		free(s);
		return -1;
	}
	free(s);

	nf->mtu = nf->mtu_key = NF_DEFAULT_MTU;
	ret = xk_read_uint(p, XBT_NULL, nf->fe_dir, "mtu", 65535, &v);
	if (ret == 0 && (v < 68 || v > NF_MAX_MTU)) {
		nf_log(nf, LOG_ERR, "mtu %lu is out of range 68..%u", v, NF_MAX_MTU);
		return -1;
	} else if (ret == -EINVAL) {
		nf_log(nf, LOG_ERR, "mtu in %s/mtu is not a number", nf->fe_dir);
		return -1;
	} else if (ret == 0) {
		nf->mtu_key = (unsigned int)v;
		nf->mtu = netfront_mtu(nf, false);   /* until scatter-gather is known */
	}
	nf->phase = NF_IDLE;
	return 0;
}

unsigned int netfront_mtu(const struct netfront *nf, bool sg)
{
	/* a frame must fit one granted page without scatter-gather (several
	 * slots per packet); Linux netfront clamps the same way */
	return sg || nf->mtu_key <= NF_DEFAULT_MTU ? nf->mtu_key : NF_DEFAULT_MTU;
}

bool netfront_backend_offers(struct netfront *nf, const char *key)
{
	unsigned long v;

	return xk_read_uint(nf->plat, XBT_NULL, nf->be_dir, key, 1, &v) == 0 && v == 1;
}

void netfront_features(const struct netfront *nf, char *buf, size_t size)
{
	const struct nq_features *f = &nf->feat;

	snprintf(buf, size, "rx-copy rx-notify%s%s%s%s%s%s", f->sg ? " sg" : "",
		 f->csum ? " csum-offload" : " no-csum-offload", f->gso4 ? " gso-tcpv4" : "",
		 f->gso6 ? " gso-tcpv6" : "", f->split ? " split-event-channels" : "",
		 nf->nq > 1 ? " multi-queue" : "");
}

static int watch_backend(struct netfront *nf)
{
	char path[XS_PATH_MAX];

	if (path_join(path, sizeof(path), nf->be_dir, "state") < 0 ||
	    !nf->plat->ops->xs_watch(nf->plat, path, "backend")) {
		nf_log(nf, LOG_ERR, "can't watch %s/state: %s", nf->be_dir, strerror(errno));
		return -1;
	}
	snprintf(nf->be_watched, sizeof(nf->be_watched), "%s", path);
	return 0;
}

int netfront_watch(struct netfront *nf)
{
	char path[XS_PATH_MAX];

	/* relative paths: after a restore they name the new domain's nodes */
	if (path_join(path, sizeof(path), nf->fe_dir, "state") < 0 ||
	    !nf->plat->ops->xs_watch(nf->plat, path, "frontend") ||
	    path_join(path, sizeof(path), nf->fe_dir, "backend") < 0 ||
	    !nf->plat->ops->xs_watch(nf->plat, path, "frontend")) {
		nf_log(nf, LOG_ERR, "can't watch %s: %s", nf->fe_dir, strerror(errno));
		return -1;
	}
	return watch_backend(nf);
}

/* Remove each frontend key in keys[] not in keep[] (NULL-terminated) from dir. */
static int rm_listed(struct plat *p, const char *dir, xs_transaction_t t, const char *const *keep)
{
	char path[XS_PATH_MAX];

	for (size_t i = 0; i < sizeof(frontend_keys) / sizeof(frontend_keys[0]); i++) {
		bool kept = false;

		for (size_t k = 0; keep && keep[k]; k++)
			kept |= !strcmp(keep[k], frontend_keys[i]);
		if (kept || path_join(path, sizeof(path), dir, frontend_keys[i]) < 0)
			continue;
		if (!p->ops->xs_rm(p, t, path) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* The children of fe_dir named queue-N (a multi-queue frontend's): those
 * from keep_n on go; those below are kept, cleared of every key but
 * queue_keep[] (rewritten in the same transaction: removing and making a
 * directory again in one transaction is needless churn). */
static int rm_queue_dirs(struct plat *p, const char *fe_dir, xs_transaction_t t, unsigned int keep_n,
			 const char *const *queue_keep)
{
	unsigned int num = 0;
	char **ents = p->ops->xs_directory(p, t, fe_dir, &num);
	char path[XS_PATH_MAX];
	int err = 0;

	for (unsigned int i = 0; ents && i < num && !err; i++) {
		unsigned long n;

		if (strncmp(ents[i], "queue-", 6) || parse_uint(ents[i] + 6, 4095, &n) < 0 ||
		    path_join(path, sizeof(path), fe_dir, ents[i]) < 0)
			continue;
		if (n < keep_n)
			err = rm_listed(p, path, t, queue_keep);
		else if (!p->ops->xs_rm(p, t, path) && errno != ENOENT)
			err = -errno;
	}
	free(ents);
	return err;
}

/* Every frontend key but keep[] (and queue-N/ below keep_n, but for their
 * queue_keep[] keys). */
static int rm_keys(struct plat *p, const char *fe_dir, xs_transaction_t t, const char *const *keep,
		   unsigned int keep_n, const char *const *queue_keep)
{
	int err = rm_listed(p, fe_dir, t, keep);

	return err ? err : rm_queue_dirs(p, fe_dir, t, keep_n, queue_keep);
}

int netfront_clear_keys(struct plat *p, const char *fe_dir)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		xs_transaction_t t = p->ops->xs_transaction_start(p);
		int err;

		if (t == XBT_NULL)
			return -errno;
		err = rm_keys(p, fe_dir, t, NULL, 0, NULL);
		if (err) {
			p->ops->xs_transaction_end(p, t, true);
			return err;
		}
		if (p->ops->xs_transaction_end(p, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

void netfront_stale_keys(struct netfront *nf, char *buf, size_t size)
{
	struct plat *p = nf->plat;
	unsigned int num = 0;
	char **ents = p->ops->xs_directory(p, XBT_NULL, nf->fe_dir, &num);
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; ents && i < num; i++) {
		bool ours = !strncmp(ents[i], "queue-", 6);

		for (size_t k = 0; k < sizeof(frontend_keys) / sizeof(frontend_keys[0]); k++)
			ours |= !strcmp(ents[i], frontend_keys[k]);
		if (ours && used < size) {
			int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", ents[i]);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	free(ents);
}

/* One queue's ring and channel keys, under dir (fe_dir, or fe_dir/queue-N). */
static int queue_keys(struct plat *p, xs_transaction_t t, const char *dir, const struct netif_queue *q)
{
	int err = 0;

	err = err ?: xk_printf(p, t, dir, "tx-ring-ref", "%u", q->tx_ring_ref);
	err = err ?: xk_printf(p, t, dir, "rx-ring-ref", "%u", q->rx_ring_ref);
	if (q->evtchn_rx >= 0) {
		err = err ?: xk_printf(p, t, dir, "event-channel-tx", "%d", q->evtchn);
		err = err ?: xk_printf(p, t, dir, "event-channel-rx", "%d", q->evtchn_rx);
	} else {
		err = err ?: xk_printf(p, t, dir, "event-channel", "%d", q->evtchn);
	}
	return err;
}

/* The keys netif.h asks of a frontend, in one transaction (retried while
 * the store says EAGAIN, as xenbus drivers do), with whatever another
 * frontend left removed in the same transaction. */
static int write_keys(struct netfront *nf)
{
	const struct nq_features *f = &nf->feat;
	/* of the frontend keys, exactly those we write (the rest are removed) */
	const char *ours[16];
	int k = 0;

	if (nf->nq == 1) {
		ours[k++] = "tx-ring-ref";
		ours[k++] = "rx-ring-ref";
		ours[k++] = nf->q[0].evtchn_rx >= 0 ? "event-channel-tx" : "event-channel";
		if (nf->q[0].evtchn_rx >= 0)
			ours[k++] = "event-channel-rx";
	} else {
		ours[k++] = "multi-queue-num-queues";   /* (queue-N/ is rewritten whole) */
	}
	ours[k++] = "request-rx-copy";
	ours[k++] = "feature-rx-notify";
	if (f->sg)
		ours[k++] = "feature-sg";
	if (f->gso4)
		ours[k++] = "feature-gso-tcpv4";
	if (f->gso6)
		ours[k++] = "feature-gso-tcpv6";
	ours[k++] = f->csum ? "feature-ipv6-csum-offload" : "feature-no-csum-offload";
	ours[k] = NULL;
	const char *queue_ours[] = { "tx-ring-ref", "rx-ring-ref",
				     nf->q[0].evtchn_rx >= 0 ? "event-channel-tx" : "event-channel",
				     nf->q[0].evtchn_rx >= 0 ? "event-channel-rx" : NULL, NULL };
	struct plat *p = nf->plat;

	for (int attempt = 0; attempt < 32; attempt++) {
		xs_transaction_t t = p->ops->xs_transaction_start(p);
		int err = 0;

		if (t == XBT_NULL)
			return -errno;
		err = rm_keys(p, nf->fe_dir, t, ours, nf->nq > 1 ? nf->nq : 0, queue_ours);
		if (nf->nq == 1) {
			err = err ?: queue_keys(p, t, nf->fe_dir, &nf->q[0]);
		} else {
			err = err ?: xk_printf(p, t, nf->fe_dir, "multi-queue-num-queues", "%u", nf->nq);
			for (unsigned int i = 0; i < nf->nq && !err; i++) {
				char dir[96];

				snprintf(dir, sizeof(dir), "%s/queue-%u", nf->fe_dir, i);
				err = queue_keys(p, t, dir, &nf->q[i]);
			}
		}
		err = err ?: xk_printf(p, t, nf->fe_dir, "request-rx-copy", "1");
		err = err ?: xk_printf(p, t, nf->fe_dir, "feature-rx-notify", "1");
		if (f->sg)
			err = err ?: xk_printf(p, t, nf->fe_dir, "feature-sg", "1");
		if (f->gso4)
			err = err ?: xk_printf(p, t, nf->fe_dir, "feature-gso-tcpv4", "1");
		if (f->gso6)
			err = err ?: xk_printf(p, t, nf->fe_dir, "feature-gso-tcpv6", "1");
		if (f->csum)
			err = err ?: xk_printf(p, t, nf->fe_dir, "feature-ipv6-csum-offload", "1");
		else   /* we cannot complete partial checksums: ask for full ones */
			err = err ?: xk_printf(p, t, nf->fe_dir, "feature-no-csum-offload", "1");
		if (err) {
			p->ops->xs_transaction_end(p, t, true);
			return err;
		}
		if (p->ops->xs_transaction_end(p, t, false))
			return 0;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

/* What gntalloc's limit is (module parameter), or -1. */
static long gntalloc_limit(void)
{
	FILE *f = fopen("/sys/module/xen_gntalloc/parameters/limit", "re");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void share_failed(struct netfront *nf, int err)
{
	unsigned int need = nf->nq * (2 + NET_TX_RING_SIZE + NET_RX_RING_SIZE);

	long limit = gntalloc_limit();

	if (err == ENOSPC && limit >= 0 && !strcmp(nf->plat->ops->name, "xen"))
		nf_log(nf, LOG_ERR, "can't share rings and buffers with domain %u: gntalloc allows %ld "
		       "grants in all and this instance needs %u more; raise the xen_gntalloc module "
		       "parameter limit (/sys/module/xen_gntalloc/parameters/limit)",
		       nf->be_domid, limit, need);
	else
		nf_log(nf, LOG_ERR, "can't share rings and buffers with domain %u: %s", nf->be_domid,
		       strerror(err));
}

/* Revoke every grant and close (or, after a restore, abandon) the channels. */
static void release_queues(struct netfront *nf, bool channels_dead)
{
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		nf->q[i].index = i;
		if (channels_dead)
			nf->q[i].evtchn = -1;   /* never unbound: see evt_abandon */
		nq_free(&nf->q[i]);
	}
	nf->nq = 0;
}

/* What the backend offers, against what we want: the features and the
 * number of queues of this connection. */
static int negotiate(struct netfront *nf)
{
	struct nq_features *f = &nf->feat;
	unsigned long max = 1;

	memset(f, 0, sizeof(*f));
	f->sg = nf->want.sg && netfront_backend_offers(nf, "feature-sg");
	f->csum = nf->want.csum;
	/* GSO packets come in several slots: no GSO without scatter-gather */
	f->gso4 = f->sg && nf->want.gso && netfront_backend_offers(nf, "feature-gso-tcpv4");
	f->gso6 = f->sg && nf->want.gso && netfront_backend_offers(nf, "feature-gso-tcpv6");
	f->split = netfront_backend_offers(nf, "feature-split-event-channels");
	if (xk_read_uint(nf->plat, XBT_NULL, nf->be_dir, "multi-queue-max-queues", 4096, &max) < 0 ||
	    max < 1)
		max = 1;
	nf->nq = nf->want.queues < max ? nf->want.queues : (unsigned int)max;
	if (nf->nq < 1)
		nf->nq = 1;
	if (nf->nq > NF_MAX_QUEUES)
		nf->nq = NF_MAX_QUEUES;
	if (nf->mtu > NF_DEFAULT_MTU && !f->sg) {
		nf_log(nf, LOG_ERR, "mtu %u needs scatter-gather, which the backend %s", nf->mtu,
		       nf->want.sg ? "does not offer (now)" : "or the guest side lacks");
		return -1;
	}
	return 0;
}

/* talk_to_netback: share the rings and buffers of each queue, allocate the
 * channels, write the keys, and say Connected. */
static int connect_backend(struct netfront *nf)
{
	int err;

	if (!netfront_backend_offers(nf, "feature-rx-copy")) {
		nf_log(nf, LOG_ERR, "backend offers only RX flip mode, which needs page transfers "
		       "a userspace frontend cannot make");
		return -1;
	}
	if (negotiate(nf) < 0)
		return -1;
	if (nf->hooks.share && nf->hooks.share(nf->hooks.ctx) < 0)
		return -EAGAIN;   /* nothing written yet: the backend waits on */
	for (unsigned int i = 0; i < nf->nq; i++) {
		struct netif_queue *q = &nf->q[i];

		q->index = i;
		q->st = nf->st[i];
		err = nq_alloc(q, nf->plat, nf->be_domid, nf->mtu, &nf->feat, nf->zc[i]);
		if (err < 0) {
			share_failed(nf, -err);
			release_queues(nf, false);
			return -1;
		}
		err = nq_alloc_evtchn(q);
		if (err < 0) {
			nf_log(nf, LOG_ERR, "can't allocate an event channel: %s", strerror(-err));
			release_queues(nf, false);
			return -1;
		}
		/* the seed's diagnostic (xennet(4)), one line per channel */
		nf_log(nf, LOG_INFO, "using event channel %d", q->evtchn);
		if (q->evtchn_rx >= 0)
			nf_log(nf, LOG_INFO, "using event channel %d", q->evtchn_rx);
	}
	err = write_keys(nf);
	if (err < 0) {
		nf_log(nf, LOG_ERR, "can't write ring references to %s: %s", nf->fe_dir, strerror(-err));
		release_queues(nf, false);
		return -1;
	}
	for (unsigned int i = 0; i < nf->nq; i++)
		nq_rx_refill(&nf->q[i]);   /* RX buffers posted before we say Connected */
	nf_log(nf, LOG_INFO, "using RX copy mode");
	err = xb_switch_state(nf->plat, nf->fe_dir, XenbusStateConnected);
	if (err < 0) {
		nf_log(nf, LOG_ERR, "can't switch to Connected: %s", strerror(-err));
		release_queues(nf, false);
		return -1;
	}
	return 0;
}

int netfront_start(struct netfront *nf)
{
	int st = xb_read_state(nf->plat, nf->fe_dir);

	if (st != XenbusStateInitialising) {
		/* e.g. Closed after an earlier run or a lost backend: asking
		 * again is how a frontend reconnects (netback answers with
		 * InitWait) */
		int err = xb_switch_state(nf->plat, nf->fe_dir, XenbusStateInitialising);

		if (err < 0) {
			nf_log(nf, LOG_ERR, "can't write %s/state: %s", nf->fe_dir, strerror(-err));
			nf->phase = NF_FAILED;
			return -1;
		}
	}
	nf->phase = NF_WAIT_INITWAIT;
	netfront_event(nf, 0);
	return nf->phase == NF_FAILED ? -1 : 0;
}

/* The backend left (or never finished) the connection: let go of the
 * queues as the kernel's netfront does (frontend Closed), then wait for the
 * backend to reach Closed before asking again (netback ignores a new
 * Initialising while it is still on its way down). */
/* The backend's error node (xenbus_dev_fatal writes it: "22 mapping
 * shared-frames ..."), "" if none: /local/domain/B/error/backend/... */
static void backend_error(struct netfront *nf, char *buf, size_t size)
{
	const char *rel = strstr(nf->be_dir, "/backend/");
	char path[XS_PATH_MAX + 16];
	char *v;

	buf[0] = '\0';
	if (!rel)
		return;
	snprintf(path, sizeof(path), "%.*s/error%s/error", (int)(rel - nf->be_dir), nf->be_dir, rel);
	v = nf->plat->ops->xs_read(nf->plat, XBT_NULL, path, NULL);
	if (v) {
		snprintf(buf, size, "%s", v);
		for (char *c = buf; *c; c++)
			if (*c < ' ' || *c > '~')
				*c = '?';   /* (the backend's words, shown as they are, safely) */
		free(v);
	}
}

/* While we wait for Connected: did our own state leave Connected under us
 * (the connection torn down from the other side)? */
static bool handshake_reset(struct netfront *nf)
{
	int fe = xb_read_state(nf->plat, nf->fe_dir);

	return fe >= 0 && fe != XenbusStateConnected;
}

static void lost(struct netfront *nf, long now_ms)
{
	if (nf->hooks.traffic_off)
		nf->hooks.traffic_off(nf->hooks.ctx);
	release_queues(nf, false);
	if (nf->hooks.unshare)
		nf->hooks.unshare(nf->hooks.ctx);
	xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosed);
	nf->phase = NF_WAIT_CLOSED;
	nf->deadline_ms = now_ms + NF_WAIT_CLOSED_MS;
}

/* Has the guest moved under us (restored, migrated, or the toolstack reset
 * our device)?  Then *why says how. */
static bool moved(struct netfront *nf, const char **why)
{
	char be_dir[XS_PATH_MAX];
	uint16_t be_domid;
	int domid, fe;

	if (read_location(nf, be_dir, &be_domid, &domid, true) < 0)
		return false;   /* the toolstack is still writing: look again later */
	if (domid >= 0 && nf->domid >= 0 && domid != nf->domid) {
		*why = "the domain id changed";
		return true;
	}
	if (strcmp(be_dir, nf->be_dir) || be_domid != nf->be_domid) {
		*why = "the backend changed";
		return true;
	}
	fe = xb_read_state(nf->plat, nf->fe_dir);
	if ((nf->phase == NF_WAIT_CONNECTED || nf->phase == NF_CONNECTED) &&
	    fe == XenbusStateInitialising) {
		*why = "the toolstack reset the frontend";
		return true;
	}
	return false;
}

/* Follow a moved guest, as the kernel's netfront does on resume: drop the
 * old connection (its channels are dead and are abandoned, never unbound;
 * the grants are ours to revoke: the domain that mapped them is gone),
 * re-read where the backend is, watch it, and start again. */
static void follow(struct netfront *nf, const char *why)
{
	char old_be[XS_PATH_MAX];
	int old_domid = nf->domid;

	snprintf(old_be, sizeof(old_be), "%s", nf->be_dir);
	if (nf->hooks.traffic_off)
		nf->hooks.traffic_off(nf->hooks.ctx);
	if (nf->nq && nf->plat->ops->evt_abandon(nf->plat) < 0)
		nf_log(nf, LOG_WARNING, "can't open a new event channel handle: %s", strerror(errno));
	release_queues(nf, true);
	if (nf->hooks.unshare)
		nf->hooks.unshare(nf->hooks.ctx);
	if (nf->be_watched[0])
		nf->plat->ops->xs_unwatch(nf->plat, nf->be_watched, "backend");
	nf->be_watched[0] = '\0';
	if (read_location(nf, nf->be_dir, &nf->be_domid, &nf->domid, false) < 0 ||
	    watch_backend(nf) < 0) {
		nf->phase = NF_FAILED;
		return;
	}
	nf->restores++;
	nf->be_state = -1;
	nf_log(nf, LOG_NOTICE, "guest moved (%s: domain %d -> %d, backend %s -> %s); connecting again",
	       why, old_domid, nf->domid, old_be, nf->be_dir);
	netfront_start(nf);
}

enum nf_phase netfront_event(struct netfront *nf, long now_ms)
{
	const char *why;
	int st;

	if (nf->phase != NF_IDLE && nf->phase != NF_CLOSING && nf->phase != NF_CLOSED &&
	    nf->phase != NF_FAILED && moved(nf, &why)) {
		follow(nf, why);
		if (nf->phase == NF_FAILED)
			return nf->phase;
	}
	st = xb_read_state(nf->plat, nf->be_dir);
	if (st != nf->be_state && st == -EINVAL)
		nf_log(nf, LOG_WARNING, "backend state in %s/state is invalid", nf->be_dir);
	nf->be_state = st;
	switch (nf->phase) {
	case NF_WAIT_CLOSED:
		/* Closed (or already past it, or gone), or it took too long */
		if (st == XenbusStateClosed || st == XenbusStateInitWait || st == XenbusStateInitialising ||
		    st == XenbusStateUnknown || st == -ENOENT || (now_ms && now_ms >= nf->deadline_ms))
			netfront_start(nf);
		break;
	case NF_WAIT_INITWAIT:
		if (st == XenbusStateInitWait) {
			int err = connect_backend(nf);

			/* the guest side could not share its buffers (yet): the
			 * backend keeps waiting in InitWait, and the next event
			 * (at least once a second) tries again */
			if (err == -EAGAIN)
				break;
			nf->phase = err < 0 ? NF_FAILED : NF_WAIT_CONNECTED;
		}
		break;
	case NF_WAIT_CONNECTED:
		if (st == XenbusStateConnected) {
			nf->phase = NF_CONNECTED;
			if (nf->ever_connected)
				nf->reconnects++;
			nf->ever_connected = true;
			if (nf->hooks.traffic_on && nf->hooks.traffic_on(nf->hooks.ctx) < 0) {
				nf->phase = NF_FAILED;
				release_queues(nf, false);
			}
		} else if (st == XenbusStateClosing || st == XenbusStateClosed || handshake_reset(nf)) {
			char err[256];

			backend_error(nf, err, sizeof(err));
			nf_log(nf, LOG_ERR, "backend %s during the handshake%s%s",
			       st == XenbusStateClosing || st == XenbusStateClosed ? (st == XenbusStateClosing ?
			       "went Closing" : "went Closed") : "reset the connection", err[0] ? ": " : "", err);
			if (nf->ever_connected) {
				lost(nf, now_ms);   /* it was there before: it may come back */
			} else if (++nf->attempts < NF_CONNECT_TRIES) {
				/* the first connect: netback fails one now and then
				 * (seen on Linux 6.12 right after the kernel's netfront
				 * let go of the vif, EINVAL binding a queue's event
				 * channel); a new handshake connects */
				nf_log(nf, LOG_WARNING, "connecting again (attempt %u of %d)", nf->attempts + 1,
				       NF_CONNECT_TRIES);
				lost(nf, now_ms);
			} else {
				release_queues(nf, false);
				xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosed);
				nf->phase = NF_FAILED;
			}
		}
		break;
	case NF_CONNECTED:
		if (st != XenbusStateConnected) {
			/* the backend went away or is restarting: let go, and
			 * connect again once it is back */
			nf_log(nf, LOG_WARNING, "backend is %s; disconnecting", xenbus_state_name(st));
			lost(nf, now_ms);
		}
		break;
	case NF_CLOSING:
		if (st == XenbusStateClosing || st == XenbusStateClosed || st < 0)
			nf->phase = NF_CLOSED;
		break;
	default:
		break;
	}
	return nf->phase;
}

void netfront_close(struct netfront *nf)
{
	if (nf->phase == NF_CLOSING || nf->phase == NF_CLOSED)
		return;   /* already on the way: keep waiting for the backend */
	if (nf->phase == NF_WAIT_CONNECTED || nf->phase == NF_CONNECTED) {
		if (nf->hooks.traffic_off)
			nf->hooks.traffic_off(nf->hooks.ctx);
		xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosing);
		nf->phase = NF_CLOSING;
		netfront_event(nf, 0);
	} else {
		nf->phase = NF_CLOSED;
	}
}

void netfront_finish(struct netfront *nf)
{
	bool shared = nf->nq > 0;
	int fe = xb_read_state(nf->plat, nf->fe_dir);

	if (nf->hooks.traffic_off)
		nf->hooks.traffic_off(nf->hooks.ctx);
	release_queues(nf, false);
	if (shared || fe == XenbusStateConnected || fe == XenbusStateClosing ||
	    fe == XenbusStateInitialising)
		xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosed);
	/* nothing of ours stays for the next frontend to inherit (the
	 * kernel's netfront after a handback, say) */
	netfront_clear_keys(nf->plat, nf->fe_dir);
	nf->phase = NF_CLOSED;
}
