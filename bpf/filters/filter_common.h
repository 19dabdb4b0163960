/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Shared parsing and counting for the example filters in bpf/filters/.
 *
 * xennet_parse() reads Ethernet, at most one VLAN tag (802.1Q 0x8100 or
 * 802.1ad 0x88a8; a second tag makes the frame "not IP"), then IPv4 (header
 * length from IHL; no L4 for non-first fragments) or IPv6 (L4 only when the
 * fixed header's next header is TCP or UDP directly; no extension header
 * walking).  Every packet access is bounds-checked against data_end. */
#ifndef XENNET_FILTER_COMMON_H
#define XENNET_FILTER_COMMON_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef IP_MF
#define IP_MF     0x2000
#endif
#ifndef IP_OFFSET
#define IP_OFFSET 0x1fff
#endif

/* Value of every filter's per-CPU statistics map (one entry, key 0). */
struct xennet_filter_stats {
	__u64 packets;  /* frames the filter saw */
	__u64 passed;   /* returned XDP_PASS (the next program in the chain runs) */
	__u64 dropped;  /* returned XDP_DROP */
};

/* Value of the rule maps: how many packets matched the rule. */
struct xennet_hits {
	__u64 hits;
};

struct xennet_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* What xennet_parse() found. */
struct xennet_pkt {
	__u16 l3;          /* ETH_P_IP or ETH_P_IPV6 (host order) */
	__u8  l4proto;     /* IPPROTO_TCP / IPPROTO_UDP when ports are valid, else 0 */
	__u8  pad;
	__u16 sport;       /* host order, valid when l4proto != 0 */
	__u16 dport;
	__u8  saddr[16];   /* IPv6 source, or IPv4 as ::ffff:a.b.c.d */
};

/* 0: an IPv4 or IPv6 packet whose L3 header is complete (L4 fields filled in
 * if present and complete); -1: not IP, or truncated/malformed L3. */
static __always_inline int xennet_parse(struct xdp_md *ctx, struct xennet_pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cur;
	__u16 proto;
	__u8 l4;

	__builtin_memset(p, 0, sizeof(*p));
	if ((void *)(eth + 1) > end)
		return -1;
	proto = eth->h_proto;
	cur = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct xennet_vlan_hdr *vh = cur;

		if ((void *)(vh + 1) > end)
			return -1;
		proto = vh->proto;
		cur = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cur;
		__u32 hl;

		if ((void *)(ip + 1) > end)
			return -1;
		if (ip->version != 4 || ip->ihl < 5)
			return -1;
		hl = (__u32)ip->ihl * 4;
		if (cur + hl > end)
			return -1;
		p->l3 = ETH_P_IP;
		p->saddr[10] = 0xff;
		p->saddr[11] = 0xff;
		__builtin_memcpy(&p->saddr[12], &ip->saddr, 4);
		if (ip->frag_off & bpf_htons(IP_OFFSET))
			return 0;       /* non-first fragment: no L4 header here */
		l4 = ip->protocol;
		cur += hl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cur;

		if ((void *)(ip6 + 1) > end)
			return -1;
		if (ip6->version != 6)
			return -1;
		p->l3 = ETH_P_IPV6;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		l4 = ip6->nexthdr;
		cur = ip6 + 1;
	} else {
		return -1;
	}

	if (l4 == IPPROTO_TCP) {
		struct tcphdr *th = cur;

		if ((void *)(th + 1) > end)
			return 0;
		p->sport = bpf_ntohs(th->source);
		p->dport = bpf_ntohs(th->dest);
		p->l4proto = IPPROTO_TCP;
	} else if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = cur;

		if ((void *)(uh + 1) > end)
			return 0;
		p->sport = bpf_ntohs(uh->source);
		p->dport = bpf_ntohs(uh->dest);
		p->l4proto = IPPROTO_UDP;
	}
	return 0;
}

/* Count one frame and the action taken in a stats map (per-CPU array, one
 * entry); returns act. */
static __always_inline int xennet_count(void *stats_map, int act)
{
	__u32 key = 0;
	struct xennet_filter_stats *s = bpf_map_lookup_elem(stats_map, &key);

	if (s) {
		s->packets++;
		if (act == XDP_DROP)
			s->dropped++;
		else
			s->passed++;
	}
	return act;
}

#endif
