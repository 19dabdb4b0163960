/* SPDX-License-Identifier: MIT */
/*
 * Guest receive: frames from the host (the TAP, or the generator) into the
 * RX buffers the frontend posts, as xen-netback's rx.c lays them out: the
 * first data slot, then the extra-info slots (GSO), then the rest of the
 * data, each slot at most one page, every response in the ring slot of the
 * request it consumed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <unistd.h>
#include "pkt.h"
#include "simback.h"
#include "common/log.h"

#define PAGE 4096u
#define BUDGET 64u
#define VNET_HLEN sizeof(struct virtio_net_hdr)
#define HOSTILE_CHAIN (XEN_NETIF_NR_SLOTS_MIN + 2)   /* slots of a long-chain packet */

/* How one packet goes into slots. */
struct rx_plan {
	unsigned int ndata;       /* data slots */
	uint32_t unit;            /* bytes in each data slot but the last */
	unsigned int nextra;
	struct netif_extra_info extra[2];
	uint16_t flags;           /* first slot's checksum flags */
	enum sim_hostile hostile;
};

/* The load generator's frame (gen_frame.c), the same on every queue: by
 * default for another host's MAC, so the guest's stack drops it early (the
 * benchmark measures the path to the stack, not the stack); with
 * --gen-dst, for a UDP port of the guest's (the benchmark's into-a-socket
 * rows).  simnet_set_gen has checked the size against SIM_FRAME_MAX. */
void simnet_build_gen_frame(struct simnet *n)
{
	gen_frame_build(n->gen_frame, SIM_FRAME_MAX, n->cfg.gen_size, &n->cfg.gen_dst);
}

static uint16_t le16(uint16_t v)
{
	return le16toh(v);
}

/* What netback's vif would have been handed for this frame, given the
 * features the frontend negotiated: 0 and q->pend set, or -1 (dropped). */
static int classify(struct simnet *n, struct simnet_queue *q, uint8_t *f, uint32_t len,
		    const struct virtio_net_hdr *vh)
{
	const struct simnet_features *fe = &n->fe;
	struct sim_rx_pkt *p = &q->pend;
	uint8_t gt = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	memset(p, 0, sizeof(*p));
	if (gt == VIRTIO_NET_HDR_GSO_TCPV4 && fe->sg && fe->gso_tcpv4)
		p->gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
	else if (gt == VIRTIO_NET_HDR_GSO_TCPV6 && fe->sg && fe->gso_tcpv6)
		p->gso_type = XEN_NETIF_GSO_TYPE_TCPV6;
	else if (gt != VIRTIO_NET_HDR_GSO_NONE)
		return -1;   /* the TAP was told not to: frames from before a renegotiation */
	p->gso_size = le16(vh->gso_size);
	if (p->gso_type && (!p->gso_size || !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)))
		return -1;
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		uint32_t start = le16(vh->csum_start), field = start + le16(vh->csum_offset);
		struct pkt_l4 l;

		if (field + 2 > len)
			return -1;
		if (pkt_parse_l4(f, len, &l) == 0 && l.l4_off == start && l.csum_off == field &&
		    (l.ipv6 ? fe->ipv6_csum : fe->ip_csum)) {
			p->flags = NETRXF_csum_blank | NETRXF_data_validated;
		} else if (p->gso_type) {
			return -1;
		} else {
			/* what the stack's skb_checksum_help would have done
			 * before a vif without this offload */
			pkt_csum_complete(f, len, start, field);
			q->stats.rx_csum_done++;
		}
	} else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		p->flags = NETRXF_data_validated;
	}
	if (!fe->sg && len > PAGE)
		return -1;
	/* request-multicast-control: multicast only to the addresses added */
	if (fe->mcast_ctrl && (f[0] & 1) && memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) &&
	    !simnet_mcast_listed(n, f))
		return -1;
	p->data = f;
	p->len = len;
	p->valid = true;
	return 0;
}

/* The next frame for this queue: from the generator or the wire.
 * 1: q->pend is set; 0: none now; -1: one was dropped (try again). */
static int next_frame(struct simnet *n, struct simnet_queue *q)
{
	struct virtio_net_hdr vh;
	ssize_t r;

	if (n->cfg.gen_size) {
		if (n->cfg.gen_size > n->mtu + 14) {
			if (!n->gen_idle)
				log_warn("xennet-simback", "generator: %u-byte frames do not fit this "
					 "frontend's mtu %u%s; idle", n->cfg.gen_size, n->mtu,
					 n->fe.sg ? "" : " (no feature-sg)");
			n->gen_idle = true;
			return 0;
		}
		q->pend = (struct sim_rx_pkt){ .valid = true, .data = n->gen_frame, .len = n->cfg.gen_size };
		return 1;
	}
	if (q->wire < 0 || !RING_HAS_UNCONSUMED_REQUESTS(&q->rx))
		return 0;   /* frames wait in the TAP while there is nowhere to put them */
	r = read(q->wire, q->buf, SIM_FRAME_MAX);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			/* the TAP is going away (its namespace deleted): stop
			 * polling it rather than spin on its error */
			log_warn("xennet-simback", "queue %u: reading the wire: %s; no more frames from it",
				 q->id, strerror(errno));
			q->wire = -1;
		}
		return 0;
	}
	if (r < (ssize_t)(VNET_HLEN + 14)) {
		q->stats.rx_dropped++;
		return -1;
	}
	memcpy(&vh, q->buf, VNET_HLEN);
	if (classify(n, q, q->buf + VNET_HLEN, (uint32_t)(r - (ssize_t)VNET_HLEN), &vh) < 0) {
		q->stats.rx_dropped++;
		return -1;
	}
	return 1;
}

