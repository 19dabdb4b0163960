/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* xennet_port_deny — example filter: drop TCP and UDP packets whose
 * DESTINATION port is on a deny list; pass everything else.
 *
 * Chain position: XDP_RUN_CONFIG priority 10, chain on XDP_PASS (runs before
 * xennet_prefix (20) and xennet_ratelimit (30) in libxdp's dispatcher).
 *
 * Parsing (filter_common.h): Ethernet, up to two VLAN tags, IPv4 or IPv6
 * with its extension headers; a first fragment is judged by its ports, later
 * fragments carry none and pass (the first one was judged).  Non-IP frames
 * pass; IP frames the parser cannot judge (cut short, IHL < 5, a first
 * fragment too short to hold its ports, TCP at fragment offset 1, more than
 * two VLAN tags or eight extension headers) are dropped.  Frames larger than
 * one buffer (multi-buffer XDP, SEC("xdp.frags")) are read whole.
 *
 * Maps
 *   xennet_denyport  BPF_MAP_TYPE_HASH, max_entries 1024  (the name is 15
 *                    characters: the kernel keeps at most 15)
 *       key   struct xennet_port_key { __u16 port;   destination port, HOST order
 *                                      __u8  proto;  6 = IPPROTO_TCP, 17 = IPPROTO_UDP
 *                                      __u8  pad; }  must be 0
 *       value struct xennet_hits { __u64 hits; }     packets dropped by this rule
 *                                                    (incremented atomically)
 *   xennet_port_st   BPF_MAP_TYPE_PERCPU_ARRAY, max_entries 1
 *       key   __u32 0
 *       value struct xennet_filter_stats { __u64 packets, passed, dropped; }
 *
 * Changing rules at run time (bpftool takes the bytes of the key and value as
 * they are in memory: the __u16 port and the __u64 counter are little-endian,
 * i.e. host byte order on x86):
 *
 *   # deny UDP port 53 (0x0035 -> bytes 35 00; proto 17 = 0x11)
 *   bpftool map update name xennet_denyport key hex 35 00 11 00 value hex 00 00 00 00 00 00 00 00
 *   # deny TCP port 23 (0x0017 -> 17 00; proto 6)
 *   bpftool map update name xennet_denyport key hex 17 00 06 00 value hex 00 00 00 00 00 00 00 00
 *   # deny TCP port 3389 (0x0d3d -> 3d 0d)
 *   bpftool map update name xennet_denyport key hex 3d 0d 06 00 value hex 00 00 00 00 00 00 00 00
 *   # allow UDP 53 again
 *   bpftool map delete name xennet_denyport key hex 35 00 11 00
 *   # list the rules with their hit counts; the counters
 *   bpftool map dump name xennet_denyport
 *   bpftool map dump name xennet_port_st
 *
 * Updating an existing rule with a zero value resets its hit count.
 *
 * If the filter is loaded more than once (several interfaces), `name` matches
 * several maps and bpftool refuses.  Attached with `xennet-xdp filter attach`,
 * the maps are pinned per interface, and the pin names one exactly:
 *   bpftool map dump pinned /sys/fs/bpf/xennet/xennet0/xennet_port_deny/xennet_denyport
 * (`map update pinned PATH key ... value ...` likewise); otherwise find the id
 * with `bpftool map show name xennet_denyport` and use `id N`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "filter_common.h"

struct xennet_port_key {
	__u16 port;     /* destination port, host byte order */
	__u8  proto;    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8  pad;      /* 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct xennet_port_key);
	__type(value, struct xennet_hits);
} xennet_denyport SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_filter_stats);
} xennet_port_st SEC(".maps");

struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xennet_port_deny);

SEC("xdp.frags")
int xennet_port_deny(struct xdp_md *ctx)
{
	struct xennet_pkt p;
	struct xennet_port_key k;
	struct xennet_hits *h;

	switch (xennet_parse(ctx, &p)) {
	case XENNET_BAD:
		return xennet_count(&xennet_port_st, XDP_DROP);
	case XENNET_NOT_IP:
		return xennet_count(&xennet_port_st, XDP_PASS);
	}
	if (p.l4proto == 0)             /* not TCP/UDP, or a later fragment */
		return xennet_count(&xennet_port_st, XDP_PASS);

	k.port = p.dport;
	k.proto = p.l4proto;
	k.pad = 0;
	h = bpf_map_lookup_elem(&xennet_denyport, &k);
	if (!h)
		return xennet_count(&xennet_port_st, XDP_PASS);
	__sync_fetch_and_add(&h->hits, 1);
	return xennet_count(&xennet_port_st, XDP_DROP);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
