/* SPDX-License-Identifier: MIT */
/* fuzz_netif_ring: the frontend's RX and TX ring handling
 * (user/xen/netif_ring.c) against a backend the input plays, through a plat
 * whose grants are plain memory.  The backend produces responses (any id,
 * offset, flags, status, or the id of the request in that slot), moves its
 * producer indices anywhere (back, past what was asked), rewrites responses
 * it already produced before the frontend reads them, and scribbles on the
 * event fields; the frontend posts, polls, puts, pushes and collects in any
 * order, with a consumer that sometimes has no room.
 *
 * Checked after every step: every RX buffer id is either posted or waiting
 * to be posted again, once; every TX id either in flight or free, once; the
 * frontend never has more requests out than the ring holds; a delivered
 * frame lies inside one RX page and within the MTU; the counters never go
 * back; a broken queue stays broken and does nothing.  At the end every
 * grant is revoked.
 *
 * Input: byte 0 picks the MTU (1500, 68, 4000); then steps, a byte each
 * with its operands after it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xen/netif_ring.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned int take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static unsigned int take16(struct in *in)
{
	return take(in) | take(in) << 8;
}

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_netif_ring: %s\n", what);
	abort();
}

/* The "granted" pages: one pool for the whole run (2 MiB allocated and
 * faulted in again for every input made the target twenty times slower),
 * handed out in order, the rings zeroed as they are shared. */
#define POOL_PAGES (2 + NET_TX_RING_SIZE + NET_RX_RING_SIZE)
static uint8_t *pool;
static int shared, next_page;

static void *f_share(struct plat *p, uint16_t d, uint32_t count, uint32_t *refs, bool w)
{
	uint8_t *a;

	(void)p; (void)d; (void)w;
	if ((size_t)next_page + count > POOL_PAGES)
		fail("more pages shared than a queue has");
	a = pool + (size_t)next_page * 4096;
	if (count == 1)
		memset(a, 0, 4096);     /* a ring; what buffers hold steers nothing */
	for (uint32_t i = 0; i < count; i++)
		refs[i] = 100 + (uint32_t)next_page + i;
	next_page += (int)count;
	shared += (int)count;
	return a;
}

static int f_unshare(struct plat *p, void *a, uint32_t count)
{
	(void)p;
	(void)a;
	shared -= (int)count;
	return 0;
}

static int f_alloc(struct plat *p, uint16_t r) { (void)p; (void)r; return 5; }
static int f_notify(struct plat *p, uint32_t port) { (void)p; (void)port; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)p; (void)port; return 0; }

static const struct plat_ops ops = {
	.gnt_share = f_share, .gnt_unshare = f_unshare, .evt_alloc_unbound = f_alloc,
	.evt_notify = f_notify, .evt_close = f_close,
};
static struct plat fake = { .ops = &ops };

struct sink {
	struct netif_queue *q;
	bool refuse;
	uint8_t sum;
};

__attribute__((no_sanitize("coverage"), noinline))
static int deliver(void *ctx, const uint8_t *d, uint32_t len)
{
	struct sink *s = ctx;
	size_t off;
	uint8_t sum = 0;

	if (d < s->q->rx_bufs || d + len > s->q->rx_bufs + (size_t)NET_RX_RING_SIZE * 4096)
		fail("a frame delivered from outside the RX buffers");
	off = (size_t)(d - s->q->rx_bufs);
	if (!len || off / 4096 != (off + len - 1) / 4096)
		fail("a frame delivered across two RX pages");
	if (len > s->q->max_frame)
		fail("a frame delivered longer than the MTU allows");
	for (uint32_t i = 0; i < len; i++)
		sum ^= d[i];   /* every byte readable (ASan would say) */
	s->sum ^= sum;
	return s->refuse ? -1 : 0;
}

/* Not instrumented for coverage: its loops guide nothing, and traced they
 * cost most of the run. */
