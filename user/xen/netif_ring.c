/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "xen/netif_ring.h"

#define ETH_HLEN_VLAN 18u
#define PAGE PLAT_PAGE_SIZE
#define RX_MASK (NET_RX_RING_SIZE - 1)

_Static_assert(sizeof(netif_extra_info_t) <= sizeof(netif_rx_response_t),
	       "an extra-info slot fits an RX response slot");
_Static_assert(sizeof(netif_extra_info_t) <= sizeof(netif_tx_request_t),
	       "an extra-info slot fits a TX request slot");

static void *share(struct netif_queue *q, uint32_t n, uint32_t *refs, bool writable)
{
	return q->plat->ops->gnt_share(q->plat, q->be_domid, n, refs, writable);
}

int nq_alloc(struct netif_queue *q, struct plat *p, uint16_t be_domid, unsigned int mtu,
	     const struct nq_features *feat, const struct nq_zc *zc)
{
	struct xennet_queue_stats *st = q->st;
	unsigned int index = q->index;

	memset(q, 0, sizeof(*q));
	q->st = st ? st : &q->own_st;
	q->index = index;
	q->plat = p;
	q->be_domid = be_domid;
	q->evtchn = q->evtchn_rx = -1;
	q->max_frame = mtu + ETH_HLEN_VLAN;
	q->zc = zc;
	if (feat)
		q->feat = *feat;
	q->tx_sring = share(q, 1, &q->tx_ring_ref, true);
	q->rx_sring = q->tx_sring ? share(q, 1, &q->rx_ring_ref, true) : NULL;
	if (!zc) {
		q->tx_bufs = q->rx_sring ? share(q, NET_TX_RING_SIZE, q->tx_refs, false) : NULL;
		q->rx_bufs = q->tx_bufs ? share(q, NET_RX_RING_SIZE, q->rx_refs, true) : NULL;
	}
	if (!q->rx_sring || (!zc && !q->rx_bufs)) {
		int err = errno ? errno : ENOMEM;

		nq_free(q);
		return -err;
	}
	SHARED_RING_INIT(q->tx_sring);
	FRONT_RING_INIT(&q->tx, q->tx_sring, PAGE);
	SHARED_RING_INIT(q->rx_sring);
	FRONT_RING_INIT(&q->rx, q->rx_sring, PAGE);
	for (unsigned int i = 0; i < NET_TX_RING_SIZE; i++)
		q->tx_free[i] = (uint16_t)(NET_TX_RING_SIZE - 1 - i);
	q->tx_nfree = NET_TX_RING_SIZE;
	return 0;
}

int nq_alloc_evtchn(struct netif_queue *q)
{
	q->evtchn = q->plat->ops->evt_alloc_unbound(q->plat, q->index, q->be_domid);
	if (q->evtchn < 0)
		return -errno;
	if (q->feat.split) {
		q->evtchn_rx = q->plat->ops->evt_alloc_unbound(q->plat, q->index, q->be_domid);
		if (q->evtchn_rx < 0)
			return -errno;
	}
	return 0;
}

bool nq_owns_port(const struct netif_queue *q, int port)
{
	return port >= 0 && (port == q->evtchn || port == q->evtchn_rx);
}

/* Zero-copy: hand every frame still on the rings back to the datapath. */
static void give_back_all(struct netif_queue *q)
{
	if (!q->zc || !q->rx_sring)
		return;
	for (RING_IDX i = q->rx.rsp_cons; i != q->rx.req_prod_pvt; i++)
		q->zc->give_back(q->zc->ctx, q->rx_addr[i & RX_MASK], true);
	for (unsigned int id = 0; id < NET_TX_RING_SIZE; id++)
		if (q->tx_busy[id])
			q->zc->give_back(q->zc->ctx, q->tx_addr[id], false);
	q->rx.rsp_cons = q->rx.req_prod_pvt;
	memset(q->tx_busy, 0, sizeof(q->tx_busy));
}

