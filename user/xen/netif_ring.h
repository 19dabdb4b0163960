/* SPDX-License-Identifier: MIT */
/*
 * One netif queue: the shared TX and RX rings, the granted buffer pages
 * behind them, and the protocol verbs (post RX buffers, take RX responses,
 * put TX requests, collect TX responses).  Every response is copied out of
 * the shared ring and validated before it is used; bad ones are counted,
 * dropped, and past a threshold make the queue broken.
 */
#ifndef XENNET_NETIF_RING_H
#define XENNET_NETIF_RING_H
#include <stdbool.h>
#include <stdint.h>
#include "xen/plat.h"
#include "xen_netif.h"
#include "xennet_queue_stats.h"

#define NQ_INVALID_LIMIT 64   /* bad responses tolerated before the queue is broken */

struct netif_queue {
	struct plat *plat;
	uint16_t be_domid;
	int evtchn;                     /* -1 until allocated */
	unsigned int max_frame;         /* MTU + Ethernet header (+ VLAN tag) */

	struct netif_tx_sring *tx_sring;
	struct netif_rx_sring *rx_sring;
	uint32_t tx_ring_ref, rx_ring_ref;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;

	/* one page per slot id; RX pages granted writable, TX read-only */
	uint8_t *tx_bufs, *rx_bufs;
	uint32_t tx_refs[NET_TX_RING_SIZE], rx_refs[NET_RX_RING_SIZE];

	uint16_t tx_free[NET_TX_RING_SIZE];   /* stack of free TX ids */
	unsigned int tx_nfree;
	uint8_t tx_busy[NET_TX_RING_SIZE];    /* posted, awaiting a response */
	uint8_t rx_busy[NET_RX_RING_SIZE];
	uint16_t rx_repost[NET_RX_RING_SIZE]; /* ids consumed, to post again */
	unsigned int rx_nrepost;

	bool broken;
	const char *broken_why;
	unsigned int n_invalid;       /* this connection's bad responses */
	struct xennet_queue_stats *st;        /* may point into a shared file */
	struct xennet_queue_stats own_st;
};

/* Share rings and buffers with domid, SHARED_RING_INIT both.  0 or -errno. */
int nq_alloc(struct netif_queue *q, struct plat *p, uint16_t be_domid, unsigned int mtu);
/* Allocate the event channel (unbound, for be_domid).  0 or -errno. */
int nq_alloc_evtchn(struct netif_queue *q);
/* Revoke every grant, close the channel.  Safe on a partly set-up queue. */
void nq_free(struct netif_queue *q);

/* Post every free RX buffer; push and notify if the backend asks to be. */
void nq_rx_refill(struct netif_queue *q);
/* Take up to budget RX responses.  For each good packet deliver() is
 * called; when it returns < 0 (no room), the response is left on the ring
 * and polling stops.  Returns the number of responses consumed. */
typedef int (*nq_deliver_fn)(void *ctx, const uint8_t *data, uint32_t len);
unsigned int nq_rx_poll(struct netif_queue *q, unsigned int budget, nq_deliver_fn deliver, void *ctx);
/* Copy one frame into a free TX page and queue the request (not pushed).
 * 0, or -1 when no TX slot is free (or len is out of range: counted). */
int nq_tx_put(struct netif_queue *q, const uint8_t *data, uint32_t len);
/* Push queued TX requests; notify if the backend asks to be. */
void nq_tx_push(struct netif_queue *q);
/* Collect up to budget TX responses, freeing their slots. */
unsigned int nq_tx_gc(struct netif_queue *q, unsigned int budget);
/* Before sleeping: re-arm response events; true if work arrived meanwhile.
 * With rx_blocked (nowhere to put RX packets now), RX responses waiting on
 * the ring are not work: only TX responses and RX buffers to post count. */
bool nq_final_check(struct netif_queue *q, bool rx_blocked);

#endif
