/* SPDX-License-Identifier: MIT */
/*
 * The simulated platform: xennet-simback plays Xen.  XenStore is the real
 * libxenstore speaking the wire protocol to the simulator's socket; the
 * grant table and the granted pages are memfds this guest shares with the
 * simulator (grant_entry_v1 entries whose frame is a page index in the
 * pool); event channels are eventfd pairs the simulator hands over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "common/fdpass.h"
#include "xen/plat_xs.h"
#include "simproto.h"

#define SIM_POOL_PAGES 8192u    /* 32 MiB: zero-copy UMEMs of two queues fit */
#define SIM_MAX_PORTS 32
#define SIM_MAX_REGIONS 64

struct sim_port {
	int port;                  /* -1: free slot */
	unsigned int group;
	int notify_fd, wait_fd;
};

struct sim_region {
	void *addr;
	uint32_t count;
	uint32_t *refs;
};

struct plat_sim {
	struct plat_xs xs;         /* first */
	int ctl;
	pthread_mutex_t lock;      /* ctl socket, grant and port tables */
	grant_entry_v1_t *gt;
	uint8_t *pool;
	uint8_t page_used[SIM_POOL_PAGES];
	uint8_t ref_used[XSIM_GNTTAB_ENTRIES];
	struct sim_region regions[SIM_MAX_REGIONS];
	struct sim_port ports[SIM_MAX_PORTS];
	int epfd[PLAT_EVT_GROUPS];   /* one poll set per group */
};

static struct plat_sim *S(struct plat *p)
{
	return (struct plat_sim *)p;
}

/* One request, one reply; fds in the reply land in fds[]. */
static int sim_call(struct plat_sim *s, struct xsim_msg *m, const int *sfds, int nsfds,
		    int *fds, int *nfds)
{
	int tmp[FDPASS_MAX], ntmp;

	m->magic = XSIM_MAGIC;
	if (fdpass_send(s->ctl, m, sizeof(*m), sfds, nsfds) < 0 ||
	    fdpass_recv(s->ctl, m, sizeof(*m), fds ? fds : tmp, nfds ? nfds : &ntmp) < 0)
		return -1;
	if (!fds)
		for (int i = 0; i < ntmp; i++)
			close(tmp[i]);
	if (m->magic != XSIM_MAGIC) {
		errno = EPROTO;
		return -1;
	}
	if (m->err) {
		errno = m->err;
		return -1;
	}
	return 0;
}

static int sim_hello(struct plat_sim *s);

static void *sim_gnt_share(struct plat *p, uint16_t domid, uint32_t count, uint32_t *refs,
			   bool writable)
{
	struct plat_sim *s = S(p);
	struct sim_region *r = NULL;
	uint32_t first = 0, run = 0, nref = 0;
	void *ret = NULL;

	if (!count || count > SIM_POOL_PAGES) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	if (sim_hello(s) < 0)
		goto out;
	for (int i = 0; i < SIM_MAX_REGIONS && !r; i++)
		if (!s->regions[i].addr)
			r = &s->regions[i];
	for (uint32_t i = 0; i < SIM_POOL_PAGES && run < count; i++) {
		run = s->page_used[i] ? 0 : run + 1;
		if (run == 1)
			first = i;
	}
	if (!r || run < count) {
		errno = ENOSPC;
		goto out;
	}
	r->refs = malloc(count * sizeof(*r->refs));
	if (!r->refs)
		goto out;
	for (uint32_t ref = XSIM_GNTTAB_RESERVED; ref < XSIM_GNTTAB_ENTRIES && nref < count; ref++)
		if (!s->ref_used[ref])
			r->refs[nref++] = ref;
	if (nref < count) {
		free(r->refs);
		errno = ENOSPC;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		grant_entry_v1_t *e = &s->gt[r->refs[i]];

		s->page_used[first + i] = 1;
		s->ref_used[r->refs[i]] = 1;
		memset(s->pool + (size_t)(first + i) * PLAT_PAGE_SIZE, 0, PLAT_PAGE_SIZE);
		e->domid = domid;
		e->frame = first + i;
		/* the entry becomes valid only once domid and frame are visible */
		__atomic_store_n(&e->flags,
				 (uint16_t)(GTF_permit_access | (writable ? 0 : GTF_readonly)),
				 __ATOMIC_RELEASE);
		refs[i] = r->refs[i];
	}
	r->addr = s->pool + (size_t)first * PLAT_PAGE_SIZE;
	r->count = count;
	ret = r->addr;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* Like gnttab_end_foreign_access: an entry the backend is reading or
 * writing cannot be revoked; wait a little, then give up on that page
 * (it stays allocated: leaked, never reused while the backend holds it). */
static int end_access(grant_entry_v1_t *e)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(f & (GTF_reading | GTF_writing)) &&
		    __atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return -1;
}

