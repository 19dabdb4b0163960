/* SPDX-License-Identifier: MIT */
/*
 * One netif queue: the shared TX and RX rings, the granted buffer pages
 * behind them, its event channel(s), and the protocol verbs (post RX
 * buffers, take RX packets, put TX packets, collect TX responses).
 *
 * Packets may span several slots (feature-sg: NETRXF_more_data /
 * NETTXF_more_data) and carry an extra-info slot (GSO), as netif.h says.
 * RX buffers are tied to ring slots as in Linux's netfront: the request at
 * ring index i names buffer page (i mod RING_SIZE) with id (i mod
 * RING_SIZE), so that every response slot, data or extra-info, tells which
 * page it used.  Every response is copied out of the shared ring
 * (RING_COPY_RESPONSE, a volatile copy) and validated before it is used.
 * Two kinds of bad input:
 *  - a bad packet (a size or offset past its page, a GSO size of 0 or past
 *    the packet, an unknown extra-info type, too many slots): counted in
 *    rx_invalid, the packet dropped, as the kernel's netfront does;
 *  - a broken protocol (a response whose id is not its slot's, more
 *    responses than requests, a chain past the last response, a TX
 *    response for nothing outstanding): the queue is broken at once, as the
 *    kernel's netfront declares its device broken.
 */
#ifndef XENNET_NETIF_RING_H
#define XENNET_NETIF_RING_H
#include <stdbool.h>
#include <stdint.h>
#include "xen/plat.h"
#include "xen_netif.h"
#include "xennet_queue_stats.h"

/* The most slots one packet may use, either way (netif.h's minimum that
 * every backend supports, XEN_NETIF_NR_SLOTS_MIN). */
#define NQ_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN

/* What was negotiated for the queue (netfront.c decides). */
struct nq_features {
	bool sg;          /* feature-sg: multi-slot packets */
	bool csum;        /* checksum offload: RX may be csum_blank; TX may say so */
	bool gso4, gso6;  /* feature-gso-tcpv4/6 (RX: the backend may send GSO) */
	bool split;       /* feature-split-event-channels: a TX and an RX channel */
};

struct nq_frag {
	const uint8_t *data;
	uint32_t len;
	uint64_t addr;         /* zero-copy: the data's address in the UMEM */
};

/* A packet, as a list of fragments (each within one page or one frame). */
struct nq_pkt {
	unsigned int nfrags;
	struct nq_frag frag[NQ_MAX_SLOTS];
	uint32_t len;          /* the sum of the fragments */
	uint16_t flags;        /* RX: NETRXF_csum_blank|NETRXF_data_validated;
				* TX: NETTXF_csum_blank|NETTXF_data_validated */
	uint16_t gso_size;     /* 0: not GSO */
	uint8_t gso_type;      /* XEN_NETIF_GSO_TYPE_TCPV4/6 */
};

/* Zero-copy: the packet buffers are the port's UMEM frames (one page
 * each), granted to the backend once (the UMEM is the grant mapping); the
 * queue shares only its two rings.  Frames move between the datapath and
 * the rings through these calls. */
struct nq_zc {
	uint8_t *area;          /* the UMEM */
	const uint32_t *refs;   /* the grant reference of each frame */
	uint32_t nframes;
	void *ctx;
	/* a free frame (its UMEM address) to post for RX, or false */
	bool (*rx_frame)(void *ctx, uint64_t *addr);
	/* a frame back from the rings: RX (not delivered) or TX (sent) */
	void (*give_back)(void *ctx, uint64_t addr, bool rx);
};

struct netif_queue {
	struct plat *plat;
	unsigned int index;             /* queue number, for keys and logs */
	uint16_t be_domid;
	int evtchn;                     /* the TX channel, or the only one; -1 until allocated */
	int evtchn_rx;                  /* with split channels: the RX one; else -1 */
	unsigned int max_frame;         /* MTU + Ethernet header (+ VLAN tag) */
	struct nq_features feat;

