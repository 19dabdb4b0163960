/* SPDX-License-Identifier: MIT */
/* The production platform: real Xen through libxenstore, libxengnttab
 * (gntalloc) and libxenevtchn. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include "common/log.h"
#include "xen/plat_xs.h"

#define MAX_ABANDONED 64
#define MAX_PORTS 64

struct plat_xen {
	struct plat_xs xs;         /* first */
	xengntshr_handle *gs;
	/* one /dev/xen/evtchn handle per group, opened on first use; group
	 * 0's at open, so that a guest without the driver hears it at once */
	xenevtchn_handle *ev[PLAT_EVT_GROUPS];
	struct { int port; unsigned int group; } ports[MAX_PORTS];   /* port -1: free */
	/* handles whose ports were bound before a suspend: never unbound,
	 * never closed (see evt_abandon in plat.h) */
	xenevtchn_handle *abandoned[MAX_ABANDONED];
	int n_abandoned;
};

static struct plat_xen *X(struct plat *p)
{
	return (struct plat_xen *)p;
}

static void *xen_gnt_share(struct plat *p, uint16_t domid, uint32_t count, uint32_t *refs,
			   bool writable)
{
	return xengntshr_share_pages(X(p)->gs, domid, (int)count, refs, writable);
}

static int xen_gnt_unshare(struct plat *p, void *addr, uint32_t count)
{
	return xengntshr_unshare(X(p)->gs, addr, count);
}

/* /dev/xen/evtchn, non-blocking: the datapath drains pending ports until
 * none is left, and must get EAGAIN then rather than block the queue. */
static xenevtchn_handle *open_evtchn(void)
{
	xenevtchn_handle *ev = xenevtchn_open(NULL, 0);
	int fd, fl;

	if (!ev)
		return NULL;
	fd = xenevtchn_fd(ev);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int err = errno;

		xenevtchn_close(ev);   /* nothing bound yet: safe */
		errno = err;
		return NULL;
	}
	return ev;
}

/* The handle of the group that holds port, or NULL (errno EINVAL). */
static xenevtchn_handle *handle_of(struct plat_xen *x, uint32_t port, int *slot)
{
	for (int i = 0; i < MAX_PORTS; i++)
		if (x->ports[i].port == (int)port) {
			if (slot)
				*slot = i;
			return x->ev[x->ports[i].group];
		}
	errno = EINVAL;
	return NULL;
}

static int xen_evt_alloc_unbound(struct plat *p, unsigned int group, uint16_t remote)
{
	struct plat_xen *x = X(p);
	xenevtchn_port_or_error_t port;
	int slot = -1;

	if (group >= PLAT_EVT_GROUPS) {
		errno = EINVAL;
		return -1;
	}
	for (int i = 0; i < MAX_PORTS && slot < 0; i++)
		if (x->ports[i].port < 0)
			slot = i;
	if (slot < 0) {
		errno = ENOSPC;
		return -1;
	}
	if (!x->ev[group] && !(x->ev[group] = open_evtchn()))
		return -1;
	port = xenevtchn_bind_unbound_port(x->ev[group], remote);
	if (port < 0)
		return -1;
	x->ports[slot].port = (int)port;
	x->ports[slot].group = group;
	return (int)port;
}

static int xen_evt_notify(struct plat *p, uint32_t port)
{
	xenevtchn_handle *h = handle_of(X(p), port, NULL);

	return h ? xenevtchn_notify(h, port) : -1;
}

static int xen_evt_fd(struct plat *p, unsigned int group)
{
	struct plat_xen *x = X(p);

	return group < PLAT_EVT_GROUPS && x->ev[group] ? xenevtchn_fd(x->ev[group]) : -1;
}

static int xen_evt_pending(struct plat *p, unsigned int group)
{
	struct plat_xen *x = X(p);
	xenevtchn_port_or_error_t port;

	if (group >= PLAT_EVT_GROUPS || !x->ev[group]) {
		errno = EAGAIN;
		return -1;
	}
	port = xenevtchn_pending(x->ev[group]);
	return port < 0 ? -1 : (int)port;
}

static int xen_evt_unmask(struct plat *p, uint32_t port)
{
	xenevtchn_handle *h = handle_of(X(p), port, NULL);

	return h ? xenevtchn_unmask(h, port) : -1;
}

