/* SPDX-License-Identifier: MIT */
/*
 * One AF_XDP socket and its own UMEM, set up with the kernel's UAPI
 * directly.  libxdp (Debian 12 ships 1.3.1) still attaches the programs
 * and gives us the ring accessors (<xdp/xsk.h>'s xsk_ring_prod/cons and
 * their inline helpers); what it cannot do is register a UMEM with a TX
 * metadata area (tx_metadata_len, kernel >= 6.8), through which the
 * datapath asks the kernel to leave a checksum partial (CHECKSUM_PARTIAL)
 * instead of computing it in userspace, nor bind with XDP_USE_SG (multi-
 * buffer frames, kernel >= 6.6) on every version.  Each capability is
 * tried and, where the kernel refuses it, left off (and said so by the
 * flags below).
 */
#ifndef XENNET_XSK_H
#define XENNET_XSK_H
#include <stdbool.h>
#include <stdint.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

/* The UAPI bits Debian 12's linux-libc-dev (6.1) predates; the values are
 * the kernel's ABI (include/uapi/linux/if_xdp.h). */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA (1 << 1)
#endif
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)
#endif
#ifndef XDP_TXMD_FLAGS_CHECKSUM
#define XDP_TXMD_FLAGS_CHECKSUM (1 << 1)
#endif
/* struct xsk_tx_metadata (6.8), as the kernel lays it out */
struct xsk_txmd {
	uint64_t flags;
	uint16_t csum_start;    /* from the start of the packet's data */
	uint16_t csum_offset;   /* from csum_start */
	uint8_t pad[4];
};
/* struct xdp_umem_reg with tx_metadata_len (6.8) */
struct xsk_umem_reg3 {
	uint64_t addr;
	uint64_t len;
	uint32_t chunk_size;
	uint32_t headroom;
	uint32_t flags;
	uint32_t tx_metadata_len;
};

#define XSK_TX_HEADROOM 64u    /* TX frames start here in their chunk (metadata before) */

struct xsk_cfg {
	const char *ifname;     /* for messages */
	int ifindex;
	uint32_t queue;
	void *area;             /* the UMEM: nframes * frame_size bytes */
	uint32_t nframes, frame_size;
	uint32_t ring_size;     /* every ring, a power of two */
	bool want_sg, want_txmd;
	bool quiet;             /* no message: the caller says what failed */
};

struct xsk {
	int fd;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	void *maps[4];
	size_t map_len[4];
	bool sg;                /* bound with XDP_USE_SG */
	bool txmd;              /* the UMEM has a TX metadata area */
};

/* Create, register and bind; 0 or -errno (the reason logged in one line,
 * unless cfg->quiet). */
int xsk_open(struct xsk *x, const struct xsk_cfg *cfg);
void xsk_close(struct xsk *x);

#endif
