/* SPDX-License-Identifier: MIT */
/*
 * The platform seam: everything xennet-xdp needs from Xen, behind one
 * table of operations.  plat_xen.c implements it on libxenstore,
 * libxengnttab and libxenevtchn; plat_sim.c on xennet-simback.  Nothing
 * above this header knows which one it runs on.
 */
#ifndef XENNET_PLAT_H
#define XENNET_PLAT_H

#include <stdbool.h>
#include <stdint.h>
#include <xenstore.h>          /* xs_transaction_t, XBT_NULL */

#define PLAT_PAGE_SIZE 4096u
#define PLAT_EVT_GROUPS 8u     /* event-channel groups (queues) */

struct plat;

struct plat_ops {
	const char *name;

	/* XenStore.  Strings returned are malloc'd; callers free them.
	 * On failure: NULL / false with errno set, as libxenstore does. */
	char *(*xs_read)(struct plat *p, xs_transaction_t t, const char *path,
			 unsigned int *len);
	bool (*xs_write)(struct plat *p, xs_transaction_t t, const char *path,
			 const void *data, unsigned int len);
	bool (*xs_mkdir)(struct plat *p, xs_transaction_t t, const char *path);
	bool (*xs_rm)(struct plat *p, xs_transaction_t t, const char *path);
	char **(*xs_directory)(struct plat *p, xs_transaction_t t,
			       const char *path, unsigned int *num);
	bool (*xs_watch)(struct plat *p, const char *path, const char *token);
	bool (*xs_unwatch)(struct plat *p, const char *path, const char *token);
	int (*xs_fd)(struct plat *p);  /* readable when a watch fired */
	/* one event, never blocking: vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN];
	 * NULL with errno EAGAIN if none is pending. free() the vector. */
	char **(*xs_read_watch)(struct plat *p, unsigned int *num);
	xs_transaction_t (*xs_transaction_start)(struct plat *p);
	bool (*xs_transaction_end)(struct plat *p, xs_transaction_t t, bool abort);

	/* Grants: share count pages (one contiguous mapping) with domid.
	 * refs[count] receives the grant references. */
	void *(*gnt_share)(struct plat *p, uint16_t domid, uint32_t count,
			   uint32_t *refs, bool writable);
	int (*gnt_unshare)(struct plat *p, void *addr, uint32_t count);

	/* Event channels, in groups (one per datapath thread: each polls
	 * its group's descriptor and sees only its group's ports).  A port
	 * belongs to the group it was allocated in. */
	int (*evt_alloc_unbound)(struct plat *p, unsigned int group,
				 uint16_t remote_domid);            /* port or -1 */
	int (*evt_notify)(struct plat *p, uint32_t port);
	int (*evt_fd)(struct plat *p, unsigned int group);  /* pollable; -1 if unused */
	/* a port of the group with an event, or -1 with errno EAGAIN */
	int (*evt_pending)(struct plat *p, unsigned int group);
	int (*evt_unmask)(struct plat *p, uint32_t port);
	int (*evt_close)(struct plat *p, uint32_t port);
	/* The guest was restored or migrated: every port bound so far is dead
	 * and must never be unbound or closed (Linux's /dev/xen/evtchn has no
	 * resume handling: unbinding such a port, or closing the handle that
	 * holds it, hits BUG_ON(irq < 0) in evtchn_unbind_from_user).  Set the
	 * current handles aside, untouched; new ports get new handles.
	 * 0 or -1 with errno. */
	int (*evt_abandon)(struct plat *p);
	/* Handles set aside by evt_abandon (0 if none): at exit they must be
	 * handed to a process that outlives us (see plat_keep_abandoned). */
	int (*evt_abandoned)(struct plat *p, int *fds, int max);

	void (*close)(struct plat *p);
};

struct plat {
	const struct plat_ops *ops;
};

/* Open the production platform (real Xen). NULL with a message on failure. */
struct plat *plat_xen_open(void);
/* Only XenStore (for read-side commands: no gntalloc or evtchn needed);
 * the grant and event-channel operations must not be used on it. */
struct plat *plat_xen_open_store(void);
/* Only XenStore, through libxenstore: the simulator's (sim: its socket,
 * given to libxenstore as XENSTORED_PATH) or the real one (sim NULL). */
struct plat *plat_store_open(const char *sim);
/* Open the simulated platform behind xennet-simback's socket. */
struct plat *plat_sim_open(const char *socket_path);

static inline void plat_close(struct plat *p)
{
	if (p)
		p->ops->close(p);
}

#endif
