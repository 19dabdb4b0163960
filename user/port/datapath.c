/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/pkt.h"
#include "port/datapath.h"

#define BUDGET 64u
/* frames on the XSK TX ring before a kick while the Xen RX ring has more:
 * what the kernel's copy-mode TX sends a sendto() */
#define DP_KICK_BATCH ((unsigned int)PORT_TX_SKB_BUDGET)
#define DP_BLOCKED_WAIT_MS 1    /* RX blocked on the XSK: look again this soon, */
#define DP_BLOCKED_MAX_MS 64    /* ...backing off to this while nothing moves */
#define DP_MAX_FRAMES 17        /* descriptors per XSK frame (MAX_SKB_FRAGS) */
#define DP_SPURIOUS_BURST 32    /* event wakeups in a row with nothing to do: a storm */
#define DP_TX_LAZY_MS 100       /* TX responses no event was asked for: collected this soon */
/* interrupt mode under load: after a wakeup that moved at least
 * DP_LINGER_PKTS packets, go round with nothing to do for up to
 * DP_LINGER_NS (and at most DP_LINGER_ROUNDS times) before sleeping: the
 * next frames are that close, and a sleep costs a poll() here and a wakeup
 * on the far side.  Bounded in time, not only in rounds: on a slow or
 * emulated vCPU a round takes far longer, and the spin would take the
 * time of the vCPUs beside it (dom0's netback among them). */
#define DP_LINGER_PKTS 8u
#define DP_LINGER_NS 20000u
#define DP_LINGER_ROUNDS 256u
#define DP_LINGER_CLOCK_EVERY 8u    /* rounds between two looks at the clock */

static uint32_t room(const struct datapath *dp)
{
	return dp->port->frame_size - XSK_TX_HEADROOM;
}

/* XSK completion ring: the kernel is done with these TX frames. */
static unsigned int reap_completions(struct datapath *dp)
{
	return xdp_port_reap(dp->pq);
}

/* Reserve n XSK TX descriptors and n free frames, all or none: with none,
 * RX is blocked for this round (the packet stays on the Xen ring). */
static bool reserve(struct datapath *dp, uint32_t n, uint32_t *idx)
{
	struct port_queue *pq = dp->pq;

	if (pq->n_tx_frames < n)
		reap_completions(dp);
	if (pq->n_tx_frames < n || xsk_ring_prod__reserve(&pq->xsk.tx, n, idx) != n) {
		dp->q->st->rx_xsk_full++;
		dp->rx_blocked = true;
		return false;
	}
	return true;
}

/* Give back what reserve() took when the packet turns out to be dropped. */
static void unreserve(struct datapath *dp, uint32_t n)
{
	dp->pq->xsk.tx.cached_prod -= n;
}

/* Descriptor k of a reservation, with a free frame: its data pointer. */
static uint8_t *take_frame(struct datapath *dp, uint32_t idx, uint32_t k, uint32_t len, uint32_t options)
{
	struct port_queue *pq = dp->pq;
	struct xdp_desc *d = xsk_ring_prod__tx_desc(&pq->xsk.tx, idx + k);

	d->addr = pq->tx_frames[--pq->n_tx_frames] + XSK_TX_HEADROOM;
	d->len = len;
	d->options = options;
	return xsk_umem__get_data(pq->area, d->addr);
}

/* Ask the kernel to leave this frame's checksum partial (CHECKSUM_PARTIAL:
 * the guest's stack then does not verify it), the field holding the
 * pseudo-header sum. */
static uint32_t partial_csum(struct datapath *dp, uint8_t *frame, const struct pkt_l4 *l4)
{
	struct xsk_txmd *md = (struct xsk_txmd *)(frame - sizeof(*md));
	uint16_t ps = pkt_l4_pseudo(frame, l4);

	(void)dp;
	frame[l4->l4_off + l4->csum_off] = (uint8_t)(ps >> 8);
	frame[l4->l4_off + l4->csum_off + 1] = (uint8_t)ps;
	memset(md, 0, sizeof(*md));
	md->flags = XDP_TXMD_FLAGS_CHECKSUM;
	md->csum_start = l4->l4_off;
	md->csum_offset = l4->csum_off;
	return XDP_TX_METADATA;
}

/* What the backend said of the checksum, made true for the guest: a
 * partial one completed (or, with TX metadata, left partial for the
 * kernel), a validated one left for the kernel not to verify again (TX
 * metadata only).  Returns the descriptor options, or -1 if a partial
 * checksum cannot be completed (not TCP or UDP we can parse).  md_here:
 * frame is a UMEM frame, whose headroom takes the TX metadata. */
