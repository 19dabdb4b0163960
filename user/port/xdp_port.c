/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_xdp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "common/log.h"
#include "port/veth.h"
#include "state/xdp_info.h"
#include "port/xdp_port.h"
#include "xennet_redirect.skel.h"

#define BPFFS "/sys/fs/bpf"
#define BPF_FS_MAGIC_ 0xcafe4a11
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9   /* linux/if_xdp.h from 6.12 on */
#endif

static int fail(struct xdp_port *port, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", port->ifname, what, strerror(err < 0 ? -err : err));
	xdp_port_close(port);
	return err < 0 ? err : -err;
}

/* libbpf and libxdp talk a lot; keep their warnings, minus the notes
 * about ELF sections that libxdp's own metadata sections always cause. */
/* While libxdp attaches, libbpf's warnings are held back: libxdp first
 * tries its dispatcher, and on kernels that refuse it the failed load is
 * expected; they are printed only if the attach fails after all. */
static bool holding;
static char held[2048];
static size_t held_len;

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (log_get_max() >= LOG_DEBUG) {   /* -v: every message, as it comes */
		log_vmsg(LOG_DEBUG, NULL, fmt, ap);   /* ("libbpf: ..." already) */
		return 0;
	}
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "skipping unrecognized data section"))
		return 0;
	if (holding) {
		size_t n = strlen(line);

		if (held_len + n < sizeof(held)) {
			memcpy(held + held_len, line, n + 1);
			held_len += n;
		}
		return 0;
	}
	return fprintf(stderr, "%s", line);
}

/* libxdp explains in three lines that its multi-program dispatcher cannot
 * load (on kernels that refuse freplace programs, or without bpffs) and that
 * it attaches the program alone; xdp_port_open() says so in one. */
static bool no_dispatcher;

static int quiet_xdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	va_list copy;

	if (log_get_max() >= LOG_DEBUG) {   /* -v: every message, as it comes */
		va_copy(copy, ap);
		log_vmsg(LOG_DEBUG, NULL, fmt, copy);
		va_end(copy);
	}
	if (level != LIBXDP_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "dispatcher") || strstr(line, "No bpffs found")) {
		no_dispatcher = true;
		return 0;
	}
	return log_get_max() >= LOG_DEBUG ? 0 : fprintf(stderr, "%s", line);
}