static int xen_evt_close(struct plat *p, uint32_t port)
{
	struct plat_xen *x = X(p);
	int slot;
	xenevtchn_handle *h = handle_of(x, port, &slot);

	if (!h)
		return -1;
	x->ports[slot].port = -1;
	return xenevtchn_unbind(h, port);
}

static int xen_evt_abandon(struct plat *p)
{
	struct plat_xen *x = X(p);

	for (unsigned int g = 0; g < PLAT_EVT_GROUPS; g++) {
		if (!x->ev[g])
			continue;
		if (x->n_abandoned >= MAX_ABANDONED) {
			errno = EMFILE;
			return -1;
		}
		/* Kept open and unused: the kernel dropped its ports' bindings
		 * on resume, and both IOCTL_EVTCHN_UNBIND and the handle's
		 * release would hit BUG_ON(irq < 0) in evtchn_unbind_from_user.
		 * The next port of this group gets a new handle. */
		x->abandoned[x->n_abandoned++] = x->ev[g];
		x->ev[g] = NULL;
	}
	for (int i = 0; i < MAX_PORTS; i++)
		x->ports[i].port = -1;
	return 0;
}

static int xen_evt_abandoned(struct plat *p, int *fds, int max)
{
	struct plat_xen *x = X(p);
	int n = 0;

	for (int i = 0; i < x->n_abandoned && n < max; i++)
		fds[n++] = xenevtchn_fd(x->abandoned[i]);
	return n;
}

static void xen_close(struct plat *p)
{
	struct plat_xen *x = X(p);

	for (unsigned int g = 0; g < PLAT_EVT_GROUPS; g++)
		if (x->ev[g])
			xenevtchn_close(x->ev[g]);
	if (x->gs)
		xengntshr_close(x->gs);
	if (x->xs.xs)
		xs_close(x->xs.xs);
	free(x);
}

static const struct plat_ops xen_ops = {
	.name = "xen",
	PLAT_XS_OPS,
	.gnt_share = xen_gnt_share,
	.gnt_unshare = xen_gnt_unshare,
	.evt_alloc_unbound = xen_evt_alloc_unbound,
	.evt_notify = xen_evt_notify,
	.evt_fd = xen_evt_fd,
	.evt_pending = xen_evt_pending,
	.evt_unmask = xen_evt_unmask,
	.evt_close = xen_evt_close,
	.evt_abandon = xen_evt_abandon,
	.evt_abandoned = xen_evt_abandoned,
	.close = xen_close,
};

static struct plat *open_xen(bool store_only)
{
	struct plat_xen *x = calloc(1, sizeof(*x));
	const char *what = "xenstore (/dev/xen/xenbus)";

	if (!x)
		return NULL;
	for (int i = 0; i < MAX_PORTS; i++)
		x->ports[i].port = -1;
	x->xs.base.ops = &xen_ops;
	x->xs.xs = xs_open(0);
	if (x->xs.xs && store_only)
		return &x->xs.base;
	if (!x->xs.xs && store_only) {
		fprintf(stderr, "xennet-xdp: cannot open %s: %s (is this a Xen guest?)\n", what,
			strerror(errno));
		free(x);
		return NULL;
	}
	if (x->xs.xs) {
		what = "grant sharing (/dev/xen/gntalloc)";
		x->gs = xengntshr_open(NULL, 0);
	}
	if (x->gs) {
		what = "event channels (/dev/xen/evtchn)";
		x->ev[0] = open_evtchn();
	}
	if (!x->ev[0]) {
		fprintf(stderr, "xennet-xdp: cannot open %s: %s (is this a Xen guest with "
			"xen-gntalloc and xen-evtchn loaded?)\n", what, strerror(errno));
		xen_close(&x->xs.base);
		return NULL;
	}
	return &x->xs.base;
}

struct plat *plat_xen_open(void)
{
	return open_xen(false);
}

struct plat *plat_xen_open_store(void)
{
	return open_xen(true);
}

struct plat *plat_store_open(const char *sim)
{
	struct plat_xen *x;

	if (!sim)
		return open_xen(true);
	x = calloc(1, sizeof(*x));
	if (!x || setenv("XENSTORED_PATH", sim, 1) < 0) {
		free(x);
		return NULL;
	}
	x->xs.base.ops = &xen_ops;
	x->xs.xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!x->xs.xs) {
		log_err(NULL, "simulated backend at %s: xenstore: %s", sim, strerror(errno));
		free(x);
		return NULL;
	}
	return &x->xs.base;
}