static int fix_csum(struct datapath *dp, uint8_t *frame, uint32_t len, uint16_t flags, bool md_here)
{
	struct pkt_l4 l4;
	bool blank = flags & NETRXF_csum_blank;

	if (!blank && !(dp->pq->xsk.txmd && (flags & NETRXF_data_validated)))
		return 0;
	if (pkt_find_l4(frame, len, &l4) < 0)
		return blank ? -1 : 0;
	if (dp->pq->xsk.txmd) {
		dp->q->st->rx_csum_offloaded++;
		/* (not md_here: frame is no UMEM frame, with no headroom for the
		 * metadata; the caller sets it up in the first frame) */
		return md_here ? (int)partial_csum(dp, frame, &l4) : XDP_TX_METADATA;
	}
	dp->q->st->rx_csum_sw++;
	pkt_l4_complete(frame, &l4);
	return 0;
}

/* Copy a packet (fragments) into a contiguous buffer. */
static void gather(const struct nq_pkt *p, uint8_t *dst)
{
	for (unsigned int i = 0; i < p->nfrags; i++) {
		memcpy(dst, p->frag[i].data, p->frag[i].len);
		dst += p->frag[i].len;
	}
}

/* buf[0..len) into as many frames as it needs, already reserved from idx+k. */
static void fill_frames(struct datapath *dp, uint32_t idx, uint32_t k, const uint8_t *buf, uint32_t len,
			uint32_t first_options)
{
	uint32_t r = room(dp), nf = (len + r - 1) / r;

	for (uint32_t f = 0; f < nf; f++) {
		uint32_t chunk = len - f * r < r ? len - f * r : r;
		uint8_t *d = take_frame(dp, idx, k + f, chunk,
					(f + 1 < nf ? XDP_PKT_CONTD : 0) | (f == 0 ? first_options : 0));

		memcpy(d, buf + f * r, chunk);
	}
}

static int dropped(struct datapath *dp, uint64_t *counter)
{
	(*counter)++;
	(void)dp;
	return 1;
}

/* A GSO packet from the backend: cut into MSS-sized frames (all of them
 * reserved before any is written, so that a blocked round leaves the
 * packet whole on the ring). */
static int deliver_gso(struct datapath *dp, const struct nq_pkt *pkt)
{
	struct xennet_queue_stats *st = dp->q->st;
	uint32_t r = room(dp), idx, need = 0, k = 0;
	bool txmd = dp->pq->xsk.txmd;
	struct pkt_l4 l4;
	unsigned int nseg;

	gather(pkt, dp->scratch);
	if (pkt_find_l4(dp->scratch, pkt->len, &l4) < 0 || l4.proto != 6 ||
	    l4.v6 != (pkt->gso_type == XEN_NETIF_GSO_TYPE_TCPV6) ||
	    (uint32_t)l4.l4_off + l4.l4_hlen + pkt->gso_size > dp->port->mtu + 18u)
		return dropped(dp, &st->rx_invalid);   /* not the TCP it says, or segments past our MTU */
	nseg = pkt_tcp_segments(pkt->len, &l4, pkt->gso_size);
	for (unsigned int s = 0; s < nseg; s++) {
		uint32_t payload = l4.l4_len - l4.l4_hlen, start = s * pkt->gso_size;
		uint32_t seg = payload - start < pkt->gso_size ? payload - start : pkt->gso_size;
		uint32_t len = (uint32_t)l4.l4_off + l4.l4_hlen + seg;

		need += (len + r - 1) / r;
	}
	/* more frames than there can ever be free: dropped (zero-copy: more
	 * than the reserve the Xen RX ring leaves, see PORT_ZC_GSO_RESERVE) */
	if (need > (dp->q->zc ? dp->pq->zc_reserve : dp->pq->tx_frames_cap ? dp->pq->tx_frames_cap : 1))
		return dropped(dp, &st->rx_dropped);
	if ((need > nseg && !dp->port->sg) || !reserve(dp, need, &idx))
		return need > nseg && !dp->port->sg ? dropped(dp, &st->rx_dropped) : -1;
	st->rx_copied_bytes += pkt->len;
	for (unsigned int s = 0; s < nseg; s++) {
		uint32_t payload = l4.l4_len - l4.l4_hlen, start = s * pkt->gso_size;
		uint32_t seg = payload - start < pkt->gso_size ? payload - start : pkt->gso_size;
		uint32_t len = (uint32_t)l4.l4_off + l4.l4_hlen + seg;
		struct pkt_l4 sl = l4;
		uint8_t *d;

		sl.l4_len = len - l4.l4_off;
		if (len <= r) {
			/* most segments fit one frame: written in place */
			d = take_frame(dp, idx, k, len, 0);
			pkt_tcp_segment(dp->scratch, pkt->len, &l4, pkt->gso_size, s, d, r, txmd);
			k++;
		} else {
			pkt_tcp_segment(dp->scratch, pkt->len, &l4, pkt->gso_size, s, dp->seg, DP_SCRATCH, txmd);
			fill_frames(dp, idx, k, dp->seg, len, 0);
			d = xsk_umem__get_data(dp->pq->area, xsk_ring_prod__tx_desc(&dp->pq->xsk.tx, idx + k)->addr);
			k += (len + r - 1) / r;
		}
		/* the headers are in the segment's first frame: its metadata */
		if (txmd) {
			struct xdp_desc *d0 = xsk_ring_prod__tx_desc(&dp->pq->xsk.tx, idx + k - (len + r - 1) / r);

			d0->options |= partial_csum(dp, d, &sl);
		}
	}
	dp->tx_pending += need;
	st->rx_gso++;
	st->rx_gso_segments += nseg;
	if (txmd)
		st->rx_csum_offloaded += nseg;
	else
		st->rx_csum_sw += nseg;
	return 0;
}

