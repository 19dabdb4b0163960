/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "port/datapath.h"

#define BUDGET 64u
#define DP_BLOCKED_WAIT_MS 1    /* RX blocked on the XSK: look again this soon, */
#define DP_BLOCKED_MAX_MS 64    /* ...backing off to this while nothing moves */

/* XSK completion ring: the kernel is done with these TX frames.  The pool
 * can never hold more than its frames; an address beyond that (which the
 * kernel would not give) is dropped rather than written past the pool. */
static unsigned int reap_completions(struct datapath *dp)
{
	struct xdp_port *port = dp->port;
	uint32_t idx, n = xsk_ring_cons__peek(&port->comp, BUDGET, &idx);

	for (uint32_t i = 0; i < n; i++)
		if (port->n_tx_frames < port->tx_frames_cap)
			port->tx_frames[port->n_tx_frames++] = *xsk_ring_cons__comp_addr(&port->comp, idx + i);
	if (n)
		xsk_ring_cons__release(&port->comp, n);
	return n;
}

/* RX (backend -> guest): one good packet into a UMEM frame on XSK TX. */
static int deliver(void *ctx, const uint8_t *data, uint32_t len)
{
	struct datapath *dp = ctx;
	struct xdp_port *port = dp->port;
	struct xdp_desc *d;
	uint32_t idx;

	if (!port->n_tx_frames && !reap_completions(dp)) {
		dp->q->st->rx_xsk_full++;
		dp->rx_blocked = true;
		return -1;
	}
	if (len > port->frame_size) {
		dp->q->st->rx_dropped++;
		return 0;
	}
	if (xsk_ring_prod__reserve(&port->tx, 1, &idx) != 1) {
		dp->q->st->rx_xsk_full++;
		dp->rx_blocked = true;
		return -1;
	}
	d = xsk_ring_prod__tx_desc(&port->tx, idx);
	d->addr = port->tx_frames[--port->n_tx_frames];
	d->len = len;
	d->options = 0;
	memcpy(xsk_umem__get_data(port->umem_area, d->addr), data, len);
	dp->tx_pending++;
	return 0;
}

/* Submit what deliver() reserved and kick the kernel when the ring asks
 * for it.  In copy mode only sendto() moves frames off the XSK TX ring;
 * when RX is blocked (no free frame, or the ring is full) the kick is
 * unconditional, or nothing would ever come back on the completion ring. */
static void flush_xsk_tx(struct datapath *dp, bool blocked)
{
	struct xdp_port *port = dp->port;
	/* every frame is either free, reserved here, or with the kernel */
	uint32_t in_flight = port->tx_frames_cap - port->n_tx_frames - dp->tx_pending;

	if (dp->tx_pending) {
		xsk_ring_prod__submit(&port->tx, dp->tx_pending);
		dp->tx_pending = 0;
		in_flight = port->tx_frames_cap - port->n_tx_frames;
	}
	if (!in_flight)
		return;
	if (blocked || xsk_ring_prod__needs_wakeup(&port->tx)) {
		xdp_port_kick_tx(port);
		dp->q->st->rx_kicks++;
	}
}

/* TX (guest -> backend): frames the XDP program redirected to the XSK. */
static unsigned int from_guest(struct datapath *dp)
{
	struct xdp_port *port = dp->port;
	struct netif_queue *q = dp->q;
	uint32_t want = q->tx_nfree < BUDGET ? q->tx_nfree : BUDGET;
	uint32_t idx, fidx, n, done = 0;

	if (!want) {
		q->st->tx_ring_full++;
		return 0;
	}
	n = xsk_ring_cons__peek(&port->rx, want, &idx);
	if (!n)
		return 0;
	while (done < n) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&port->rx, idx + done);

		if (nq_tx_put(q, xsk_umem__get_data(port->umem_area, d->addr), d->len) < 0)
			break;
		done++;
	}
	if (done < n)
		xsk_ring_cons__cancel(&port->rx, n - done);
	/* the bytes are copied: the frames go straight back to the fill ring */
	if (xsk_ring_prod__reserve(&port->fill, done, &fidx) == done) {
		for (uint32_t i = 0; i < done; i++)
			*xsk_ring_prod__fill_addr(&port->fill, fidx + i) =
				xsk_ring_cons__rx_desc(&port->rx, idx + i)->addr;
		xsk_ring_prod__submit(&port->fill, done);
	} else {
		q->st->fill_short += done;  /* cannot happen: fill ring >= its frames */
	}
	xsk_ring_cons__release(&port->rx, done);
	nq_tx_push(q);
	return done;
}

