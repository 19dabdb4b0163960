/* SPDX-License-Identifier: MIT */
/* fuzz_netif_ring: the frontend's RX and TX ring handling
 * (user/xen/netif_ring.c) against a backend the input plays, through a plat
 * whose grants are plain memory, with the features the input picks
 * (scatter-gather, checksum offload, GSO, split channels) and in copy or
 * zero-copy mode.  The backend produces responses (any id, offset, flags,
 * status, or the id of the request in that slot), extra-info slots (GSO or
 * junk, chained or not), moves its producer indices anywhere, rewrites
 * responses it already produced before the frontend reads them, and
 * scribbles on the event fields; the frontend posts, polls, puts
 * multi-fragment and GSO packets, pushes and collects in any order, with a
 * consumer that sometimes has no room or drops.
 *
 * Checked after every step: every TX id either in flight or free, once; the
 * frontend never has more requests out than the ring holds; a delivered
 * packet's fragments each lie inside one RX page (copy) or one frame the RX
 * ring held (zero-copy), add up to its length, and fit the MTU (or, GSO, a
 * negotiated type with a size below the length); the counters never go
 * back; a broken queue stays broken and reads nothing more.  Zero-copy:
 * every UMEM frame has exactly one owner (free, the RX ring, the TX ring,
 * delivered), the RX ring holds one frame per outstanding request and the
 * TX ring one per busy id, and a frame comes back only from the ring that
 * held it.  At the end every grant is revoked and every frame is back.
 *
 * Input: byte 0 picks the MTU (bits 0-1: 1500 68 4000 9000) and the mode
 * (bit 2 sg, 3 csum, 4 gso4, 5 gso6, 6 split channels, 7 zero-copy); then
 * steps, a byte each with its operands after it (see the switch). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include "xen/netif_ring.h"
#include "fuzz_input.h"

#define PG 4096u

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_netif_ring: %s\n", what);
	abort();
}

/* The "granted" pages: one pool for the whole run (allocating and faulting
 * 2 MiB in for every input made the target twenty times slower), handed
 * out in order, the rings zeroed as they are shared. */
#define POOL_PAGES (2 + NET_TX_RING_SIZE + NET_RX_RING_SIZE)
static uint8_t *pool;
static int shared, next_page;

/* (Not traced for coverage: its loop over 256 references a call guides
 * nothing, and traced it was a good part of each input's setup.) */
__attribute__((no_sanitize("coverage")))
static void *f_share(struct plat *p, uint16_t d, uint32_t count, uint32_t *refs, bool w)
{
	uint8_t *a;

	(void)p; (void)d; (void)w;
	if ((size_t)next_page + count > POOL_PAGES)
		fail("more pages shared than a queue has");
	a = pool + (size_t)next_page * PG;
	if (count == 1)
		memset(a, 0, PG);     /* a ring; what buffers hold steers nothing */
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

static int nports;
static int f_alloc(struct plat *p, unsigned int g, uint16_t r) { (void)p; (void)g; (void)r; return 5 + nports++; }
static int f_notify(struct plat *p, uint32_t port) { (void)p; (void)port; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)p; (void)port; nports--; return 0; }

static const struct plat_ops ops = {
	.gnt_share = f_share, .gnt_unshare = f_unshare, .evt_alloc_unbound = f_alloc,
	.evt_notify = f_notify, .evt_close = f_close,
};
static struct plat fake = { .ops = &ops };

/* Zero-copy: the UMEM the datapath would own, and who holds each frame. */
#define NFRAMES (NET_RX_RING_SIZE + NET_TX_RING_SIZE + 64)
enum owner { FREE, ON_RX, ON_TX, DELIVERED, SENDING };
static uint8_t *umem;
static uint32_t umem_refs[NFRAMES];
static uint8_t owner[NFRAMES];
/* How many frames each owner holds: every change of owner[] goes through
 * own(), and the end of each input checks the counts against owner[]. */
static unsigned int held[SENDING + 1];
/* The frames delivered in this step (the XSK lets go of them before the
 * next): a list, not a walk over every frame at every step. */
static uint16_t delivered[NFRAMES];
static unsigned int ndelivered;

__attribute__((no_sanitize("coverage")))   /* (its bounds checks, traced, cost a tenth) */
static void own(unsigned int f, enum owner to)
{
	held[owner[f]]--;
	held[to]++;
	owner[f] = (uint8_t)to;
}