	struct netif_tx_sring *tx_sring;
	struct netif_rx_sring *rx_sring;
	uint32_t tx_ring_ref, rx_ring_ref;
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;

	/* copy mode: one page per slot id; RX pages granted writable, TX
	 * read-only.  Zero-copy: the frame behind each RX slot and TX id. */
	uint8_t *tx_bufs, *rx_bufs;
	uint32_t tx_refs[NET_TX_RING_SIZE], rx_refs[NET_RX_RING_SIZE];
	const struct nq_zc *zc;
	uint64_t rx_addr[NET_RX_RING_SIZE], tx_addr[NET_TX_RING_SIZE];

	uint16_t tx_free[NET_TX_RING_SIZE];   /* stack of free TX ids */
	unsigned int tx_nfree;
	uint8_t tx_busy[NET_TX_RING_SIZE];    /* posted, awaiting a response */
	unsigned int tx_null_owed;            /* NETIF_RSP_NULL answers owed for extra slots */

	bool broken;
	bool rx_starved;        /* zero-copy: the last refill ran out of free frames */
	bool tx_lazy;           /* nq_final_check asked no event for the TX responses owed */
	const char *broken_why;
	struct xennet_queue_stats *st;        /* may point into a shared file */
	struct xennet_queue_stats own_st;
};

/* Share rings and buffers with domid (zc: the rings only), SHARED_RING_INIT
 * both.  0 or -errno. */
int nq_alloc(struct netif_queue *q, struct plat *p, uint16_t be_domid, unsigned int mtu,
	     const struct nq_features *feat, const struct nq_zc *zc);
/* Allocate the event channel(s) (unbound, for be_domid).  0 or -errno. */
int nq_alloc_evtchn(struct netif_queue *q);
/* Revoke every grant, close the channel(s).  Safe on a partly set-up queue.
 * Channels set to -1 beforehand (after a restore) are left alone.  Zero-
 * copy: every frame still on the rings is given back (the backend has let
 * go of them: call this once it is Closed or gone). */
void nq_free(struct netif_queue *q);
/* Is port one of this queue's channels? */
bool nq_owns_port(const struct netif_queue *q, int port);

/* Post a request for every free RX slot; push and notify if asked to. */
void nq_rx_refill(struct netif_queue *q);
/* Take up to budget RX packets.  For each good packet deliver() is called:
 * 0 when it took the packet (counted in rx_packets), > 0 when it dropped
 * it (it counts that itself), < 0 when it has no room now: the packet is
 * left on the ring and polling stops.  Returns the packets taken. */
typedef int (*nq_deliver_fn)(void *ctx, const struct nq_pkt *pkt);
unsigned int nq_rx_poll(struct netif_queue *q, unsigned int budget, nq_deliver_fn deliver, void *ctx);
/* Queue one packet's requests (not pushed): copy mode copies it into free
 * TX pages; zero-copy names its frames (each fragment within one frame).
 * 0, -1 when there is no room now (slots or ids), or 1 when it was dropped
 * (counted: a size out of range, too many fragments, GSO not negotiated). */
int nq_tx_put(struct netif_queue *q, const struct nq_pkt *p);
/* Push queued TX requests; notify if the backend asks to be. */
void nq_tx_push(struct netif_queue *q);
/* Collect up to budget TX responses, freeing their slots. */
unsigned int nq_tx_gc(struct netif_queue *q, unsigned int budget);
/* Before sleeping: re-arm response events; true if work arrived meanwhile.
 * With rx_blocked (nowhere to put RX packets now), RX responses waiting on
 * the ring are not work: only TX responses and RX slots to post count.
 * TX responses get an event only with more than NQ_TX_LAZY_MAX requests
 * out or RX starved (zero-copy); else tx_lazy says some are owed and the
 * caller must look again within a bounded time. */
#define NQ_TX_LAZY_MAX 64u
bool nq_final_check(struct netif_queue *q, bool rx_blocked);

#endif
