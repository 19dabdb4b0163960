/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "xen/netif_ring.h"

#define ETH_HLEN_VLAN 18u
#define PAGE PLAT_PAGE_SIZE

static void *share(struct netif_queue *q, uint32_t n, uint32_t *refs, bool writable)
{
	return q->plat->ops->gnt_share(q->plat, q->be_domid, n, refs, writable);
}

int nq_alloc(struct netif_queue *q, struct plat *p, uint16_t be_domid, unsigned int mtu)
{
	struct xennet_queue_stats *st = q->st;

	memset(q, 0, sizeof(*q));
	q->st = st ? st : &q->own_st;
	q->plat = p;
	q->be_domid = be_domid;
	q->evtchn = -1;
	q->max_frame = mtu + ETH_HLEN_VLAN;
	q->tx_sring = share(q, 1, &q->tx_ring_ref, true);
	q->rx_sring = q->tx_sring ? share(q, 1, &q->rx_ring_ref, true) : NULL;
	q->tx_bufs = q->rx_sring ? share(q, NET_TX_RING_SIZE, q->tx_refs, false) : NULL;
	q->rx_bufs = q->tx_bufs ? share(q, NET_RX_RING_SIZE, q->rx_refs, true) : NULL;
	if (!q->rx_bufs) {
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
	for (unsigned int i = 0; i < NET_RX_RING_SIZE; i++)
		q->rx_repost[i] = (uint16_t)i;
	q->rx_nrepost = NET_RX_RING_SIZE;
	return 0;
}

int nq_alloc_evtchn(struct netif_queue *q)
{
	q->evtchn = q->plat->ops->evt_alloc_unbound(q->plat, q->be_domid);
	return q->evtchn < 0 ? -errno : 0;
}

void nq_free(struct netif_queue *q)
{
	const struct plat_ops *o = q->plat ? q->plat->ops : NULL;

	if (!o)
		return;
	if (q->evtchn >= 0)
		o->evt_close(q->plat, (uint32_t)q->evtchn);
	if (q->rx_bufs)
		o->gnt_unshare(q->plat, q->rx_bufs, NET_RX_RING_SIZE);
	if (q->tx_bufs)
		o->gnt_unshare(q->plat, q->tx_bufs, NET_TX_RING_SIZE);
	if (q->rx_sring)
		o->gnt_unshare(q->plat, q->rx_sring, 1);
	if (q->tx_sring)
		o->gnt_unshare(q->plat, q->tx_sring, 1);
	q->evtchn = -1;
	q->rx_bufs = q->tx_bufs = NULL;
	q->rx_sring = NULL;
	q->tx_sring = NULL;
}

static void notify(struct netif_queue *q)
{
	if (q->plat->ops->evt_notify(q->plat, (uint32_t)q->evtchn) == 0)
		q->st->notifies++;
}

/* A response broke the protocol: count it, and past the limit give up. */
static void invalid(struct netif_queue *q, uint64_t *counter, const char *why)
{
	(*counter)++;
	/* per connection: the counters in q->st live as long as the process */
	if (++q->n_invalid >= NQ_INVALID_LIMIT && !q->broken) {
		q->broken = true;
		q->broken_why = why;
	}
}

/* The backend may not claim more responses than requests we made. */
static bool runaway(struct netif_queue *q, RING_IDX prod, RING_IDX cons, RING_IDX req_prod)
{
	if (prod - cons <= req_prod - cons)
		return false;
	q->broken = true;
	q->broken_why = "backend produced more responses than requests (runaway producer index)";
	return true;
}

void nq_rx_refill(struct netif_queue *q)
{
	int need;

	if (!q->rx_nrepost || q->broken)
		return;
	while (q->rx_nrepost && RING_FREE_REQUESTS(&q->rx)) {
		uint16_t id = q->rx_repost[--q->rx_nrepost];
		netif_rx_request_t *req = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);

		req->id = id;
		req->gref = q->rx_refs[id];
		q->rx_busy[id] = 1;
		q->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, need);
	if (need)
		notify(q);
}

