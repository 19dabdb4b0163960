/* SPDX-License-Identifier: MIT */
/* The netif queue against a hostile backend played by the test: responses
 * are written straight into the shared rings, and every bad one must be
 * counted and dropped without touching memory outside its page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "xen/netif_ring.h"

/* ring.h declares the shared ring as ring[1]; index it through a pointer so
 * that compilers do not take entry 2 for a read past the array. */
static union netif_rx_sring_entry *rx_ent(struct netif_queue *q, unsigned int i)
{
	return &q->rx_sring->ring[i % NET_RX_RING_SIZE];
}

static union netif_tx_sring_entry *tx_ent(struct netif_queue *q, unsigned int i)
{
	return &q->tx_sring->ring[i % NET_TX_RING_SIZE];
}

#define RX_ENT(q, i) (*rx_ent(q, i))
#define TX_ENT(q, i) (*tx_ent(q, i))

static int shared, notified;

static void *f_share(struct plat *p, uint16_t d, uint32_t count, uint32_t *refs, bool w)
{
	(void)p; (void)d; (void)w;
	for (uint32_t i = 0; i < count; i++)
		refs[i] = 1000 + (uint32_t)shared + i;
	shared += (int)count;
	return calloc(count, 4096);
}
static int f_unshare(struct plat *p, void *a, uint32_t count) { (void)p; shared -= (int)count; free(a); return 0; }
static int f_alloc(struct plat *p, unsigned int g, uint16_t r) { (void)p; (void)g; (void)r; return 3; }
static int f_notify(struct plat *p, uint32_t port) { (void)p; (void)port; notified++; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)p; (void)port; return 0; }

static const struct plat_ops ops = {
	.gnt_share = f_share, .gnt_unshare = f_unshare, .evt_alloc_unbound = f_alloc,
	.evt_notify = f_notify, .evt_close = f_close,
};
static struct plat fake = { .ops = &ops };

struct sink {
	int n;
	struct nq_pkt last;
	uint8_t bytes[65536];
	int refuse;
};

static int deliver(void *ctx, const struct nq_pkt *p)
{
	struct sink *s = ctx;
	uint32_t off = 0;

	if (s->refuse)
		return -1;
	s->n++;
	s->last = *p;
	for (unsigned int i = 0; i < p->nfrags; i++) {
		memcpy(s->bytes + off, p->frag[i].data, p->frag[i].len);
		off += p->frag[i].len;
	}
	assert_int_equal(off, p->len);
	return 0;
}

/* The backend answers the RX request at ring index i (its id is i's slot). */
static void rx_respond(struct netif_queue *q, RING_IDX i, uint16_t id, uint16_t off, uint16_t flags, int16_t status)
{
	netif_rx_response_t *r = &RX_ENT(q, i % NET_RX_RING_SIZE).rsp;

	r->id = id;
	r->offset = off;
	r->flags = flags;
	r->status = status;
}

static void rx_data(struct netif_queue *q, RING_IDX i, uint16_t off, uint16_t flags, int16_t status)
{
	rx_respond(q, i, (uint16_t)(i % NET_RX_RING_SIZE), off, flags, status);
}

static void rx_extra(struct netif_queue *q, RING_IDX i, uint8_t type, uint8_t flags, uint16_t gso_size,
		     uint8_t gso_type)
{
	netif_extra_info_t ex = { .type = type, .flags = flags };

	ex.u.gso.size = gso_size;
	ex.u.gso.type = gso_type;
	memcpy(&RX_ENT(q, i % NET_RX_RING_SIZE).rsp, &ex, sizeof(ex));
}

static uint8_t *rx_page(struct netif_queue *q, RING_IDX i)
{
	return q->rx_bufs + (size_t)(i % NET_RX_RING_SIZE) * 4096;
}

static struct netif_queue *new_queue(const struct nq_features *f, unsigned int mtu)
{
	struct netif_queue *q = calloc(1, sizeof(*q));

