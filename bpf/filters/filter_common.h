/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* Shared parsing and counting for the example filters in bpf/filters/.
 *
 * xennet_parse() reads, with bpf_xdp_load_bytes() (so that headers past the
 * first buffer of a multi-buffer frame are read too, never passed unjudged):
 * Ethernet; up to two VLAN tags (802.1Q 0x8100 or 802.1ad 0x88a8, in any
 * order); then IPv4 (IHL >= 5, total length inside the frame) or IPv6
 * (payload length inside the frame, or a jumbogram behind Hop-by-Hop),
 * walking up to XENNET_MAX_EXTHDR IPv6 extension headers (Hop-by-Hop,
 * Routing, Destination Options, Fragment, AH).  A first fragment is judged
 * by its ports as soon as it holds them (4 bytes of TCP or UDP).
 *
 * Its verdict, which every filter follows:
 *   XENNET_NOT_IP  no IPv4/IPv6 ethertype (ARP, ...), or shorter than an
 *                  Ethernet header: the filters pass it;
 *   XENNET_IP      an IP packet, source address filled in, and the ports
 *                  when it is TCP or UDP and holds them (l4proto != 0);
 *                  non-first fragments have none;
 *   XENNET_BAD     an ethertype that says IP (or a VLAN tag) over something
 *                  the filter cannot judge: headers cut short or running
 *                  past the IP length, IHL < 5, a wrong version, more than
 *                  two VLAN tags or XENNET_MAX_EXTHDR extension headers, a
 *                  TCP or UDP first fragment too short to hold its ports,
 *                  TCP at fragment offset 1 (RFC 1858: it can rewrite the
 *                  flags the first fragment showed).  The filters drop it
 *                  (the stack would drop all but the last two anyway). */
#ifndef XENNET_FILTER_COMMON_H
#define XENNET_FILTER_COMMON_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef IP_OFFSET
#define IP_OFFSET 0x1fff
#endif
#define XENNET_MAX_VLAN   2
#define XENNET_MAX_EXTHDR 8

enum {
	XENNET_BAD = -1,
	XENNET_IP = 0,
	XENNET_NOT_IP = 1,
};

/* Value of every filter's per-CPU statistics map (one entry, key 0). */
struct xennet_filter_stats {
	__u64 packets;  /* frames the filter saw */
	__u64 passed;   /* returned XDP_PASS (the next program in the chain runs) */
	__u64 dropped;  /* returned XDP_DROP (rules, and XENNET_BAD frames) */
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

static __always_inline int xennet_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

static __always_inline int xennet_is_exthdr(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH;
}

/* A non-first fragment (offset in 8-byte units) carries no ports; TCP at
 * offset 1 is refused (RFC 1858). */
static __always_inline int xennet_later_fragment(__u32 offset, __u8 l4)
{
	return offset == 1 && l4 == IPPROTO_TCP ? XENNET_BAD : XENNET_IP;
}

/* XENNET_IP, XENNET_NOT_IP or XENNET_BAD, as described above. */
static __always_inline int xennet_parse(struct xdp_md *ctx, struct xennet_pkt *p)
{
	__u32 len = (__u32)bpf_xdp_get_buff_len(ctx);
	__u32 off = sizeof(struct ethhdr), l4off, l4end;
	struct ethhdr eth;
	__be16 proto;
	__u8 l4;

	__builtin_memset(p, 0, sizeof(*p));
	if (bpf_xdp_load_bytes(ctx, 0, &eth, sizeof(eth)))
		return XENNET_NOT_IP;
	proto = eth.h_proto;
	for (int i = 0; i < XENNET_MAX_VLAN && xennet_is_vlan(proto); i++) {
		struct xennet_vlan_hdr vh;

		if (bpf_xdp_load_bytes(ctx, off, &vh, sizeof(vh)))
			return XENNET_BAD;
		proto = vh.proto;
		off += sizeof(vh);
	}
	if (xennet_is_vlan(proto))
		return XENNET_BAD;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		__u32 hl, tot, frag;

		if (bpf_xdp_load_bytes(ctx, off, &ip, sizeof(ip)))
			return XENNET_BAD;
		if (ip.version != 4 || ip.ihl < 5)
			return XENNET_BAD;
		hl = (__u32)ip.ihl * 4;
		tot = bpf_ntohs(ip.tot_len);
		if (tot < hl || tot > len - off)
			return XENNET_BAD;
		p->l3 = ETH_P_IP;
		p->saddr[10] = 0xff;
		p->saddr[11] = 0xff;
		__builtin_memcpy(&p->saddr[12], &ip.saddr, 4);
		l4 = ip.protocol;
		frag = bpf_ntohs(ip.frag_off) & IP_OFFSET;
		if (frag)
			return xennet_later_fragment(frag, l4);
		l4off = off + hl;
		l4end = off + tot;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u32 plen;

		if (bpf_xdp_load_bytes(ctx, off, &ip6, sizeof(ip6)))
			return XENNET_BAD;
		if (ip6.version != 6)
			return XENNET_BAD;
		p->l3 = ETH_P_IPV6;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		l4 = ip6.nexthdr;
		l4off = off + sizeof(ip6);
		plen = bpf_ntohs(ip6.payload_len);
		if (plen == 0 && l4 == IPPROTO_HOPOPTS) {
			l4end = len;            /* a jumbogram: the frame is the length */
		} else {
			if (plen > len - l4off)
				return XENNET_BAD;
			l4end = l4off + plen;
		}
		for (int i = 0; i < XENNET_MAX_EXTHDR && xennet_is_exthdr(l4); i++) {
			__u8 h[4];              /* next header, length, fragment offset */
			__u32 hlen;

			if (l4end - l4off < 8 || bpf_xdp_load_bytes(ctx, l4off, h, sizeof(h)))
				return XENNET_BAD;
			if (l4 == IPPROTO_FRAGMENT) {
				__u32 fo = ((__u32)h[2] << 8 | h[3]) >> 3;

				if (fo)
					return xennet_later_fragment(fo, h[0]);
				hlen = 8;
			} else if (l4 == IPPROTO_AH) {
				hlen = ((__u32)h[1] + 2) * 4;
			} else {
				hlen = ((__u32)h[1] + 1) * 8;
			}
			if (hlen > l4end - l4off)
				return XENNET_BAD;
			l4 = h[0];
			l4off += hlen;
		}
		if (xennet_is_exthdr(l4))
			return XENNET_BAD;      /* a longer chain than we walk */
	} else {
		return XENNET_NOT_IP;
	}

	if (l4 == IPPROTO_TCP || l4 == IPPROTO_UDP) {
		__be16 ports[2];

		if (l4end - l4off < sizeof(ports) || bpf_xdp_load_bytes(ctx, l4off, ports, sizeof(ports)))
			return XENNET_BAD;      /* too short to hold its ports */
		p->sport = bpf_ntohs(ports[0]);
		p->dport = bpf_ntohs(ports[1]);
		p->l4proto = l4;
	}
	return XENNET_IP;
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