/* The first free frame from start on, round the UMEM; -1 if none.  (Not
 * traced for coverage, nor checked by ASan: a static array, in bounds.
 * Traced, this loop was a tenth of the run.) */
__attribute__((no_sanitize("address", "undefined", "coverage"), noinline))
static int first_free(unsigned int start)
{
	for (unsigned int k = 0; k < NFRAMES; k++) {
		unsigned int f = (start + k) % NFRAMES;

		if (owner[f] == FREE)
			return (int)f;
	}
	return -1;
}

/* A free frame, from a rotating start so that frames are not always taken
 * in order, now held by to; false if none is free. */
static bool take_frame(unsigned int *hint, enum owner to, uint64_t *addr)
{
	int f = first_free(*hint % NFRAMES);

	if (f < 0)
		return false;
	own((unsigned int)f, to);
	*addr = (uint64_t)f * PG;
	*hint = (unsigned int)f + 1;
	return true;
}

static bool zc_rx_frame(void *ctx, uint64_t *addr)
{
	return take_frame(ctx, ON_RX, addr);
}

static void zc_give_back(void *ctx, uint64_t addr, bool rx)
{
	(void)ctx;
	if (addr % PG || addr / PG >= NFRAMES)
		fail("a frame given back that is not a frame of the UMEM");
	if (owner[addr / PG] != (rx ? ON_RX : ON_TX))
		fail("a frame given back by a ring that did not hold it");
	own((unsigned int)(addr / PG), FREE);
}

struct sink {
	struct netif_queue *q;
	int answer;          /* what deliver() says: 0 taken, 1 dropped, -1 no room */
};

__attribute__((no_sanitize("coverage"), noinline))
static int deliver(void *ctx, const struct nq_pkt *pkt)
{
	struct sink *s = ctx;
	const struct netif_queue *q = s->q;
	uint32_t total = 0;

	if (!pkt->nfrags || pkt->nfrags > NQ_MAX_SLOTS)
		fail("a packet delivered with no fragment or too many");
	if (pkt->nfrags > 1 && !q->feat.sg)
		fail("a packet of several fragments delivered without scatter-gather");
	for (unsigned int f = 0; f < pkt->nfrags; f++) {
		const struct nq_frag *fr = &pkt->frag[f];

		if (!fr->len)
			fail("an empty fragment delivered");
		if (q->zc) {
			if (fr->addr / PG >= NFRAMES || owner[fr->addr / PG] != ON_RX ||
			    fr->addr % PG + fr->len > PG || fr->data != umem + fr->addr)
				fail("a fragment delivered outside a frame the RX ring held");
		} else {
			size_t off = (size_t)(fr->data - q->rx_bufs);

			if (fr->data < q->rx_bufs || off + fr->len > (size_t)NET_RX_RING_SIZE * PG ||
			    off / PG != (off + fr->len - 1) / PG)
				fail("a fragment delivered outside one RX page");
		}
		/* every byte readable: ASan's shadow for the whole fragment at
		 * once (not a load per byte, up to 64 KiB a packet) */
		if (__asan_region_is_poisoned((void *)fr->data, fr->len))
			fail("a fragment delivered over memory that is not addressable");
		total += fr->len;
	}
	if (total != pkt->len)
		fail("a packet's fragments do not add up to its length");
	if (pkt->len > XEN_NETIF_MAX_TX_SIZE)
		fail("a packet delivered past the protocol's largest");
	if (!pkt->gso_size && pkt->len > q->max_frame)
		fail("a packet delivered longer than the MTU allows");
	if (pkt->gso_size && (pkt->gso_size >= pkt->len ||
			      !((pkt->gso_type == XEN_NETIF_GSO_TYPE_TCPV4 && q->feat.gso4) ||
				(pkt->gso_type == XEN_NETIF_GSO_TYPE_TCPV6 && q->feat.gso6))))
		fail("a GSO packet delivered that was not negotiated or makes no sense");
	if (s->answer == 0 && q->zc)
		for (unsigned int f = 0; f < pkt->nfrags; f++) {
			unsigned int fi = (unsigned int)(pkt->frag[f].addr / PG);

			if (owner[fi] != DELIVERED) {   /* listed once: at most NFRAMES */
				own(fi, DELIVERED);
				delivered[ndelivered++] = (uint16_t)fi;
			}
		}
	return s->answer;
}

