/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/mac.h"
#include "xen/netfront.h"
#include "xen/xenbus_state.h"


void nf_log(const struct netfront *nf, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", nf->ifname, line);
}

int netfront_probe(struct netfront *nf, struct plat *p, unsigned int vif, const char *ifname)
{
	unsigned long v;
	char *s;
	int ret;

	memset(nf, 0, sizeof(*nf));
	nf->plat = p;
	nf->vif = vif;
	nf->q.evtchn = -1;
	nf->q.st = &nf->q.own_st;   /* until the caller gives it a stats file */
	nf->be_state = -1;
	snprintf(nf->ifname, sizeof(nf->ifname), "%s", ifname);
	snprintf(nf->fe_dir, sizeof(nf->fe_dir), "device/vif/%u", vif);

	s = xk_read(p, XBT_NULL, nf->fe_dir, "backend");
	if (!s) {
		nf_log(nf, "can't read backend path from %s/backend, err %d", nf->fe_dir, errno);
		return -1;
	}
	if (!xk_valid_dir(s)) {
		nf_log(nf, "%.64s is not a valid backend path", s);
		free(s);
		return -1;
	}
	snprintf(nf->be_dir, sizeof(nf->be_dir), "%s", s);
	free(s);

	ret = xk_read_uint(p, XBT_NULL, nf->fe_dir, "backend-id", DOMID_MAX, &v);
	if (ret < 0) {
		nf_log(nf, ret == -ENOENT ? "can't read backend-id, err %d"
					  : "backend-id is not a valid domain id (err %d)", -ret);
		return -1;
	}
	nf->be_domid = (uint16_t)v;

	s = xk_read(p, XBT_NULL, nf->fe_dir, "mac");
	if (!s) {
		nf_log(nf, "can't read mac address, err %d", errno);
		return -1;
	}
	if (mac_parse(s, nf->mac) < 0) {
		nf_log(nf, "%.64s is not a valid mac address", s);
		free(s);
		return -1;
	}
	free(s);

	nf->mtu = NF_DEFAULT_MTU;
	ret = xk_read_uint(p, XBT_NULL, nf->fe_dir, "mtu", 65535, &v);
	if (ret == 0 && (v < 68 || v > 9000)) {
		nf_log(nf, "mtu %lu is out of range 68..9000", v);
		return -1;
	} else if (ret == -EINVAL) {
		nf_log(nf, "mtu in %s/mtu is not a number", nf->fe_dir);
		return -1;
	} else if (ret == 0 && v > NF_DEFAULT_MTU) {
		/* a frame must fit one granted page: larger ones need feature-sg
		 * (several slots per packet), which we do not negotiate; Linux
		 * netfront clamps the same way without SG */
		nf_log(nf, "mtu %lu needs scatter-gather, which xennet-xdp does not use; using %u", v,
		       NF_DEFAULT_MTU);
	} else if (ret == 0) {
		nf->mtu = (unsigned int)v;
	}
	nf->phase = NF_IDLE;
	return 0;
}

/* The keys netif.h asks of a frontend, in one transaction (retried while
 * the store says EAGAIN, as xenbus drivers do). */