static int ensure_bpffs(void)
{
	struct statfs sfs;

	if (statfs(BPFFS, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC_)
		return 0;
	return mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0 ? -errno : 0;
}

static int pin_maps(struct xdp_port *port)
{
	char path[160];
	struct bpf_map *maps[] = { port->skel->maps.xennet_stats, port->skel->maps.xennet_xsks };

	mkdir(BPFFS "/xennet", 0700);
	if (mkdir(port->pin_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", port->pin_dir, bpf_map__name(maps[i]));
		if (bpf_map__pin(maps[i], path) < 0)
			return -errno;
	}
	return 0;
}

/* Our pins and those of the filters attached to the interface (below it). */
static int unpin_dir(const char *dir)
{
	int n = xdp_info_rm_pins(dir);

	rmdir(BPFFS "/xennet");   /* only if empty */
	return n;
}

static int attach_program(struct xdp_port *port)
{
	long err;

	port->skel = xennet_redirect__open();
	if (!port->skel)
		return -errno;
	port->prog = xdp_program__from_bpf_obj(port->skel->obj, "xdp.frags");
	err = libxdp_get_error(port->prog);
	if (err) {
		port->prog = NULL;
		return (int)err;
	}
	/* frames of several buffers are ours to handle (SEC("xdp.frags")):
	 * said to libxdp too, or its dispatcher is loaded without frags and
	 * the veth refuses XDP at an MTU past one page (the real tier at MTU
	 * 9000: "veth: Peer MTU is too large to set XDP", ERANGE) */
	xdp_program__set_xdp_frags_support(port->prog, true);
	no_dispatcher = false;
	holding = true;
	held_len = 0;
	held[0] = 0;
	err = xdp_program__attach(port->prog, port->peer_ifindex, XDP_MODE_NATIVE, 0);
	holding = false;
	if (err)
		fputs(held, stderr);
	else if (strstr(held, "xdp-dispatcher") || strstr(held, "xdp_pass"))
		no_dispatcher = true;
	if (!err && no_dispatcher)
		fprintf(stderr, "%s: libxdp's dispatcher is unavailable here; xennet_redirect "
			"is attached to %s alone\n", port->ifname, port->peer);
	if (err)
		return (int)err;
	port->attached = true;
	return 0;
}


/* One queue: its UMEM, its socket bound to the peer's queue, in the XSK
 * map at its index; half its frames on the fill ring, half for XSK TX. */
static int open_queue(struct xdp_port *port, const struct xdp_port_cfg *cfg, unsigned int i, bool quiet)
{
	struct port_queue *pq = &port->q[i];
	struct xsk_cfg xc = {
		.ifname = port->ifname, .ifindex = port->peer_ifindex, .queue = i,
		.nframes = cfg->nframes, .frame_size = cfg->frame_size, .ring_size = cfg->ring_size,
		.want_sg = cfg->want_sg, .want_txmd = cfg->want_txmd, .quiet = quiet,
	};
	size_t size = (size_t)cfg->nframes * cfg->frame_size;
	uint32_t idx = 0, half = cfg->nframes / 2, fd;
	int err, budget = PORT_TX_SKB_BUDGET;

	if (cfg->umem_alloc) {
		pq->refs = calloc(cfg->nframes, sizeof(*pq->refs));
		pq->area = pq->refs ? cfg->umem_alloc(cfg->umem_ctx, cfg->nframes, pq->refs) : NULL;
		if (!pq->area)
			return -(errno ? errno : ENOMEM);
	} else {
		pq->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (pq->area == MAP_FAILED) {
			pq->area = NULL;
			return -errno;
		}
	}
	pq->nframes = cfg->nframes;
	pq->frame_size = cfg->frame_size;
	xc.area = pq->area;
	err = xsk_open(&pq->xsk, &xc);
	if (err)
		return err;
	fd = (uint32_t)pq->xsk.fd;
	if (bpf_map_update_elem(bpf_map__fd(port->skel->maps.xennet_xsks), &i, &fd, 0) < 0)
		return -errno;
	/* copy-mode TX sends at most 32 frames per sendto() unless told more
	 * (kernels without the option: the datapath kicks again while frames
	 * are in flight) */
	setsockopt(pq->xsk.fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof(budget));
	pq->tx_frames_cap = pq->nframes - half;
	pq->xsk_tx_out = 0;
	pq->zc_reserve = 0;
	if (cfg->umem_alloc)
		pq->zc_reserve = pq->tx_frames_cap / 4 < PORT_ZC_GSO_RESERVE ? pq->tx_frames_cap / 4 : PORT_ZC_GSO_RESERVE;
	pq->tx_frames = calloc(pq->tx_frames_cap, sizeof(*pq->tx_frames));
	if (!pq->tx_frames)
		return -ENOMEM;
	for (uint32_t f = half; f < pq->nframes; f++)
		pq->tx_frames[pq->n_tx_frames++] = (uint64_t)f * cfg->frame_size;
	if (half > cfg->ring_size)
		half = cfg->ring_size;
	if (xsk_ring_prod__reserve(&pq->xsk.fill, half, &idx) != half)
		return -ENOSPC;
	for (uint32_t f = 0; f < half; f++)
		*xsk_ring_prod__fill_addr(&pq->xsk.fill, idx + f) = (uint64_t)f * cfg->frame_size;
	xsk_ring_prod__submit(&pq->xsk.fill, half);
	return 0;
}

int xdp_port_open(struct xdp_port *port, const struct xdp_port_cfg *cfg)
{
	int err;

	memset(port, 0, sizeof(*port));
	for (unsigned int i = 0; i < PORT_MAX_QUEUES; i++)
		port->q[i].xsk.fd = -1;
	libbpf_set_print(quiet_print);
	libxdp_set_print(quiet_xdp_print);
	/* BPF maps and UMEM count against RLIMIT_MEMLOCK on older kernels */
	setrlimit(RLIMIT_MEMLOCK, &(struct rlimit){ RLIM_INFINITY, RLIM_INFINITY });
	snprintf(port->ifname, sizeof(port->ifname), "%s", cfg->ifname);
	snprintf(port->peer, sizeof(port->peer), "%s", cfg->peer);
	xdp_info_pin_dir(port->pin_dir, sizeof(port->pin_dir), cfg->ifname);
	port->frame_size = cfg->frame_size;
	port->mtu = cfg->mtu;
	if (!cfg->nframes || cfg->nframes & (cfg->nframes - 1) || !cfg->ring_size ||
	    cfg->ring_size & (cfg->ring_size - 1))
		return fail(port, "UMEM frames and ring sizes must be powers of two", EINVAL);
	if (cfg->nqueues < 1 || cfg->nqueues > PORT_MAX_QUEUES)
		return fail(port, "queues out of range", EINVAL);
	err = ensure_bpffs();
	if (err)
		return fail(port, "can't mount bpffs on " BPFFS, err);
	err = veth_create(cfg->ifname, cfg->peer, cfg->mac, cfg->mtu, cfg->netns, cfg->nqueues);
	if (err)
		return fail(port, err == -EEXIST ? "can't create veth pair (an interface of that name exists)"
						 : "can't create veth pair", err);
	port->veth_made = true;
	port->ifindex = veth_ifindex(cfg->ifname, cfg->netns);
	port->peer_ifindex = veth_ifindex(cfg->peer, NULL);
	if (port->ifindex < 0 || port->peer_ifindex < 0)
		return fail(port, "veth pair vanished", ENODEV);
	err = attach_program(port);
	if (err)
		return fail(port, "can't attach the XDP program to the peer", err);
	err = pin_maps(port);
	if (err)
		return fail(port, "can't pin maps under " BPFFS "/xennet", err);
	port->cfg = *cfg;
	port->zc = cfg->umem_alloc != NULL;
	err = xdp_port_open_queues(port, false);
	if (err)
		return fail(port, port->zc ? "can't create the AF_XDP socket over granted pages"
					   : "can't create the AF_XDP socket", err);
	return 0;
}

void xdp_port_close_queues(struct xdp_port *port)
{
	for (unsigned int i = 0; i < PORT_MAX_QUEUES; i++) {
		struct port_queue *pq = &port->q[i];

		/* the XSK map holds the socket too: out of it first, or the
		 * socket outlives close() still bound to its queue (EBUSY for
		 * the next one: zero-copy's re-share after a restore) */
		if (pq->xsk.fd >= 0 && port->skel) {
			uint32_t key = i;

			bpf_map_delete_elem(bpf_map__fd(port->skel->maps.xennet_xsks), &key);
		}
		if (pq->xsk.fd >= 0)
			xsk_close(&pq->xsk);
		if (pq->area && port->cfg.umem_free)
			port->cfg.umem_free(port->cfg.umem_ctx, pq->area, pq->nframes);
		else if (pq->area)
			munmap(pq->area, (size_t)pq->nframes * port->frame_size);
		free(pq->tx_frames);
		free(pq->refs);
		memset(pq, 0, sizeof(*pq));
		pq->xsk.fd = -1;
	}
	port->nqueues = 0;
}

int xdp_port_open_queues(struct xdp_port *port, bool quiet)
{
	port->sg = port->txmd = true;
	for (unsigned int i = 0; i < port->cfg.nqueues; i++) {
		int err = open_queue(port, &port->cfg, i, quiet);

		port->nqueues = i + 1;
		if (err)
			return err;
		port->sg &= port->q[i].xsk.sg;
		port->txmd &= port->q[i].xsk.txmd;
	}
	return 0;
}


void xdp_port_close(struct xdp_port *port)
{
	xdp_port_close_queues(port);
	if (port->attached)
		xdp_program__detach(port->prog, port->peer_ifindex, XDP_MODE_NATIVE, 0);
	if (port->prog)
		xdp_program__close(port->prog);   /* leaves the skeleton's object to it */
	if (port->skel)
		xennet_redirect__destroy(port->skel);
	if (port->pin_dir[0])
		unpin_dir(port->pin_dir);
	if (port->veth_made)
		veth_delete(port->peer);
	memset(port, 0, sizeof(*port));
	for (unsigned int i = 0; i < PORT_MAX_QUEUES; i++)
		port->q[i].xsk.fd = -1;
}

int xdp_port_set_carrier(struct xdp_port *port, bool up)
{
	/* a veth end has carrier while its peer is up */
	return veth_set_up(port->peer, up);
}

int xdp_port_read_stats(struct xdp_port *port, struct xennet_xdp_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct xennet_xdp_stats *v;
	__u32 key = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0 || !port->skel)
		return -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(port->skel->maps.xennet_stats), &key, v) < 0) {
		free(v);
		return -errno;
	}
	for (int i = 0; i < ncpu; i++) {
		out->packets += v[i].packets;
		out->bytes += v[i].bytes;
		out->redirected += v[i].redirected;
		out->dropped += v[i].dropped;
	}
	free(v);
	return 0;
}

