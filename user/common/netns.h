/* SPDX-License-Identifier: MIT */
/* Network namespaces by their `ip netns` name (/run/netns/NAME). */
#ifndef XENNET_NETNS_H
#define XENNET_NETNS_H

/* Run fn(arg) with the calling thread in the namespace netns (NULL: here),
 * then come back; fn's return value, or -errno. */
int netns_run(const char *netns, int (*fn)(void *), void *arg);
/* A usable `ip netns` name: 1..63 bytes, no '/', not "." or "..". */
int netns_valid_name(const char *s);

#endif
