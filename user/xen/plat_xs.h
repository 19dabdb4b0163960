/* SPDX-License-Identifier: MIT */
/* The XenStore half of the seam, shared by plat_xen and plat_sim: both speak
 * to a xenstored through the real libxenstore (plat_sim points it at
 * xennet-simback's socket). */
#ifndef XENNET_PLAT_XS_H
#define XENNET_PLAT_XS_H
#include "xen/plat.h"

struct plat_xs {
	struct plat base;          /* first: a struct plat * is a struct plat_xs * */
	struct xs_handle *xs;
};

char *plat_xs_read(struct plat *p, xs_transaction_t t, const char *path, unsigned int *len);
bool plat_xs_write(struct plat *p, xs_transaction_t t, const char *path, const void *data, unsigned int len);
bool plat_xs_mkdir(struct plat *p, xs_transaction_t t, const char *path);
bool plat_xs_rm(struct plat *p, xs_transaction_t t, const char *path);
char **plat_xs_directory(struct plat *p, xs_transaction_t t, const char *path, unsigned int *num);
bool plat_xs_watch(struct plat *p, const char *path, const char *token);
bool plat_xs_unwatch(struct plat *p, const char *path, const char *token);
int plat_xs_fd(struct plat *p);
char **plat_xs_read_watch(struct plat *p, unsigned int *num);
xs_transaction_t plat_xs_transaction_start(struct plat *p);
bool plat_xs_transaction_end(struct plat *p, xs_transaction_t t, bool abort);

#define PLAT_XS_OPS                                        \
	.xs_read = plat_xs_read,                           \
	.xs_write = plat_xs_write,                         \
	.xs_mkdir = plat_xs_mkdir,                         \
	.xs_rm = plat_xs_rm,                               \
	.xs_directory = plat_xs_directory,                 \
	.xs_watch = plat_xs_watch,                         \
	.xs_unwatch = plat_xs_unwatch,                     \
	.xs_fd = plat_xs_fd,                               \
	.xs_read_watch = plat_xs_read_watch,               \
	.xs_transaction_start = plat_xs_transaction_start, \
	.xs_transaction_end = plat_xs_transaction_end

#endif
