/* SPDX-License-Identifier: MIT */
/* The load generator's frame, shared by xennet-simback (--gen-size,
 * --gen-dst) and the benchmark's baselines (tests/tools/tapbench), so
 * that every path in `make bench` carries the same bytes. */
#ifndef XENNET_GEN_FRAME_H
#define XENNET_GEN_FRAME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the frames go: by default (set false) another host's MAC, so
 * that the guest's stack drops them at the MAC; set, a host and UDP port
 * of the guest's, so that they reach a socket. */
struct gen_dst {
	bool set;
	uint8_t mac[6];
	uint8_t ip[4];
	uint16_t port;
};

/* "MAC,IPV4,PORT" (a unicast MAC, a dotted IPv4 address, 1..65535).
 * 0, or -1 with *d untouched. */
int gen_dst_parse(const char *s, struct gen_dst *d);

/* Into f: an IPv4 UDP frame of len bytes (60..cap, the IP datagram at
 * most 65535) from 02:00:00:00:00:01 198.18.0.1:9 to dst (NULL or unset:
 * to 02:00:00:00:00:99 198.18.0.2:9), zero payload, UDP checksum 0 (none).
 * 0, or -1 if len is out of range. */
int gen_frame_build(uint8_t *f, size_t cap, unsigned int len, const struct gen_dst *dst);

#endif
