/* SPDX-License-Identifier: MIT */
/* The guest-facing port: the veth pair (one queue per netif queue), the
 * built-in XDP program on the peer (through libxdp, so other programs
 * coexist), and per queue a UMEM and an AF_XDP socket the datapath works on. */
#ifndef XENNET_XDP_PORT_H
#define XENNET_XDP_PORT_H
#include <stdbool.h>
#include <stdint.h>
#include "port/xsk.h"
#include "xennet_bpf.h"
#include "xennet_queue_stats.h"

#define PORT_MAX_QUEUES XENNET_STATS_QUEUES

struct xdp_port_cfg {
	const char *ifname;     /* guest-facing, e.g. "xennet0" (<= 13 chars) */
	const char *peer;       /* the end only xennet-xdp uses, e.g. "xennet0-p" */
	const char *netns;      /* NULL: here; else the `ip netns` name for ifname */
	uint8_t mac[6];
	unsigned int mtu;
	unsigned int nqueues;   /* 1..PORT_MAX_QUEUES */
	uint32_t nframes;       /* UMEM frames per queue, a power of two */
	uint32_t frame_size;
	uint32_t ring_size;     /* every XSK ring, a power of two */
	bool busy_poll;
	bool want_sg;           /* multi-buffer frames (needed above one frame) */
	bool want_txmd;         /* TX metadata (checksum offload toward the guest) */
	/* zero-copy: the UMEM of each queue comes from here (granted pages,
	 * refs[] receives each frame's grant reference) and goes back here;
	 * NULL: anonymous memory (copy mode) */
	void *(*umem_alloc)(void *ctx, uint32_t nframes, uint32_t *refs);
	void (*umem_free)(void *ctx, void *area, uint32_t nframes);
	void *umem_ctx;
};

/* One queue's UMEM and socket.  The UMEM frames of the XSK TX side are
 * owned here so that they outlive a datapath restart: free ones in
 * tx_frames, the others reserved by the datapath or on the XSK TX or
 * completion ring. */
struct port_queue {
	struct xsk xsk;
	void *area;
	uint32_t nframes;
	uint32_t *refs;         /* zero-copy: each frame's grant reference */
	uint64_t *tx_frames;
	uint32_t n_tx_frames, tx_frames_cap;
	uint32_t xsk_tx_out;    /* submitted on the XSK TX ring, not completed yet */
	uint32_t frame_size;
	/* zero-copy: free frames the Xen RX ring may not take, so that a GSO
	 * packet from the backend can always be cut into copies (the frames
	 * it came in are held until then); 0 in copy mode */
	uint32_t zc_reserve;
};

/* zero-copy: the most frames held back for GSO segments (a 64 KiB packet
 * at an MSS of 536 takes 123) */
#define PORT_ZC_GSO_RESERVE 128
/* frames one sendto() on an XSK moves in copy mode (XDP_MAX_TX_SKB_BUDGET,
 * where the kernel has it; 32 before) */
#define PORT_TX_SKB_BUDGET 256

struct xdp_port {
	unsigned int nqueues;
	struct port_queue q[PORT_MAX_QUEUES];
	uint32_t frame_size;
	unsigned int mtu;
	bool sg, txmd;          /* what every queue's socket got */
	bool zc;                /* the UMEMs are granted pages */
	struct xdp_port_cfg cfg;   /* as opened (to open the queues again) */
	int ifindex, peer_ifindex;
	/* private */
	char ifname[16], peer[16];
	struct xennet_redirect *skel;
	struct xdp_program *prog;
	bool veth_made, attached;
	char pin_dir[96];
};

/* Frames [0, nframes/2) of each queue start on its fill ring (for the XSK
 * RX ring); [nframes/2, nframes) are the datapath's, for the XSK TX ring.
 * The carrier of ifname starts down.  On error: one line on stderr, all
 * undone, -errno. */
int xdp_port_open(struct xdp_port *port, const struct xdp_port_cfg *cfg);
void xdp_port_close(struct xdp_port *port);
int xdp_port_set_carrier(struct xdp_port *port, bool up);
int xdp_port_read_stats(struct xdp_port *port, struct xennet_xdp_stats *out);
/* Remove what a dead instance left for ifname: veth, pins.  Returns how many
 * things it removed (0: nothing was there). */
int xdp_port_cleanup_stale(const char *ifname, const char *peer, const char *netns);
int xdp_port_kick_tx(struct port_queue *pq);
/* The kernel is done with these XSK TX frames: back to the free pool.
 * Returns how many came back. */
unsigned int xdp_port_reap(struct port_queue *pq);
/* Zero-copy (struct nq_zc's calls, ctx: the port_queue): a free frame for
 * an RX slot; a frame the rings are done with (RX: to the free pool; TX:
 * to the fill ring, for the guest's next frame). */
bool xdp_port_zc_rx_frame(void *ctx, uint64_t *addr);
void xdp_port_zc_give_back(void *ctx, uint64_t addr, bool rx);
/* Close every queue's socket and give its UMEM back (zero-copy: the
 * grants revoked); open them again (zero-copy: a new UMEM, shared with
 * cfg.umem_alloc anew).  Open: 0 or -errno, the reason in one line unless
 * quiet (a caller trying again says it once). */
void xdp_port_close_queues(struct xdp_port *port);
int xdp_port_open_queues(struct xdp_port *port, bool quiet);

#endif