static int write_keys(struct netfront *nf)
{
	struct plat *p = nf->plat;

	for (int attempt = 0; attempt < 32; attempt++) {
		xs_transaction_t t = p->ops->xs_transaction_start(p);
		int err = 0;

		if (t == XBT_NULL)
			return -errno;
		err = err ?: xk_printf(p, t, nf->fe_dir, "tx-ring-ref", "%u", nf->q.tx_ring_ref);
		err = err ?: xk_printf(p, t, nf->fe_dir, "rx-ring-ref", "%u", nf->q.rx_ring_ref);
		err = err ?: xk_printf(p, t, nf->fe_dir, "event-channel", "%d", nf->q.evtchn);
		err = err ?: xk_printf(p, t, nf->fe_dir, "request-rx-copy", "1");
		err = err ?: xk_printf(p, t, nf->fe_dir, "feature-rx-notify", "1");
		/* we cannot complete partial checksums: ask for full ones */
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

/* talk_to_netback: share the rings and buffers, allocate the channel,
 * write the keys, and say Connected. */
static int connect_backend(struct netfront *nf)
{
	unsigned long v;
	int err;

	if (xk_read_uint(nf->plat, XBT_NULL, nf->be_dir, "feature-rx-copy", 1, &v) < 0 || v != 1) {
		nf_log(nf, "backend offers only RX flip mode, which needs page transfers "
			   "a userspace frontend cannot make");
		return -1;
	}
	err = nq_alloc(&nf->q, nf->plat, nf->be_domid, nf->mtu);
	if (err < 0) {
		nf_log(nf, "can't share rings and buffers with domain %u, err %d", nf->be_domid, -err);
		return -1;
	}
	err = nq_alloc_evtchn(&nf->q);
	if (err < 0) {
		nf_log(nf, "can't allocate event channel, err %d", -err);
		nq_free(&nf->q);
		return -1;
	}
	nf_log(nf, "using event channel %d", nf->q.evtchn);
	err = write_keys(nf);
	if (err < 0) {
		nf_log(nf, "can't write ring references to %s, err %d", nf->fe_dir, -err);
		nq_free(&nf->q);
		return -1;
	}
	nq_rx_refill(&nf->q);   /* RX buffers posted before we say Connected */
	nf_log(nf, "using RX copy mode");
	err = xb_switch_state(nf->plat, nf->fe_dir, XenbusStateConnected);
	if (err < 0) {
		nf_log(nf, "can't switch to Connected, err %d", -err);
		nq_free(&nf->q);
		return -1;
	}
	return 0;
}

int netfront_start(struct netfront *nf)
{
	int st = xb_read_state(nf->plat, nf->fe_dir);

	if (st != XenbusStateInitialising) {
		/* e.g. Closed after an earlier run: asking again is how a
		 * frontend reconnects (netback answers with InitWait) */
		int err = xb_switch_state(nf->plat, nf->fe_dir, XenbusStateInitialising);

		if (err < 0) {
			nf_log(nf, "can't write %s/state, err %d", nf->fe_dir, -err);
			nf->phase = NF_FAILED;
			return -1;
		}
	}
	nf->phase = NF_WAIT_INITWAIT;
	netfront_backend_changed(nf);
	return nf->phase == NF_FAILED ? -1 : 0;
}

static void disconnect(struct netfront *nf)
{
	nq_free(&nf->q);
}

enum nf_phase netfront_backend_changed(struct netfront *nf)
{
	int st = xb_read_state(nf->plat, nf->be_dir);

	if (st != nf->be_state && st == -EINVAL)
		nf_log(nf, "backend state in %s/state is invalid", nf->be_dir);
	nf->be_state = st;
	switch (nf->phase) {
	case NF_WAIT_INITWAIT:
		if (st == XenbusStateInitWait)
			nf->phase = connect_backend(nf) < 0 ? NF_FAILED : NF_WAIT_CONNECTED;
		break;
	case NF_WAIT_CONNECTED:
		if (st == XenbusStateConnected) {
			nf->phase = NF_CONNECTED;
		} else if (st == XenbusStateClosing || st == XenbusStateClosed) {
			nf_log(nf, "backend went %s during the handshake", xenbus_state_name(st));
			disconnect(nf);
			xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosed);
			nf->phase = NF_FAILED;
		}
		break;
	case NF_CONNECTED:
		if (st != XenbusStateConnected) {
			/* the backend went away or is restarting: the caller
			 * stops traffic, finishes, and may start again */
			nf_log(nf, "backend is %s; disconnecting", xenbus_state_name(st));
			nf->phase = NF_LOST;
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
	if (nf->phase == NF_WAIT_CONNECTED || nf->phase == NF_CONNECTED || nf->phase == NF_LOST) {
		xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosing);
		nf->phase = NF_CLOSING;
		netfront_backend_changed(nf);
	} else {
		nf->phase = NF_CLOSED;
	}
}

void netfront_finish(struct netfront *nf)
{
	bool shared = nf->q.tx_sring != NULL;

	disconnect(nf);
	if (shared)
		xb_switch_state(nf->plat, nf->fe_dir, XenbusStateClosed);
	nf->phase = NF_CLOSED;
}