	assert_int_equal(nq_alloc(q, &fake, 0, mtu, f, NULL), 0);
	assert_int_equal(nq_alloc_evtchn(q), 0);
	nq_rx_refill(q);
	return q;
}

static int setup(void **state)
{
	*state = new_queue(NULL, 1500);
	return 0;
}

static int setup_sg(void **state)
{
	struct nq_features f = { .sg = true, .csum = true, .gso4 = true, .gso6 = true };

	*state = new_queue(&f, 9000);
	return 0;
}

static int teardown(void **state)
{
	struct netif_queue *q = *state;

	nq_free(q);
	assert_int_equal(shared, 0);
	free(q);
	return 0;
}

/* Bad packets are counted and dropped (as the kernel's netfront does);
 * the queue goes on. */
static void rx_good_and_bad(void **state)
{
	struct netif_queue *q = *state;
	struct sink *s = calloc(1, sizeof(*s));

	/* every request names the page and id of its ring slot */
	for (RING_IDX i = 0; i < NET_RX_RING_SIZE; i++) {
		assert_int_equal(RX_ENT(q, i).req.id, i);
		assert_int_equal(RX_ENT(q, i).req.gref, q->rx_refs[i]);
	}
	assert_int_equal(q->rx.req_prod_pvt, NET_RX_RING_SIZE);
	memcpy(rx_page(q, 0) + 100, "hello-frame-bytes", 17);
	rx_data(q, 0, 100, NETRXF_data_validated, 60);
	rx_data(q, 1, 0, 0, 4000 + 200);          /* size past the page */
	rx_data(q, 2, 4090, 0, 60);               /* offset + size past the page */
	rx_data(q, 3, 0, 0, NETIF_RSP_ERROR);     /* the backend's error: counted as such */
	rx_data(q, 4, 0, 0, 2000);                /* longer than the MTU allows */
	rx_data(q, 5, 0, 0, 0);                   /* zero length */
	rx_data(q, 6, 0, NETRXF_extra_info, 60);  /* GSO not negotiated */
	rx_extra(q, 7, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	q->rx_sring->rsp_prod = 8;

	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 7);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->last.len, 60);
	assert_int_equal(s->last.flags, NETRXF_data_validated);
	assert_memory_equal(s->bytes, "hello-frame-bytes", 17);
	assert_int_equal(q->st->rx_packets, 1);
	assert_int_equal(q->st->rx_errors, 1);
	assert_int_equal(q->st->rx_invalid, 5);
	assert_false(q->broken);
	/* every slot consumed, extra-info's too, is posted again */
	nq_rx_refill(q);
	assert_int_equal(q->rx.req_prod_pvt, NET_RX_RING_SIZE + 8);
	assert_int_equal(RX_ENT(q, NET_RX_RING_SIZE + 7).req.id, 7);
	free(s);
}

/* Broken protocol: the queue gives up at once and reads nothing more. */
static void rx_broken(void **state)
{
	static const char *const whys[] = { "bad id", "more_data without sg", "chain past prod",
					    "extra past prod" };
	(void)state;
	for (unsigned int c = 0; c < 4; c++) {
		struct netif_queue *q = new_queue(NULL, 1500);
		struct sink *s = calloc(1, sizeof(*s));

		rx_data(q, 0, 0, 0, 60);
		switch (c) {
		case 0: rx_respond(q, 1, 999, 0, 0, 60); q->rx_sring->rsp_prod = 2; break;
		case 1: rx_data(q, 1, 0, NETRXF_more_data, 60); rx_data(q, 2, 0, 0, 60); q->rx_sring->rsp_prod = 3; break;
		case 2: q->feat.sg = true; rx_data(q, 1, 0, NETRXF_more_data, 60); q->rx_sring->rsp_prod = 2; break;
		case 3: rx_data(q, 1, 0, NETRXF_extra_info, 60); q->rx_sring->rsp_prod = 2; break;
		}
		assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
		if (!q->broken)
			fail_msg("%s: not broken", whys[c]);
		assert_int_equal(s->n, 1);           /* the good one before it went through */
		assert_int_equal(q->rx.rsp_cons, 1);  /* nothing of the bad one consumed */
		assert_int_equal(nq_rx_poll(q, 64, deliver, s), 0);
		nq_free(q);
		free(q);
		free(s);
	}
}

