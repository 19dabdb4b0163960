/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/log.h"
#include "port/xsk.h"

#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#ifndef AF_XDP
#define AF_XDP 44
#endif

_Static_assert(sizeof(struct xsk_txmd) == 16, "struct xsk_tx_metadata is 16 bytes");

/* Register the UMEM: with a TX metadata area if asked and the kernel takes
 * it, else without.  Only with the XDP_UMEM_TX_METADATA_LEN flag (6.11+):
 * a kernel that does not know the flag refuses it, where one before 6.8
 * would take the longer structure and ignore the length in its padding. */
static int reg_umem(struct xsk *x, const struct xsk_cfg *c)
{
	struct xsk_umem_reg3 mr = {
		.addr = (uintptr_t)c->area, .len = (uint64_t)c->nframes * c->frame_size,
		.chunk_size = c->frame_size,
	};

	if (c->want_txmd) {
		mr.tx_metadata_len = sizeof(struct xsk_txmd);
		mr.flags = XDP_UMEM_TX_METADATA_LEN;
		if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &mr, sizeof(mr)) == 0) {
			x->txmd = true;
			return 0;
		}
		mr.flags = 0;
		mr.tx_metadata_len = 0;
	}
	/* the layout before tx_metadata_len: every kernel with AF_XDP knows it */
	return setsockopt(x->fd, SOL_XDP, XDP_UMEM_REG, &mr, offsetof(struct xsk_umem_reg3, tx_metadata_len))
		? -errno : 0;
}

static int map_ring(struct xsk *x, int i, off_t pgoff, const struct xdp_ring_offset *o, uint32_t n,
		    size_t desc_size, uint32_t **prod, uint32_t **cons, uint32_t **flags, void **ring)
{
	size_t len = o->desc + (size_t)n * desc_size;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, x->fd, pgoff);

	if (m == MAP_FAILED)
		return -errno;
	x->maps[i] = m;
	x->map_len[i] = len;
	*prod = (uint32_t *)((char *)m + o->producer);
	*cons = (uint32_t *)((char *)m + o->consumer);
	*flags = (uint32_t *)((char *)m + o->flags);
	*ring = (char *)m + o->desc;
	return 0;
}

/* bind(), again while the queue is still taken (EBUSY) for up to a second:
 * the kernel lets go of a closed socket's queue from a workqueue, after
 * close() returned (a reopen right after a close: zero-copy's new UMEM
 * after a restore). */
static int bind_queue(int fd, const struct sockaddr_xdp *sxdp)
{
	for (int tries = 0;; tries++) {
		if (bind(fd, (const struct sockaddr *)sxdp, sizeof(*sxdp)) == 0)
			return 0;
		if (errno != EBUSY || tries >= 100)
			return -1;
		poll(NULL, 0, 10);
	}
}

int xsk_open(struct xsk *x, const struct xsk_cfg *c)
{
	struct xdp_mmap_offsets off;
	socklen_t optlen = sizeof(off);
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP, .sxdp_ifindex = (uint32_t)c->ifindex, .sxdp_queue_id = c->queue,
	};
	uint32_t n = c->ring_size;
	const char *what;
	int err;

	memset(x, 0, sizeof(*x));
	x->fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	what = "socket(AF_XDP)";
	if (x->fd < 0)
		goto fail;
	what = "registering the UMEM";
	err = reg_umem(x, c);
	if (err) {
		errno = -err;
		goto fail;
	}
	what = "sizing the rings";
	if (setsockopt(x->fd, SOL_XDP, XDP_UMEM_FILL_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_RX_RING, &n, sizeof(n)) ||
	    setsockopt(x->fd, SOL_XDP, XDP_TX_RING, &n, sizeof(n)) ||
	    getsockopt(x->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen))
		goto fail;
	what = "mapping the rings";
	if ((err = map_ring(x, 0, XDP_UMEM_PGOFF_FILL_RING, &off.fr, n, sizeof(uint64_t), &x->fill.producer,
			    &x->fill.consumer, &x->fill.flags, &x->fill.ring)) ||
	    (err = map_ring(x, 1, XDP_UMEM_PGOFF_COMPLETION_RING, &off.cr, n, sizeof(uint64_t),
			    &x->comp.producer, &x->comp.consumer, &x->comp.flags, &x->comp.ring)) ||
	    (err = map_ring(x, 2, XDP_PGOFF_RX_RING, &off.rx, n, sizeof(struct xdp_desc), &x->rx.producer,
			    &x->rx.consumer, &x->rx.flags, &x->rx.ring)) ||
	    (err = map_ring(x, 3, XDP_PGOFF_TX_RING, &off.tx, n, sizeof(struct xdp_desc), &x->tx.producer,
			    &x->tx.consumer, &x->tx.flags, &x->tx.ring))) {
		errno = -err;
		goto fail;
	}
	/* as libxdp sets them up: producers may fill the whole ring */
	x->fill.mask = x->comp.mask = x->rx.mask = x->tx.mask = n - 1;
	x->fill.size = x->comp.size = x->rx.size = x->tx.size = n;
	x->fill.cached_prod = *x->fill.producer;
	x->fill.cached_cons = *x->fill.consumer + n;
	x->comp.cached_prod = *x->comp.producer;
	x->comp.cached_cons = *x->comp.consumer;
	x->rx.cached_prod = *x->rx.producer;
	x->rx.cached_cons = *x->rx.consumer;
	x->tx.cached_prod = *x->tx.producer;
	x->tx.cached_cons = *x->tx.consumer + n;
	what = "binding";
	sxdp.sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP | (c->want_sg ? XDP_USE_SG : 0);
	if (bind_queue(x->fd, &sxdp) == 0) {
		x->sg = c->want_sg;
		return 0;
	}
	if (!c->want_sg || (errno != EINVAL && errno != EOPNOTSUPP))
		goto fail;
	/* a kernel before 6.6 has no multi-buffer AF_XDP */
	sxdp.sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
	if (bind_queue(x->fd, &sxdp) == 0)
		return 0;
fail:
	err = -errno;
	if (!c->quiet)
		log_err(c->ifname, "AF_XDP socket on queue %u: %s: %s", c->queue, what, strerror(errno));
	xsk_close(x);
	return err;
}

void xsk_close(struct xsk *x)
{
	for (int i = 0; i < 4; i++)
		if (x->maps[i])
			munmap(x->maps[i], x->map_len[i]);
	if (x->fd > 0)
		close(x->fd);
	memset(x, 0, sizeof(*x));
	x->fd = -1;
}