int xdp_port_cleanup_stale(const char *ifname, const char *peer, const char *netns)
{
	char dir[96];
	int n = 0, idx = veth_ifindex(peer, NULL);

	(void)netns;   /* deleting the peer deletes its other end, wherever it is */
	if (idx > 0) {
		struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(idx);

		if (!libxdp_get_error(mp) && mp) {
			xdp_multiprog__detach(mp);
			xdp_multiprog__close(mp);
		}
		n += veth_delete(peer) == 0;
	}
	xdp_info_pin_dir(dir, sizeof(dir), ifname);
	n += unpin_dir(dir) > 0;
	return n;
}

int xdp_port_kick_tx(struct port_queue *pq)
{
	if (sendto(pq->xsk.fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
		return 0;
	/* EAGAIN/EBUSY: the kernel is still sending; ENOBUFS: retried on the next kick */
	return errno == EAGAIN || errno == EBUSY || errno == ENOBUFS ? 0 : -errno;
}

unsigned int xdp_port_reap(struct port_queue *pq)
{
	uint64_t mask = ~(uint64_t)(pq->frame_size - 1);
	uint32_t idx, n = xsk_ring_cons__peek(&pq->xsk.comp, 256, &idx);

	/* the pool can never hold more than its frames: an address beyond that
	 * (which the kernel would not give) is dropped rather than written past */
	for (uint32_t i = 0; i < n; i++)
		if (pq->n_tx_frames < pq->tx_frames_cap)
			pq->tx_frames[pq->n_tx_frames++] = *xsk_ring_cons__comp_addr(&pq->xsk.comp, idx + i) & mask;
	if (n)
		xsk_ring_cons__release(&pq->xsk.comp, n);
	pq->xsk_tx_out -= n < pq->xsk_tx_out ? n : pq->xsk_tx_out;
	return n;
}

bool xdp_port_zc_rx_frame(void *ctx, uint64_t *addr)
{
	struct port_queue *pq = ctx;

	/* the reserve stays in the pool: with every free frame posted to
	 * the backend, a GSO packet waiting for frames to be cut into would
	 * wait for ever (found in the real tier: TCP from dom0 stalled) */
	if (pq->n_tx_frames <= pq->zc_reserve)
		xdp_port_reap(pq);
	if (pq->n_tx_frames <= pq->zc_reserve)
		return false;
	*addr = pq->tx_frames[--pq->n_tx_frames];
	return true;
}

void xdp_port_zc_give_back(void *ctx, uint64_t addr, bool rx)
{
	struct port_queue *pq = ctx;
	uint64_t frame = addr & ~(uint64_t)(pq->frame_size - 1);
	uint32_t idx;

	if (rx) {
		if (pq->n_tx_frames < pq->tx_frames_cap)
			pq->tx_frames[pq->n_tx_frames++] = frame;
	} else if (xsk_ring_prod__reserve(&pq->xsk.fill, 1, &idx) == 1) {
		/* the fill ring is as large as its share of the frames: room */
		*xsk_ring_prod__fill_addr(&pq->xsk.fill, idx) = frame;
		xsk_ring_prod__submit(&pq->xsk.fill, 1);
	}
}