/* Scatter-gather: a chain of slots is one packet, fragments in order. */
static void rx_sg_chain(void **state)
{
	struct netif_queue *q = *state;
	struct sink *s = calloc(1, sizeof(*s));

	memset(rx_page(q, 0), 'a', 4096);
	memset(rx_page(q, 1), 'b', 4096);
	memset(rx_page(q, 2), 'c', 4096);
	rx_data(q, 0, 0, NETRXF_more_data | NETRXF_csum_blank, 4096);
	rx_data(q, 1, 0, NETRXF_more_data, 4096);
	rx_data(q, 2, 0, 0, 808);                 /* 9000 bytes in all */
	q->rx_sring->rsp_prod = 3;
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->last.nfrags, 3);
	assert_int_equal(s->last.len, 9000);
	assert_int_equal(s->last.flags, NETRXF_csum_blank);
	assert_int_equal(s->bytes[4095], 'a');
	assert_int_equal(s->bytes[4096], 'b');
	assert_int_equal(s->bytes[8999], 'c');
	assert_int_equal(q->rx.rsp_cons, 3);
	/* a chain longer than the protocol's limit: dropped whole, counted */
	for (RING_IDX i = 3; i < 3 + NQ_MAX_SLOTS + 2; i++)
		rx_data(q, i, 0, i + 1 < 3 + NQ_MAX_SLOTS + 2 ? NETRXF_more_data : 0, 100);
	q->rx_sring->rsp_prod = 3 + NQ_MAX_SLOTS + 2;
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
	assert_int_equal(s->n, 1);
	assert_int_equal(q->st->rx_invalid, 1);
	assert_int_equal(q->rx.rsp_cons, 3 + NQ_MAX_SLOTS + 2);
	assert_false(q->broken);
	/* a packet over 64 KiB: dropped */
	RING_IDX b = q->rx.rsp_cons;
	for (RING_IDX i = 0; i < 17; i++)
		rx_data(q, b + i, 0, i < 16 ? NETRXF_more_data : 0, 4096);
	q->rx_sring->rsp_prod = b + 17;
	nq_rx_refill(q);
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
	assert_int_equal(q->st->rx_invalid, 2);
	free(s);
}

/* GSO: the extra-info slot after the first response; each bad value drops
 * the packet (counted), the queue goes on. */
