/* SPDX-License-Identifier: MIT */
/*
 * The frontend's control plane: find the vif in XenStore, read and check
 * what the toolstack and the backend put there, and walk the xenbus
 * handshake (the frontend half of what xen-netfront's netback_changed
 * does), for the life of the process: the backend may go away and come
 * back, and the guest may be saved and restored or migrated (its domain
 * id and backend path change; its event channels and grants die).
 */
#ifndef XENNET_NETFRONT_H
#define XENNET_NETFRONT_H
#include <stdbool.h>
#include <stdint.h>
#include "xen/netif_ring.h"
#include "xen/xs_keys.h"

#define NF_MAX_QUEUES 8   /* = XENNET_STATS_QUEUES, PLAT_EVT_GROUPS */

enum nf_phase {
	NF_IDLE,           /* probed, nothing shared yet */
	NF_WAIT_CLOSED,    /* lost the backend: waiting (bounded) for it to reach Closed */
	NF_WAIT_INITWAIT,  /* Initialising: waiting for the backend's InitWait */
	NF_WAIT_CONNECTED, /* our keys are written and we are Connected */
	NF_CONNECTED,      /* both ends Connected: traffic may flow */
	NF_CLOSING,        /* we asked to close; waiting for the backend */
	NF_CLOSED,
	NF_FAILED,         /* a fatal problem; already reported */
};

/* What the frontend is told to do on the way (all called from netfront_*). */
struct nf_hooks {
	void *ctx;
	int (*traffic_on)(void *ctx);    /* queues connected: start the datapath */
	void (*traffic_off)(void *ctx);  /* before the queues are released */
	/* zero-copy: the UMEM is granted to the backend only while a
	 * connection may use it.  unshare: the connection is lost, or the
	 * guest moved (every grant dead with the old grant table, and the
	 * backend's domain may be another now); called with traffic off and
	 * the queues released.  share: before each connect (no-op if shared);
	 * if it fails, the connect is tried again at the next netfront_event
	 * (the backend waits in InitWait), however long that takes. */
	void (*unshare)(void *ctx);
	int (*share)(void *ctx);
};

/* What the frontend would like (cmd_up decides, from options and what the
 * guest side can carry); what it gets depends on the backend's offers. */
struct nf_want {
	unsigned int queues;    /* at most this many (the backend may offer fewer) */
	bool sg;                /* scatter-gather (the port can carry multi-buffer frames) */
	bool csum;              /* checksum offload (we can complete partial checksums) */
	bool gso;               /* receive TCP GSO packets (and cut them up) */
};

struct netfront {
	struct plat *plat;
	unsigned int vif;
	char ifname[16];
	char fe_dir[64];              /* "device/vif/N", relative to our domain */
	char be_dir[XS_PATH_MAX];     /* from fe_dir/backend */
	char be_watched[XS_PATH_MAX]; /* the backend state path our watch is on */
	uint16_t be_domid;
	int domid;                    /* ours, from "domid"; -1 if unreadable */
	uint8_t mac[6];
	unsigned int mtu;
	enum nf_phase phase;
	int be_state;                 /* last backend state seen */
	bool ever_connected;
	unsigned int attempts;        /* first connect: handshakes the backend failed */
	long deadline_ms;             /* NF_WAIT_CLOSED gives up waiting then */
	unsigned int reconnects;      /* connections after the first */
	unsigned int restores;        /* times the guest was found moved */
	struct nf_hooks hooks;
	struct nf_want want;
	const struct nq_zc *zc[NF_MAX_QUEUES];   /* zero-copy: each queue's frames (NULL: copy) */
	unsigned int mtu_key;         /* the toolstack's mtu, before any clamping */
	struct nq_features feat;      /* negotiated, for the queues shared now */
	unsigned int nq;              /* queues shared now */
	struct netif_queue q[NF_MAX_QUEUES];
	struct xennet_queue_stats *st[NF_MAX_QUEUES];   /* counters, per queue */
};

#define NF_DEFAULT_MTU 1500
#define NF_MAX_MTU (XEN_NETIF_MAX_TX_SIZE - 14)   /* with scatter-gather */
#define NF_WAIT_CLOSED_MS 10000   /* how long a lost backend has to reach Closed */
#define NF_CONNECT_TRIES 3   /* first connect: handshakes before giving up on a backend that fails them */

/* Diagnostics in the seed's style: "<ifname>: <message>". */
void nf_log(const struct netfront *nf, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set up nf for vif and read fe_dir's backend, backend-id, mac, mtu and
 * our domid; validate each.  Prints the diagnostic and returns -1 on a
 * problem (nothing is left behind). */
int netfront_probe(struct netfront *nf, struct plat *p, unsigned int vif, const char *ifname);
/* Does the backend offer key (a "1")? */
bool netfront_backend_offers(struct netfront *nf, const char *key);
/* The MTU to use with or without scatter-gather (the toolstack's mtu key,
 * clamped to 1500 without it). */
unsigned int netfront_mtu(const struct netfront *nf, bool sg);
/* The features in effect, as "rx-copy sg csum gso-tcpv4 ... queues=2". */
void netfront_features(const struct netfront *nf, char *buf, size_t size);

/* Watch our state and backend key (relative: they follow the guest when
 * it moves) and the backend's state.  0 or -1 (reported). */
int netfront_watch(struct netfront *nf);
/* Start the handshake: say Initialising, then act on the backend's state. */
int netfront_start(struct netfront *nf);
/* React to whatever XenStore says now: call on every watch event and at
 * least once a second (now_ms: CLOCK_MONOTONIC).  Follows a moved guest,
 * a lost backend and a returning one.  Returns the phase. */
enum nf_phase netfront_event(struct netfront *nf, long now_ms);
/* Begin an orderly close: Closing, and wait for the backend (the caller
 * keeps calling netfront_event until NF_CLOSED or its own deadline). */
void netfront_close(struct netfront *nf);
/* Finish: traffic off, revoke grants, close the channels, say Closed and
 * remove the keys we wrote. */
void netfront_finish(struct netfront *nf);
/* Before the first connect: the keys a previous frontend (the kernel's
 * netfront, or a crashed instance) may have left are removed in the
 * connect transaction; this says which of them are there (for a log line),
 * space-separated, into buf. */
void netfront_stale_keys(struct netfront *nf, char *buf, size_t size);
/* Remove every frontend key netif.h defines (and queue-N/) from fe_dir, in
 * one transaction: what a frontend leaves for the next.  0 or -errno. */
int netfront_clear_keys(struct plat *p, const char *fe_dir);

#endif
