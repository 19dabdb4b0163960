/* SPDX-License-Identifier: MIT */
/* An in-memory XenStore tree for the simulator: nodes, transactions with
 * conflict detection, change listeners (the server turns those into watch
 * events), and xenstored's quotas for the guest.
 *
 * Every request is made as a domain.  Domain 0 (the simulated backend, the
 * toolstack) is privileged, as in xenstored: no quota.  Any other domain
 * (the guest, whatever its clients send over the wire) is held to Xen
 * 4.17 xenstored's default quotas: XS_QUOTA_NODES nodes owned at once,
 * XS_QUOTA_NODE_SIZE bytes per value, XS_QUOTA_TX transactions open at
 * once, XS_QUOTA_TX_NODES nodes accessed per transaction; ENOSPC past any
 * of them.  (Watches, XS_QUOTA_WATCHES, are the server's.) */
#ifndef XENNET_XS_STORE_H
#define XENNET_XS_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_QUOTA_NODES     1000   /* xenstored -e / quota_nb_entry_per_domain */
#define XS_QUOTA_NODE_SIZE 2048   /* -S / quota_max_entry_size (we count the value) */
#define XS_QUOTA_TX        10     /* -t / quota_max_transaction */
#define XS_QUOTA_TX_NODES  1024   /* -Q transaction-nodes / quota_trans_nodes */
#define XS_QUOTA_WATCHES   128    /* -W / quota_nb_watch_per_domain */

struct xs_store;
struct xs_store *xs_store_new(void);
void xs_store_free(struct xs_store *s);

/* Paths are absolute.  tx 0 = no transaction; in a transaction the domain
 * that opened it is the one that counts.  Each returns 0 or a positive
 * errno (ENOENT, EINVAL, EAGAIN, E2BIG, ENOSPC, ENOMEM). */
int xs_store_read_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, char **val,
		     unsigned int *len);
int xs_store_write_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, const char *val,
		      unsigned int len);
int xs_store_mkdir_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path);
int xs_store_rm_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path);
int xs_store_directory_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, char ***names,
			  unsigned int *num);
int xs_store_tx_start_as(struct xs_store *s, uint16_t dom, uint32_t *tx);
int xs_store_tx_end(struct xs_store *s, uint32_t tx, bool commit);

/* The same, as domain 0. */
int xs_store_read(struct xs_store *s, uint32_t tx, const char *path, char **val, unsigned int *len);
int xs_store_write(struct xs_store *s, uint32_t tx, const char *path, const char *val, unsigned int len);
int xs_store_mkdir(struct xs_store *s, uint32_t tx, const char *path);
int xs_store_rm(struct xs_store *s, uint32_t tx, const char *path);
int xs_store_directory(struct xs_store *s, uint32_t tx, const char *path, char ***names, unsigned int *num);
int xs_store_tx_start(struct xs_store *s, uint32_t *tx);

typedef void (*xs_store_listener_fn)(void *ctx, const char *path);
int xs_store_add_listener(struct xs_store *s, xs_store_listener_fn fn, void *ctx);
void xs_store_fail_next_commits(struct xs_store *s, unsigned int n);
void xs_store_walk(struct xs_store *s, void (*fn)(void *ctx, const char *path, const char *val, unsigned int len), void *ctx);
/* A path the store accepts: absolute, [A-Za-z0-9/_@-.], no "//", no trailing '/'. */
bool xs_store_valid_path(const char *path);

/* Nodes dom owns now (created by its requests). */
unsigned int xs_store_owned(const struct xs_store *s, uint16_t dom);
/* Transactions open now, and the bytes (paths and values) they hold. */
unsigned int xs_store_tx_open(const struct xs_store *s);
size_t xs_store_tx_bytes(const struct xs_store *s);
/* Check the store's invariants (every node's parent exists, no path twice,
 * every path valid, the owners' counts right, transactions within their
 * bounds): NULL, or what is wrong.  For tests and fuzzing. */
const char *xs_store_check(struct xs_store *s);

#endif
