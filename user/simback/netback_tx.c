/* SPDX-License-Identifier: MIT */
/*
 * Guest transmit: the frontend's TX requests (a first slot whose size is
 * the whole packet, its extra-info slots, the chained slots) reassembled and
 * sent to the host, with the checks xen-netback's netback.c makes: what it
 * answers NETIF_RSP_ERROR, and what it takes for a rogue frontend (the vif
 * is disabled: simnet_fatal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "pkt.h"
#include "simback.h"

#define PAGE 4096u
#define BUDGET 64u
#define ETH_HLEN 14
/* Linux's netif.h, after Xen 4.17's: XEN_NETIF_EXTRA_TYPE_XDP is 5, the
 * first invalid type 6; netback accepts (and ignores) an XDP extra. */
#define NETBK_EXTRA_TYPE_MAX 6
#define NETBK_LEGACY_SLOTS_MAX XEN_NETIF_NR_SLOTS_MIN   /* chained slots past the first */
#define NETBK_FATAL_SLOTS 20      /* netback's fatal_skb_slots */

static void tx_response(struct simnet_queue *q, uint16_t id, int16_t status)
{
	netif_tx_response_t *rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

	rsp->id = id;
	rsp->status = status;
	q->tx.rsp_prod_pvt++;
}

/* make_tx_response: the request's answer, then NETIF_RSP_NULL for each of
 * its extra slots (only the status is written there: the id field keeps
 * what the extra's request left in the slot, as in netback). */
static void respond(struct simnet_queue *q, uint16_t id, unsigned int extra_count, int16_t status)
{
	tx_response(q, id, status);
	while (extra_count--) {
		RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt)->status = NETIF_RSP_NULL;
		q->tx.rsp_prod_pvt++;
	}
}

/* xenvif_tx_err: ERROR for the first request and every request up to end. */
static void tx_err(struct simnet_queue *q, uint16_t first_id, unsigned int extra_count, RING_IDX end)
{
	respond(q, first_id, extra_count, NETIF_RSP_ERROR);
	for (RING_IDX i = q->tx.req_cons; i != end; i++) {
		netif_tx_request_t r;

		RING_COPY_REQUEST(&q->tx, i, &r);
		tx_response(q, r.id, NETIF_RSP_ERROR);
	}
	q->tx.req_cons = end;
	q->stats.tx_err++;
}

/* To the host: the packet and what the frontend said of its checksum and
 * segmentation, as netback's checksum_setup() leaves the skb. */
