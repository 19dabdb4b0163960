/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* xennet_prefix — example filter: a list of SOURCE address prefixes, IPv4 and
 * IPv6, used either as a deny-list or as an allow-list.
 *
 *   mode 0 (deny-list, the default): drop IP packets whose source matches a
 *          prefix; pass the rest.
 *   mode 1 (allow-list): drop IP packets whose source matches no prefix of
 *          its family.  With an empty xennet_pfx_v6 every IPv6 packet is
 *          dropped: add ::/0 to let all IPv6 through (0.0.0.0/0 likewise).
 *   Any other mode value behaves as 0.
 * Non-IP frames (ARP, ...) always pass; IP frames the parser cannot judge
 * (see filter_common.h: cut short, IHL < 5, more than two VLAN tags, ...)
 * are dropped in both modes.
 * The longest matching prefix's hit counter is incremented (in both modes).
 *
 * Chain position: XDP_RUN_CONFIG priority 20, chain on XDP_PASS.
 *
 * Parsing (filter_common.h): Ethernet, up to two VLAN tags, IPv4 or IPv6,
 * read whole in multi-buffer frames (SEC("xdp.frags")); fragments are judged
 * by their source address like any other packet.
 *
 * Maps
 *   xennet_pfx_v4   BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, max_entries 1024
 *       key   struct xennet_pfx4_key { __u32 prefixlen;  0..32, HOST order
 *                                      __u8  addr[4]; }  network order (as written)
 *       value struct xennet_hits { __u64 hits; }
 *   xennet_pfx_v6   BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, max_entries 1024
 *       key   struct xennet_pfx6_key { __u32 prefixlen;  0..128, HOST order
 *                                      __u8  addr[16]; } network order
 *       value struct xennet_hits { __u64 hits; }
 *   xennet_pfx_cfg  BPF_MAP_TYPE_ARRAY, max_entries 1
 *       key   __u32 0
 *       value struct xennet_pfx_cfg { __u32 mode; }   0 deny-list, 1 allow-list
 *   xennet_pfx_st   BPF_MAP_TYPE_PERCPU_ARRAY, max_entries 1
 *       key   __u32 0
 *       value struct xennet_filter_stats { __u64 packets, passed, dropped; }
 *
 * Changing rules at run time (bpftool takes key and value bytes as they are in
 * memory: prefixlen, mode and hits are little-endian = host order on x86; the
 * address bytes are in network order, the way the address is written):
 *
 *   # 10.0.0.0/8
 *   bpftool map update name xennet_pfx_v4 key hex 08 00 00 00 0a 00 00 00 value hex 00 00 00 00 00 00 00 00
 *   # 192.168.1.0/24 (prefixlen 24 = 0x18)
 *   bpftool map update name xennet_pfx_v4 key hex 18 00 00 00 c0 a8 01 00 value hex 00 00 00 00 00 00 00 00
 *   # 203.0.113.7/32 (0x20)
 *   bpftool map update name xennet_pfx_v4 key hex 20 00 00 00 cb 00 71 07 value hex 00 00 00 00 00 00 00 00
 *   # 2001:db8:1:2::/64 (0x40)
 *   bpftool map update name xennet_pfx_v6 key hex 40 00 00 00 20 01 0d b8 00 01 00 02 00 00 00 00 00 00 00 00 value hex 00 00 00 00 00 00 00 00
 *   # ::/0 (every IPv6 source; useful in allow-list mode)
 *   bpftool map update name xennet_pfx_v6 key hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 value hex 00 00 00 00 00 00 00 00
 *   # remove 10.0.0.0/8
 *   bpftool map delete name xennet_pfx_v4 key hex 08 00 00 00 0a 00 00 00
 *   # allow-list mode (1); deny-list mode is value hex 00 00 00 00
 *   bpftool map update name xennet_pfx_cfg key hex 00 00 00 00 value hex 01 00 00 00
 *   # rules with hit counts; counters
 *   bpftool map dump name xennet_pfx_v4
 *   bpftool map dump name xennet_pfx_st
 *
 * The address bits beyond prefixlen are ignored by the trie.  Switching to
 * allow-list mode before the list is filled drops traffic meanwhile: fill the
 * tries first.
 *
 * If the filter is loaded more than once (several interfaces), `name` matches
 * several maps and bpftool refuses.  Attached with `xennet-xdp filter attach`,
 * the maps are pinned per interface, and the pin names one exactly:
 *   bpftool map dump pinned /sys/fs/bpf/xennet/xennet0/xennet_prefix/xennet_pfx_v4
 * (`map update pinned PATH key ... value ...` likewise); otherwise find the id
 * with `bpftool map show name xennet_pfx_v4` and use `id N`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "filter_common.h"

#define XENNET_PFX_DENY  0
#define XENNET_PFX_ALLOW 1

struct xennet_pfx4_key {
	__u32 prefixlen;   /* host order */
	__u8  addr[4];     /* network order */
};

struct xennet_pfx6_key {
	__u32 prefixlen;
	__u8  addr[16];
};

struct xennet_pfx_cfg {
	__u32 mode;        /* XENNET_PFX_DENY or XENNET_PFX_ALLOW */
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct xennet_pfx4_key);
	__type(value, struct xennet_hits);
} xennet_pfx_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct xennet_pfx6_key);
	__type(value, struct xennet_hits);
} xennet_pfx_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_pfx_cfg);
} xennet_pfx_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_filter_stats);
} xennet_pfx_st SEC(".maps");

struct {
	__uint(priority, 20);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xennet_prefix);

SEC("xdp.frags")
int xennet_prefix(struct xdp_md *ctx)
{
	struct xennet_pkt p;
	struct xennet_pfx_cfg *cfg;
	struct xennet_hits *h;
	__u32 zero = 0, mode;

	switch (xennet_parse(ctx, &p)) {
	case XENNET_BAD:
		return xennet_count(&xennet_pfx_st, XDP_DROP);
	case XENNET_NOT_IP:
		return xennet_count(&xennet_pfx_st, XDP_PASS);
	}

	cfg = bpf_map_lookup_elem(&xennet_pfx_cfg, &zero);
	mode = cfg ? cfg->mode : XENNET_PFX_DENY;

	if (p.l3 == ETH_P_IP) {
		struct xennet_pfx4_key k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, &p.saddr[12], 4);
		h = bpf_map_lookup_elem(&xennet_pfx_v4, &k4);
	} else {
		struct xennet_pfx6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, p.saddr, 16);
		h = bpf_map_lookup_elem(&xennet_pfx_v6, &k6);
	}
	if (h)
		__sync_fetch_and_add(&h->hits, 1);

	if (mode == XENNET_PFX_ALLOW)
		return xennet_count(&xennet_pfx_st, h ? XDP_PASS : XDP_DROP);
	return xennet_count(&xennet_pfx_st, h ? XDP_DROP : XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
