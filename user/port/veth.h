/* SPDX-License-Identifier: MIT */
/* The veth pair behind the guest-facing interface, through libnl-route-3. */
#ifndef XENNET_VETH_H
#define XENNET_VETH_H
#include <stdbool.h>
#include <stdint.h>

/* Create ifname (MAC mac, in netns if not NULL, admin up, TX checksum
 * offload off) and its peer here (admin down, no IPv6), each with nqueues
 * TX and RX queues.  0 or -errno. */
int veth_create(const char *ifname, const char *peer, const uint8_t mac[6], unsigned int mtu,
		const char *netns, unsigned int nqueues);
/* Delete the pair by the peer's name (here); -ENODEV if absent. */
int veth_delete(const char *peer);
/* Admin state of a link here. */
int veth_set_up(const char *name, bool up);
/* Let the guest end of the pair (in netns if not NULL) send on its first
 * n queues only (ETHTOOL_SCHANNELS).  0 or -errno. */
int veth_set_queues(const char *ifname, const char *netns, unsigned int n);
/* ifindex of name, in netns if not NULL; -errno if absent. */
int veth_ifindex(const char *name, const char *netns);

#endif