void nq_free(struct netif_queue *q)
{
	const struct plat_ops *o = q->plat ? q->plat->ops : NULL;

	if (!o)
		return;
	give_back_all(q);
	if (q->evtchn >= 0)
		o->evt_close(q->plat, (uint32_t)q->evtchn);
	if (q->evtchn_rx >= 0)
		o->evt_close(q->plat, (uint32_t)q->evtchn_rx);
	if (q->rx_bufs)
		o->gnt_unshare(q->plat, q->rx_bufs, NET_RX_RING_SIZE);
	if (q->tx_bufs)
		o->gnt_unshare(q->plat, q->tx_bufs, NET_TX_RING_SIZE);
	if (q->rx_sring)
		o->gnt_unshare(q->plat, q->rx_sring, 1);
	if (q->tx_sring)
		o->gnt_unshare(q->plat, q->tx_sring, 1);
	q->evtchn = q->evtchn_rx = -1;
	q->rx_bufs = q->tx_bufs = NULL;
	q->rx_sring = NULL;
	q->tx_sring = NULL;
}

static void notify(struct netif_queue *q, int port)
{
	if (q->plat->ops->evt_notify(q->plat, (uint32_t)port) == 0)
		q->st->notifies++;
}

/* The backend broke the protocol: nothing on this queue can be trusted. */
static void broken(struct netif_queue *q, uint64_t *counter, const char *why)
{
	(*counter)++;
	if (!q->broken) {
		q->broken = true;
		q->broken_why = why;
	}
}

/* The backend may not claim more responses than requests we made. */
static bool runaway(struct netif_queue *q, RING_IDX prod, RING_IDX cons, RING_IDX req_prod,
		    uint64_t *counter)
{
	if (prod - cons <= req_prod - cons)
		return false;
	broken(q, counter, "backend produced more responses than requests (runaway producer index)");
	return true;
}

void nq_rx_refill(struct netif_queue *q)
{
	int need;

	q->rx_starved = false;
	if (q->broken || !RING_FREE_REQUESTS(&q->rx))
		return;
	/* the request at ring index i names buffer and id i mod RING_SIZE: a
	 * response slot then always tells which page it used, extra-info
	 * slots (which carry no id) included */
	while (RING_FREE_REQUESTS(&q->rx)) {
		uint16_t id = (uint16_t)(q->rx.req_prod_pvt & RX_MASK);
		netif_rx_request_t *req = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);
		uint64_t addr;

		if (q->zc) {
			/* zero-copy: a free UMEM frame becomes this slot's buffer */
			if (!q->zc->rx_frame(q->zc->ctx, &addr)) {
				q->rx_starved = true;
				q->st->rx_refill_short++;
				break;
			}
			q->rx_addr[id] = addr;
			req->gref = q->zc->refs[addr / PAGE];
		} else {
			req->gref = q->rx_refs[id];
		}
		req->id = id;
		q->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, need);
	if (need)
		notify(q, q->evtchn_rx >= 0 ? q->evtchn_rx : q->evtchn);
}

enum rx_verdict { RX_GOOD, RX_BAD, RX_ERROR, RX_BROKEN };

/* One data slot's bytes into pkt; false if its offset and size do not fit
 * its page (or the packet has no room for another fragment). */
static bool add_frag(struct netif_queue *q, struct nq_pkt *pkt, const netif_rx_response_t *rsp,
		     RING_IDX i)
{
	uint32_t len = (uint32_t)rsp->status;

	if (rsp->status <= 0 || (uint32_t)rsp->offset + len > PAGE || pkt->nfrags >= NQ_MAX_SLOTS)
		return false;
	if (q->zc) {
		pkt->frag[pkt->nfrags].addr = q->rx_addr[i & RX_MASK] + rsp->offset;
		pkt->frag[pkt->nfrags].data = q->zc->area + pkt->frag[pkt->nfrags].addr;
	} else {
		pkt->frag[pkt->nfrags].data = q->rx_bufs + (size_t)(i & RX_MASK) * PAGE + rsp->offset;
	}
	pkt->frag[pkt->nfrags].len = len;
	pkt->nfrags++;
	pkt->len += len;
	return true;
}

/* The packet starting at cons, in *n slots: its first response, its
 * extra-info slots, its more_data chain.  Never reads a slot at or past
 * prod: a chain that would is a broken protocol (netback pushes a packet's
 * slots together). */
static enum rx_verdict take_rx_packet(struct netif_queue *q, RING_IDX cons, RING_IDX prod,
				      struct nq_pkt *pkt, unsigned int *n)
{
	RING_IDX avail = prod - cons;
	netif_rx_response_t rsp;
	bool bad = false, error = false;
	uint16_t flags;