/* Complete a partial checksum over the packet's fragments (zero-copy: the
 * packet stays where the backend put it). */
static void complete_in_frags(const struct nq_pkt *pkt, const struct pkt_l4 *l4)
{
	uint8_t *f0 = (uint8_t *)pkt->frag[0].data, *field = f0 + l4->l4_off + l4->csum_off;
	uint32_t sum = 0, off = 0, end = l4->l4_off + l4->l4_len;
	uint16_t ps = pkt_l4_pseudo(f0, l4), c;

	field[0] = (uint8_t)(ps >> 8);
	field[1] = (uint8_t)ps;
	for (unsigned int i = 0; i < pkt->nfrags && off < end; i++) {
		uint32_t a = off < l4->l4_off ? l4->l4_off - off : 0, fl = pkt->frag[i].len;
		uint32_t b = off + fl > end ? end - off : fl;

		/* odd-length pieces: fold each piece's sum at its byte offset */
		if (a < b) {
			uint32_t part = csum_fold(csum_add(pkt->frag[i].data + a, b - a, 0));

			sum += ((off + a - l4->l4_off) & 1) ? (uint32_t)((part >> 8) | ((part & 0xff) << 8)) : part;
		}
		off += fl;
	}
	c = (uint16_t)~csum_fold(sum);
	if (c == 0 && l4->proto == 17)
		c = 0xffff;
	field[0] = (uint8_t)(c >> 8);
	field[1] = (uint8_t)c;
}

/* Zero-copy RX: the packet's own frames (the backend wrote into them) go
 * on the XSK TX ring as they are. */
static int deliver_zc(struct datapath *dp, const struct nq_pkt *pkt)
{
	struct xennet_queue_stats *st = dp->q->st;
	struct xsk_ring_prod *tx = &dp->pq->xsk.tx;
	uint32_t idx, opts0 = 0;
	bool fix = (pkt->flags & NETRXF_csum_blank) ||
		   (dp->pq->xsk.txmd && (pkt->flags & NETRXF_data_validated));
	struct pkt_l4 l4;

	if (pkt->nfrags > DP_MAX_FRAMES || (pkt->nfrags > 1 && !dp->port->sg))
		return dropped(dp, &st->rx_dropped);
	if (fix) {
		uint8_t *f0 = (uint8_t *)pkt->frag[0].data;
		/* metadata lives just before the data, inside the frame */
		bool md = dp->pq->xsk.txmd && pkt->frag[0].addr % dp->port->frame_size >= sizeof(struct xsk_txmd);

		if (pkt_find_l4_hdr(f0, pkt->frag[0].len, pkt->len, &l4) < 0) {
			if (pkt->flags & NETRXF_csum_blank)
				return dropped(dp, &st->rx_invalid);
		} else if (md) {
			opts0 = partial_csum(dp, f0, &l4);
			st->rx_csum_offloaded++;
		} else if (pkt->flags & NETRXF_csum_blank) {
			complete_in_frags(pkt, &l4);
			st->rx_csum_sw++;
		}
	}
	if (xsk_ring_prod__reserve(tx, pkt->nfrags, &idx) != pkt->nfrags) {
		st->rx_xsk_full++;
		dp->rx_blocked = true;
		return -1;
	}
	for (unsigned int k = 0; k < pkt->nfrags; k++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(tx, idx + k);

		d->addr = pkt->frag[k].addr;
		d->len = pkt->frag[k].len;
		d->options = (k + 1 < pkt->nfrags ? XDP_PKT_CONTD : 0) | (k == 0 ? opts0 : 0);
	}
	dp->tx_pending += pkt->nfrags;
	return 0;
}

