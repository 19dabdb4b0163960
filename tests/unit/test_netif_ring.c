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
static int f_alloc(struct plat *p, uint16_t r) { (void)p; (void)r; return 3; }
static int f_notify(struct plat *p, uint32_t port) { (void)p; (void)port; notified++; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)p; (void)port; return 0; }

static const struct plat_ops ops = {
	.gnt_share = f_share, .gnt_unshare = f_unshare, .evt_alloc_unbound = f_alloc,
	.evt_notify = f_notify, .evt_close = f_close,
};
static struct plat fake = { .ops = &ops };

struct sink {
	int n;
	uint32_t last_len;
	uint8_t last[64];
	int refuse;
};

static int deliver(void *ctx, const uint8_t *d, uint32_t len)
{
	struct sink *s = ctx;

	if (s->refuse)
		return -1;
	s->n++;
	s->last_len = len;
	memcpy(s->last, d, len < 64 ? len : 64);
	return 0;
}

/* The backend answers the RX request at ring index i. */
static void rx_respond(struct netif_queue *q, RING_IDX i, uint16_t id, uint16_t off, uint16_t flags, int16_t status)
{
	netif_rx_response_t *r = &RX_ENT(q, i % NET_RX_RING_SIZE).rsp;

	r->id = id;
	r->offset = off;
	r->flags = flags;
	r->status = status;
}

static int setup(void **state)
{
	struct netif_queue *q = calloc(1, sizeof(*q));

	assert_int_equal(nq_alloc(q, &fake, 0, 1500), 0);
	assert_int_equal(nq_alloc_evtchn(q), 0);
	nq_rx_refill(q);
	*state = q;
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

static void rx_good_and_bad(void **state)
{
	struct netif_queue *q = *state;
	struct sink s = { 0 };
	uint16_t id = RX_ENT(q, 0).req.id;

	assert_int_equal(q->rx.req_prod_pvt, NET_RX_RING_SIZE);
	memcpy(q->rx_bufs + (size_t)id * 4096 + 100, "hello-frame-bytes", 17);
	rx_respond(q, 0, id, 100, 0, 60);
	/* bad id, out of range */
	rx_respond(q, 1, 999, 0, 0, 60);
	/* size past the page */
	rx_respond(q, 2, RX_ENT(q, 2).req.id, 0, 0, 4000);
	/* offset + size past the page */
	rx_respond(q, 3, RX_ENT(q, 3).req.id, 4090, 0, 60);
	/* an error status from the backend: counted as an error, not invalid */
	rx_respond(q, 4, RX_ENT(q, 4).req.id, 0, 0, NETIF_RSP_ERROR);
	/* within the page but longer than the MTU allows */
	rx_respond(q, 5, RX_ENT(q, 5).req.id, 0, 0, 2000);
	/* the same id again: no longer outstanding */
	rx_respond(q, 6, id, 0, 0, 60);
	/* zero length */
	rx_respond(q, 7, RX_ENT(q, 7).req.id, 0, 0, 0);
	q->rx_sring->rsp_prod = 8;

	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 8);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last_len, 60);
	assert_memory_equal(s.last, "hello-frame-bytes", 17);
	assert_int_equal(q->st->rx_packets, 1);
	assert_int_equal(q->st->rx_errors, 1);
	assert_int_equal(q->st->rx_invalid, 6);
	assert_false(q->broken);
	/* buffers of the good, the error and the invalid-but-owned ids are posted again;
	 * the bad-id ones never existed */
	nq_rx_refill(q);
	assert_int_equal(q->rx.req_prod_pvt, NET_RX_RING_SIZE + 6);
}

/* More-data or extra-info: the slots after it are continuation or
 * extra-info slots we never asked for and cannot parse: the queue is broken
 * at once, and nothing after it is read. */
static void rx_unnegotiated_flags(void **state)
{
	struct netif_queue *q = *state;
	struct sink s = { 0 };

	rx_respond(q, 0, RX_ENT(q, 0).req.id, 0, NETRXF_extra_info, 60);
	rx_respond(q, 1, RX_ENT(q, 1).req.id, 0, 0, 60);
	q->rx_sring->rsp_prod = 2;
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 1);
	assert_true(q->broken);
	assert_int_equal(s.n, 0);
	assert_int_equal(q->st->rx_invalid, 1);
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 0);   /* broken: no more reading */
	assert_int_equal(s.n, 0);
}

