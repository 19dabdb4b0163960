/* SPDX-License-Identifier: MIT */
/* What the simulated netback needs to know of a frame's headers: where the
 * TCP/UDP header and its checksum field are (the setup Linux does for a
 * partial checksum, skb_checksum_setup), Internet checksums, and a
 * virtio_net_hdr for the host's TAP.  No Xen, no I/O. */
#ifndef XENNET_SIMBACK_PKT_H
#define XENNET_SIMBACK_PKT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_HLEN 14

/* Where an untagged Ethernet frame's L4 header is, when it is TCP or UDP
 * over IPv4 or IPv6, not a fragment, and its headers are whole. */
struct pkt_l4 {
	bool ipv6;
	uint8_t proto;            /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t l4_off;          /* from the start of the frame */
	uint16_t csum_off;        /* the checksum field, from the start of the frame */
	uint16_t hdr_len;         /* through the L4 header (TCP: its data offset) */
	uint32_t l4_len;          /* L4 header and payload, as the IP header says */
};

/* 0, or -1 if the frame is not one whose checksum can be set up (what
 * netback drops when it comes with a blank checksum). */
int pkt_parse_l4(const uint8_t *f, size_t len, struct pkt_l4 *l);
/* The one's complement sum of p[0..len) added to sum (even start assumed). */
uint64_t pkt_csum_add(uint64_t sum, const uint8_t *p, size_t len);
/* Folded to 16 bits, not complemented. */
uint16_t pkt_csum_fold(uint64_t sum);
/* The pseudo-header's sum for this frame's L4 length. */
uint64_t pkt_pseudo_sum(const uint8_t *f, const struct pkt_l4 *l);
/* Write the pseudo-header sum into the checksum field: what a stack leaves
 * there for a partial checksum (netback's "recalculate"). */
void pkt_set_partial(uint8_t *f, const struct pkt_l4 *l);
/* Complete a partial checksum (the field holds the seed): sum from start to
 * end, store the complement at field (0 becomes 0xffff, as Linux does). */
void pkt_csum_complete(uint8_t *f, size_t end, size_t start, size_t field);
/* The frame's checksum verifies (TCP/UDP over IPv4/IPv6; a UDP/IPv4 zero
 * checksum counts as none, hence valid). */
bool pkt_csum_ok(const uint8_t *f, size_t len);

#endif
