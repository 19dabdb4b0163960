/* SPDX-License-Identifier: MIT */
/* The per-queue datapath thread: Xen rings on one side, XSK rings on the
 * other, copies in between, no syscall per packet. */
#ifndef XENNET_DATAPATH_H
#define XENNET_DATAPATH_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "xen/netif_ring.h"
#include "port/xdp_port.h"

struct datapath {
	struct netif_queue *q;
	struct xdp_port *port;
	bool busy;                 /* --poll busy: never sleep */
	pthread_t thread;
	bool running;
	int stop_fd;               /* eventfd: main -> datapath "stop" */
	int done_fd;               /* eventfd: datapath -> main "I stopped (broken)" */
	uint32_t tx_pending;       /* reserved on XSK TX, not yet submitted */
	bool rx_blocked;           /* this round: an RX packet found no room on the XSK */
	int blocked_wait_ms;       /* how long the next blocked sleep lasts (backs off) */
	pid_t tid;                 /* the thread's id, for liveness checks */
};

/* Start the thread.  0 or -errno. */
int datapath_start(struct datapath *dp, struct netif_queue *q, struct xdp_port *port, bool busy);
/* Ask the thread to stop and join it.  Safe if never started. */
void datapath_stop(struct datapath *dp);

#endif
