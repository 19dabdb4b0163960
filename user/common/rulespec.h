/* SPDX-License-Identifier: MIT */
/* Filter rules as users write them on the command line: "53/udp",
 * "10.0.0.0/8", "2001:db8::/32", "1000/s".  Strict: anything else is
 * refused with a one-line reason.  No BPF here: the maps' layouts are in
 * state/filter_maps. */
#ifndef XENNET_RULESPEC_H
#define XENNET_RULESPEC_H
#include <stddef.h>
#include <stdint.h>

#define RULE_TCP 6           /* IPPROTO_TCP */
#define RULE_UDP 17          /* IPPROTO_UDP */

/* A destination port and the protocols it is meant for. */
struct port_spec {
	uint16_t port;
	uint8_t nproto;      /* 1, or 2 for a bare "53" (TCP and UDP) */
	uint8_t proto[2];    /* RULE_TCP / RULE_UDP */
};

/* A source prefix: the address with every bit beyond len zero. */
struct prefix_spec {
	int family;          /* AF_INET or AF_INET6 */
	unsigned int len;    /* 0..32 or 0..128 */
	uint8_t addr[16];    /* network order; 4 bytes used for AF_INET */
};

/* Highest rate and burst `ratelimit set` takes: the filter's token math
 * holds burst * 1e9 in 64 bits (bpf/filters/xennet_ratelimit.bpf.c). */
#define RULE_RATE_MAX  1000000000UL
#define RULE_BURST_MAX 18446744073UL

/* "PORT/tcp", "PORT/udp" or "PORT" (both), PORT 0..65535.  0, or -1 with
 * the reason in why. */
int rulespec_port(const char *s, struct port_spec *out, char *why, size_t whylen);
/* "tcp"/"udp" for RULE_TCP/RULE_UDP, "?" otherwise. */
const char *rulespec_proto_name(uint8_t proto);
/* "A.B.C.D[/LEN]" or "IPV6[/LEN]" (no LEN: one address).  Bits beyond LEN
 * must be zero; IPv4-mapped IPv6 prefixes are refused (IPv4 packets are
 * matched against IPv4 prefixes). */
int rulespec_prefix(const char *s, struct prefix_spec *out, char *why, size_t whylen);
/* The canonical text: "10.0.0.0/8", "2001:db8::/32". */
void rulespec_prefix_format(const struct prefix_spec *p, char *buf, size_t len);
/* "N/s" or "N": packets per second, 1..RULE_RATE_MAX. */
int rulespec_rate(const char *s, uint64_t *pps, char *why, size_t whylen);
/* A burst in packets, 1..RULE_BURST_MAX. */
int rulespec_burst(const char *s, uint64_t *burst, char *why, size_t whylen);

#endif