static int sim_gnt_unshare(struct plat *p, void *addr, uint32_t count)
{
	struct plat_sim *s = S(p);
	int ret = -1, busy = 0;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < SIM_MAX_REGIONS; i++) {
		struct sim_region *r = &s->regions[i];
		uint32_t first;

		if (r->addr != addr)
			continue;
		if (r->count != count)
			break;
		first = (uint32_t)(((uint8_t *)addr - s->pool) / PLAT_PAGE_SIZE);
		for (uint32_t k = 0; k < count; k++) {
			if (end_access(&s->gt[r->refs[k]]) < 0) {
				busy++;
				continue;
			}
			s->ref_used[r->refs[k]] = 0;
			s->page_used[first + k] = 0;
		}
		free(r->refs);
		memset(r, 0, sizeof(*r));
		ret = busy ? -1 : 0;
		errno = busy ? EBUSY : 0;
		goto out;
	}
	errno = EINVAL;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static struct sim_port *find_port(struct plat_sim *s, int port)
{
	for (int i = 0; i < SIM_MAX_PORTS; i++)
		if (s->ports[i].port == port)
			return &s->ports[i];
	return NULL;
}

static int sim_evt_alloc_unbound(struct plat *p, unsigned int group, uint16_t remote)
{
	struct plat_sim *s = S(p);
	struct xsim_msg m = { .type = XSIM_EVT_ALLOC, .arg = remote };
	int fds[FDPASS_MAX], nfds = 0, ret = -1;
	struct sim_port *sp;

	if (group >= PLAT_EVT_GROUPS) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&s->lock);
	if (sim_hello(s) < 0)
		goto out;
	sp = find_port(s, -1);
	if (!sp) {
		errno = ENOSPC;
		goto out;
	}
	if (sim_call(s, &m, NULL, 0, fds, &nfds) < 0)
		goto out;
	if (nfds != 2 || find_port(s, (int)m.port)) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		errno = EPROTO;
		goto out;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = m.port };

	if (epoll_ctl(s->epfd[group], EPOLL_CTL_ADD, fds[1], &ev) < 0) {
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	sp->port = (int)m.port;
	sp->group = group;
	sp->notify_fd = fds[0];
	sp->wait_fd = fds[1];
	ret = sp->port;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

static int sim_evt_notify(struct plat *p, uint32_t port)
{
	/* hot path: no lock, the slot is stable while the port is bound */
	struct sim_port *sp = find_port(S(p), (int)port);
	uint64_t one = 1;

	if (!sp) {
		errno = EINVAL;
		return -1;
	}
	return write(sp->notify_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

static int sim_evt_fd(struct plat *p, unsigned int group)
{
	return group < PLAT_EVT_GROUPS ? S(p)->epfd[group] : -1;
}

static int sim_evt_pending(struct plat *p, unsigned int group)
{
	struct plat_sim *s = S(p);
	struct epoll_event ev;
	struct sim_port *sp;
	uint64_t v;

	if (group >= PLAT_EVT_GROUPS || epoll_wait(s->epfd[group], &ev, 1, 0) != 1) {
		errno = EAGAIN;
		return -1;
	}
	sp = find_port(s, (int)ev.data.u32);
	if (sp && read(sp->wait_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -1;
	return (int)ev.data.u32;
}

static int sim_evt_unmask(struct plat *p, uint32_t port)
{
	return find_port(S(p), (int)port) ? 0 : (errno = EINVAL, -1);
}

/* The simulated restore: every port bound so far is dead, and the
 * simulator answers ESTALE to unbinding one (where the real driver would
 * BUG): forget them here without ever unbinding them.  (Closing our own
 * eventfds is harmless; the unbind is what the real driver cannot take.) */
static int sim_evt_abandon(struct plat *p)
{
	struct plat_sim *s = S(p);

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < SIM_MAX_PORTS; i++) {
		struct sim_port *sp = &s->ports[i];

		if (sp->port < 0)
			continue;
		epoll_ctl(s->epfd[sp->group], EPOLL_CTL_DEL, sp->wait_fd, NULL);
		close(sp->notify_fd);
		close(sp->wait_fd);
		sp->port = -1;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int sim_evt_abandoned(struct plat *p, int *fds, int max)
{
	(void)p; (void)fds; (void)max;
	return 0;   /* nothing of the simulator's outlives this process */
}

static int sim_evt_close(struct plat *p, uint32_t port)
{
	struct plat_sim *s = S(p);
	struct xsim_msg m = { .type = XSIM_EVT_CLOSE, .port = port };
	struct sim_port *sp;
	int ret;

	pthread_mutex_lock(&s->lock);
	sp = find_port(s, (int)port);
	if (!sp) {
		pthread_mutex_unlock(&s->lock);
		errno = EINVAL;
		return -1;
	}
	epoll_ctl(s->epfd[sp->group], EPOLL_CTL_DEL, sp->wait_fd, NULL);
	close(sp->notify_fd);
	close(sp->wait_fd);
	sp->port = -1;
	ret = sim_call(s, &m, NULL, 0, NULL, NULL);
	pthread_mutex_unlock(&s->lock);
	if (ret < 0 && errno == ESTALE) {
		/* what Linux does when a port bound before a suspend is unbound
		 * (BUG_ON in evtchn_unbind_from_user): make the bug as loud here */
		fprintf(stderr, "xennet-xdp: BUG: unbinding event channel %u, bound before the "
			"guest was restored\n", port);
		abort();
	}
	return ret;
}

static void sim_close(struct plat *p)
{
	struct plat_sim *s = S(p);

	for (int i = 0; i < SIM_MAX_PORTS; i++)
		if (s->ports[i].port >= 0)
			sim_evt_close(p, (uint32_t)s->ports[i].port);
	for (int i = 0; i < SIM_MAX_REGIONS; i++)
		if (s->regions[i].addr)
			sim_gnt_unshare(p, s->regions[i].addr, s->regions[i].count);
	if (s->xs.xs)
		xs_close(s->xs.xs);
	if (s->gt)
		munmap(s->gt, XSIM_GNTTAB_ENTRIES * sizeof(*s->gt));
	if (s->pool)
		munmap(s->pool, (size_t)SIM_POOL_PAGES * PLAT_PAGE_SIZE);
	for (unsigned int g = 0; g < PLAT_EVT_GROUPS; g++)
		if (s->epfd[g] >= 0)
			close(s->epfd[g]);
	if (s->ctl >= 0)
		close(s->ctl);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct plat_ops sim_ops = {
	.name = "sim",
	PLAT_XS_OPS,
	.gnt_share = sim_gnt_share,
	.gnt_unshare = sim_gnt_unshare,
	.evt_alloc_unbound = sim_evt_alloc_unbound,
	.evt_notify = sim_evt_notify,
	.evt_fd = sim_evt_fd,
	.evt_pending = sim_evt_pending,
	.evt_unmask = sim_evt_unmask,
	.evt_close = sim_evt_close,
	.evt_abandon = sim_evt_abandon,
	.evt_abandoned = sim_evt_abandoned,
	.close = sim_close,
};

/* A memfd of size bytes, sealed at that size: the simulator maps it and
 * refuses one that could shrink under its mapping. */
static void *map_memfd(const char *name, size_t size, int *fd)
{
	void *p;

	*fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, (off_t)size) < 0 ||
	    fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return NULL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Hand the simulator our grant table and page pool: done on first use, so
 * a XenStore-only user (down, list) does not disturb a running guest. */
static int sim_hello(struct plat_sim *s)
{
	struct xsim_msg m = { .type = XSIM_HELLO, .arg = SIM_POOL_PAGES };
	int fds[2] = { -1, -1 }, ret = -1;

	if (s->gt)
		return 0;
	s->gt = map_memfd("xennet-gnttab", XSIM_GNTTAB_ENTRIES * sizeof(*s->gt), &fds[0]);
	s->pool = map_memfd("xennet-pool", (size_t)SIM_POOL_PAGES * PLAT_PAGE_SIZE, &fds[1]);
	if (s->gt && s->pool)
		ret = sim_call(s, &m, fds, 2, NULL, NULL);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ret < 0) {
		int err = errno;

		if (s->gt)
			munmap(s->gt, XSIM_GNTTAB_ENTRIES * sizeof(*s->gt));
		if (s->pool)
			munmap(s->pool, (size_t)SIM_POOL_PAGES * PLAT_PAGE_SIZE);
		s->gt = NULL;
		s->pool = NULL;
		errno = err;
	}
	return ret;
}

struct plat *plat_sim_open(const char *path)
{
	struct plat_sim *s = calloc(1, sizeof(*s));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *what = "connect";

	if (!s)
		return NULL;
	s->xs.base.ops = &sim_ops;
	pthread_mutex_init(&s->lock, NULL);
	for (int i = 0; i < SIM_MAX_PORTS; i++)
		s->ports[i].port = -1;
	s->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (unsigned int g = 0; g < PLAT_EVT_GROUPS; g++)
		s->epfd[g] = epoll_create1(EPOLL_CLOEXEC);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	strcpy(sa.sun_path, path);
	for (unsigned int g = 0; g < PLAT_EVT_GROUPS; g++)
		if (s->epfd[g] < 0)
			goto fail;
	if (s->ctl < 0 || connect(s->ctl, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	what = "control";
	if (sim_call(s, &(struct xsim_msg){ .type = XSIM_CONNECT }, NULL, 0, NULL, NULL) < 0)
		goto fail;
	what = "xenstore";
	setenv("XENSTORED_PATH", path, 1);
	s->xs.xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!s->xs.xs)
		goto fail;
	return &s->xs.base;
fail:
	fprintf(stderr, "xennet-xdp: simulated backend at %s: %s: %s\n", path, what,
		strerror(errno));
	sim_close(&s->xs.base);
	return NULL;
}
