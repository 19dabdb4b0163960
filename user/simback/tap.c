/* SPDX-License-Identifier: MIT */
/* The host side of the simulated vif: a multi-queue TAP whose frames carry
 * a virtio_net_hdr, so that partial checksums and GSO cross it both ways,
 * as they cross netback's vif device in a real host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "simback.h"

static int tap_open_queue(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), le = 1,
	    hdr = (int)sizeof(struct virtio_net_hdr);

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0 ||
	    ioctl(fd, TUNSETVNETLE, &le) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int tap_open(struct sim_tap *t, const char *name, unsigned int mtu, unsigned int nqueues)
{
	struct ifreq ifr = { 0 };
	int e;

	memset(t, 0, sizeof(*t));
	for (unsigned int q = 0; q < SIM_MAX_QUEUES; q++)
		t->fd[q] = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->sock < 0)
		return -1;
	t->open = true;
	for (unsigned int q = 0; q < nqueues && q < SIM_MAX_QUEUES; q++) {
		t->fd[q] = tap_open_queue(name);
		if (t->fd[q] < 0)
			goto fail;
		t->nqueues = q + 1;
		t->attached[q] = true;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (tap_set_mtu(t, mtu) < 0 || ioctl(t->sock, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(t->sock, SIOCSIFFLAGS, &ifr) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	tap_close(t);
	errno = e;
	return -1;
}

void tap_close(struct sim_tap *t)
{
	if (!t->open)
		return;
	for (unsigned int q = 0; q < SIM_MAX_QUEUES; q++)
		if (t->fd[q] >= 0)
			close(t->fd[q]);
	close(t->sock);
	memset(t, 0, sizeof(*t));
}

int tap_set_mtu(struct sim_tap *t, unsigned int mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	if (ioctl(t->sock, SIOCSIFMTU, &ifr) < 0)
		return -1;
	t->mtu = mtu;
	return 0;
}

/* What the host may hand us: netback's vif features (xenvif_fix_features)
 * as the TAP knows them. */
int tap_set_offload(struct sim_tap *t, bool csum, bool tso4, bool tso6)
{
	unsigned int f = (csum ? TUN_F_CSUM : 0) | (csum && tso4 ? TUN_F_TSO4 : 0) |
			 (csum && tso6 ? TUN_F_TSO6 : 0);

	return t->nqueues && ioctl(t->fd[0], TUNSETOFFLOAD, f) < 0 ? -1 : 0;
}

/* The first n queues take frames from the host (its flow hash picks one),
 * the others none: netif_set_real_num_tx_queues() for the TAP. */
int tap_use_queues(struct sim_tap *t, unsigned int n)
{
	int err = 0;

	for (unsigned int q = 0; q < t->nqueues; q++) {
		bool want = q < n || q == 0;
		struct ifreq ifr = { .ifr_flags = want ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE };

		if (want == t->attached[q])
			continue;
		if (ioctl(t->fd[q], TUNSETQUEUE, &ifr) < 0)
			err = -1;
		else
			t->attached[q] = want;
	}
	return err;
}
