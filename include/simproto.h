/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between plat_sim (the frontend's simulated
 * platform) and xennet-simback.  It shares the simulator's one unix
 * socket with the XenStore wire protocol: a connection whose first four
 * bytes are XSIM_MAGIC is a control connection, any other is a XenStore
 * client speaking <xen/io/xs_wire.h>.
 *
 * Grants live in two memfds the frontend creates and hands over in
 * XSIM_HELLO: a grant table laid out as grant_entry_v1[XSIM_GNTTAB_ENTRIES]
 * and a pool of pages, whose page index is the entry's "frame".  Event
 * channels are pairs of eventfds the simulator creates on XSIM_EVT_ALLOC.
 */
#ifndef XENNET_SIMPROTO_H
#define XENNET_SIMPROTO_H

#include <stdint.h>

#define XSIM_MAGIC          0x4d495358u  /* "XSIM" little-endian */
#define XSIM_GNTTAB_ENTRIES 16384u
#define XSIM_GNTTAB_RESERVED 8u          /* refs 0..7 unused, as in Xen */

enum xsim_type {
	XSIM_CONNECT = 0,   /* first message of every control connection: no-op */
	XSIM_HELLO = 1,     /* fds: gnttab memfd, pool memfd; arg: pool pages.
			     * reply.arg: this guest's domid */
	XSIM_EVT_ALLOC,     /* arg: remote domid.  reply.port; fds: notify
			     * (frontend writes), wait (frontend reads) */
	XSIM_EVT_CLOSE,     /* port */
	XSIM_QUERY,         /* reply: text "key=value\n" lines follow, len in arg */
	XSIM_CTL,           /* arg: enum xsim_ctl; what the host's admin would do */
};

enum xsim_ctl {
	XSIM_CTL_RESTART = 1,  /* the backend goes away and comes back (as on SIGUSR1) */
	XSIM_CTL_AWAY,         /* it goes away (Closing, Closed) and stays away */
	XSIM_CTL_BACK,         /* it comes back (InitWait) */
	XSIM_CTL_RESTORE,      /* xl save + xl restore: a new domain id, the old
				* event channels (unbinding one: ESTALE) and
				* grants dead, the backend in a new directory */
	XSIM_CTL_GEN,          /* port: the generator's frame size, 0 = off (the
				* wire serves RX again) */
};

struct xsim_msg {
	uint32_t magic;     /* XSIM_MAGIC on every message */
	uint32_t type;
	uint32_t port;
	uint32_t arg;
	int32_t err;        /* reply: 0 or a positive errno */
};

#endif
