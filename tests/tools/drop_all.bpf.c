/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/* drop_all: the deny-everything user filter of `make bench`'s filtered-drop
 * row, attached to the guest's interface with `xennet-xdp filter attach`,
 * and the XDP_DROP program of that row's raw baseline (a plain veth). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xennet_drop_all(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