static void to_wire(struct simnet_queue *q, uint8_t *buf, uint32_t len, uint16_t txflags,
		    const struct netif_extra_info *gso)
{
	struct virtio_net_hdr vh = { 0 };
	struct iovec iov[2] = { { &vh, sizeof(vh) }, { buf, len } };

	if ((txflags & NETTXF_csum_blank) || gso) {
		struct pkt_l4 l;

		if (pkt_parse_l4(buf, len, &l) < 0) {
			q->stats.tx_dropped++;   /* "Can't setup checksum in net_tx_action" */
			return;
		}
		if (gso && !(txflags & NETTXF_csum_blank)) {
			pkt_set_partial(buf, &l);   /* a buggy peer's GSO: recalculated */
			q->stats.tx_gso_fixup++;
		}
		if (gso) {
			if (l.proto != IPPROTO_TCP || l.ipv6 != (gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6)) {
				q->stats.tx_dropped++;
				return;
			}
			vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			vh.gso_type = l.ipv6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
			vh.hdr_len = htole16(l.hdr_len);
			vh.gso_size = htole16(gso->u.gso.size);
			vh.csum_start = htole16(l.l4_off);
			vh.csum_offset = htole16((uint16_t)(l.csum_off - l.l4_off));
			q->stats.tx_gso++;
		} else {
			/* completed here, so that the host checks it */
			pkt_csum_complete(buf, l.l4_off + l.l4_len, l.l4_off, l.csum_off);
		}
	} else if (txflags & NETTXF_data_validated) {
		vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
	q->stats.tx_csum_blank += (txflags & NETTXF_csum_blank) != 0;
	q->stats.tx_data_validated += !(txflags & NETTXF_csum_blank) && (txflags & NETTXF_data_validated);
	if (q->wire >= 0 && writev(q->wire, iov, 2) < 0) {
		q->stats.tx_dropped++;
		return;
	}
	q->stats.tx_packets++;
	q->stats.tx_bytes += len;
}

/* The multicast list (XEN_NETIF_EXTRA_TYPE_MCAST_ADD/DEL). */
static int16_t mcast(struct simnet *n, const struct netif_extra_info *add, const struct netif_extra_info *del)
{
	if (add) {
		if (n->nmcast == SIM_MCAST_MAX)
			return NETIF_RSP_ERROR;
		memcpy(n->mcast[n->nmcast++], add->u.mcast.addr, 6);
		return NETIF_RSP_OKAY;
	}
	for (unsigned int i = 0; i < n->nmcast; i++) {
		if (!memcmp(n->mcast[i], del->u.mcast.addr, 6)) {
			memmove(n->mcast[i], n->mcast[i + 1], (size_t)(n->nmcast - i - 1) * 6);
			n->nmcast--;
			break;
		}
	}
	return NETIF_RSP_OKAY;
}

/* One packet from req_cons; work: the requests the frontend has produced.
 * xenvif_tx_build_gops, xenvif_get_extras, xenvif_count_requests. */
static void tx_packet(struct simnet *n, struct simnet_queue *q, int work)
{
	struct netif_extra_info extras[NETBK_EXTRA_TYPE_MAX - 1] = { 0 }, *gso = NULL;
	netif_tx_request_t first, frags[NETBK_LEGACY_SLOTS_MAX];
	unsigned int extra_count = 0, slots = 0;
	const char *drop = NULL;
	uint32_t total, off;
	bool bad_copy = false;
	RING_IDX cons = q->tx.req_cons;

	RING_COPY_REQUEST(&q->tx, cons, &first);
	q->tx.req_cons = ++cons;
	work--;
	if (first.flags & NETTXF_extra_info) {
		struct netif_extra_info e;

		do {
			if (work-- <= 0) {
				simnet_fatal(n, q, "missing extra info");
				return;
			}
			memcpy(&e, RING_GET_REQUEST(&q->tx, cons), sizeof(e));
			q->tx.req_cons = ++cons;
			extra_count++;
			if (!e.type || e.type >= NETBK_EXTRA_TYPE_MAX) {
				simnet_fatal(n, q, "invalid extra type: %d", e.type);
				return;
			}
			extras[e.type - 1] = e;
		} while (e.flags & XEN_NETIF_EXTRA_FLAG_MORE);
	}
	if (extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type || extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1].type) {
		bool add = extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1].type;

		respond(q, first.id, extra_count,
			mcast(n, add ? &extras[XEN_NETIF_EXTRA_TYPE_MCAST_ADD - 1] : NULL,
			      &extras[XEN_NETIF_EXTRA_TYPE_MCAST_DEL - 1]));
		q->stats.tx_mcast++;
		q->stats.tx_slots += 1 + extra_count;
		return;
	}
	total = first.size;
	if (first.flags & NETTXF_more_data) {
		netif_tx_request_t dropped, *txp;
		bool more;

		do {
			if ((int)slots >= work) {
				simnet_fatal(n, q, "asked for %d slots but exceeds this limit", work);
				return;
			}
			if (slots >= NETBK_FATAL_SLOTS) {
				simnet_fatal(n, q, "malicious frontend using %u slots, threshold %u", slots,
					     NETBK_FATAL_SLOTS);
				return;
			}
			if (!drop && slots >= NETBK_LEGACY_SLOTS_MAX)
				drop = "too many slots";
			txp = drop ? &dropped : &frags[slots];
			RING_COPY_REQUEST(&q->tx, cons + slots, txp);
			if (!drop && txp->size > first.size)
				drop = "a slot larger than what remains of the packet";
			first.size = (uint16_t)(first.size - txp->size);
			slots++;
			if ((uint32_t)txp->offset + txp->size > PAGE) {
				simnet_fatal(n, q, "cross page boundary, offset %u, size %u", txp->offset,
					     txp->size);
				return;
			}
			more = txp->flags & NETTXF_more_data;
		} while (more);
	}
	if (drop || first.size < ETH_HLEN) {
		tx_err(q, first.id, extra_count, cons + slots);
		q->stats.tx_slots += 1 + extra_count + slots;
		return;
	}
	if ((uint32_t)first.offset + first.size > PAGE) {
		simnet_fatal(n, q, "first slot's offset %u + size %u crosses the page", first.offset, first.size);
		return;
	}
	if (extras[XEN_NETIF_EXTRA_TYPE_GSO - 1].type) {
		gso = &extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];
		if (!gso->u.gso.size) {
			simnet_fatal(n, q, "GSO size must not be zero");
			return;
		}
		if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 && gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
			simnet_fatal(n, q, "bad GSO type %d", gso->u.gso.type);
			return;
		}
	}
	/* copy the slots out of the granted pages; one that fails is answered
	 * ERROR, the others OKAY, and the packet goes nowhere */
	bad_copy = gnttab_back_copy_from(n->gt, first.gref, first.offset, n->txbuf, first.size) < 0;
	respond(q, first.id, extra_count, bad_copy ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
	off = first.size;
	for (unsigned int i = 0; i < slots; i++) {
		bool bad = gnttab_back_copy_from(n->gt, frags[i].gref, frags[i].offset, n->txbuf + off,
						 frags[i].size) < 0;

		tx_response(q, frags[i].id, bad ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
		bad_copy |= bad;
		off += frags[i].size;
	}
	q->tx.req_cons = cons + slots;
	q->stats.tx_slots += 1 + extra_count + slots;
	if (bad_copy) {
		q->stats.tx_err++;
		return;
	}
	to_wire(q, n->txbuf, total, first.flags, gso);
}

unsigned int simnet_tx_service(struct simnet *n, struct simnet_queue *q)
{
	unsigned int done = 0;
	int need;

	while (done < BUDGET && !n->disabled) {
		RING_IDX prod = q->tx.sring->req_prod;
		int work;

		xen_rmb();
		if (prod - q->tx.req_cons > RING_SIZE(&q->tx)) {
			simnet_fatal(n, q, "impossible number of requests: req_prod %u, req_cons %u, size %u",
				     prod, q->tx.req_cons, RING_SIZE(&q->tx));
			break;
		}
		work = (int)RING_HAS_UNCONSUMED_REQUESTS(&q->tx);
		if (!work)
			break;
		tx_packet(n, q, work);
		done++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, need);
	if (need)
		simnet_notify(q, q->tx_chan);
	return done;
}