static void rx_gso(void **state)
{
	struct netif_queue *q = *state;
	struct sink *s = calloc(1, sizeof(*s));
	struct { uint8_t type, flags; uint16_t size; uint8_t gso_type; bool good; } c[] = {
		{ XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4, true },
		{ XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV6, true },
		{ XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4, false },       /* size 0 */
		{ XEN_NETIF_EXTRA_TYPE_GSO, 0, 20000, XEN_NETIF_GSO_TYPE_TCPV4, false },   /* > packet */
		{ XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, 7, false },                           /* bad type */
		{ XEN_NETIF_EXTRA_TYPE_HASH, 0, 0, 0, false },                             /* not negotiated */
		{ 9, 0, 0, 0, false },                                                     /* unknown */
	};
	RING_IDX i = 0;
	int good = 0;

	for (unsigned int k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		rx_data(q, i, 0, NETRXF_extra_info | NETRXF_more_data | NETRXF_csum_blank, 10000);
		rx_extra(q, i + 1, c[k].type, c[k].flags, c[k].size, c[k].gso_type);
		rx_data(q, i + 2, 0, NETRXF_more_data, 4096);
		rx_data(q, i + 3, 0, NETRXF_more_data, 4096);
		rx_data(q, i + 4, 0, 0, 1808);      /* 4096 (first) + 4096 + 4096 + 1808 = 14096 */
		rx_data(q, i, 0, NETRXF_extra_info | NETRXF_more_data | NETRXF_csum_blank, 4096);
		q->rx_sring->rsp_prod = i + 5;
		assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
		good += c[k].good;
		assert_int_equal(s->n, good);
		if (c[k].good) {
			assert_int_equal(s->last.gso_size, 1448);
			assert_int_equal(s->last.gso_type, c[k].gso_type);
			assert_int_equal(s->last.len, 14096);
			assert_int_equal(s->last.nfrags, 4);
		}
		i += 5;
		nq_rx_refill(q);
	}
	assert_int_equal(q->st->rx_invalid, 5);
	/* two extra-info slots chained with XEN_NETIF_EXTRA_FLAG_MORE */
	rx_data(q, i, 0, NETRXF_extra_info, 100);
	rx_extra(q, i + 1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 50, XEN_NETIF_GSO_TYPE_TCPV4);
	rx_extra(q, i + 2, XEN_NETIF_EXTRA_TYPE_GSO, 0, 50, XEN_NETIF_GSO_TYPE_TCPV4);   /* a second GSO: bad */
	q->rx_sring->rsp_prod = i + 3;
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
	assert_int_equal(q->rx.rsp_cons, i + 3);
	assert_int_equal(q->st->rx_invalid, 6);
	assert_false(q->broken);
	free(s);
}

/* No room downstream: the whole packet (chain) stays on the ring. */
static void rx_backpressure(void **state)
{
	struct netif_queue *q = *state;
	struct sink *s = calloc(1, sizeof(*s));

	s->refuse = 1;
	rx_data(q, 0, 0, NETRXF_more_data, 4096);
	rx_data(q, 1, 0, 0, 100);
	q->rx_sring->rsp_prod = 2;
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 0);
	assert_int_equal(q->rx.rsp_cons, 0);            /* left on the ring */
	s->refuse = 0;
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 1);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->last.len, 4196);
	free(s);
}

static void rx_runaway(void **state)
{
	struct netif_queue *q = *state;
	struct sink *s = calloc(1, sizeof(*s));

	q->rx_sring->rsp_prod = NET_RX_RING_SIZE + 5;   /* more than we asked for */
	assert_int_equal(nq_rx_poll(q, 64, deliver, s), 0);
	assert_true(q->broken);
	assert_int_equal(s->n, 0);
	assert_non_null(q->broken_why);
	free(s);
}

static struct nq_pkt one_frag(const uint8_t *d, uint32_t len)
{
	struct nq_pkt p = { .nfrags = 1, .len = len };

	p.frag[0].data = d;
	p.frag[0].len = len;
	return p;
}

static void tx_put_and_gc(void **state)
{
	struct netif_queue *q = *state;
	uint8_t frame[1514];
	struct nq_pkt p;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	p = one_frag(frame, sizeof(frame));
	assert_int_equal(nq_tx_put(q, &p), 0);
	p = one_frag(frame, 60);
	assert_int_equal(nq_tx_put(q, &p), 0);
	p = one_frag(frame, 10);
	assert_int_equal(nq_tx_put(q, &p), 1);            /* runt: dropped, consumed */
	uint8_t big[1600] = { 0 };
	p = one_frag(big, sizeof(big));
	assert_int_equal(nq_tx_put(q, &p), 1);            /* over MTU: dropped */
	p = one_frag(frame, 1000);
	p.gso_size = 500;
	p.gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
	assert_int_equal(nq_tx_put(q, &p), 1);            /* GSO not negotiated: dropped */
	assert_int_equal(q->st->tx_dropped, 3);
	nq_tx_push(q);
	assert_int_equal(q->tx_sring->req_prod, 2);
	netif_tx_request_t *r0 = &TX_ENT(q, 0).req;
	assert_int_equal(r0->size, 1514);
	assert_int_equal(r0->offset, 0);
	assert_int_equal(r0->flags, 0);
	assert_int_equal(r0->gref, q->tx_refs[r0->id]);
	assert_memory_equal(q->tx_bufs + (size_t)r0->id * 4096, frame, 1514);
	uint16_t id0 = r0->id;

	TX_ENT(q, 0).rsp = (netif_tx_response_t){ .id = id0, .status = NETIF_RSP_OKAY };
	q->tx_sring->rsp_prod = 1;
	unsigned int before = q->tx_nfree;
	assert_int_equal(nq_tx_gc(q, 64), 1);
	assert_int_equal(q->tx_nfree, before + 1);
	/* id0 again: not outstanding any more: the protocol is broken */
	TX_ENT(q, 1).rsp = (netif_tx_response_t){ .id = id0, .status = NETIF_RSP_OKAY };
	q->tx_sring->rsp_prod = 2;
	assert_int_equal(nq_tx_gc(q, 64), 1);
	assert_int_equal(q->st->tx_invalid, 1);
	assert_true(q->broken);
	assert_int_equal(q->tx_nfree, before + 1);              /* not freed twice */
}

