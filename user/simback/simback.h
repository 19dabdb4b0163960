/* SPDX-License-Identifier: MIT */
/* xennet-simback: a netback in userspace, and the hypervisor pieces it
 * needs (XenStore, grant checks, event channels), for tests and demos. */
#ifndef XENNET_SIMBACK_H
#define XENNET_SIMBACK_H
#include <linux/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gen_frame.h"
#include "gnttab_back.h"
#include "xen_netif.h"
#include "xs_store.h"

#define SIM_MAX_QUEUES 4          /* --max-queues; netback offers min(8, its CPUs): 2 here */
#define SIM_MAX_EVTCHN 16         /* every queue split (2 each), and room to spare */
#define SIM_FRAME_MAX 65600       /* a GSO frame from the host (64 KiB) and its headers */
#define SIM_MCAST_MAX 64          /* XEN_NETBK_MCAST_MAX */

/* An interdomain event channel: two eventfds, one per direction. */
struct sim_evtchn {
	int port;                 /* 0: free slot */
	int to_back;              /* the frontend writes, we poll */
	int to_front;             /* we write, the frontend polls */
	int owner;                /* control connection fd that allocated it */
};

enum sim_stall { STALL_NONE, STALL_INITWAIT, STALL_CONNECTED };
/* Corruptions of what the backend sends, every Nth packet (--hostile). */
enum sim_hostile {
	HOSTILE_NONE, HOSTILE_BAD_ID, HOSTILE_BAD_SIZE, HOSTILE_BAD_OFFSET, HOSTILE_RUNAWAY,
	HOSTILE_BAD_EXTRA_TYPE,   /* an extra-info slot of no known type */
	HOSTILE_GSO_SIZE_0,       /* a GSO extra with size 0 */
	HOSTILE_GSO_SIZE_BIG,     /* a GSO extra with a size past the packet's length */
	HOSTILE_LONG_CHAIN,       /* a more_data chain longer than XEN_NETIF_NR_SLOTS_MIN */
	HOSTILE_MISSING_LAST,     /* more_data on the last slot pushed; the rest never comes */
	HOSTILE_BAD_CHAIN_ID,     /* a chained slot answering another request's id */
	HOSTILE_KINDS
};

/* The host side: a multi-queue TAP with virtio_net_hdr on every frame. */
struct sim_tap {
	bool open;
	char name[IFNAMSIZ];
	int fd[SIM_MAX_QUEUES];
	bool attached[SIM_MAX_QUEUES];
	unsigned int nqueues;
	int sock;                 /* for the MTU, in the TAP's namespace */
	unsigned int mtu;
};

struct simnet_cfg {
	uint16_t fe_domid, be_domid;
	unsigned int vif;
	const char *mac;          /* NULL: write no mac key */
	bool rx_copy;             /* advertise feature-rx-copy */
	unsigned int mtu;         /* 0: write no mtu key */
	unsigned int max_queues;  /* multi-queue-max-queues offered, 1..SIM_MAX_QUEUES (0: 2) */
	enum sim_stall stall;
	enum sim_hostile hostile;
	unsigned int hostile_every;
	const char *tap;          /* NULL: no wire, packets from the guest are counted and dropped */
	const int *wire_fds;      /* tests, instead of a TAP: one fd per queue (max_queues of them)
				   * carrying one virtio_net_hdr + frame per message */
	unsigned int gen_size;    /* >0: instead of a wire, fill every RX buffer with a
				   * UDP frame of this size, as fast as the guest posts them */
	struct gen_dst gen_dst;   /* the generator's destination (unset: another host) */
	bool stale_frontend;      /* start with what an unbound kernel netfront leaves */
	unsigned int fail_connects;  /* fail the first N connects as netback does a failed bind */
	unsigned int watch_delay_ms;  /* act on the frontend's state this late (netback's watch
				       * runs after the write returns: later on a loaded dom0) */
};

/* What the frontend asked for at connect (netback's read_xenbus_vif_flags). */
struct simnet_features {
	bool sg, gso_tcpv4, gso_tcpv6, ip_csum, ipv6_csum, rx_notify, mcast_ctrl;
};

struct simnet_qstats {
	/* from the frontend: packets and bytes to the wire, slots consumed */
	uint64_t tx_packets, tx_bytes, tx_slots, tx_gso, tx_csum_blank, tx_data_validated;
	uint64_t tx_err;          /* packets answered NETIF_RSP_ERROR */
	uint64_t tx_dropped;      /* answered OKAY, then dropped (checksum setup, bad GSO, wire) */
	uint64_t tx_gso_fixup;    /* GSO without csum_blank: partial checksum recalculated */
	uint64_t tx_mcast;        /* multicast add/del requests */
	/* to the frontend */
	uint64_t rx_packets, rx_bytes, rx_slots, rx_gso, rx_csum_blank, rx_data_validated;
	uint64_t rx_csum_done;    /* partial from the host, completed here for the frontend */
	uint64_t rx_dropped;      /* not deliverable: too big, unnegotiated GSO, filtered, bad header */
	uint64_t rx_bad_copy;     /* slots whose grant we could not write */
	uint64_t notifies;
};

struct simnet_stats {
	uint64_t rx_no_req;       /* frames waiting for RX slots */
	uint64_t hostile_sent, fatal, stray_queue_dirs;
	uint64_t connects, disconnects, restarts, restores;
};

/* A frame from the host waiting for enough RX slots (netback's rx_queue,
 * one deep per queue). */
struct sim_rx_pkt {
	bool valid;
	const uint8_t *data;
	uint32_t len;
	uint16_t flags;           /* NETRXF_csum_blank, NETRXF_data_validated */
	uint8_t gso_type;         /* XEN_NETIF_GSO_TYPE_* */
	uint16_t gso_size;
	uint8_t hostile;          /* enum sim_hostile, for this packet */
};