static void add_extra(struct rx_plan *pl, uint8_t type, uint16_t size, uint8_t gso_type)
{
	struct netif_extra_info *e = &pl->extra[pl->nextra++];

	memset(e, 0, sizeof(*e));
	e->type = type;
	e->u.gso.size = size;
	e->u.gso.type = gso_type;
}

/* Slots for the waiting frame: xenvif_rx_next_skb and xenvif_rx_data_slot,
 * and the hostile kind's change to them. */
static void plan(const struct sim_rx_pkt *p, enum sim_hostile h, struct rx_plan *pl)
{
	uint8_t fam = p->len > 13 && p->data[12] == 0x86 && p->data[13] == 0xdd ? XEN_NETIF_GSO_TYPE_TCPV6
										 : XEN_NETIF_GSO_TYPE_TCPV4;

	pl->unit = PAGE;
	pl->ndata = (p->len + PAGE - 1) / PAGE;
	pl->nextra = 0;
	pl->flags = p->flags;
	pl->hostile = h;
	if (p->gso_type)
		add_extra(pl, XEN_NETIF_EXTRA_TYPE_GSO, p->gso_size, p->gso_type);
	switch (h) {
	case HOSTILE_BAD_EXTRA_TYPE:
		if (!pl->nextra)
			add_extra(pl, 0xff, p->gso_size, fam);
		pl->extra[0].type = 0xff;
		break;
	case HOSTILE_GSO_SIZE_0:
	case HOSTILE_GSO_SIZE_BIG:
		if (!pl->nextra)
			add_extra(pl, XEN_NETIF_EXTRA_TYPE_GSO, 0, fam);
		pl->extra[0].u.gso.size = h == HOSTILE_GSO_SIZE_0 ? 0 : (uint16_t)(p->len < 0xffff ? p->len + 1 : 0xffff);
		break;
	case HOSTILE_LONG_CHAIN:
		pl->unit = (p->len + HOSTILE_CHAIN - 1) / HOSTILE_CHAIN;
		pl->ndata = (p->len + pl->unit - 1) / pl->unit;
		break;
	case HOSTILE_BAD_CHAIN_ID:
		if (pl->ndata < 2) {
			pl->unit = (p->len + 1) / 2;
			pl->ndata = 2;
		}
		break;
	default:
		break;
	}
}

/* xenvif_rx_ring_slots_available: enough requests for the whole packet, or
 * ask to be woken at the next one the frontend posts. */
static bool slots_available(struct simnet_queue *q, unsigned int needed)
{
	RING_IDX prod;

	do {
		prod = q->rx.sring->req_prod;
		xen_rmb();
		if (prod - q->rx.req_cons >= needed)
			return true;
		q->rx.sring->req_event = prod + 1;
		xen_mb();
	} while (q->rx.sring->req_prod != prod);
	return false;
}

/* Corrupt the first slot's response as the hostile mode says. */
static void hostile_first(struct simnet_queue *q, enum sim_hostile h, netif_rx_response_t *rsp)
{
	switch (h) {
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
		q->rx.rsp_prod_pvt += 1000;
		break;
	default:
		break;
	}
}

/* Copy the packet into the requests at req_cons, responses in the same
 * ring slots.  Returns the slots used. */
