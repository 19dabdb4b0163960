/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gnttab_back.h"
#include "simproto.h"

#define PAGE 4096u

/* A memfd holding at least need bytes that its owner cannot shrink: past
 * its end, our mapping would SIGBUS.  0 or a positive errno. */
static int check_memfd(int fd, size_t need)
{
	struct stat st;
	int seals;

	if (fstat(fd, &st) < 0)
		return errno;
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (size_t)st.st_size < need)
		return EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return EINVAL;          /* not a memfd */
	return seals & F_SEAL_SHRINK ? 0 : EPERM;
}

int gnttab_back_attach(struct gnttab_back *g, int gt_fd, int pool_fd, uint32_t npages,
		       uint16_t backend_domid)
{
	int err = 0;

	gnttab_back_detach(g);
	g->nr = XSIM_GNTTAB_ENTRIES;
	g->domid = backend_domid;
	g->pins = calloc(g->nr, sizeof(*g->pins));
	if (npages == 0 || npages > (1u << 20))
		err = EINVAL;
	err = err ?: check_memfd(gt_fd, g->nr * sizeof(*g->gt));
	err = err ?: check_memfd(pool_fd, (size_t)npages * PAGE);
	if (!err && g->pins) {
		g->gt = mmap(NULL, g->nr * sizeof(*g->gt), PROT_READ | PROT_WRITE, MAP_SHARED, gt_fd, 0);
		g->pool = mmap(NULL, (size_t)npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pool_fd, 0);
		if (g->gt == MAP_FAILED || g->pool == MAP_FAILED)
			err = errno;
	} else if (!err) {
		err = ENOMEM;
	}
	close(gt_fd);
	close(pool_fd);
	g->npages = npages;
	if (err) {
		if (g->gt == MAP_FAILED)
			g->gt = NULL;
		if (g->pool == MAP_FAILED)
			g->pool = NULL;
		gnttab_back_detach(g);
		return -err;
	}
	return 0;
}

void gnttab_back_detach(struct gnttab_back *g)
{
	if (g->gt)
		munmap(g->gt, g->nr * sizeof(*g->gt));
	if (g->pool)
		munmap(g->pool, (size_t)g->npages * PAGE);
	free(g->pins);
	memset(g, 0, sizeof(*g));
}

/* Check the entry and mark it in use, atomically on {flags, domid} as Xen
 * does, so the guest cannot revoke it between our check and our access. */
static uint8_t *pin(struct gnttab_back *g, uint32_t ref, bool write)
{
	uint32_t *combo, old, want;
	uint16_t busy = GTF_reading | (write ? GTF_writing : 0);
	uint32_t frame;

	if (!g->gt || ref >= g->nr)
		goto deny;
	combo = (uint32_t *)&g->gt[ref];   /* flags in the low half, domid high */
	old = __atomic_load_n(combo, __ATOMIC_ACQUIRE);
	do {
		uint16_t flags = (uint16_t)old, domid = (uint16_t)(old >> 16);

		if ((flags & GTF_type_mask) != GTF_permit_access || domid != g->domid ||
		    (write && (flags & GTF_readonly)))
			goto deny;
		want = old | busy;
	} while (!__atomic_compare_exchange_n(combo, &old, want, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	frame = __atomic_load_n(&g->gt[ref].frame, __ATOMIC_ACQUIRE);
	if (frame >= g->npages) {
		__atomic_fetch_and(&g->gt[ref].flags, (uint16_t)~busy, __ATOMIC_RELEASE);
		goto deny;
	}
	g->pins[ref]++;
	return g->pool + (size_t)frame * PAGE;
deny:
	g->denied++;
	return NULL;
}

static void reclaim(struct gnttab_back *g, uint32_t ref)
{
	if ((__atomic_load_n(&g->gt[ref].flags, __ATOMIC_ACQUIRE) & GTF_type_mask) == GTF_permit_access) {
		__atomic_store_n(&g->gt[ref].flags, 0, __ATOMIC_RELEASE);
		g->reclaimed++;
	}
}

static void unpin(struct gnttab_back *g, uint32_t ref, bool write)
{
	if (!g->gt || ref >= g->nr || !g->pins[ref])
		return;
	if (--g->pins[ref] == 0) {
		__atomic_fetch_and(&g->gt[ref].flags,
				   (uint16_t)~(GTF_reading | GTF_writing), __ATOMIC_RELEASE);
		if (g->orphaned)
			reclaim(g, ref);
	}
	(void)write;
}

void gnttab_back_orphan(struct gnttab_back *g)
{
	g->orphaned = true;
	for (uint32_t i = 0; g->gt && i < g->nr; i++)
		if (!g->pins[i])
			reclaim(g, i);
}

uint8_t *gnttab_back_map(struct gnttab_back *g, uint32_t ref, bool write)
{
	return pin(g, ref, write);
}

void gnttab_back_unmap(struct gnttab_back *g, uint32_t ref, bool write)
{
	unpin(g, ref, write);
}

int gnttab_back_copy_from(struct gnttab_back *g, uint32_t ref, uint32_t off, void *dst, uint32_t len)
{
	uint8_t *page;

	if (off > PAGE || len > PAGE - off) {
		g->denied++;
		return -1;
	}
	page = pin(g, ref, false);
	if (!page)
		return -1;
	memcpy(dst, page + off, len);
	unpin(g, ref, false);
	return 0;
}

int gnttab_back_copy_to(struct gnttab_back *g, uint32_t ref, uint32_t off, const void *src, uint32_t len)
{
	uint8_t *page;

	if (off > PAGE || len > PAGE - off) {
		g->denied++;
		return -1;
	}
	page = pin(g, ref, true);
	if (!page)
		return -1;
	memcpy(page + off, src, len);
	unpin(g, ref, true);
	return 0;
}

unsigned int gnttab_back_active(const struct gnttab_back *g)
{
	unsigned int n = 0;

	for (uint32_t i = 0; g->gt && i < g->nr; i++)
		n += (__atomic_load_n(&g->gt[i].flags, __ATOMIC_ACQUIRE) & GTF_type_mask) ==
		     GTF_permit_access;
	return n;
}

unsigned int gnttab_back_mapped(const struct gnttab_back *g)
{
	unsigned int n = 0;

	for (uint32_t i = 0; g->pins && i < g->nr; i++)
		n += g->pins[i] != 0;
	return n;
}

void gnttab_back_reset(struct gnttab_back *g)
{
	for (uint32_t i = 0; g->gt && i < g->nr; i++)
		if (!g->pins[i])
			__atomic_store_n(&g->gt[i].flags, 0, __ATOMIC_RELEASE);
}
