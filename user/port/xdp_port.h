/* SPDX-License-Identifier: MIT */
/* The guest-facing port: the veth pair, the built-in XDP program on the
 * peer (through libxdp, so other programs coexist), and the UMEM + XSK
 * the datapath works on. */
#ifndef XENNET_XDP_PORT_H
#define XENNET_XDP_PORT_H
#include <stdbool.h>
#include <stdint.h>
#include <xdp/xsk.h>
#include "xennet_bpf.h"

struct xdp_port_cfg {
	const char *ifname;     /* guest-facing, e.g. "xennet0" (<= 13 chars) */
	const char *peer;       /* the end only xennet-xdp uses, e.g. "xennet0-p" */
	const char *netns;      /* NULL: here; else the `ip netns` name for ifname */
	uint8_t mac[6];
	unsigned int mtu;
	uint32_t nframes;       /* UMEM frames, a power of two */
	uint32_t frame_size;
	uint32_t ring_size;     /* every XSK ring, a power of two */
	bool busy_poll;
};

struct xdp_port {
	struct xsk_umem *umem;
	void *umem_area;        /* nframes * frame_size */
	uint32_t nframes, frame_size;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	struct xsk_socket *xsk;
	int xsk_fd;
	int ifindex, peer_ifindex;
	/* The UMEM frames of the XSK TX side, owned here so that they outlive
	 * a datapath restart: free ones in tx_frames, the others reserved by
	 * the datapath or on the XSK TX or completion ring */
	uint64_t *tx_frames;
	uint32_t n_tx_frames, tx_frames_cap;
	/* private */
	char ifname[16], peer[16];
	struct xennet_redirect *skel;
	struct xdp_program *prog;
	bool veth_made, attached;
	char pin_dir[96];
};

/* Frames [0, nframes/2) start on the fill ring (for the XSK RX ring);
 * [nframes/2, nframes) are the caller's, for the XSK TX ring.  The carrier
 * of ifname starts down.  On error: one line on stderr, all undone, -errno. */
int xdp_port_open(struct xdp_port *port, const struct xdp_port_cfg *cfg);
void xdp_port_close(struct xdp_port *port);
int xdp_port_set_carrier(struct xdp_port *port, bool up);
int xdp_port_read_stats(struct xdp_port *port, struct xennet_xdp_stats *out);
/* Remove what a dead instance left for ifname: veth, pins.  Returns how many
 * things it removed (0: nothing was there). */
int xdp_port_cleanup_stale(const char *ifname, const char *peer, const char *netns);
int xdp_port_kick_tx(struct xdp_port *port);

#endif
