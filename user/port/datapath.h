/* SPDX-License-Identifier: MIT */
/* A datapath thread per queue: the queue's Xen rings on one side, its XSK
 * rings on the other, copies in between, no syscall per packet.  Toward
 * the guest it cuts GSO packets into MSS-sized frames and leaves the
 * checksums the backend left partial to the kernel (TX metadata) or
 * completes them; frames larger than one UMEM frame travel as multi-buffer
 * frames both ways. */
#ifndef XENNET_DATAPATH_H
#define XENNET_DATAPATH_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "port/xdp_port.h"
#include "xen/netif_ring.h"

#define DP_SCRATCH (XEN_NETIF_MAX_TX_SIZE + 1)

struct datapath {
	struct netif_queue *q;
	struct xdp_port *port;
	struct port_queue *pq;
	unsigned int index;
	bool busy;                 /* --poll busy: never sleep */
	pthread_t thread;
	bool running;
	int stop_fd;               /* eventfd: main -> datapath "stop" */
	int done_fd;               /* eventfd: datapath -> main "I stopped (broken)" */
	uint32_t tx_pending;       /* reserved on XSK TX, not yet submitted */
	uint32_t unkicked;         /* submitted on XSK TX since the last kick */
	bool rx_blocked;           /* this round: an RX packet found no room on the XSK */
	int blocked_wait_ms;       /* how long the next blocked sleep lasts (backs off) */
	pid_t tid;                 /* the thread's id, for liveness checks */
	bool evt_woke;             /* the last sleep ended on an event-channel event */
	unsigned int spurious_streak;   /* such wakeups in a row that found no work */
	int throttle_ms;           /* how long a storm keeps the channel masked (backs off) */
	unsigned int woke_pkts;    /* packets moved since the last sleep ended */
	unsigned int linger;       /* empty rounds gone round since the last work */
	uint64_t linger_start;     /* when the first of them began (CLOCK_MONOTONIC ns) */
	uint8_t *scratch;          /* DP_SCRATCH bytes: a packet made contiguous */
	uint8_t *seg;              /* DP_SCRATCH bytes: a segment larger than a frame */
};

/* Start queue index's thread.  0 or -errno. */
int datapath_start(struct datapath *dp, unsigned int index, struct netif_queue *q,
		   struct xdp_port *port, bool busy);
/* Ask the thread to stop and join it.  Safe if never started. */
void datapath_stop(struct datapath *dp);

#endif