	pkt->nfrags = 0;
	pkt->len = 0;
	pkt->gso_size = 0;
	pkt->gso_type = XEN_NETIF_GSO_TYPE_NONE;
	RING_COPY_RESPONSE(&q->rx, cons, &rsp);
	*n = 1;
	if (rsp.id != (cons & RX_MASK)) {
		broken(q, &q->st->rx_invalid, "RX response with a bad id");
		return RX_BROKEN;
	}
	pkt->flags = rsp.flags & (NETRXF_csum_blank | NETRXF_data_validated);
	if (rsp.status < 0)
		error = true;
	else if (!add_frag(q, pkt, &rsp, cons))
		bad = true;
	flags = rsp.flags;
	if (flags & NETRXF_extra_info) {
		netif_extra_info_t ex;

		do {
			netif_rx_response_t raw;

			if (*n >= avail) {
				broken(q, &q->st->rx_invalid, "RX extra-info slot past the last response");
				return RX_BROKEN;
			}
			RING_COPY_RESPONSE(&q->rx, cons + *n, &raw);
			memcpy(&ex, &raw, sizeof(ex));
			(*n)++;
			if (ex.type == XEN_NETIF_EXTRA_TYPE_GSO && !pkt->gso_size &&
			    ((ex.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 && q->feat.gso4) ||
			     (ex.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 && q->feat.gso6)) &&
			    ex.u.gso.size > 0) {
				pkt->gso_size = ex.u.gso.size;
				pkt->gso_type = ex.u.gso.type;
			} else {
				bad = true;   /* not negotiated, unknown, or nonsense */
			}
		} while ((ex.flags & XEN_NETIF_EXTRA_FLAG_MORE));
	}
	while (flags & NETRXF_more_data) {
		if (!q->feat.sg) {
			broken(q, &q->st->rx_invalid, "RX more_data without scatter-gather negotiated");
			return RX_BROKEN;
		}
		if (*n >= avail) {
			broken(q, &q->st->rx_invalid, "RX more_data chain past the last response");
			return RX_BROKEN;
		}
		RING_COPY_RESPONSE(&q->rx, cons + *n, &rsp);
		if (rsp.id != ((cons + *n) & RX_MASK)) {
			broken(q, &q->st->rx_invalid, "RX response with a bad id");
			return RX_BROKEN;
		}
		(*n)++;
		if (!error && !add_frag(q, pkt, &rsp, cons + *n - 1))
			bad = true;   /* too many slots, a size past its page */
		flags = rsp.flags;
	}
	if (error) {
		q->st->rx_errors++;
		return RX_ERROR;
	}
	if (!bad && (pkt->len > XEN_NETIF_MAX_TX_SIZE ||
		     (!pkt->gso_size && pkt->len > q->max_frame) ||
		     (pkt->gso_size && pkt->gso_size >= pkt->len)))
		bad = true;
	if (bad) {
		q->st->rx_invalid++;
		return RX_BAD;
	}
	return RX_GOOD;
}

/* Zero-copy: the frames of slots [cons, cons + n) that did not go with a
 * delivered packet (extra-info slots; every slot of a dropped one) go
 * back to the datapath. */
static void rx_frames_back(struct netif_queue *q, RING_IDX cons, unsigned int n, const struct nq_pkt *taken)
{
	for (unsigned int k = 0; k < n; k++) {
		uint64_t addr = q->rx_addr[(cons + k) & RX_MASK];
		bool gone = false;

		for (unsigned int f = 0; taken && f < taken->nfrags && !gone; f++)
			gone = (taken->frag[f].addr & ~(uint64_t)(PAGE - 1)) == addr;
		if (!gone)
			q->zc->give_back(q->zc->ctx, addr, true);
	}
}