/* RX (backend -> guest): one good packet into UMEM frames on XSK TX.
 * < 0: no room now (the packet stays on the ring); 0: delivered (zero-
 * copy: its frames are ours now); > 0: dropped (counted). */
static int deliver(void *ctx, const struct nq_pkt *pkt)
{
	struct datapath *dp = ctx;
	struct xennet_queue_stats *st = dp->q->st;
	uint32_t r = room(dp), idx, nf;
	int opts;

	if (dp->q->zc && !pkt->gso_size)
		return deliver_zc(dp, pkt);
	if (pkt->gso_size) {
		int ret = deliver_gso(dp, pkt);

		/* zero-copy: the segments are copies; the frames the packet came
		 * in go back to the pool (when it was taken at all) */
		for (unsigned int k = 0; dp->q->zc && ret >= 0 && k < pkt->nfrags; k++)
			xdp_port_zc_give_back(dp->pq, pkt->frag[k].addr, true);
		return ret;
	}
	nf = (pkt->len + r - 1) / r;
	if (nf > DP_MAX_FRAMES || (nf > 1 && !dp->port->sg))
		return dropped(dp, &st->rx_dropped);
	if (!reserve(dp, nf, &idx))
		return -1;
	st->rx_copied_bytes += pkt->len;
	if (nf == 1) {
		uint8_t *d = take_frame(dp, idx, 0, pkt->len, 0);

		gather(pkt, d);
		opts = fix_csum(dp, d, pkt->len, pkt->flags, true);
		if (opts < 0) {
			dp->pq->n_tx_frames++;   /* the frame is still the pool's top */
			unreserve(dp, 1);
			return dropped(dp, &st->rx_invalid);
		}
		xsk_ring_prod__tx_desc(&dp->pq->xsk.tx, idx)->options = (uint32_t)opts;
	} else {
		/* a jumbo frame: made contiguous to fix its checksum, then cut */
		gather(pkt, dp->scratch);
		opts = fix_csum(dp, dp->scratch, pkt->len, pkt->flags, false);
		if (opts < 0) {
			unreserve(dp, nf);
			return dropped(dp, &st->rx_invalid);
		}
		fill_frames(dp, idx, 0, dp->scratch, pkt->len, 0);
		if (opts) {
			struct xdp_desc *d0 = xsk_ring_prod__tx_desc(&dp->pq->xsk.tx, idx);
			struct pkt_l4 l4;
			uint8_t *f0 = xsk_umem__get_data(dp->pq->area, d0->addr);

			/* the headers are in the first frame: its metadata */
			if (pkt_find_l4(dp->scratch, pkt->len, &l4) == 0) {
				memcpy(f0, dp->scratch, l4.l4_off + l4.csum_off + 2u);
				d0->options |= partial_csum(dp, f0, &l4);
			}
		}
	}
	dp->tx_pending += nf;
	return 0;
}

/* Submit what deliver() reserved and kick the kernel when the ring asks
 * for it.  In copy mode only sendto() moves frames off the XSK TX ring;
 * when RX is blocked (no free frame, or the ring is full) the kick is
 * unconditional, or nothing would ever come back on the completion ring.
 * more: the Xen RX ring still holds packets this round left there; then
 * the kick waits until DP_KICK_BATCH frames are on the ring, so that under
 * load one sendto() moves that many (XDP_MAX_TX_SKB_BUDGET) and an idle
 * ring is kicked at once. */