static void rx_backpressure(void **state)
{
	struct netif_queue *q = *state;
	struct sink s = { .refuse = 1 };

	rx_respond(q, 0, RX_ENT(q, 0).req.id, 0, 0, 100);
	q->rx_sring->rsp_prod = 1;
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 0);
	assert_int_equal(q->rx.rsp_cons, 0);            /* left on the ring */
	s.refuse = 0;
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 1);
	assert_int_equal(s.n, 1);
}

static void rx_runaway(void **state)
{
	struct netif_queue *q = *state;
	struct sink s = { 0 };

	q->rx_sring->rsp_prod = NET_RX_RING_SIZE + 5;   /* more than we asked for */
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 0);
	assert_true(q->broken);
	assert_int_equal(s.n, 0);
	assert_non_null(q->broken_why);
}

static void invalid_threshold(void **state)
{
	struct netif_queue *q = *state;
	struct sink s = { 0 };
	RING_IDX i;

	for (i = 0; i < NQ_INVALID_LIMIT; i++)
		rx_respond(q, i, 0xbad, 0, 0, 60);
	q->rx_sring->rsp_prod = i;
	nq_rx_poll(q, 1000, deliver, &s);
	assert_int_equal(q->st->rx_invalid, NQ_INVALID_LIMIT);
	assert_true(q->broken);
	assert_int_equal(nq_rx_poll(q, 64, deliver, &s), 0);  /* a broken queue does nothing */
}

static void tx_put_and_gc(void **state)
{
	struct netif_queue *q = *state;
	uint8_t frame[1514];

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)i;
	assert_int_equal(nq_tx_put(q, frame, sizeof(frame)), 0);
	assert_int_equal(nq_tx_put(q, frame, 60), 0);
	assert_int_equal(nq_tx_put(q, frame, 10), 0);            /* runt: dropped, consumed */
	assert_int_equal(nq_tx_put(q, frame, 1600), 0);          /* over MTU: dropped */
	assert_int_equal(q->st->tx_dropped, 2);
	nq_tx_push(q);
	assert_int_equal(q->tx_sring->req_prod, 2);
	netif_tx_request_t *r0 = &TX_ENT(q, 0).req;
	assert_int_equal(r0->size, 1514);
	assert_int_equal(r0->offset, 0);
	assert_int_equal(r0->gref, q->tx_refs[r0->id]);
	assert_memory_equal(q->tx_bufs + (size_t)r0->id * 4096, frame, 1514);
	uint16_t id0 = r0->id, id1 = TX_ENT(q, 1).req.id;

	/* responses: one good, one with a bad id, one repeating id0 */
	TX_ENT(q, 0).rsp = (netif_tx_response_t){ .id = id0, .status = NETIF_RSP_OKAY };
	q->tx_sring->rsp_prod = 1;
	unsigned int before = q->tx_nfree;
	assert_int_equal(nq_tx_gc(q, 64), 1);
	assert_int_equal(q->tx_nfree, before + 1);
	TX_ENT(q, 1).rsp = (netif_tx_response_t){ .id = id0, .status = NETIF_RSP_OKAY };
	q->tx_sring->rsp_prod = 2;
	assert_int_equal(nq_tx_gc(q, 64), 1);
	assert_int_equal(q->st->tx_invalid, 1);
	assert_int_equal(q->tx_nfree, before + 1);              /* not freed twice */
	(void)id1;
	/* more responses than requests */
	q->tx_sring->rsp_prod = 50;
	assert_int_equal(nq_tx_gc(q, 64), 0);
	assert_true(q->broken);
}

static void tx_ring_full(void **state)
{
	struct netif_queue *q = *state;
	uint8_t frame[60] = { 0 };
	int ok = 0;

	while (nq_tx_put(q, frame, sizeof(frame)) == 0)
		ok++;
	assert_int_equal(ok, NET_TX_RING_SIZE);
	assert_int_equal(q->st->tx_ring_full, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rx_good_and_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_unnegotiated_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_runaway, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_put_and_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_ring_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
