/* SPDX-License-Identifier: MIT */
/*
 * Ethernet frames as the datapath needs to see them: where the TCP or UDP
 * header is (through a VLAN tag and IPv6 extension headers), Internet
 * checksums (RFC 1071) and their pseudo-headers, and TCP segmentation of a
 * GSO packet into MSS-sized frames.  No Xen, no BPF: bytes in, bytes out;
 * every length is checked against the frame's.
 */
#ifndef XENNET_PKT_H
#define XENNET_PKT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt_l4 {
	uint16_t l3_off;      /* the IP header */
	uint16_t l4_off;      /* the TCP/UDP header (csum_start) */
	uint16_t csum_off;    /* the checksum field, from l4_off: 16 (TCP) or 6 (UDP) */
	uint16_t l4_hlen;     /* TCP: its header with options; UDP: 8 */
	uint8_t proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	bool v6;
	uint32_t l4_len;      /* from l4_off to the end of the IP payload */
};

/* Find the TCP or UDP header of frame[0..len): Ethernet, at most two VLAN
 * tags, IPv4 (not a fragment, IHL >= 5) or IPv6 (Hop-by-Hop, Routing and
 * Destination Options headers skipped; a Fragment header ends it).  The IP
 * lengths must fit the frame (trailing padding is allowed).  0 or -1. */
int pkt_find_l4(const uint8_t *frame, uint32_t len, struct pkt_l4 *out);
/* The same when only the first avail bytes of a total-byte frame are at
 * hand (the rest in other buffers): the headers must be in those bytes. */
int pkt_find_l4_hdr(const uint8_t *frame, uint32_t avail, uint32_t total, struct pkt_l4 *out);

/* The ones'-complement sum of buf (RFC 1071), added to sum, not folded. */
uint32_t csum_add(const uint8_t *buf, size_t len, uint32_t sum);
/* Folded to 16 bits. */
uint16_t csum_fold(uint32_t sum);
/* The pseudo-header sum (not inverted, folded) for the L4 segment of
 * frame described by l4: what CHECKSUM_PARTIAL leaves in the checksum
 * field. */
uint16_t pkt_l4_pseudo(const uint8_t *frame, const struct pkt_l4 *l4);
/* Complete the checksum of a frame whose checksum field holds the
 * pseudo-header sum (NETRXF_csum_blank, CHECKSUM_PARTIAL), in place. */
void pkt_l4_complete(uint8_t *frame, const struct pkt_l4 *l4);
/* Is the checksum of the L4 segment correct (field included)? */
bool pkt_l4_csum_ok(const uint8_t *frame, const struct pkt_l4 *l4);

/* TCP segmentation.  pkt is a GSO frame (headers + payload, contiguous)
 * whose TCP header starts at l4->l4_off; mss is the payload per segment.
 * For segment k, pkt_tcp_segment writes its frame (headers then up to mss
 * bytes of payload) to out (room for out_room bytes) and returns its
 * length, or 0 past the last segment, or -1 if the packet cannot be cut
 * (out too small).  The IPv4 total length, id (+k) and header checksum, the
 * IPv6 payload length, the sequence number and flags (FIN, PSH on the last
 * segment only; CWR on the first only) are set; the TCP checksum field is
 * left holding the pseudo-header sum (partial) if partial, else complete. */
int pkt_tcp_segment(const uint8_t *pkt, uint32_t len, const struct pkt_l4 *l4, uint16_t mss,
		    unsigned int k, uint8_t *out, uint32_t out_room, bool partial);
/* How many segments pkt_tcp_segment makes of len bytes. */
unsigned int pkt_tcp_segments(uint32_t len, const struct pkt_l4 *l4, uint16_t mss);

#endif
