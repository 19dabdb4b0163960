/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/netns.h"
#include "port/veth.h"

static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

struct link_op {
	const char *name;
	bool up;
	int ifindex;
};

static int set_up_here(void *arg)
{
	struct link_op *op = arg;
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = NULL, *change = NULL;
	int err;

	if (!sk)
		return -ENOMEM;
	err = rtnl_link_get_kernel(sk, 0, op->name, &link);
	if (err >= 0) {
		change = rtnl_link_alloc();
		if (op->up)
			rtnl_link_set_flags(change, IFF_UP);
		else
			rtnl_link_unset_flags(change, IFF_UP);
		err = rtnl_link_change(sk, link, change, 0);
	}
	err = err < 0 ? (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV ? -ENODEV : -EIO) : 0;
	if (change)
		rtnl_link_put(change);
	if (link)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

int veth_set_up(const char *name, bool up)
{
	struct link_op op = { .name = name, .up = up };

	return set_up_here(&op);
}

static int ifindex_here(void *arg)
{
	struct link_op *op = arg;
	unsigned int i = if_nametoindex(op->name);

	return i ? (int)i : -ENODEV;
}

int veth_ifindex(const char *name, const char *netns)
{
	struct link_op op = { .name = name };

	return netns_run(netns, ifindex_here, &op);
}

/* The guest-facing end: no TX checksum offload (a frame the XDP program
 * redirects from a CHECKSUM_PARTIAL skb would reach the backend with its
 * L4 checksum unfinished), then up. */
static int guest_end_setup(void *arg)
{
	struct link_op *op = arg;
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", op->name);
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0)
		err = -errno;
	close(s);
	return err ?: set_up_here(op);
}

struct chan_op {
	const char *name;
	unsigned int n;
};

static int set_queues_here(void *arg)
{
	struct chan_op *op = arg;
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { .ifr_data = (void *)&ch };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", op->name);
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0) {
		err = -errno;
	} else if (ch.tx_count != op->n) {
		ch.cmd = ETHTOOL_SCHANNELS;
		ch.tx_count = op->n;
		if (ioctl(s, SIOCETHTOOL, &ifr) < 0)
			err = -errno;
	}
	close(s);
	return err;
}

int veth_set_queues(const char *ifname, const char *netns, unsigned int n)
{
	struct chan_op op = { .name = ifname, .n = n };

	return netns_run(netns, set_queues_here, &op);
}

static void write_sysctl(const char *fmt, const char *name, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), fmt, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0) {
			/* best effort: without IPv6 there is nothing to turn off */
		}
		close(fd);
	}
}

int veth_create(const char *ifname, const char *peer, const uint8_t mac[6], unsigned int mtu,
		const char *netns, unsigned int nqueues)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link, *pl;
	struct nl_addr *addr;
	struct link_op op = { .name = ifname, .up = true };
	int nsfd = -1, err;

	if (!sk)
		return -ENOMEM;
	link = rtnl_link_veth_alloc();
	if (!link) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	pl = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, ifname);
	rtnl_link_set_name(pl, peer);
	rtnl_link_set_mtu(link, mtu);
	rtnl_link_set_mtu(pl, mtu);
	rtnl_link_set_num_tx_queues(link, nqueues);
	rtnl_link_set_num_rx_queues(link, nqueues);
	rtnl_link_set_num_tx_queues(pl, nqueues);
	rtnl_link_set_num_rx_queues(pl, nqueues);
	addr = nl_addr_build(AF_LLC, mac, 6);
	rtnl_link_set_addr(link, addr);
	if (netns) {
		char path[128];

		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			err = -errno;
			goto out;
		}
		rtnl_link_set_ns_fd(link, nsfd);
	}
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	if (err < 0) {
		err = err == -NLE_EXIST ? -EEXIST : err == -NLE_INVAL ? -EINVAL : -EIO;
		goto out;
	}
	/* the peer carries no stack traffic of its own */
	write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", peer, "1");
	err = netns_run(netns, guest_end_setup, &op);
	if (err < 0)
		veth_delete(peer);
out:
	if (nsfd >= 0)
		close(nsfd);
	nl_addr_put(addr);
	rtnl_link_put(pl);
	rtnl_link_veth_release(link);
	nl_socket_free(sk);
	return err;
}

int veth_delete(const char *peer)
{
	struct nl_sock *sk = nl_open();
	struct rtnl_link *link = rtnl_link_alloc();
	int err;

	if (!sk || !link) {
		if (sk)
			nl_socket_free(sk);
		if (link)
			rtnl_link_put(link);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, peer);
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err < 0 ? -ENODEV : 0;
}
