/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* xennet_ratelimit — example filter: a token bucket per SOURCE address.
 *
 * Each IPv4/IPv6 source gets a bucket of at most `burst` packets, refilled at
 * `rate_pps` packets per second; a packet takes one token, and is dropped when
 * its source's bucket holds less than one.  A source seen for the first time
 * starts with a full bucket.  rate_pps 0 (the default) disables the filter:
 * everything passes and no bucket is kept.  burst 0 is taken as 1.
 * Non-IP frames (ARP, ...) pass; while a rate is set, IP frames the parser
 * cannot judge (filter_common.h: cut short, IHL < 5, ...) are dropped.
 * Up to two VLAN tags; multi-buffer frames (SEC("xdp.frags")) count once.
 *
 * Tokens are kept in units of 1e-9 packet, so that a refill is exactly
 * elapsed_ns * rate_pps (from bpf_ktime_get_ns(), CLOCK_MONOTONIC), the bucket
 * holds at most burst * 1e9 and a packet costs 1e9.  burst is clamped to
 * 18446744073 so that burst * 1e9 fits in 64 bits.
 *
 * Races: buckets are shared by all CPUs and updated without a lock, so two
 * CPUs handling packets from the same source at the same moment can both read
 * the same bucket and one update can overwrite the other: a source spread over
 * several rx queues may get slightly more than its rate.  That is accepted;
 * one source's packets normally land on one queue (RSS hashes the flow).
 *
 * Chain position: XDP_RUN_CONFIG priority 30, chain on XDP_PASS.
 *
 * Maps
 *   xennet_rl_src   BPF_MAP_TYPE_LRU_HASH, max_entries 16384 (least recently
 *                   used sources are evicted, and start again with a full bucket)
 *       key   struct xennet_rl_key { __u8 addr[16]; }   IPv6 source, or IPv4
 *                                                       as ::ffff:a.b.c.d
 *       value struct xennet_rl_state { __u64 tokens;    packets * 1e9
 *                                      __u64 last_ns; } time of last refill
 *   xennet_rl_cfg   BPF_MAP_TYPE_ARRAY, max_entries 1
 *       key   __u32 0
 *       value struct xennet_rl_cfg { __u64 rate_pps;    0 = no limit
 *                                    __u64 burst; }     packets
 *   xennet_rl_st    BPF_MAP_TYPE_PERCPU_ARRAY, max_entries 1
 *       key   __u32 0
 *       value struct xennet_filter_stats { __u64 packets, passed, dropped; }
 *
 * Changing the limit at run time (bpftool takes key and value bytes as they
 * are in memory: the __u64 fields are little-endian = host order on x86):
 *
 *   # 1000 packets/s (0x3e8), bursts of 2000 (0x7d0)
 *   bpftool map update name xennet_rl_cfg key hex 00 00 00 00 value hex e8 03 00 00 00 00 00 00 d0 07 00 00 00 00 00 00
 *   # 100 packets/s (0x64), bursts of 10 (0x0a)
 *   bpftool map update name xennet_rl_cfg key hex 00 00 00 00 value hex 64 00 00 00 00 00 00 00 0a 00 00 00 00 00 00 00
 *   # no limit
 *   bpftool map update name xennet_rl_cfg key hex 00 00 00 00 value hex 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
 *   # forget the bucket of 192.168.1.2 (it starts again full)
 *   bpftool map delete name xennet_rl_src key hex 00 00 00 00 00 00 00 00 00 00 ff ff c0 a8 01 02
 *   # the sources being tracked; the counters
 *   bpftool map dump name xennet_rl_src
 *   bpftool map dump name xennet_rl_st
 *
 * Lowering burst takes effect on a source's next packet (its bucket is cut to
 * the new size).
 *
 * If the filter is loaded more than once (several interfaces), `name` matches
 * several maps and bpftool refuses.  Attached with `xennet-xdp filter attach`,
 * the maps are pinned per interface, and the pin names one exactly:
 *   bpftool map dump pinned /sys/fs/bpf/xennet/xennet0/xennet_ratelimit/xennet_rl_cfg
 * (`map update pinned PATH key ... value ...` likewise); otherwise find the id
 * with `bpftool map show name xennet_rl_cfg` and use `id N`. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "filter_common.h"

#define XENNET_RL_NS        1000000000ULL
#define XENNET_RL_MAX_BURST 18446744073ULL   /* floor((2^64 - 1) / 1e9) */

struct xennet_rl_key {
	__u8 addr[16];
};

struct xennet_rl_state {
	__u64 tokens;      /* packets * 1e9 */
	__u64 last_ns;     /* bpf_ktime_get_ns() of the last refill */
};

struct xennet_rl_cfg {
	__u64 rate_pps;    /* 0 = no limit */
	__u64 burst;       /* bucket size, packets */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xennet_rl_key);
	__type(value, struct xennet_rl_state);
} xennet_rl_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_rl_cfg);
} xennet_rl_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_filter_stats);
} xennet_rl_st SEC(".maps");

struct {
	__uint(priority, 30);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xennet_ratelimit);

SEC("xdp.frags")
int xennet_ratelimit(struct xdp_md *ctx)
{
	struct xennet_pkt p;
	struct xennet_rl_key k;
	struct xennet_rl_state *st;
	struct xennet_rl_cfg *cfg;
	__u64 rate, burst, cap, now, tokens, elapsed, room;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&xennet_rl_cfg, &zero);
	if (!cfg || cfg->rate_pps == 0)
		return xennet_count(&xennet_rl_st, XDP_PASS);
	switch (xennet_parse(ctx, &p)) {
	case XENNET_BAD:
		return xennet_count(&xennet_rl_st, XDP_DROP);
	case XENNET_NOT_IP:
		return xennet_count(&xennet_rl_st, XDP_PASS);
	}

	rate = cfg->rate_pps;
	burst = cfg->burst;
	if (burst == 0)
		burst = 1;
	if (burst > XENNET_RL_MAX_BURST)
		burst = XENNET_RL_MAX_BURST;
	cap = burst * XENNET_RL_NS;
	now = bpf_ktime_get_ns();
	__builtin_memcpy(k.addr, p.saddr, sizeof(k.addr));

	st = bpf_map_lookup_elem(&xennet_rl_src, &k);
	if (!st) {
		/* new source: a full bucket, less this packet */
		struct xennet_rl_state n = { .tokens = cap - XENNET_RL_NS, .last_ns = now };

		bpf_map_update_elem(&xennet_rl_src, &k, &n, BPF_NOEXIST);
		return xennet_count(&xennet_rl_st, XDP_PASS);
	}

	tokens = st->tokens;
	if (tokens > cap)
		tokens = cap;                   /* burst was lowered */
	elapsed = now > st->last_ns ? now - st->last_ns : 0;
	room = cap - tokens;
	/* elapsed * rate >= room, without overflowing the multiplication */
	if (elapsed > room / rate)
		tokens = cap;
	else
		tokens += elapsed * rate;       /* <= room: no overflow */
	st->last_ns = now;

	if (tokens < XENNET_RL_NS) {
		st->tokens = tokens;
		return xennet_count(&xennet_rl_st, XDP_DROP);
	}
	st->tokens = tokens - XENNET_RL_NS;
	return xennet_count(&xennet_rl_st, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
