/* SPDX-License-Identifier: MIT */
/* Map value layouts shared by bpf/ and user/.  Plain __u64 fields with BTF,
 * so `bpftool map dump` prints their names. */
#ifndef XENNET_BPF_H
#define XENNET_BPF_H
#include <linux/types.h>

/* xennet_stats: per-CPU counters of the built-in program, one entry. */
struct xennet_xdp_stats {
	__u64 packets;      /* frames seen on the peer (guest -> backend) */
	__u64 bytes;
	__u64 redirected;   /* into the XSK of their rx queue */
	__u64 dropped;      /* no XSK bound for their queue */
};

#define XENNET_MAX_QUEUES 64

#endif