/* The TX ids as the last check found them good (valid: since this input
 * began): the free stack and the busy marks.  The walk over every id below
 * is a function of these bytes alone: while they stay the same (most steps
 * leave them alone), it would find them good again, and is not made. */
static struct {
	bool valid;
	unsigned int nfree, busy;
	uint16_t free[NET_TX_RING_SIZE];
	uint8_t tx_busy[NET_TX_RING_SIZE];
} tx_good;

/* Are the TX ids what tx_good holds?  Word by word over both arrays,
 * whole (entries past tx_nfree too: a difference there only makes the
 * walk run again).  No ASan, UBSan or coverage: arrays of the queue and of
 * tx_good, in bounds; a few dozen vector instructions. */
__attribute__((no_sanitize("address", "undefined", "coverage"), noinline))
static bool tx_same_as_good(const struct netif_queue *q)
{
	const unsigned char *a = (const unsigned char *)q->tx_free, *b = (const unsigned char *)tx_good.free;
	const unsigned char *c = q->tx_busy, *d = tx_good.tx_busy;
	uint64_t diff = 0;

	if (!tx_good.valid || tx_good.nfree != q->tx_nfree)
		return false;
	for (size_t i = 0; i < sizeof(tx_good.free); i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	for (size_t i = 0; i < sizeof(tx_good.tx_busy); i += 8) {
		uint64_t x, y;

		memcpy(&x, c + i, 8);
		memcpy(&y, d + i, 8);
		diff |= x ^ y;
	}
	return !diff;
}

/* How many UMEM frames each owner holds (a static array, in bounds). */
__attribute__((no_sanitize("address", "undefined", "coverage"), noinline))
static void count_owners(unsigned int *on_rx, unsigned int *on_tx)
{
	unsigned int r = 0, t = 0;

	for (unsigned int f = 0; f < NFRAMES; f++) {
		r += owner[f] == ON_RX;
		t += owner[f] == ON_TX;
	}
	*on_rx = r;
	*on_tx = t;
}

/* TX ids: in flight, or free, each once; NULL, or what is wrong.  When
 * they are good, tx_good becomes them.  Every index is checked before it
 * is used, so the loops run without ASan (nor a call to the intercepted
 * memcpy for the copy). */
__attribute__((no_sanitize("address", "undefined", "coverage"), no_builtin("memcpy"), noinline))
static const char *tx_ids_bad(const struct netif_queue *q)
{
	static uint8_t seen[NET_TX_RING_SIZE];
	unsigned int busy = 0;

	tx_good.valid = false;
	if (q->tx_nfree > NET_TX_RING_SIZE)
		return "more TX ids free than there are";
	memset(seen, 0, sizeof(seen));
	for (unsigned int i = 0; i < q->tx_nfree; i++) {
		uint16_t id = q->tx_free[i];

		if (id >= NET_TX_RING_SIZE || seen[id]++ || q->tx_busy[id])
			return "a TX id free twice, or free and in flight at once";
	}
	for (unsigned int i = 0; i < NET_TX_RING_SIZE; i++)
		tx_good.free[i] = q->tx_free[i];
	for (unsigned int i = 0; i < NET_TX_RING_SIZE; i++) {
		uint8_t b = q->tx_busy[i];

		busy += b != 0;
		tx_good.tx_busy[i] = b;
	}
	if (busy + q->tx_nfree != NET_TX_RING_SIZE)
		return "a TX id lost (neither in flight nor free)";
	tx_good.valid = true;
	tx_good.nfree = q->tx_nfree;
	tx_good.busy = busy;
	return NULL;
}

/* The counters as the last check saw them (set before the first step):
 * nothing but the frontend's calls changes them, so they are what they
 * were when this step began. */
static struct xennet_queue_stats last_st;

/* Has a counter gone back since last_st?  last_st becomes them.  (A copy
 * and a compare in one loop, which no memcpy interceptor sees.) */
__attribute__((no_sanitize("address", "undefined", "coverage"), noinline))
static bool counter_back(const struct xennet_queue_stats *now)
{
	const uint64_t *b = (const uint64_t *)now;
	uint64_t *a = (uint64_t *)&last_st;
	bool back = false;

	for (size_t i = 0; i < sizeof(last_st) / sizeof(uint64_t); i++) {
		uint64_t v = b[i];

		back |= v < a[i];
		a[i] = v;
	}
	return back;
}

/* Not instrumented for coverage: its loops guide nothing, and traced they
 * cost most of the run. */
__attribute__((no_sanitize("coverage"), noinline))
static void check(struct netif_queue *q, bool was_broken)
{
	/* TX ids: in flight, or free */
	if (!tx_same_as_good(q)) {
		const char *bad = tx_ids_bad(q);

		if (bad)
			fail(bad);
	}
	if (q->rx.req_prod_pvt - q->rx.rsp_cons > NET_RX_RING_SIZE ||
	    q->tx.req_prod_pvt - q->tx.rsp_cons > NET_TX_RING_SIZE)
		fail("more requests out than the ring holds");
	if (was_broken && !q->broken)
		fail("a broken queue came back");
	if (q->zc) {
		if (held[ON_RX] != q->rx.req_prod_pvt - q->rx.rsp_cons)
			fail("the RX ring holds a frame for each outstanding request, no more, no less");
		if (held[ON_TX] != tx_good.busy)
			fail("the TX ring holds a frame for each busy id, no more, no less");
	}
	if (counter_back(q->st))
		fail("a counter went back");
}

/* A packet to send, from the input: 1..4 fragments (sometimes too many),
 * sizes, checksum flags, GSO.  Zero-copy: each fragment in its own free
 * frame, at an offset (which may not fit the frame); the frames used are
 * returned in used[], held as SENDING until put says who has them. */
static unsigned int make_tx(struct in *in, unsigned int op, bool zc, const uint8_t *src,
			    struct nq_pkt *p, unsigned int used[NQ_MAX_SLOTS])
{
	unsigned int nf = op & 0x40 ? NQ_MAX_SLOTS : 1 + take(in) % 4, nused = 0, hint = take(in);

	memset(p, 0, sizeof(*p));
	for (unsigned int f = 0; f < nf; f++) {
		struct nq_frag *fr = &p->frag[f];

		fr->len = take16(in) % (PG + 200);
		if (zc) {
			uint64_t addr;

			if (!take_frame(&hint, SENDING, &addr))
				break;
			used[nused++] = (unsigned int)(addr / PG);
			fr->addr = addr + take(in) * 16u;
			fr->data = umem + fr->addr;
		} else {
			fr->data = src;
		}
		p->len += fr->len;
		p->nfrags++;
	}
	p->flags = (uint16_t)(op & 0x80 ? NETTXF_csum_blank | NETTXF_data_validated : 0);
	if (op & 0x20) {
		p->gso_size = (uint16_t)take16(in);
		p->gso_type = (uint8_t)(take(in) % 4);
	}
	return nused;
}

/* What is the same for every input, made once: the pool, the UMEM and its
 * grant references, the queue's memory (zeroed for each input, as calloc
 * did), the bytes TX packets are sent from. */
static uint8_t src[PG + 200];
static struct netif_queue *q;

static void setup_once(void)
{
	if (!(pool = aligned_alloc(PG, (size_t)POOL_PAGES * PG)) || !(umem = aligned_alloc(PG, (size_t)NFRAMES * PG)) ||
	    !(q = malloc(sizeof(*q))))
		abort();
	for (unsigned int f = 0; f < NFRAMES; f++)
		umem_refs[f] = 5000 + f;
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int mtus[] = { 1500, 68, 4000, 9000 };
	struct in in = { data, size };
	struct sink sink;
	unsigned int mode = take(&in), hint = 0;
	struct nq_features feat = { .sg = mode & 4, .csum = mode & 8, .gso4 = mode & 16, .gso6 = mode & 32,
				    .split = mode & 64 };
	struct nq_zc zc = { .refs = umem_refs, .nframes = NFRAMES, .ctx = &hint, .rx_frame = zc_rx_frame,
			    .give_back = zc_give_back };

	if (!pool)
		setup_once();
	memset(q, 0, sizeof(*q));
	sink = (struct sink){ .q = q };
	zc.area = umem;
	memset(owner, FREE, sizeof(owner));
	memset(held, 0, sizeof(held));
	held[FREE] = NFRAMES;
	ndelivered = 0;
	tx_good.valid = false;
	next_page = 0;
	nports = 0;
	if (nq_alloc(q, &fake, 0, mtus[mode & 3], &feat, mode & 128 ? &zc : NULL) || nq_alloc_evtchn(q))
		fail("setup");
	nq_rx_refill(q);
	last_st = *q->st;
	while (in.n) {
		unsigned int op = take(&in);
		bool was_broken = q->broken;
		unsigned int work_before = (unsigned int)(q->rx.rsp_cons + q->tx.rsp_cons);

		while (ndelivered)   /* the XSK let go of what it was given */
			if (owner[delivered[--ndelivered]] == DELIVERED)
				own(delivered[ndelivered], FREE);
		switch (op % 14) {
		case 0: {       /* the backend answers the next RX request */
			RING_IDX i = q->rx_sring->rsp_prod;
			netif_rx_response_t r;

			r.id = op & 0x80 ? q->rx_sring->ring[i % NET_RX_RING_SIZE].req.id : (uint16_t)take16(&in);
			r.offset = (uint16_t)take16(&in);
			r.flags = (uint16_t)(op & 0x40 ? take16(&in) : op & 0x20 ? NETRXF_more_data : 0);
			r.status = (int16_t)take16(&in);
			q->rx_sring->ring[i % NET_RX_RING_SIZE].rsp = r;
			__atomic_store_n(&q->rx_sring->rsp_prod, i + 1, __ATOMIC_RELEASE);
			break;
		}
		case 1:         /* the RX producer index, anywhere */
			q->rx_sring->rsp_prod += (RING_IDX)(int8_t)take(&in) * (op & 0x80 ? 64 : 1);
			break;
		case 2:
			sink.answer = op & 0x80 ? -1 : op & 0x40 ? 1 : 0;
			nq_rx_poll(q, take(&in) + 1, deliver, &sink);
			break;
		case 3:
			nq_rx_refill(q);
			break;
		case 4: {       /* the guest sends a packet */
			struct nq_pkt p;
			unsigned int used[NQ_MAX_SLOTS], nused = make_tx(&in, op, q->zc != NULL, src, &p, used);
			int r = nq_tx_put(q, &p);

			for (unsigned int k = 0; k < nused; k++)
				own(used[k], r == 0 ? ON_TX : FREE);
			break;
		}
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
		case 12: {      /* an extra-info slot: GSO (0x80) or any type, more (0x40) */
			RING_IDX i = q->rx_sring->rsp_prod;
			netif_extra_info_t ex;

			memset(&ex, 0, sizeof(ex));
			ex.type = (uint8_t)(op & 0x80 ? XEN_NETIF_EXTRA_TYPE_GSO : take(&in));
			ex.flags = (uint8_t)(op & 0x40 ? XEN_NETIF_EXTRA_FLAG_MORE : 0);
			ex.u.gso.size = (uint16_t)take16(&in);
			ex.u.gso.type = (uint8_t)take(&in);
			memcpy(&q->rx_sring->ring[i % NET_RX_RING_SIZE].rsp, &ex, sizeof(ex));
			__atomic_store_n(&q->rx_sring->rsp_prod, i + 1, __ATOMIC_RELEASE);
			break;
		}
		case 13: {      /* a packet of N good slots, the last with flags */
			unsigned int n = 1 + take(&in) % 20, len = take16(&in) % PG + 1, last = take16(&in);

			for (unsigned int k = 0; k < n; k++) {
				RING_IDX i = q->rx_sring->rsp_prod;
				netif_rx_response_t r = { .id = q->rx_sring->ring[i % NET_RX_RING_SIZE].req.id,
							  .offset = 0, .status = (int16_t)len,
							  .flags = (uint16_t)(k + 1 < n ? NETRXF_more_data : last) };

				q->rx_sring->ring[i % NET_RX_RING_SIZE].rsp = r;
				__atomic_store_n(&q->rx_sring->rsp_prod, i + 1, __ATOMIC_RELEASE);
			}
			break;
		}
		}
		if (was_broken && (unsigned int)(q->rx.rsp_cons + q->tx.rsp_cons) != work_before)
			fail("a broken queue went on reading responses");
		check(q, was_broken);
	}
	nq_free(q);
	if (shared)
		fail("grants left shared after nq_free");
	if (nports)
		fail("event channels left open after nq_free");
	{
		unsigned int on_rx, on_tx;

		count_owners(&on_rx, &on_tx);
		if (on_rx != held[ON_RX] || on_tx != held[ON_TX])
			fail("the harness lost count of its frames");
		if (on_rx || on_tx)
			fail("a frame still on a ring after nq_free");
	}
	return 0;
}
