/* SPDX-License-Identifier: MIT */
/* xennet-simback: a netback in userspace, and the hypervisor pieces it
 * needs (XenStore, grant checks, event channels), for tests and demos. */
#ifndef XENNET_SIMBACK_H
#define XENNET_SIMBACK_H
#include <stdbool.h>
#include <stdint.h>
#include "gen_frame.h"
#include "gnttab_back.h"
#include "xen_netif.h"
#include "xs_store.h"

#define SIM_MAX_EVTCHN 16

/* An interdomain event channel: two eventfds, one per direction. */
struct sim_evtchn {
	int port;                 /* 0: free slot */
	int to_back;              /* the frontend writes, we poll */
	int to_front;             /* we write, the frontend polls */
	int owner;                /* control connection fd that allocated it */
};

enum sim_stall { STALL_NONE, STALL_INITWAIT, STALL_CONNECTED };
enum sim_hostile { HOSTILE_NONE, HOSTILE_BAD_ID, HOSTILE_BAD_SIZE, HOSTILE_BAD_OFFSET,
		   HOSTILE_RUNAWAY };

struct simnet_cfg {
	uint16_t fe_domid, be_domid;
	unsigned int vif;
	const char *mac;          /* NULL: write no mac key */
	bool rx_copy;             /* advertise feature-rx-copy */
	unsigned int mtu;         /* 0: write no mtu key */
	enum sim_stall stall;
	enum sim_hostile hostile;
	unsigned int hostile_every;
	const char *tap;          /* NULL: no wire, packets from the guest are counted and dropped */
	unsigned int gen_size;    /* >0: instead of a wire, fill every RX buffer with a
				   * UDP frame of this size, as fast as the guest posts them */
	struct gen_dst gen_dst;   /* the generator's destination (unset: another host) */
	bool stale_frontend;      /* start with what an unbound kernel netfront leaves */
};

struct simnet_stats {
	uint64_t tx_packets, tx_bytes, tx_bad;      /* from the frontend */
	uint64_t rx_packets, rx_bytes, rx_no_req;   /* to the frontend; no_req: wire frames waiting */
	uint64_t rx_bad_copy, hostile_sent;
	uint64_t notifies, connects, disconnects;
	uint64_t restarts, restores;
};

struct simnet {
	struct simnet_cfg cfg;
	struct xs_store *st;
	struct gnttab_back *gt;
	struct sim_evtchn *evt;   /* table of SIM_MAX_EVTCHN */
	char fe_dir[96], be_dir[96];
	int be_state;
	bool fe_changed;          /* set by the store listener, handled in simnet_poll */
	bool connected;
	bool away;                /* gone (Closed) and deaf to the frontend until simnet_back */
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint32_t tx_ref, rx_ref;
	struct sim_evtchn *chan;
	int tap_fd;
	uint8_t gen_frame[2048];
	uint64_t rx_count;        /* responses sent, for hostile_every */
	struct simnet_stats stats;
};

/* Write the toolstack's nodes for the vif and the backend's features; go InitWait. */
int simnet_init(struct simnet *n, const struct simnet_cfg *cfg, struct xs_store *st,
		struct gnttab_back *gt, struct sim_evtchn *evt);
void simnet_fini(struct simnet *n);
/* Handle frontend state changes; returns true if the rings need service. */
void simnet_handle_state(struct simnet *n);
/* Serve the rings: frontend TX to the wire, wire to frontend RX.
 * Returns the amount of work done. */
unsigned int simnet_service(struct simnet *n);
/* Re-arm ring events before sleeping; true if work arrived meanwhile. */
bool simnet_final_check(struct simnet *n);
/* The fds to poll (tap only while RX requests are available). */
int simnet_wire_fd(const struct simnet *n);
void simnet_disconnect(struct simnet *n);
/* The backend goes away and comes back (SIGUSR1): Closing, Closed, then
 * InitWait when the frontend starts again. */
void simnet_restart(struct simnet *n);
/* The backend goes away (Closing, Closed) and stays away... */
void simnet_away(struct simnet *n);
/* ...until it comes back (InitWait), as netback does when rebound. */
void simnet_back(struct simnet *n);
/* The generator: frames of size bytes into every RX buffer (the TAP, if
 * any, waits meanwhile), or off (0).  -1 if size is out of range. */
int simnet_set_gen(struct simnet *n, unsigned int size);
/* A simulated xl save + xl restore: the guest is now domain new_domid. */
int simnet_restore(struct simnet *n, uint16_t new_domid);

int tap_open(const char *name, unsigned int mtu);

#endif
