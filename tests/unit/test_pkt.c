/* SPDX-License-Identifier: MIT */
/* common/pkt.c: finding TCP/UDP, Internet checksums, and cutting a GSO
 * packet into segments, each checked against an independent reference:
 * a plain 16-bit ones'-complement sum written out here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "common/pkt.h"

/* The reference: RFC 1071 the slow way. */
static uint16_t ref_sum(const uint8_t *b, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Does the L4 checksum of an IPv4 or IPv6 TCP/UDP frame verify? */
static int ref_l4_ok(const uint8_t *f, uint32_t l3, uint32_t l4, uint32_t l4len, uint8_t proto, int v6)
{
	uint32_t s = 0;

	if (v6)
		s = ref_sum(f + l3 + 8, 32, 0);
	else
		s = ref_sum(f + l3 + 12, 8, 0);
	s += l4len + proto;
	return ref_sum(f + l4, l4len, s) == 0xffff;
}

static void put16(uint8_t *p, unsigned int v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* An Ethernet + IPv4/IPv6 + TCP frame with payload bytes (i * 13), TCP
 * options of optlen bytes, the checksum field holding junk. */
static uint32_t mk_tcp(uint8_t *f, int v6, int vlan, uint32_t payload, unsigned int optlen, uint8_t flags)
{
	uint32_t off = 12, l3, l4, tcplen = 20 + optlen + payload;

	memset(f, 0, 14 + 4 + 40 + tcplen);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	if (vlan) {
		put16(f + off, 0x8100);
		put16(f + off + 2, 7);
		off += 4;
	}
	put16(f + off, v6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	if (v6) {
		f[l3] = 0x60;
		put16(f + l3 + 4, tcplen);
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		f[l3 + 8] = 0xfd;
		f[l3 + 23] = 1;
		f[l3 + 24] = 0xfd;
		f[l3 + 39] = 2;
		l4 = l3 + 40;
	} else {
		f[l3] = 0x45;
		put16(f + l3 + 2, 20 + tcplen);
		put16(f + l3 + 4, 0x1234);
		put16(f + l3 + 6, 0x4000);   /* DF */
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, "\xc6\x12\0\x01\xc6\x12\0\x02", 8);
		put16(f + l3 + 10, (uint16_t)~ref_sum(f + l3, 20, 0));
		l4 = l3 + 20;
	}
	put16(f + l4, 40000);
	put16(f + l4 + 2, 80);
	f[l4 + 4] = 0x10; f[l4 + 5] = 0x20; f[l4 + 6] = 0x30; f[l4 + 7] = 0x40;   /* seq */
	f[l4 + 12] = (uint8_t)((20 + optlen) / 4) << 4;
	f[l4 + 13] = flags;
	put16(f + l4 + 14, 65535);
	put16(f + l4 + 16, 0xbeef);
	for (unsigned int i = 0; i < optlen; i++)
		f[l4 + 20 + i] = 1;   /* NOPs */
	for (uint32_t i = 0; i < payload; i++)
		f[l4 + 20 + optlen + i] = (uint8_t)(i * 13);
	return l4 + tcplen;
}

static void find_and_csum(void **state)
{
	static uint8_t f[2000];
	struct pkt_l4 l4;
	(void)state;

	for (int v6 = 0; v6 < 2; v6++)
		for (int vlan = 0; vlan < 2; vlan++)
			for (uint32_t pl = 0; pl < 1400; pl += 97) {
				uint32_t len = mk_tcp(f, v6, vlan, pl, 12, 0x18);

				assert_int_equal(pkt_find_l4(f, len, &l4), 0);
				assert_int_equal(l4.proto, 6);
				assert_int_equal(l4.v6, v6);
				assert_int_equal(l4.l4_off, 14 + 4 * vlan + (v6 ? 40 : 20));
				assert_int_equal(l4.l4_hlen, 32);
				assert_int_equal(l4.l4_len, 32 + pl);
				assert_false(pkt_l4_csum_ok(f, &l4));           /* the junk in the field */
				pkt_l4_complete(f, &l4);
				assert_true(pkt_l4_csum_ok(f, &l4));
				assert_true(ref_l4_ok(f, l4.l3_off, l4.l4_off, l4.l4_len, 6, v6));
				/* partial: the field holds the pseudo-header sum */
				uint16_t ps = pkt_l4_pseudo(f, &l4);
				put16(f + l4.l4_off + 16, ps);
				pkt_l4_complete(f, &l4);
				assert_true(ref_l4_ok(f, l4.l3_off, l4.l4_off, l4.l4_len, 6, v6));
				/* trailing Ethernet padding is allowed */
				assert_int_equal(pkt_find_l4(f, len + 6, &l4), 0);
				assert_int_equal(l4.l4_len, 32 + pl);
			}
}

static void find_rejects(void **state)
{
	static uint8_t f[2000];
	struct pkt_l4 l4;
	uint32_t len;
	(void)state;

	len = mk_tcp(f, 0, 0, 100, 0, 0);
	for (uint32_t cut = 0; cut < len; cut++)
		assert_int_equal(pkt_find_l4(f, cut, &l4), -1);   /* every truncation */
	f[14] = 0x44;                                          /* IHL 4 */
	assert_int_equal(pkt_find_l4(f, len, &l4), -1);
	len = mk_tcp(f, 0, 0, 100, 0, 0);
	put16(f + 20, 0x2000);                                 /* MF: a fragment */
	assert_int_equal(pkt_find_l4(f, len, &l4), -1);
	len = mk_tcp(f, 0, 0, 100, 0, 0);
	f[14 + 20 + 12] = 0x40;                                /* TCP data offset 16 */
	assert_int_equal(pkt_find_l4(f, len, &l4), -1);
	len = mk_tcp(f, 1, 0, 100, 0, 0);
	f[14 + 6] = 44;                                        /* IPv6 Fragment header */
	assert_int_equal(pkt_find_l4(f, len, &l4), -1);
	len = mk_tcp(f, 1, 0, 100, 0, 0);
	f[14 + 6] = 0;                                         /* Hop-by-Hop: 8 bytes, then TCP */
	memmove(f + 14 + 48, f + 14 + 40, len - 54);
	memset(f + 14 + 40, 0, 8);
	f[14 + 40] = 6;
	put16(f + 14 + 4, 8 + 20 + 100);
	assert_int_equal(pkt_find_l4(f, len + 8, &l4), 0);
	assert_int_equal(l4.l4_off, 14 + 48);
	assert_int_equal(l4.l4_len, 120);
	put16(f + 12, 0x0806);                                 /* ARP */
	assert_int_equal(pkt_find_l4(f, len, &l4), -1);
}

/* A 64 KiB-ish GSO packet cut into MSS segments: each a valid frame whose
 * payloads, in order, are the original's; sequence numbers, lengths, ids,
 * flags and both checksums (complete, or partial then completed) right. */
static void segment(void **state)
{
	static uint8_t gso[70000], seg[2000], joined[70000];
	(void)state;

	for (int v6 = 0; v6 < 2; v6++)
		for (int partial = 0; partial < 2; partial++) {
			uint32_t payload = 60000 + (uint32_t)v6 * 7, len = mk_tcp(gso, v6, 0, payload, 12, 0x19);
			struct pkt_l4 l4, sl;
			uint16_t mss = 1436;
			unsigned int n;
			uint32_t got = 0, seq0 = 0x10203040;

			assert_int_equal(pkt_find_l4(gso, len, &l4), 0);
			n = pkt_tcp_segments(len, &l4, mss);
			assert_int_equal(n, (payload + mss - 1) / mss);
			for (unsigned int k = 0; k < n; k++) {
				int sl_len = pkt_tcp_segment(gso, len, &l4, mss, k, seg, sizeof(seg), partial);
				uint32_t seglen = k + 1 < n ? mss : payload - (n - 1) * mss;

				assert_int_equal(sl_len, l4.l4_off + 32 + seglen);
				assert_int_equal(pkt_find_l4(seg, (uint32_t)sl_len, &sl), 0);
				assert_int_equal(sl.l4_len, 32 + seglen);
				if (partial) {
					assert_int_equal((seg[sl.l4_off + 16] << 8 | seg[sl.l4_off + 17]),
							 pkt_l4_pseudo(seg, &sl));
					pkt_l4_complete(seg, &sl);
				}
				assert_true(ref_l4_ok(seg, sl.l3_off, sl.l4_off, sl.l4_len, 6, v6));
				if (!v6) {
					assert_int_equal(ref_sum(seg + 14, 20, 0), 0xffff);   /* IP header checksum */
					assert_int_equal((seg[18] << 8 | seg[19]), 0x1234 + k);
				}
				uint32_t seq = (uint32_t)seg[sl.l4_off + 4] << 24 | (uint32_t)seg[sl.l4_off + 5] << 16 |
					       (uint32_t)seg[sl.l4_off + 6] << 8 | seg[sl.l4_off + 7];
				assert_int_equal(seq, seq0 + k * mss);
				/* FIN and PSH only on the last */
				assert_int_equal(seg[sl.l4_off + 13], k + 1 < n ? 0x10 : 0x19);
				memcpy(joined + got, seg + sl.l4_off + 32, seglen);
				got += seglen;
			}
			assert_int_equal(pkt_tcp_segment(gso, len, &l4, mss, n, seg, sizeof(seg), partial), 0);
			assert_int_equal(got, payload);
			assert_memory_equal(joined, gso + l4.l4_off + 32, payload);
			/* no room: refused, not overrun */
			assert_int_equal(pkt_tcp_segment(gso, len, &l4, mss, 0, seg, 100, partial), -1);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_and_csum),
		cmocka_unit_test(find_rejects),
		cmocka_unit_test(segment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