/* Sleep until the event channel, the XSK or a stop request wakes us.  With
 * RX blocked on the XSK TX side, nothing signals the completions we wait
 * for (the kernel frees the frames' skbs as the guest's stack consumes
 * them), so the sleep is short: a bounded retry, never a spin. */
static void wait_for_work(struct datapath *dp, bool rx_blocked)
{
	struct plat *p = dp->q->plat;
	/* With no TX slot free, frames waiting on the XSK RX ring are no work:
	 * wait for the backend's TX responses (the event channel) instead of
	 * waking at once on them. */
	struct pollfd pfd[3] = {
		{ .fd = p->ops->evt_fd(p), .events = POLLIN },
		{ .fd = dp->port->xsk_fd, .events = dp->q->tx_nfree ? POLLIN : 0 },
		{ .fd = dp->stop_fd, .events = POLLIN },
	};
	int port, timeout = -1;

	if (rx_blocked) {
		timeout = dp->blocked_wait_ms;
		if (dp->blocked_wait_ms < DP_BLOCKED_MAX_MS)
			dp->blocked_wait_ms *= 2;
	}

	if (poll(pfd, 3, timeout) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		while ((port = p->ops->evt_pending(p)) >= 0)
			p->ops->evt_unmask(p, (uint32_t)port);
		dp->q->st->wakeups++;
	}
}

static bool stop_requested(struct datapath *dp)
{
	return __atomic_load_n(&dp->running, __ATOMIC_ACQUIRE) == false;
}

static void *run(void *arg)
{
	struct datapath *dp = arg;
	struct netif_queue *q = dp->q;

	dp->tid = gettid();
	dp->blocked_wait_ms = DP_BLOCKED_WAIT_MS;
	while (!stop_requested(dp)) {
		unsigned int work = 0;
		bool blocked;

		dp->rx_blocked = false;
		work += nq_rx_poll(q, BUDGET, deliver, dp);
		blocked = dp->rx_blocked;
		flush_xsk_tx(dp, blocked);
		nq_rx_refill(q);
		work += nq_tx_gc(q, BUDGET);
		work += from_guest(dp);
		work += reap_completions(dp);
		if (dp->busy && xsk_ring_prod__needs_wakeup(&dp->port->fill))
			recvfrom(dp->port->xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		if (q->broken)
			break;
		/* a response left on the ring for want of a UMEM frame is no
		 * reason to go round again: with nothing else done, sleep (busy
		 * polling too), briefly, for the kernel to complete frames */
		if (work)
			dp->blocked_wait_ms = DP_BLOCKED_WAIT_MS;
		if (work || (dp->busy && !blocked))
			continue;
		if (nq_final_check(q, blocked))
			continue;
		wait_for_work(dp, blocked);
	}
	if (q->broken) {
		uint64_t one = 1;

		if (write(dp->done_fd, &one, sizeof(one)) < 0)
			abort();   /* an eventfd write cannot fail here */
	}
	return NULL;
}

int datapath_start(struct datapath *dp, struct netif_queue *q, struct xdp_port *port, bool busy)
{
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->q = q;
	dp->port = port;
	dp->busy = busy;
	dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dp->stop_fd < 0 || dp->done_fd < 0) {
		err = -errno;
		goto fail;
	}
	/* the UMEM's TX frames are the port's: those still in flight from a
	 * previous connection come back through the completion ring */
	dp->running = true;
	err = -pthread_create(&dp->thread, NULL, run, dp);
	if (err) {
		dp->running = false;
		goto fail;
	}
	pthread_setname_np(dp->thread, "xennet-q0");
	return 0;
fail:
	datapath_stop(dp);
	return err;
}

void datapath_stop(struct datapath *dp)
{
	uint64_t one = 1;

	if (dp->running) {
		__atomic_store_n(&dp->running, false, __ATOMIC_RELEASE);
		if (write(dp->stop_fd, &one, sizeof(one)) < 0)
			abort();
		pthread_join(dp->thread, NULL);
	}
	if (dp->stop_fd > 0)
		close(dp->stop_fd);
	if (dp->done_fd > 0)
		close(dp->done_fd);
	dp->stop_fd = dp->done_fd = -1;
}