unsigned int nq_rx_poll(struct netif_queue *q, unsigned int budget, nq_deliver_fn deliver, void *ctx)
{
	RING_IDX prod, cons = q->rx.rsp_cons;
	unsigned int done = 0;

	if (q->broken)
		return 0;
	prod = __atomic_load_n(&q->rx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	if (runaway(q, prod, cons, q->rx.req_prod_pvt))
		return 0;
	while (cons != prod && done < budget) {
		netif_rx_response_t rsp;

		/* copy out once: the backend may change the slot under us */
		memcpy(&rsp, RING_GET_RESPONSE(&q->rx, cons), sizeof(rsp));
		if (rsp.id >= NET_RX_RING_SIZE || !q->rx_busy[rsp.id]) {
			invalid(q, &q->st->rx_invalid, "RX response with a bad id");
		} else if (rsp.status < 0) {
			q->st->rx_errors++;
		} else if (rsp.flags & (NETRXF_more_data | NETRXF_extra_info)) {
			/* we asked for neither scatter-gather nor GSO: the slots that
			 * follow would be extra-info or continuation slots we cannot
			 * tell from responses, so nothing on this ring can be trusted */
			invalid(q, &q->st->rx_invalid, "RX response with flags we did not negotiate");
			q->broken = true;
			q->broken_why = "RX response with flags we did not negotiate (sg/extra-info)";
			cons++;
			done++;
			break;
		} else if (rsp.status == 0 || (uint32_t)rsp.status > q->max_frame) {
			invalid(q, &q->st->rx_invalid, "RX response with a bad size");
		} else if ((uint32_t)rsp.offset + (uint32_t)rsp.status > PAGE) {
			invalid(q, &q->st->rx_invalid, "RX response past the end of its page");
		} else if (deliver(ctx, q->rx_bufs + (size_t)rsp.id * PAGE + rsp.offset,
				   (uint32_t)rsp.status) < 0) {
			break;  /* no room downstream: leave it on the ring */
		} else {
			q->st->rx_packets++;
			q->st->rx_bytes += (uint32_t)rsp.status;
		}
		if (rsp.id < NET_RX_RING_SIZE && q->rx_busy[rsp.id]) {
			q->rx_busy[rsp.id] = 0;
			q->rx_repost[q->rx_nrepost++] = rsp.id;
		}
		cons++;
		done++;
	}
	q->rx.rsp_cons = cons;
	return done;
}

int nq_tx_put(struct netif_queue *q, const uint8_t *data, uint32_t len)
{
	netif_tx_request_t *req;
	uint16_t id;

	if (len < 14 || len > q->max_frame || len > PAGE) {
		q->st->tx_dropped++;
		return 0;   /* consumed: nothing to send */
	}
	if (!q->tx_nfree || RING_FULL(&q->tx) || q->broken) {
		q->st->tx_ring_full++;
		return -1;
	}
	id = q->tx_free[--q->tx_nfree];
	memcpy(q->tx_bufs + (size_t)id * PAGE, data, len);
	req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
	req->gref = q->tx_refs[id];
	req->offset = 0;
	req->flags = 0;
	req->id = id;
	req->size = (uint16_t)len;
	q->tx_busy[id] = 1;
	q->tx.req_prod_pvt++;
	q->st->tx_packets++;
	q->st->tx_bytes += len;
	return 0;
}

void nq_tx_push(struct netif_queue *q)
{
	int need;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, need);
	if (need)
		notify(q);
}

unsigned int nq_tx_gc(struct netif_queue *q, unsigned int budget)
{
	RING_IDX prod, cons = q->tx.rsp_cons;
	unsigned int done = 0;

	if (q->broken)
		return 0;
	prod = __atomic_load_n(&q->tx.sring->rsp_prod, __ATOMIC_ACQUIRE);
	if (runaway(q, prod, cons, q->tx.req_prod_pvt))
		return 0;
	while (cons != prod && done < budget) {
		netif_tx_response_t rsp;

		memcpy(&rsp, RING_GET_RESPONSE(&q->tx, cons), sizeof(rsp));
		cons++;
		done++;
		if (rsp.id >= NET_TX_RING_SIZE || !q->tx_busy[rsp.id]) {
			invalid(q, &q->st->tx_invalid, "TX response with a bad id");
			continue;
		}
		switch (rsp.status) {
		case NETIF_RSP_OKAY:
			break;
		case NETIF_RSP_DROPPED:
			q->st->tx_dropped++;
			break;
		case NETIF_RSP_ERROR:
			q->st->tx_errors++;
			break;
		default:     /* NETIF_RSP_NULL answers extra-info slots we never send */
			invalid(q, &q->st->tx_invalid, "TX response with a bad status");
			break;
		}
		q->tx_busy[rsp.id] = 0;
		q->tx_free[q->tx_nfree++] = rsp.id;
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
	RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, tx_more);
	return (rx_more && !rx_blocked) || tx_more || (q->rx_nrepost && RING_FREE_REQUESTS(&q->rx));
}