unsigned int nq_rx_poll(struct netif_queue *q, unsigned int budget, nq_deliver_fn deliver, void *ctx)
{
	RING_IDX prod, cons = q->rx.rsp_cons;
	unsigned int done = 0;

	if (q->broken)
		return 0;
	prod = __atomic_load_n(&q->rx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	if (runaway(q, prod, cons, q->rx.req_prod_pvt, &q->st->rx_invalid))
		return 0;
	while (cons != prod && done < budget) {
		struct nq_pkt pkt;
		unsigned int n;
		enum rx_verdict v = take_rx_packet(q, cons, prod, &pkt, &n);

		int r = 1;

		if (v == RX_BROKEN)
			break;
		if (v == RX_GOOD) {
			r = deliver(ctx, &pkt);
			if (r < 0)
				break;   /* no room downstream: leave it on the ring */
			if (r == 0) {   /* (> 0: dropped downstream, counted there) */
				q->st->rx_packets++;
				q->st->rx_bytes += pkt.len;
			}
		}
		if (q->zc)
			rx_frames_back(q, cons, n, r == 0 ? &pkt : NULL);
		cons += n;
		done++;
	}
	q->rx.rsp_cons = cons;
	return done;
}

/* Copy len bytes of p, from offset off, to dst. */
static void gather(const struct nq_pkt *p, uint32_t off, uint8_t *dst, uint32_t len)
{
	for (unsigned int i = 0; i < p->nfrags && len; i++) {
		uint32_t fl = p->frag[i].len, n;

		if (off >= fl) {
			off -= fl;
			continue;
		}
		n = fl - off < len ? fl - off : len;
		memcpy(dst, p->frag[i].data + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

/* One TX slot of packet p: slot s of n, id, naming gref at offset, with
 * size bytes (the first slot says the whole packet's size); the packet's
 * checksum flags and its GSO extra-info slot go with the first. */
static void tx_slot(struct netif_queue *q, const struct nq_pkt *p, unsigned int s, unsigned int n,
		    uint16_t id, uint32_t gref, uint16_t offset, uint16_t size)
{
	netif_tx_request_t *req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
	bool gso = p->gso_size != 0;

	req->gref = gref;
	req->offset = offset;
	req->id = id;
	req->size = s == 0 ? (uint16_t)p->len : size;
	req->flags = (uint16_t)((s + 1 < n ? NETTXF_more_data : 0) |
				(s == 0 ? p->flags & (NETTXF_csum_blank | NETTXF_data_validated) : 0) |
				(s == 0 && gso ? NETTXF_extra_info : 0));
	q->tx_busy[id] = s == 0 ? 2 : 1;   /* 2: a packet's first slot */
	q->tx.req_prod_pvt++;
	if (s == 0 && gso) {
		netif_extra_info_t *ex = (netif_extra_info_t *)RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);

		memset(ex, 0, sizeof(*ex));
		ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
		ex->u.gso.size = p->gso_size;
		ex->u.gso.type = p->gso_type;
		q->tx.req_prod_pvt++;
		q->tx_null_owed++;   /* netback answers it with NETIF_RSP_NULL */
	}
}

/* Zero-copy: one slot per fragment, naming its frame. */
static int tx_put_zc(struct netif_queue *q, const struct nq_pkt *p, bool gso)
{
	for (unsigned int s = 0; s < p->nfrags; s++)
		if (p->frag[s].addr % PAGE + p->frag[s].len > PAGE || !p->frag[s].len) {
			q->st->tx_dropped++;
			return 1;
		}
	if (q->broken || q->tx_nfree < p->nfrags || RING_FREE_REQUESTS(&q->tx) < p->nfrags + gso) {
		q->st->tx_ring_full++;
		return -1;
	}
	for (unsigned int s = 0; s < p->nfrags; s++) {
		uint16_t id = q->tx_free[--q->tx_nfree];
		uint64_t page = p->frag[s].addr & ~(uint64_t)(PAGE - 1);

		q->tx_addr[id] = page;
		tx_slot(q, p, s, p->nfrags, id, q->zc->refs[page / PAGE], (uint16_t)(p->frag[s].addr - page),
			(uint16_t)p->frag[s].len);
	}
	q->st->tx_packets++;
	q->st->tx_bytes += p->len;
	return 0;
}

int nq_tx_put(struct netif_queue *q, const struct nq_pkt *p)
{
	uint32_t slots = (p->len + PAGE - 1) / PAGE, off = 0;
	bool gso = p->gso_size != 0;

	if (q->zc)
		slots = p->nfrags;
	if (p->len < 14 || p->len > XEN_NETIF_MAX_TX_SIZE || (!gso && p->len > q->max_frame) ||
	    slots > NQ_MAX_SLOTS || (slots > 1 && !q->feat.sg) ||
	    (gso && !((p->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && q->feat.gso4) ||
		      (p->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && q->feat.gso6)))) {
		q->st->tx_dropped++;
		return 1;   /* consumed: nothing to send */
	}
	if (q->zc)
		return tx_put_zc(q, p, gso);
	if (q->broken || q->tx_nfree < slots || RING_FREE_REQUESTS(&q->tx) < slots + gso) {
		q->st->tx_ring_full++;
		return -1;
	}
	for (uint32_t s = 0; s < slots; s++) {
		uint16_t id = q->tx_free[--q->tx_nfree];
		uint32_t chunk = p->len - off < PAGE ? p->len - off : PAGE;

		gather(p, off, q->tx_bufs + (size_t)id * PAGE, chunk);
		q->st->tx_copied_bytes += chunk;
		tx_slot(q, p, s, slots, id, q->tx_refs[id], 0, (uint16_t)chunk);
		off += chunk;
	}
	q->st->tx_packets++;
	q->st->tx_bytes += p->len;
	return 0;
}

void nq_tx_push(struct netif_queue *q)
{
	int need;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, need);
	if (need)
		notify(q, q->evtchn);
}

unsigned int nq_tx_gc(struct netif_queue *q, unsigned int budget)
{
	RING_IDX prod, cons = q->tx.rsp_cons;
	unsigned int done = 0;

	if (q->broken)
		return 0;
	prod = __atomic_load_n(&q->tx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	if (runaway(q, prod, cons, q->tx.req_prod_pvt, &q->st->tx_invalid))
		return 0;
	while (cons != prod && done < budget) {
		netif_tx_response_t rsp;
		bool first;

		RING_COPY_RESPONSE(&q->tx, cons, &rsp);
		cons++;
		done++;
		if (rsp.status == NETIF_RSP_NULL) {
			/* the answer to an extra-info slot: only as many as we sent */
			if (!q->tx_null_owed) {
				broken(q, &q->st->tx_invalid, "TX NULL response for no extra-info slot");
				break;
			}
			q->tx_null_owed--;
			continue;
		}
		if (rsp.id >= NET_TX_RING_SIZE || !q->tx_busy[rsp.id]) {
			/* the kernel's netfront gives up on its device here too */
			broken(q, &q->st->tx_invalid, "TX response with a bad id");
			break;
		}
		first = q->tx_busy[rsp.id] == 2;
		switch (rsp.status) {
		case NETIF_RSP_OKAY:
			break;
		case NETIF_RSP_DROPPED:
			q->st->tx_dropped += first;   /* every slot says it: count packets */
			break;
		case NETIF_RSP_ERROR:
			q->st->tx_errors += first;
			break;
		default:
			q->st->tx_invalid++;
			break;
		}
		q->tx_busy[rsp.id] = 0;
		q->tx_free[q->tx_nfree++] = rsp.id;
		if (q->zc)
			q->zc->give_back(q->zc->ctx, q->tx_addr[rsp.id], false);
	}
	q->tx.rsp_cons = cons;
	return done;
}

bool nq_final_check(struct netif_queue *q, bool rx_blocked)
{
	int rx_more, tx_more;

	if (q->broken)
		return false;
	RING_FINAL_CHECK_FOR_RESPONSES(&q->rx, rx_more);
	/* TX responses only give back slots (zero-copy: and frames).  With
	 * few requests out, nothing waits on them: no event is asked for
	 * (rsp_event left behind what the backend can produce), and they are
	 * collected at the next wakeup, which the caller bounds (tx_lazy).
	 * With more out, or zero-copy RX waiting for a free frame (some may
	 * be the TX ring's), the backend notifies at its first response. */
	if (q->tx.req_prod_pvt - q->tx.rsp_cons > NQ_TX_LAZY_MAX || q->rx_starved) {
		RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, tx_more);
		q->tx_lazy = false;
	} else {
		q->tx.sring->rsp_event = q->tx.rsp_cons;
		xen_mb();
		tx_more = RING_HAS_UNCONSUMED_RESPONSES(&q->tx);
		q->tx_lazy = q->tx.req_prod_pvt != q->tx.rsp_cons;
	}
	/* free RX slots are work only while there is something to post in
	 * them (zero-copy: free frames; starved, they come back with the
	 * kernel's completions, which nothing signals) */
	return (rx_more && !rx_blocked) || tx_more || (RING_FREE_REQUESTS(&q->rx) && !q->rx_starved);
}
