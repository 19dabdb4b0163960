/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* The built-in program, attached (through libxdp's dispatcher) to the veth
 * peer of the guest-facing interface: every frame the guest's stack sends
 * goes to the XSK of its rx queue, where xennet-xdp takes it to the Xen TX
 * ring.  Frames with no XSK to go to are dropped (the peer has no stack
 * role) and counted. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>
#include "xennet_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XENNET_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xennet_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xennet_xdp_stats);
} xennet_stats SEC(".maps");

/* first in the dispatcher; a redirected frame ends the chain anyway */
struct {
	__uint(priority, 1);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(xennet_redirect);

/* frags-aware: a jumbo frame arrives as several buffers and goes to the
 * XSK whole (XDP_USE_SG); nothing here reads past the first */
SEC("xdp.frags")
int xennet_redirect(struct xdp_md *ctx)
{
	__u32 key = 0;
	struct xennet_xdp_stats *s = bpf_map_lookup_elem(&xennet_stats, &key);
	long act = bpf_redirect_map(&xennet_xsks, ctx->rx_queue_index, XDP_DROP);

	if (s) {
		s->packets++;
		s->bytes += bpf_xdp_get_buff_len(ctx);
		if (act == XDP_REDIRECT)
			s->redirected++;
		else
			s->dropped++;
	}
	return (int)act;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
