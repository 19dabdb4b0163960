/* SPDX-License-Identifier: MIT */
/* A userspace reference for the example filters' parser (bpf/filters/
 * filter_common.h), written from its contract, byte by byte over a whole
 * frame: fuzz_filters runs both on every frame and stops at the first
 * verdict they do not share. */
#ifndef XENNET_REF_FILTER_H
#define XENNET_REF_FILTER_H
#include <stddef.h>
#include <stdint.h>

enum { REF_BAD = -1, REF_IP = 0, REF_NOT_IP = 1 };

struct ref_pkt {
	int v6;             /* IPv6 (else IPv4) */
	int l4proto;        /* 6 or 17 when the ports were read, else 0 */
	uint16_t sport, dport;
	uint8_t saddr[16];  /* IPv6, or ::ffff:a.b.c.d */
};

/* REF_IP, REF_NOT_IP or REF_BAD, as filter_common.h describes them. */
int ref_parse(const uint8_t *f, size_t len, struct ref_pkt *p);

#endif