__attribute__((no_sanitize("coverage"), noinline))
static void check(struct netif_queue *q, const struct xennet_queue_stats *before, bool was_broken)
{
	static uint8_t seen[NET_RX_RING_SIZE > NET_TX_RING_SIZE ? NET_RX_RING_SIZE : NET_TX_RING_SIZE];
	unsigned int n = 0;

	/* RX ids: posted, or to be posted again: one or the other, once */
	memset(seen, 0, sizeof(seen));
	for (unsigned int i = 0; i < q->rx_nrepost; i++) {
		if (q->rx_repost[i] >= NET_RX_RING_SIZE || seen[q->rx_repost[i]]++ || q->rx_busy[q->rx_repost[i]])
			fail("an RX id twice in the repost list, or posted and waiting at once");
	}
	for (unsigned int i = 0; i < NET_RX_RING_SIZE; i++)
		n += q->rx_busy[i] != 0;
	if (n + q->rx_nrepost != NET_RX_RING_SIZE)
		fail("an RX id lost (neither posted nor waiting to be)");
	/* TX ids: in flight, or free */
	memset(seen, 0, sizeof(seen));
	n = 0;
	for (unsigned int i = 0; i < q->tx_nfree; i++) {
		if (q->tx_free[i] >= NET_TX_RING_SIZE || seen[q->tx_free[i]]++ || q->tx_busy[q->tx_free[i]])
			fail("a TX id free twice, or free and in flight at once");
	}
	for (unsigned int i = 0; i < NET_TX_RING_SIZE; i++)
		n += q->tx_busy[i] != 0;
	if (n + q->tx_nfree != NET_TX_RING_SIZE)
		fail("a TX id lost (neither in flight nor free)");
	if (q->rx.req_prod_pvt - q->rx.rsp_cons > NET_RX_RING_SIZE ||
	    q->tx.req_prod_pvt - q->tx.rsp_cons > NET_TX_RING_SIZE)
		fail("more requests out than the ring holds");
	if (was_broken && !q->broken)
		fail("a broken queue came back");
	{
		const uint64_t *a = (const uint64_t *)before, *b = (const uint64_t *)q->st;

		for (size_t i = 0; i < sizeof(*before) / sizeof(uint64_t); i++)
			if (b[i] < a[i])
				fail("a counter went back");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int mtus[] = { 1500, 68, 4000 };
	struct in in = { data, size };
	struct netif_queue *q = calloc(1, sizeof(*q));
	struct sink sink = { .q = q };
	uint8_t frame[4096];

	if (!q || (!pool && !(pool = aligned_alloc(4096, (size_t)POOL_PAGES * 4096))))
		abort();
	next_page = 0;
	if (nq_alloc(q, &fake, 0, mtus[take(&in) % 3]) || nq_alloc_evtchn(q))
		fail("setup");
	nq_rx_refill(q);
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	while (in.n) {
		unsigned int op = take(&in);
		struct xennet_queue_stats before = *q->st;
		bool was_broken = q->broken;
		unsigned int work_before = (unsigned int)(q->rx.rsp_cons + q->tx.rsp_cons);

		switch (op % 12) {
		case 0: {       /* the backend answers the next RX request */
			RING_IDX i = q->rx_sring->rsp_prod;
			netif_rx_response_t r;

			r.id = op & 0x80 ? q->rx_sring->ring[i % NET_RX_RING_SIZE].req.id : (uint16_t)take16(&in);
			r.offset = (uint16_t)take16(&in);
			r.flags = (uint16_t)(op & 0x40 ? take16(&in) : 0);
			r.status = (int16_t)take16(&in);
			q->rx_sring->ring[i % NET_RX_RING_SIZE].rsp = r;
			__atomic_store_n(&q->rx_sring->rsp_prod, i + 1, __ATOMIC_RELEASE);
			break;
		}
		case 1:         /* the RX producer index, anywhere */
			q->rx_sring->rsp_prod += (RING_IDX)(int8_t)take(&in) * (op & 0x80 ? 64 : 1);
			break;
		case 2:
			sink.refuse = op & 0x80;
			nq_rx_poll(q, take(&in) + 1, deliver, &sink);
			break;
		case 3:
			nq_rx_refill(q);
			break;
		case 4:
			nq_tx_put(q, frame, take16(&in) % 4200);
			break;
		case 5:
			nq_tx_push(q);
			break;
		case 6: {       /* the backend answers the next TX request */
			RING_IDX i = q->tx_sring->rsp_prod;
			netif_tx_response_t r;

			r.id = op & 0x80 ? q->tx_sring->ring[i % NET_TX_RING_SIZE].req.id : (uint16_t)take16(&in);
			r.status = (int16_t)(op & 0x40 ? (int16_t)take16(&in) : NETIF_RSP_OKAY);
			q->tx_sring->ring[i % NET_TX_RING_SIZE].rsp = r;
			__atomic_store_n(&q->tx_sring->rsp_prod, i + 1, __ATOMIC_RELEASE);
			break;
		}
		case 7:
			q->tx_sring->rsp_prod += (RING_IDX)(int8_t)take(&in);
			break;
		case 8:
			nq_tx_gc(q, take(&in) + 1);
			break;
		case 9:
			nq_final_check(q, op & 0x80);
			break;
		case 10:        /* the backend scribbles on the event fields */
			q->rx_sring->req_event = take16(&in) | (RING_IDX)take16(&in) << 16;
			q->tx_sring->req_event = take16(&in);
			break;
		case 11: {      /* rewrites a response it produced, before it is read */
			RING_IDX i = q->rx.rsp_cons + take(&in) % 8;
			uint8_t *slot = (uint8_t *)&q->rx_sring->ring[i % NET_RX_RING_SIZE].rsp;

			slot[take(&in) % sizeof(netif_rx_response_t)] = (uint8_t)take(&in);
			break;
		}
		}
		if (was_broken && (unsigned int)(q->rx.rsp_cons + q->tx.rsp_cons) != work_before)
			fail("a broken queue went on reading responses");
		check(q, &before, was_broken);
	}
	nq_free(q);
	if (shared)
		fail("grants left shared after nq_free");
	free(q);
	return 0;
}
