/* SPDX-License-Identifier: MIT */
/* An in-memory XenStore tree for the simulator: nodes, transactions with
 * conflict detection, and change listeners (the server turns those into
 * watch events). */
#ifndef XENNET_XS_STORE_H
#define XENNET_XS_STORE_H
#include <stdbool.h>
#include <stdint.h>

struct xs_store;
struct xs_store *xs_store_new(void);
void xs_store_free(struct xs_store *s);
/* Paths are absolute.  tx 0 = no transaction.  Each returns 0 or a
 * positive errno (ENOENT, EINVAL, EAGAIN, E2BIG, ENOSPC). */
int xs_store_read(struct xs_store *s, uint32_t tx, const char *path, char **val, unsigned int *len);
int xs_store_write(struct xs_store *s, uint32_t tx, const char *path, const char *val, unsigned int len);
int xs_store_mkdir(struct xs_store *s, uint32_t tx, const char *path);
int xs_store_rm(struct xs_store *s, uint32_t tx, const char *path);
int xs_store_directory(struct xs_store *s, uint32_t tx, const char *path, char ***names, unsigned int *num);
int xs_store_tx_start(struct xs_store *s, uint32_t *tx);
int xs_store_tx_end(struct xs_store *s, uint32_t tx, bool commit);
typedef void (*xs_store_listener_fn)(void *ctx, const char *path);
int xs_store_add_listener(struct xs_store *s, xs_store_listener_fn fn, void *ctx);
void xs_store_fail_next_commits(struct xs_store *s, unsigned int n);
void xs_store_walk(struct xs_store *s, void (*fn)(void *ctx, const char *path, const char *val, unsigned int len), void *ctx);
/* A path the store accepts: absolute, [A-Za-z0-9/_@-.], no "//", no trailing '/'. */
bool xs_store_valid_path(const char *path);

#endif