/* Scatter-gather and GSO toward the backend: the first slot says the whole
 * size, the extra-info slot follows it (answered with NETIF_RSP_NULL), the
 * rest carry their own sizes; drops and errors count packets, not slots. */
static void tx_sg_gso(void **state)
{
	struct netif_queue *q = *state;
	static uint8_t data[10000];
	struct nq_pkt p = { .nfrags = 3, .len = 10000, .flags = NETTXF_csum_blank | NETTXF_data_validated,
			    .gso_size = 1448, .gso_type = XEN_NETIF_GSO_TYPE_TCPV4 };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	p.frag[0] = (struct nq_frag){ data, 3000, 0 };
	p.frag[1] = (struct nq_frag){ data + 3000, 5000, 0 };
	p.frag[2] = (struct nq_frag){ data + 8000, 2000, 0 };
	assert_int_equal(nq_tx_put(q, &p), 0);
	nq_tx_push(q);
	assert_int_equal(q->tx_sring->req_prod, 4);      /* 3 pages + the extra-info slot */
	netif_tx_request_t *r0 = &TX_ENT(q, 0).req, *r2 = &TX_ENT(q, 2).req, *r3 = &TX_ENT(q, 3).req;
	netif_extra_info_t ex;
	memcpy(&ex, &TX_ENT(q, 1).req, sizeof(ex));
	assert_int_equal(r0->size, 10000);
	assert_int_equal(r0->flags, NETTXF_more_data | NETTXF_extra_info | NETTXF_csum_blank | NETTXF_data_validated);
	assert_int_equal(ex.type, XEN_NETIF_EXTRA_TYPE_GSO);
	assert_int_equal(ex.u.gso.size, 1448);
	assert_int_equal(ex.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
	assert_int_equal(r2->size, 4096);
	assert_int_equal(r2->flags, NETTXF_more_data);
	assert_int_equal(r3->size, 10000 - 8192);
	assert_int_equal(r3->flags, 0);
	assert_memory_equal(q->tx_bufs + (size_t)r0->id * 4096, data, 4096);
	assert_memory_equal(q->tx_bufs + (size_t)r2->id * 4096, data + 4096, 4096);
	assert_memory_equal(q->tx_bufs + (size_t)r3->id * 4096, data + 8192, 10000 - 8192);
	/* the backend drops it: four responses, the extra's NULL */
	TX_ENT(q, 0).rsp = (netif_tx_response_t){ .id = r0->id, .status = NETIF_RSP_DROPPED };
	uint16_t id2 = r2->id, id3 = r3->id;
	TX_ENT(q, 1).rsp = (netif_tx_response_t){ .id = 0xffff, .status = NETIF_RSP_NULL };
	TX_ENT(q, 2).rsp = (netif_tx_response_t){ .id = id2, .status = NETIF_RSP_DROPPED };
	TX_ENT(q, 3).rsp = (netif_tx_response_t){ .id = id3, .status = NETIF_RSP_DROPPED };
	q->tx_sring->rsp_prod = 4;
	assert_int_equal(nq_tx_gc(q, 64), 4);
	assert_int_equal(q->st->tx_dropped, 1);
	assert_int_equal(q->tx_nfree, NET_TX_RING_SIZE);
	assert_false(q->broken);
	/* a NULL response owed to nothing: broken */
	p = one_frag(data, 100);
	assert_int_equal(nq_tx_put(q, &p), 0);
	nq_tx_push(q);
	TX_ENT(q, 4).rsp = (netif_tx_response_t){ .id = 0, .status = NETIF_RSP_NULL };
	q->tx_sring->rsp_prod = 5;
	nq_tx_gc(q, 64);
	assert_true(q->broken);
}

/* Before sleeping: no TX event for a few requests out (tx_lazy: the
 * caller collects them later), one at the first response past
 * NQ_TX_LAZY_MAX; RX responses always get theirs. */
static void tx_lazy_event(void **state)
{
	struct netif_queue *q = *state;
	uint8_t frame[60] = { 0 };
	struct nq_pkt p = one_frag(frame, sizeof(frame));

	nq_rx_refill(q);
	assert_false(nq_final_check(q, false));
	assert_false(q->tx_lazy);                         /* nothing out */
	assert_int_equal(q->rx_sring->rsp_event, q->rx.rsp_cons + 1);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(nq_tx_put(q, &p), 0);
	nq_tx_push(q);
	q->tx_sring->rsp_event = 12345;
	assert_false(nq_final_check(q, false));
	assert_true(q->tx_lazy);
	/* behind everything the backend can produce: it never notifies */
	assert_int_equal(q->tx_sring->rsp_event, q->tx.rsp_cons);
	/* zero-copy RX waiting for a frame: TX responses may bring it */
	q->rx_starved = true;
	assert_false(nq_final_check(q, false));
	assert_false(q->tx_lazy);
	assert_int_equal(q->tx_sring->rsp_event, q->tx.rsp_cons + 1);
	q->rx_starved = false;
	/* a response already there is work, event or not */
	TX_ENT(q, 0).rsp = (netif_tx_response_t){ .id = TX_ENT(q, 0).req.id, .status = NETIF_RSP_OKAY };
	q->tx_sring->rsp_prod = 1;
	assert_true(nq_final_check(q, false));
	assert_int_equal(nq_tx_gc(q, 64), 1);
	while (q->tx.req_prod_pvt - q->tx.rsp_cons <= NQ_TX_LAZY_MAX)
		assert_int_equal(nq_tx_put(q, &p), 0);
	nq_tx_push(q);
	assert_false(nq_final_check(q, false));
	assert_false(q->tx_lazy);
	assert_int_equal(q->tx_sring->rsp_event, q->tx.rsp_cons + 1);
}

static void tx_ring_full(void **state)
{
	struct netif_queue *q = *state;
	uint8_t frame[60] = { 0 };
	struct nq_pkt p = one_frag(frame, sizeof(frame));
	int ok = 0;

	while (nq_tx_put(q, &p) == 0)
		ok++;
	assert_int_equal(ok, NET_TX_RING_SIZE);
	assert_int_equal(q->st->tx_ring_full, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rx_good_and_bad, setup, teardown),
		cmocka_unit_test(rx_broken),
		cmocka_unit_test_setup_teardown(rx_sg_chain, setup_sg, teardown),
		cmocka_unit_test_setup_teardown(rx_gso, setup_sg, teardown),
		cmocka_unit_test_setup_teardown(rx_backpressure, setup_sg, teardown),
		cmocka_unit_test_setup_teardown(rx_runaway, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_put_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_sg_gso, setup_sg, teardown),
		cmocka_unit_test_setup_teardown(tx_ring_full, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_lazy_event, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
