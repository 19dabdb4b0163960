/* SPDX-License-Identifier: MIT */
/* The XenStore wire protocol (<xen/io/xs_wire.h>) over unix socket
 * connections, served from an xs_store: what xenstored does for a guest's
 * libxenstore, enough of it for a netfront and the xenstore-* tools. */
#ifndef XENNET_XS_SERVER_H
#define XENNET_XS_SERVER_H
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include "xs_store.h"

struct xs_server;
/* Every client is taken to be domain client_domid: relative paths resolve
 * under /local/domain/<client_domid>.  verbose: one stderr line per access. */
struct xs_server *xs_server_new(struct xs_store *st, uint16_t client_domid, bool verbose);
void xs_server_free(struct xs_server *srv);
int xs_server_add_conn(struct xs_server *srv, int fd);
int xs_server_pollfds(struct xs_server *srv, struct pollfd *pfds, int max);
void xs_server_service(struct xs_server *srv, const struct pollfd *pfds, int n);
/* The client domain is now domid (a simulated restore): relative paths,
 * and the relative watches already set, resolve under the new home; every
 * watch fires once, as when a resumed guest registers them again. */
void xs_server_move_domain(struct xs_server *srv, uint16_t domid);

#endif
