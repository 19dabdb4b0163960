/* SPDX-License-Identifier: MIT */
/* The simulated hypervisor's side of grant tables: every access the
 * simulated backend makes to the guest's pages goes through here, and is
 * checked against the guest's grant_entry_v1 exactly as Xen would: the
 * entry must permit access, name our domain, allow writing if we write,
 * and point inside the guest's memory. */
#ifndef XENNET_GNTTAB_BACK_H
#define XENNET_GNTTAB_BACK_H
#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

struct gnttab_back {
	grant_entry_v1_t *gt;
	uint32_t nr;              /* entries */
	uint8_t *pool;
	uint32_t npages;
	uint16_t domid;           /* ours: the backend's */
	uint16_t *pins;           /* per-entry count of our mappings/copies */
	uint64_t denied;          /* accesses the table refused */
	uint64_t reclaimed;       /* grants ended for a guest that went away */
	bool orphaned;            /* the guest is gone: end grants as they are unmapped */
};

/* Take over the guest's table and pool memfds (closes them): each must be a
 * memfd sealed against shrinking (F_SEAL_SHRINK; else -EPERM) and hold what
 * is mapped of it, 4096 entries and npages pages (else -EINVAL).  0 or -errno. */
int gnttab_back_attach(struct gnttab_back *g, int gt_fd, int pool_fd, uint32_t npages,
		       uint16_t backend_domid);
void gnttab_back_detach(struct gnttab_back *g);
/* Map a granted page (like GNTTABOP_map_grant_ref); NULL if refused. */
uint8_t *gnttab_back_map(struct gnttab_back *g, uint32_t ref, bool write);
void gnttab_back_unmap(struct gnttab_back *g, uint32_t ref, bool write);
/* GNTTABOP_copy to or from a granted page; -1 if refused. */
int gnttab_back_copy_from(struct gnttab_back *g, uint32_t ref, uint32_t off, void *dst, uint32_t len);
int gnttab_back_copy_to(struct gnttab_back *g, uint32_t ref, uint32_t off, const void *src, uint32_t len);
/* The guest closed its grant device (exited or crashed): like gntalloc's
 * release, end every grant we do not hold mapped now, and the rest as we
 * unmap them.  Counted in reclaimed: a clean frontend leaves nothing here. */
void gnttab_back_orphan(struct gnttab_back *g);
/* The guest was restored: its new grant table starts empty (every entry's
 * flags cleared, as the old table is gone with the old domain). */
void gnttab_back_reset(struct gnttab_back *g);
/* Entries currently granting access (to anyone). */
unsigned int gnttab_back_active(const struct gnttab_back *g);
/* Entries we hold mapped now. */
unsigned int gnttab_back_mapped(const struct gnttab_back *g);

#endif
