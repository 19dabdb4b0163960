/* SPDX-License-Identifier: MIT */
/*
 * The frontend's control plane: find the vif in XenStore, read and check
 * what the toolstack and the backend put there, and walk the xenbus
 * handshake (the frontend half of what xen-netfront's netback_changed does).
 */
#ifndef XENNET_NETFRONT_H
#define XENNET_NETFRONT_H
#include <stdbool.h>
#include <stdint.h>
#include "xen/netif_ring.h"
#include "xen/xs_keys.h"

enum nf_phase {
	NF_IDLE,           /* probed, nothing shared yet */
	NF_WAIT_INITWAIT,  /* waiting for the backend to reach InitWait */
	NF_WAIT_CONNECTED, /* our keys are written and we are Connected */
	NF_CONNECTED,      /* both ends Connected: traffic may flow */
	NF_LOST,           /* the backend left Connected: stop traffic, then finish */
	NF_CLOSING,        /* we asked to close; waiting for the backend */
	NF_CLOSED,
	NF_FAILED,         /* a fatal problem; already reported */
};

struct netfront {
	struct plat *plat;
	unsigned int vif;
	char ifname[16];
	char fe_dir[64];              /* "device/vif/N", relative to our domain */
	char be_dir[XS_PATH_MAX];     /* from fe_dir/backend */
	uint16_t be_domid;
	uint8_t mac[6];
	unsigned int mtu;
	enum nf_phase phase;
	int be_state;                 /* last backend state seen */
	struct netif_queue q;
};

#define NF_DEFAULT_MTU 1500

/* Diagnostics in the seed's style: "<ifname>: <message>". */
void nf_log(const struct netfront *nf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read fe_dir's backend, backend-id, mac and mtu; validate each.  Prints
 * the diagnostic and returns -1 on a problem (nothing is left behind). */
int netfront_probe(struct netfront *nf, struct plat *p, unsigned int vif, const char *ifname);
/* Start the handshake: say Initialising if we are not, then act on the
 * backend's state.  Watches must be set by the caller. */
int netfront_start(struct netfront *nf);
/* React to whatever the backend's state is now (call on every watch
 * event).  Returns the new phase. */
enum nf_phase netfront_backend_changed(struct netfront *nf);
/* Begin an orderly close: Closing, and wait for the backend (the caller
 * keeps calling netfront_backend_changed until NF_CLOSED or a timeout). */
void netfront_close(struct netfront *nf);
/* Finish: revoke grants, close the channel, say Closed. */
void netfront_finish(struct netfront *nf);

#endif