struct simnet_queue {
	unsigned int id;
	bool connected;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint32_t tx_ref, rx_ref;
	struct sim_evtchn *tx_chan, *rx_chan;   /* the same one without split channels */
	int wire;                 /* this queue's TAP queue, or -1 */
	uint8_t *buf;             /* a frame read from the wire (SIM_FRAME_MAX) */
	struct sim_rx_pkt pend;
	bool holding;             /* hostile missing-last: nothing more until the frontend moves on */
	RING_IDX hold_idx;
	uint64_t rx_seen;         /* packets offered, for hostile_every */
	struct simnet_qstats stats;
};

struct simnet {
	struct simnet_cfg cfg;
	struct xs_store *st;
	struct gnttab_back *gt;
	struct sim_evtchn *evt;   /* table of SIM_MAX_EVTCHN */
	char fe_dir[96], be_dir[96];
	int be_state;
	bool fe_changed;          /* set by the store listener, handled in simnet_poll */
	long fe_due;              /* CLOCK_MONOTONIC ms when a delayed fe_changed is acted on (0: none) */
	bool mcast_changed;       /* request-multicast-control written (netback watches it) */
	bool connected;
	bool away;                /* gone (Closed) and deaf to the frontend until simnet_back */
	bool disabled;            /* a fatal error from the frontend: the vif is dead (netback's
				   * vif->disabled), until the backend itself restarts */
	char fatal_reason[160];
	unsigned int nqueues;
	struct simnet_features fe;
	struct simnet_queue q[SIM_MAX_QUEUES];
	struct sim_tap tap;
	int wire[SIM_MAX_QUEUES]; /* the TAP's queues or the test's fds, -1: none */
	unsigned int mtu;         /* in effect on the wire: cfg.mtu, 1500 without feature-sg */
	uint8_t *gen_frame;       /* SIM_FRAME_MAX */
	bool gen_idle;            /* the generator's frames do not fit this frontend */
	uint8_t *txbuf;           /* a packet from the frontend, reassembled (SIM_FRAME_MAX) */
	uint8_t mcast[SIM_MCAST_MAX][6];
	unsigned int nmcast;
	struct simnet_stats stats;
};

/* Write the toolstack's nodes for the vif and the backend's features; go InitWait. */
int simnet_init(struct simnet *n, const struct simnet_cfg *cfg, struct xs_store *st,
		struct gnttab_back *gt, struct sim_evtchn *evt);
void simnet_fini(struct simnet *n);
/* Handle frontend state changes. */
void simnet_handle_state(struct simnet *n);
/* ms until simnet_handle_state has something due (-1: nothing). */
int simnet_timeout_ms(const struct simnet *n);
/* Serve every queue's rings: frontend TX to the wire, wire to frontend RX.
 * Returns the amount of work done. */
unsigned int simnet_service(struct simnet *n);
/* Re-arm ring events before sleeping; true if work arrived meanwhile. */
bool simnet_final_check(struct simnet *n);
/* The fds to poll: each queue's event channel(s), and its wire fd while a
 * frame read from it would find RX slots.  Returns how many were set. */
int simnet_pollfds(const struct simnet *n, struct pollfd *pfd, int max);
/* After poll(): clear the event channels that fired. */
void simnet_poll_done(struct simnet *n, const struct pollfd *pfd, int count);
/* The frontend closed this channel: stop notifying it. */
void simnet_evtchn_gone(struct simnet *n, const struct sim_evtchn *e);
void simnet_disconnect(struct simnet *n);
/* The backend goes away and comes back (SIGUSR1): Closing, Closed, then
 * InitWait when the frontend starts again. */
void simnet_restart(struct simnet *n);
/* The backend goes away (Closing, Closed) and stays away... */
void simnet_away(struct simnet *n);
/* ...until it comes back (InitWait), as netback does when rebound. */
void simnet_back(struct simnet *n);
/* The generator: frames of size bytes into every RX buffer of every queue
 * (the TAP, if any, waits meanwhile), or off (0).  -1 if size is out of
 * range: 60 up to the MTU's frame (mtu + 14). */
int simnet_set_gen(struct simnet *n, unsigned int size);
/* A simulated xl save + xl restore: the guest is now domain new_domid. */
int simnet_restore(struct simnet *n, uint16_t new_domid);
/* "key=value\n" lines: rings, features, counters (per queue and in all). */
int simnet_query(const struct simnet *n, char *buf, size_t size);

int tap_open(struct sim_tap *t, const char *name, unsigned int mtu, unsigned int nqueues);
void tap_close(struct sim_tap *t);
int tap_set_mtu(struct sim_tap *t, unsigned int mtu);
int tap_set_offload(struct sim_tap *t, bool csum, bool tso4, bool tso6);
int tap_use_queues(struct sim_tap *t, unsigned int n);

/* Between netback.c, netback_rx.c and netback_tx.c. */
unsigned int simnet_tx_service(struct simnet *n, struct simnet_queue *q);
unsigned int simnet_rx_service(struct simnet *n, struct simnet_queue *q);
bool simnet_rx_final_check(struct simnet *n, struct simnet_queue *q);
void simnet_build_gen_frame(struct simnet *n);
/* netback's xenvif_fatal_tx_err: the frontend is rogue, the vif goes dead. */
void simnet_fatal(struct simnet *n, struct simnet_queue *q, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void simnet_notify(struct simnet_queue *q, struct sim_evtchn *chan);
bool simnet_mcast_listed(const struct simnet *n, const uint8_t *mac);

#endif