static void flush_xsk_tx(struct datapath *dp, bool blocked, bool more)
{
	struct port_queue *pq = dp->pq;

	if (dp->tx_pending) {
		xsk_ring_prod__submit(&pq->xsk.tx, dp->tx_pending);
		pq->xsk_tx_out += dp->tx_pending;
		dp->unkicked += dp->tx_pending;
		dp->tx_pending = 0;
	}
	/* what the kernel has not completed yet (not "every frame outside
	 * the pool": in zero-copy, frames posted on the Xen RX ring come
	 * from the pool too, and counting them kicked once a packet) */
	if (!pq->xsk_tx_out)
		return;
	if (!blocked && more && dp->unkicked < DP_KICK_BATCH)
		return;
	if (blocked || xsk_ring_prod__needs_wakeup(&pq->xsk.tx)) {
		xdp_port_kick_tx(pq);
		dp->q->st->rx_kicks++;
		dp->unkicked = 0;
	}
}

/* TX (guest -> backend): frames the XDP program redirected to the XSK,
 * multi-buffer ones (XDP_PKT_CONTD) gathered whole. */
static unsigned int from_guest(struct datapath *dp)
{
	struct port_queue *pq = dp->pq;
	struct netif_queue *q = dp->q;
	uint32_t idx, fidx, n, done = 0, pkts = 0, back = 0;
	uint64_t to_fill[BUDGET];

	if (!q->tx_nfree) {
		q->st->tx_ring_full++;
		return 0;
	}
	n = xsk_ring_cons__peek(&pq->xsk.rx, BUDGET, &idx);
	if (!n)
		return 0;
	while (done < n) {
		struct nq_pkt p = { 0 };
		uint32_t k = done;
		bool more = true;
		int r;

		while (more && k < n) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&pq->xsk.rx, idx + k++);

			if (p.nfrags < NQ_MAX_SLOTS) {
				p.frag[p.nfrags].data = xsk_umem__get_data(pq->area, d->addr);
				p.frag[p.nfrags].addr = d->addr;   /* zero-copy names the frame */
				p.frag[p.nfrags].len = d->len;
				p.nfrags++;
			} else {
				p.len = XEN_NETIF_MAX_TX_SIZE + 1;   /* too many: nq_tx_put drops it */
			}
			p.len += d->len;
			more = d->options & XDP_PKT_CONTD;
		}
		if (more)
			break;   /* the rest of the frame is not on the ring yet */
		r = nq_tx_put(q, &p);
		if (r < 0)
			break;   /* no TX slot now: the frame stays on the XSK */
		/* copied (or dropped): the frames go straight back to the fill
		 * ring; zero-copy and sent: they come back with the responses */
		for (uint32_t i = done; i < k && (!q->zc || r > 0); i++)
			to_fill[back++] = xsk_ring_cons__rx_desc(&pq->xsk.rx, idx + i)->addr;
		done = k;
		pkts++;
	}
	if (done < n)
		xsk_ring_cons__cancel(&pq->xsk.rx, n - done);
	if (back && xsk_ring_prod__reserve(&pq->xsk.fill, back, &fidx) == back) {
		for (uint32_t i = 0; i < back; i++)
			*xsk_ring_prod__fill_addr(&pq->xsk.fill, fidx + i) = to_fill[i];
		xsk_ring_prod__submit(&pq->xsk.fill, back);
	} else if (back) {
		q->st->fill_short += back;  /* cannot happen: fill ring >= its frames */
	}
	if (done)
		xsk_ring_cons__release(&pq->xsk.rx, done);
	nq_tx_push(q);
	return pkts;
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
		{ .fd = p->ops->evt_fd(p, dp->index), .events = POLLIN },
		{ .fd = dp->pq->xsk.fd, .events = dp->q->tx_nfree ? POLLIN : 0 },
		{ .fd = dp->stop_fd, .events = POLLIN },
	};
	int port, timeout = -1;

	if (rx_blocked) {
		timeout = dp->blocked_wait_ms;
		if (dp->blocked_wait_ms < DP_BLOCKED_MAX_MS)
			dp->blocked_wait_ms *= 2;
	} else if (dp->q->tx_lazy) {
		timeout = DP_TX_LAZY_MS;   /* TX responses asked for no event */
	}
	dp->woke_pkts = 0;
	dp->linger = 0;
	if (poll(pfd, 3, timeout) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		/* the group holds this queue's channels only: reading as many
		 * ports as it has spares the read that would say "no more" (a
		 * port left pending wakes the next poll at once) */
		int ports[2], n = 0, nports = dp->q->evtchn_rx >= 0 ? 2 : 1;

		while (n < nports && (port = p->ops->evt_pending(p, dp->index)) >= 0)
			ports[n++] = port;
		dp->q->st->wakeups++;
		dp->evt_woke = true;
		/* an event storm (the backend notifying with nothing new on the
		 * rings): leave the channel masked a while before listening
		 * again, backing off, so that it cannot keep us spinning */
		if (dp->spurious_streak >= DP_SPURIOUS_BURST) {
			struct pollfd stop = { .fd = dp->stop_fd, .events = POLLIN };

			poll(&stop, 1, dp->throttle_ms);
			dp->q->st->wakeups_throttled++;
			if (dp->throttle_ms < DP_BLOCKED_MAX_MS)
				dp->throttle_ms *= 2;
		}
		for (int i = 0; i < n; i++)
			p->ops->evt_unmask(p, (uint32_t)ports[i]);
	}
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One more empty round before sleeping?  (See DP_LINGER_NS.) */
static bool linger(struct datapath *dp)
{
	if (dp->woke_pkts < DP_LINGER_PKTS || dp->linger >= DP_LINGER_ROUNDS)
		return false;
	if (dp->linger == 0)
		dp->linger_start = now_ns();
	else if (dp->linger % DP_LINGER_CLOCK_EVERY == 0 && now_ns() - dp->linger_start > DP_LINGER_NS)
		return false;
	dp->linger++;
	cpu_relax();
	return true;
}