static unsigned int deliver(struct simnet *n, struct simnet_queue *q, const struct sim_rx_pkt *p,
			    const struct rx_plan *pl)
{
	unsigned int nslots = pl->ndata + pl->nextra, d = 0;
	RING_IDX idx = q->rx.req_cons;
	uint32_t off = 0;

	for (unsigned int s = 0; s < nslots; s++, idx++) {
		netif_rx_request_t req;
		netif_rx_response_t *rsp = RING_GET_RESPONSE(&q->rx, idx);

		RING_COPY_REQUEST(&q->rx, idx, &req);
		if (s >= 1 && s <= pl->nextra) {
			/* extras go right after the first data slot, overlaying
			 * the response: the frontend knows the request by the slot */
			struct netif_extra_info e = pl->extra[s - 1];

			if (s < pl->nextra)
				e.flags |= XEN_NETIF_EXTRA_FLAG_MORE;
			memcpy(rsp, &e, sizeof(e));
			continue;
		}
		uint32_t len = p->len - off < pl->unit ? p->len - off : pl->unit;
		uint16_t flags = off + len < p->len ? NETRXF_more_data : 0;

		if (d == 0) {
			flags |= pl->flags | (pl->nextra ? NETRXF_extra_info : 0);
		}
		if (d == pl->ndata - 1 && pl->hostile == HOSTILE_MISSING_LAST)
			flags |= NETRXF_more_data;
		rsp->id = req.id;
		rsp->offset = 0;
		rsp->flags = flags;
		rsp->status = (int16_t)len;
		if (gnttab_back_copy_to(n->gt, req.gref, 0, p->data + off, len) < 0) {
			rsp->status = NETIF_RSP_ERROR;
			q->stats.rx_bad_copy++;
		}
		if (d > 0 && d == pl->ndata - 1 && pl->hostile == HOSTILE_BAD_CHAIN_ID) {
			netif_rx_request_t other;

			/* another outstanding request's id, or one that was never posted */
			RING_COPY_REQUEST(&q->rx, q->rx.req_cons + nslots, &other);
			rsp->id = q->rx.sring->req_prod - q->rx.req_cons > nslots && other.id != req.id ?
				  other.id : 0xbad;
		}
		if (d == 0)
			hostile_first(q, pl->hostile, rsp);
		off += len;
		d++;
	}
	q->rx.req_cons = idx;
	q->rx.rsp_prod_pvt += nslots;
	return nslots;
}

/* Hostile missing-last: the frontend has moved past the dangling chain
 * (consumed it: its rsp_event, or the request it posts again in its slot). */
static bool hold_released(const struct simnet_queue *q)
{
	RING_IDX next = q->hold_idx + 1;

	return (int32_t)(q->rx.sring->rsp_event - next) > 0 ||
	       (int32_t)(q->rx.sring->req_prod - RING_SIZE(&q->rx) - next) >= 0;
}

static enum sim_hostile pick_hostile(struct simnet *n, struct simnet_queue *q)
{
	if (n->cfg.hostile == HOSTILE_NONE || ++q->rx_seen % n->cfg.hostile_every)
		return HOSTILE_NONE;
	return n->cfg.hostile;
}

/* The frame waiting, planned; false if none. */
static bool pending(struct simnet *n, struct simnet_queue *q, struct rx_plan *pl)
{
	for (unsigned int tries = 0; !q->pend.valid; tries++) {
		int r = tries < BUDGET ? next_frame(n, q) : 0;

		if (r == 0)
			return false;
		if (r > 0)
			q->pend.hostile = pick_hostile(n, q);
	}
	plan(&q->pend, (enum sim_hostile)q->pend.hostile, pl);
	return true;
}

unsigned int simnet_rx_service(struct simnet *n, struct simnet_queue *q)
{
	unsigned int done = 0;
	struct rx_plan pl;
	int need;

	if (q->holding && !hold_released(q))
		return 0;
	q->holding = false;
	while (done < BUDGET && pending(n, q, &pl)) {
		unsigned int slots;

		if (!slots_available(q, pl.ndata + pl.nextra)) {
			n->stats.rx_no_req++;
			break;
		}
		slots = deliver(n, q, &q->pend, &pl);
		q->stats.rx_packets++;
		q->stats.rx_bytes += q->pend.len;
		q->stats.rx_slots += slots;
		q->stats.rx_gso += q->pend.gso_type != 0;
		q->stats.rx_csum_blank += (q->pend.flags & NETRXF_csum_blank) != 0;
		q->stats.rx_data_validated += (q->pend.flags & NETRXF_data_validated) != 0;
		n->stats.hostile_sent += pl.hostile != HOSTILE_NONE;
		q->pend.valid = false;
		done++;
		if (pl.hostile == HOSTILE_MISSING_LAST) {
			q->holding = true;
			q->hold_idx = q->rx.req_cons - 1;
			break;
		}
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, need);
	if (need)
		simnet_notify(q, q->rx_chan);
	return done;
}

bool simnet_rx_final_check(struct simnet *n, struct simnet_queue *q)
{
	struct rx_plan pl;
	int more;

	if (q->holding) {
		q->rx.sring->req_event = q->rx.sring->req_prod + 1;
		xen_mb();
		return hold_released(q);
	}
	if (q->pend.valid || (n->cfg.gen_size && !n->gen_idle)) {
		if (!pending(n, q, &pl))
			return false;
		return slots_available(q, pl.ndata + pl.nextra);
	}
	if (q->wire < 0 || RING_HAS_UNCONSUMED_REQUESTS(&q->rx))
		return false;   /* (the wire is polled while requests wait) */
	RING_FINAL_CHECK_FOR_REQUESTS(&q->rx, more);
	return more != 0;   /* requests came: poll the wire */
}
