/* SPDX-License-Identifier: MIT */
/* Per-queue datapath counters.  Written by the datapath thread, except the
 * xsk_* ones, which the control thread copies from the kernel's
 * XDP_STATISTICS once a second; readers (stats, status) map the
 * instance's stats file read-only. */
#ifndef XENNET_QUEUE_STATS_H
#define XENNET_QUEUE_STATS_H
#include <stddef.h>
#include <stdint.h>

#define XENNET_STATS_MAGIC 0x78656e3473746174ull  /* "xen4stat" (the layout's version) */
#define XENNET_STATS_QUEUES 8                     /* the most queues an instance runs */

struct xennet_queue_stats {
	/* RX: backend -> guest */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_dropped;        /* good packets with nowhere to go (no UMEM frame) */
	uint64_t rx_errors;         /* responses with an error status from the backend */
	uint64_t rx_invalid;        /* responses that broke the protocol */
	uint64_t rx_xsk_full;       /* times the XSK TX ring had no room (backpressure) */
	uint64_t rx_kicks;          /* sendto() wakeups of the XSK TX */
	/* TX: guest -> backend */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_dropped;        /* frames the backend dropped, or too big to send */
	uint64_t tx_errors;         /* TX responses with NETIF_RSP_ERROR */
	uint64_t tx_invalid;        /* TX responses that broke the protocol */
	uint64_t tx_ring_full;      /* times no TX slot was free */
	uint64_t fill_short;        /* XSK fill ring could not take a returned frame */
	uint64_t notifies;          /* event channel notifications sent */
	uint64_t wakeups;           /* event channel / poll wakeups taken */
	/* the kernel's view of the XSK (struct xdp_statistics) */
	uint64_t xsk_rx_dropped;    /* frames for the XSK dropped by the kernel */
	uint64_t xsk_rx_invalid;
	uint64_t xsk_rx_ring_full;
	uint64_t xsk_fill_empty;    /* times the fill ring was empty */
	uint64_t xsk_tx_invalid;
	uint64_t xsk_tx_ring_empty;
	/* offloads toward the guest */
	uint64_t rx_gso;            /* GSO packets from the backend, cut up here */
	uint64_t rx_gso_segments;   /* the frames they made */
	uint64_t rx_csum_offloaded; /* frames handed to the kernel with a partial checksum */
	uint64_t rx_csum_sw;        /* partial checksums completed in userspace */
	/* copies made by the datapath (0 in zero-copy mode, but for GSO) */
	uint64_t rx_copied_bytes;   /* backend -> guest: Xen buffers into UMEM frames */
	uint64_t tx_copied_bytes;   /* guest -> backend: UMEM frames into Xen buffers */
	uint64_t wakeups_spurious;  /* event-channel wakeups that found no work */
	uint64_t wakeups_throttled; /* times a storm of them kept the channel masked a while */
	uint64_t rx_refill_short;   /* zero-copy: RX refills that ran out of free UMEM frames */
};

/* Field names, in order, as `xennet-xdp stats` prints them. */
#define XENNET_QUEUE_STATS_FIELDS(X)                                           \
	X(rx_packets) X(rx_bytes) X(rx_dropped) X(rx_errors) X(rx_invalid)     \
	X(rx_xsk_full) X(rx_kicks) X(tx_packets) X(tx_bytes) X(tx_dropped)     \
	X(tx_errors) X(tx_invalid) X(tx_ring_full) X(fill_short) X(notifies)   \
	X(wakeups) X(xsk_rx_dropped) X(xsk_rx_invalid) X(xsk_rx_ring_full)     \
	X(xsk_fill_empty) X(xsk_tx_invalid) X(xsk_tx_ring_empty) X(rx_gso)       \
	X(rx_gso_segments) X(rx_csum_offloaded) X(rx_csum_sw) X(rx_copied_bytes)  \
	X(tx_copied_bytes) X(wakeups_spurious) X(wakeups_throttled)           \
	X(rx_refill_short)

/* The file RUN_DIR/<ifname>.stats holds this. */
struct xennet_stats_file {
	uint64_t magic;
	uint64_t pid;
	/* CLOCK_MONOTONIC (ns) of the control thread's latest round, at least
	 * once a second while it is alive: a reader on the same machine tells
	 * a stalled instance from a live one by its age */
	uint64_t heartbeat_ns;
	uint32_t nqueues;            /* queues connected now (0 while not) */
	uint32_t stalled;            /* 1: a datapath thread stopped making rounds */
	struct xennet_queue_stats q[XENNET_STATS_QUEUES];
};

#endif