static bool stop_requested(struct datapath *dp)
{
	return __atomic_load_n(&dp->running, __ATOMIC_ACQUIRE) == false;
}

static void *run(void *arg)
{
	struct datapath *dp = arg;
	struct netif_queue *q = dp->q;

	__atomic_store_n(&dp->tid, gettid(), __ATOMIC_RELEASE);
	dp->blocked_wait_ms = DP_BLOCKED_WAIT_MS;
	dp->throttle_ms = 1;
	while (!stop_requested(dp)) {
		unsigned int work = 0, rx, tx;
		bool blocked;

		dp->rx_blocked = false;
		rx = nq_rx_poll(q, BUDGET, deliver, dp);
		work += rx;
		blocked = dp->rx_blocked;
		flush_xsk_tx(dp, blocked, rx == BUDGET);
		nq_rx_refill(q);
		work += nq_tx_gc(q, BUDGET);
		tx = from_guest(dp);
		work += tx;
		work += reap_completions(dp);
		if (rx + tx) {
			dp->woke_pkts += rx + tx;
			dp->linger = 0;
		}
		if (dp->busy && xsk_ring_prod__needs_wakeup(&dp->pq->xsk.fill))
			recvfrom(dp->pq->xsk.fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		if (q->broken)
			break;
		if (work)
			dp->blocked_wait_ms = DP_BLOCKED_WAIT_MS;
		/* a wakeup by the event channel that found nothing to do */
		if (dp->evt_woke && !work) {
			dp->q->st->wakeups_spurious++;
			dp->spurious_streak++;
		} else if (work) {
			dp->spurious_streak = 0;
			dp->throttle_ms = 1;
		}
		dp->evt_woke = false;
		/* a response left on the ring for want of a UMEM frame is no
		 * reason to go round again: with nothing else done, sleep (busy
		 * polling too), briefly, for the kernel to complete frames */
		/* zero-copy with every free frame posted or in flight: with
		 * some on the XSK, as blocked (they come back with completions
		 * nothing signals); with none, only the backend's responses
		 * bring frames back, and its event channel says so */
		blocked = blocked || (q->rx_starved && dp->pq->xsk_tx_out);
		if (work || (dp->busy && !blocked))
			continue;
		if (!blocked && linger(dp))
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

int datapath_start(struct datapath *dp, unsigned int index, struct netif_queue *q,
		   struct xdp_port *port, bool busy)
{
	char name[16];
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->q = q;
	dp->port = port;
	dp->pq = &port->q[index];
	dp->index = index;
	dp->busy = busy;
	dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->scratch = malloc(DP_SCRATCH);
	dp->seg = malloc(DP_SCRATCH);
	if (dp->stop_fd < 0 || dp->done_fd < 0 || !dp->scratch || !dp->seg) {
		err = dp->scratch && dp->seg ? -errno : -ENOMEM;
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
	snprintf(name, sizeof(name), "xennet-q%u", index);
	pthread_setname_np(dp->thread, name);
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
	free(dp->scratch);
	free(dp->seg);
	dp->scratch = dp->seg = NULL;
	dp->stop_fd = dp->done_fd = -1;
}
