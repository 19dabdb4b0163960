/* SPDX-License-Identifier: MIT */
/* The XenStore wire protocol (<xen/io/xs_wire.h>) over unix socket
 * connections, served from an xs_store: what xenstored does for a guest's
 * libxenstore, enough of it for a netfront and the xenstore-* tools. */
#ifndef XENNET_XS_SERVER_H
#define XENNET_XS_SERVER_H
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "xs_store.h"

struct xs_server;
/* How the server reads, writes and closes its clients' descriptors: the
 * system calls (non-blocking sockets), unless a test or fuzz target gives
 * its own (read and write return -1 with errno EAGAIN when they would block). */
struct xs_server_io {
	ssize_t (*read)(void *ctx, int fd, void *buf, size_t len);
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	void (*close)(void *ctx, int fd);
	void *ctx;
};
/* Every client is taken to be domain client_domid: relative paths resolve
 * under /local/domain/<client_domid>, and its requests are held to
 * xenstored's quotas for that domain (xs_store.h; watches here, 128 for all
 * its connections together).  verbose: one stderr line per access. */
struct xs_server *xs_server_new(struct xs_store *st, uint16_t client_domid, bool verbose);
void xs_server_free(struct xs_server *srv);
/* Before the first connection. */
void xs_server_set_io(struct xs_server *srv, const struct xs_server_io *io);
/* Answer every write of a client (XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS,
 * XS_TRANSACTION_END) delay_ms late, as a loaded dom0's xenstored does: the
 * whole simulator waits meanwhile. */
void xs_server_set_write_delay(struct xs_server *srv, unsigned int delay_ms);
int xs_server_add_conn(struct xs_server *srv, int fd);
int xs_server_pollfds(struct xs_server *srv, struct pollfd *pfds, int max);
void xs_server_service(struct xs_server *srv, const struct pollfd *pfds, int n);
/* Watches every client holds now (at most XS_QUOTA_WATCHES: one domain). */
int xs_server_watches(const struct xs_server *srv);
/* The client domain is now domid (a simulated restore): relative paths,
 * and the relative watches already set, resolve under the new home; every
 * watch fires once, as when a resumed guest registers them again. */
void xs_server_move_domain(struct xs_server *srv, uint16_t domid);

#endif
