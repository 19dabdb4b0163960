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
#include "xen/plat_xs.h"

struct plat_xen {
	struct plat_xs xs;         /* first */
	xengntshr_handle *gs;
	xenevtchn_handle *ev;
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

static int xen_evt_alloc_unbound(struct plat *p, uint16_t remote)
{
	xenevtchn_port_or_error_t port = xenevtchn_bind_unbound_port(X(p)->ev, remote);

	return port < 0 ? -1 : (int)port;
}

static int xen_evt_notify(struct plat *p, uint32_t port)
{
	return xenevtchn_notify(X(p)->ev, port);
}

static int xen_evt_fd(struct plat *p)
{
	return xenevtchn_fd(X(p)->ev);
}

static int xen_evt_pending(struct plat *p)
{
	xenevtchn_port_or_error_t port = xenevtchn_pending(X(p)->ev);

	return port < 0 ? -1 : (int)port;
}

static int xen_evt_unmask(struct plat *p, uint32_t port)
{
	return xenevtchn_unmask(X(p)->ev, port);
}

static int xen_evt_close(struct plat *p, uint32_t port)
{
	return xenevtchn_unbind(X(p)->ev, port);
}

static void xen_close(struct plat *p)
{
	struct plat_xen *x = X(p);

	if (x->ev)
		xenevtchn_close(x->ev);
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
	.close = xen_close,
};

static struct plat *open_xen(bool store_only)
{
	struct plat_xen *x = calloc(1, sizeof(*x));
	const char *what = "xenstore (/dev/xen/xenbus)";

	if (!x)
		return NULL;
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
		x->ev = xenevtchn_open(NULL, 0);
	}
	/* The datapath drains pending ports until none is left: reads of
	 * /dev/xen/evtchn must fail with EAGAIN then, not block the queue. */
	if (x->ev) {
		int fd = xenevtchn_fd(x->ev);
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
			what = "event channels (/dev/xen/evtchn) in non-blocking mode";
			xenevtchn_close(x->ev);
			x->ev = NULL;
		}
	}
	if (!x->ev) {
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
