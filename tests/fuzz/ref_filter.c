/* SPDX-License-Identifier: MIT */
/* The reference parser (see ref_filter.h).  The contract, from
 * filter_common.h:
 *   - under 14 bytes, or an ethertype other than IPv4/IPv6 after at most
 *     two VLAN tags (0x8100, 0x88a8): not IP;
 *   - a third tag, or a tag cut short: bad;
 *   - IPv4: whole 20-byte header, version 4, IHL >= 5, IHL*4 <= total
 *     length <= what the frame holds after the header's start; a non-zero
 *     fragment offset carries no ports (TCP at offset 1: bad); else L4 runs
 *     from IHL*4 to the total length;
 *   - IPv6: whole 40-byte header, version 6, payload length within the
 *     frame (0 with Hop-by-Hop next: the rest of the frame, a jumbogram);
 *     at most 8 extension headers (0, 43, 60: (len+1)*8 bytes; 51: (len+2)*4;
 *     44: 8 bytes, a non-zero offset ends it like IPv4's), each at least 8
 *     bytes and wholly inside the payload; a ninth: bad;
 *   - TCP (6) or UDP (17): fewer than 4 bytes left for the ports: bad. */
#include <string.h>
#include "ref_filter.h"

static unsigned int be16(const uint8_t *b)
{
	return (unsigned int)b[0] << 8 | b[1];
}

static int is_tag(unsigned int type)
{
	return type == 0x8100 || type == 0x88a8;
}

/* After the L3 header: l4 is the protocol, [at, end) what it holds. */
static int ports(const uint8_t *f, int l4, size_t at, size_t end, struct ref_pkt *p)
{
	if (l4 != 6 && l4 != 17)
		return REF_IP;
	if (end < at + 4)
		return REF_BAD;
	p->l4proto = l4;
	p->sport = (uint16_t)be16(f + at);
	p->dport = (uint16_t)be16(f + at + 2);
	return REF_IP;
}

static int later_fragment(unsigned int offset, int l4)
{
	return offset == 1 && l4 == 6 ? REF_BAD : REF_IP;
}

static int ipv4(const uint8_t *f, size_t len, size_t at, struct ref_pkt *p)
{
	const uint8_t *h = f + at;
	size_t ihl, total;
	unsigned int offset;

	if (len < at + 20)
		return REF_BAD;
	ihl = (size_t)(h[0] & 15) * 4;
	total = be16(h + 2);
	if (h[0] >> 4 != 4 || ihl < 20 || total < ihl || total > len - at)
		return REF_BAD;
	memset(p->saddr, 0, 10);
	p->saddr[10] = p->saddr[11] = 0xff;
	memcpy(p->saddr + 12, h + 12, 4);
	offset = be16(h + 6) & 0x1fff;
	if (offset)
		return later_fragment(offset, h[9]);
	return ports(f, h[9], at + ihl, at + total, p);
}

static int ipv6(const uint8_t *f, size_t len, size_t at, struct ref_pkt *p)
{
	const uint8_t *h = f + at;
	size_t payload, cur, end;
	int next, walked = 0;

	if (len < at + 40)
		return REF_BAD;
	if (h[0] >> 4 != 6)
		return REF_BAD;
	p->v6 = 1;
	memcpy(p->saddr, h + 8, 16);
	next = h[6];
	cur = at + 40;
	payload = be16(h + 4);
	if (payload == 0 && next == 0)
		end = len;
	else if (cur + payload > len)
		return REF_BAD;
	else
		end = cur + payload;
	for (;;) {
		size_t hl;

		if (next != 0 && next != 43 && next != 60 && next != 51 && next != 44)
			break;
		if (walked++ == 8 || end - cur < 8)
			return REF_BAD;
		if (next == 44) {
			unsigned int offset = be16(f + cur + 2) >> 3;

			if (offset)
				return later_fragment(offset, f[cur]);
			hl = 8;
		} else if (next == 51) {
			hl = ((size_t)f[cur + 1] + 2) * 4;
		} else {
			hl = ((size_t)f[cur + 1] + 1) * 8;
		}
		if (hl > end - cur)
			return REF_BAD;
		next = f[cur];
		cur += hl;
	}
	return ports(f, next, cur, end, p);
}

int ref_parse(const uint8_t *f, size_t len, struct ref_pkt *p)
{
	size_t at = 12;
	unsigned int type;
	int tags = 0;

	memset(p, 0, sizeof(*p));
	if (len < 14)
		return REF_NOT_IP;
	type = be16(f + at);
	while (is_tag(type)) {
		if (tags++ == 2 || len < at + 6)
			return REF_BAD;
		type = be16(f + at + 4);
		at += 4;
	}
	at += 2;
	if (type == 0x0800)
		return ipv4(f, len, at, p);
	if (type == 0x86dd)
		return ipv6(f, len, at, p);
	return REF_NOT_IP;
}
