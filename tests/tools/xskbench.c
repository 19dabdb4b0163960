/* SPDX-License-Identifier: MIT */
/* xskbench: the raw AF_XDP baseline for `make bench`, with the same libxdp
 * xsk API the datapath uses and nothing else in the way.
 *   xskbench tx IFACE SIZE SECONDS   blast SIZE-byte frames out of IFACE's XSK
 *                                    (past 4096 bytes: multi-buffer, several
 *                                    descriptors a frame, XDP_USE_SG)
 *   xskbench rx IFACE SECONDS        count frames redirected into IFACE's XSK,
 *                                    for SECONDS from the first one (at most
 *                                    5 s are spent waiting for it)
 *   xskbench hold IFACE SECONDS      only bind IFACE's queue 0, say "bound",
 *                                    and keep it SECONDS (a queue some other
 *                                    socket holds: EBUSY for the next one)
 * Prints "pps N" (frames completed or received per second) and "cpu_ns N"
 * (this process's user + system CPU time per frame, in ns). */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <xdp/xsk.h>
#include "bench_clock.h"
#include "port/xsk.h"
#include "state/xdp_info.h"

#define NFRAMES 4096u
#define FSIZE 4096u
#define RING 2048u
#define BATCH 64u

int main(int argc, char **argv)
{
	/* zeroed: libxdp 1.3 leaves the rings' cached indices as it finds them, and a
	 * completion ring starting with garbage there hands back thousands of
	 * completions never sent (a made-up rate) */
	struct xsk_ring_prod fill = { 0 }, tx = { 0 };
	struct xsk_ring_cons comp = { 0 }, rx = { 0 };
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	bool is_tx = argc == 5 && !strcmp(argv[1], "tx");
	bool is_hold = argc == 4 && !strcmp(argv[1], "hold");
	unsigned int size = is_tx ? (unsigned int)atoi(argv[3]) : 0;
	double secs = atof(argv[argc - 1]), t0, t1, c0;
	uint64_t done = 0, inflight = 0;
	unsigned int nd;          /* tx: descriptors a frame */
	void *area;
	uint32_t idx = 0;

	xdp_info_quiet_libs();   /* a benchmark prints its figures, not libbpf's notes */
	if (!is_tx && !is_hold && !(argc == 4 && !strcmp(argv[1], "rx"))) {
		fprintf(stderr, "usage: xskbench tx IFACE SIZE SECONDS | rx IFACE SECONDS | hold IFACE SECONDS\n");
		return 2;
	}
	nd = size > FSIZE ? (size + FSIZE - 1) / FSIZE : 1;
	if (is_tx && (size < 14 || nd > BATCH)) {
		fprintf(stderr, "xskbench: a frame of %u bytes is out of range\n", size);
		return 2;
	}
	area = mmap(NULL, NFRAMES * FSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct xsk_umem_config ucfg = { .fill_size = RING, .comp_size = RING, .frame_size = FSIZE };
	struct xsk_socket_config scfg = { .rx_size = RING, .tx_size = RING,
					  .bind_flags = XDP_USE_NEED_WAKEUP | (nd > 1 ? XDP_USE_SG : 0),
					  .libxdp_flags = is_tx || is_hold ? XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD : 0 };
	if (area == MAP_FAILED || xsk_umem__create(&umem, area, NFRAMES * FSIZE, &fill, &comp, &ucfg) ||
	    xsk_socket__create(&xsk, argv[2], 0, umem, &rx, &tx, &scfg)) {
		fprintf(stderr, "xskbench: can't set up an XSK on %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	int fd = xsk_socket__fd(xsk);

	if (is_hold) {
		printf("bound\n");
		fflush(stdout);
		poll(NULL, 0, (int)(secs * 1000));
		xsk_socket__delete(xsk);
		xsk_umem__delete(umem);
		return 0;
	}

	if (is_tx) {
		for (uint32_t i = 0; i < NFRAMES; i++) {
			uint8_t *f = (uint8_t *)area + (size_t)i * FSIZE;

			memcpy(f, "\x02\x00\x00\x00\x00\x99", 6);   /* another host's */
			memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
			f[12] = 0x08;
		}
	} else {
		xsk_ring_prod__reserve(&fill, RING, &idx);
		for (uint32_t i = 0; i < RING; i++)
			*xsk_ring_prod__fill_addr(&fill, idx + i) = (uint64_t)i * FSIZE;
		xsk_ring_prod__submit(&fill, RING);
	}
	t0 = now();
	t1 = t0;
	c0 = cpu_ns();
	for (uint64_t loops = 0;; loops++) {
		if ((loops & 1023) == 0 && (t1 = now()) - t0 >= (done || is_tx ? secs : 5))
			break;
		if (is_tx) {
			/* whole frames only: nd descriptors each, all but the last
			 * FSIZE bytes and marked to continue */
			uint32_t n = xsk_ring_prod__reserve(&tx, BATCH / nd * nd, &idx), c;

			for (uint32_t i = 0; i < n; i++) {
				struct xdp_desc *d = xsk_ring_prod__tx_desc(&tx, idx + i);
				bool last = i % nd == nd - 1;

				d->addr = ((inflight + i) % NFRAMES) * FSIZE;
				d->len = last ? size - (nd - 1) * FSIZE : FSIZE;
				d->options = last ? 0 : XDP_PKT_CONTD;
			}
			xsk_ring_prod__submit(&tx, n);
			inflight += n;
			if (xsk_ring_prod__needs_wakeup(&tx))
				sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
			c = xsk_ring_cons__peek(&comp, RING, &idx);
			xsk_ring_cons__release(&comp, c);
			done += c;
		} else {
			uint32_t n = xsk_ring_cons__peek(&rx, BATCH, &idx), fidx;

			if (!n) {
				if (xsk_ring_prod__needs_wakeup(&fill))
					recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
				continue;
			}
			if (xsk_ring_prod__reserve(&fill, n, &fidx) == n) {
				for (uint32_t i = 0; i < n; i++)
					*xsk_ring_prod__fill_addr(&fill, fidx + i) =
						xsk_ring_cons__rx_desc(&rx, idx + i)->addr;
				xsk_ring_prod__submit(&fill, n);
			}
			xsk_ring_cons__release(&rx, n);
			if (!done) {       /* the window opens with the first frame */
				t0 = now();
				c0 = cpu_ns();
				loops = 0;
			}
			done += n;
		}
	}
	if (is_tx)
		done /= nd;       /* completions are descriptors */
	printf("pps %.0f\n", (double)done / (t1 - t0));
	printf("cpu_ns %.0f\n", done ? (cpu_ns() - c0) / (double)done : 0);
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	return 0;
}
