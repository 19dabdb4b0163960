/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "common/pkt.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_HOPOPTS 0
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_DSTOPTS 60
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

int pkt_find_l4(const uint8_t *f, uint32_t len, struct pkt_l4 *o)
{
	return pkt_find_l4_hdr(f, len, len, o);
}

int pkt_find_l4_hdr(const uint8_t *f, uint32_t avail, uint32_t len, struct pkt_l4 *o)
{
	uint32_t off = 14, l3_end;
	uint16_t type;
	uint8_t proto;

	memset(o, 0, sizeof(*o));
	if (avail > len || avail < 14)
		return -1;
	type = rd16(f + 12);
	for (int tags = 0; (type == ETH_P_8021Q || type == ETH_P_8021AD) && tags < 2; tags++) {
		if (avail < off + 4)
			return -1;
		type = rd16(f + off + 2);
		off += 4;
	}
	o->l3_off = (uint16_t)off;
	if (type == ETH_P_IPV4) {
		uint32_t ihl, tot;

		if (avail < off + 20 || (f[off] >> 4) != 4)
			return -1;
		ihl = (uint32_t)(f[off] & 0xf) * 4;
		tot = rd16(f + off + 2);
		if (ihl < 20 || tot < ihl || len < off + tot || avail < off + ihl)
			return -1;
		if (rd16(f + off + 6) & 0x3fff)
			return -1;   /* a fragment: MF or an offset */
		proto = f[off + 9];
		l3_end = off + tot;
		off += ihl;
	} else if (type == ETH_P_IPV6) {
		uint32_t plen;

		if (avail < off + 40 || (f[off] >> 4) != 6)
			return -1;
		plen = rd16(f + off + 4);
		if (len < off + 40 + plen)
			return -1;
		proto = f[off + 6];
		l3_end = off + 40 + plen;
		off += 40;
		for (int n = 0; n < 8 && (proto == PROTO_HOPOPTS || proto == PROTO_ROUTING ||
					  proto == PROTO_DSTOPTS); n++) {
			if (l3_end < off + 8 || avail < off + 8)
				return -1;
			proto = f[off];
			off += ((uint32_t)f[off + 1] + 1) * 8;
		}
		o->v6 = true;
	} else {
		return -1;
	}
	if (proto == PROTO_TCP) {
		uint32_t doff;

		if (l3_end < off + 20 || avail < off + 20)
			return -1;
		doff = (uint32_t)(f[off + 12] >> 4) * 4;
		if (doff < 20 || l3_end < off + doff || avail < off + doff)
			return -1;
		o->csum_off = 16;
		o->l4_hlen = (uint16_t)doff;
	} else if (proto == PROTO_UDP) {
		if (l3_end < off + 8 || avail < off + 8)
			return -1;
		o->csum_off = 6;
		o->l4_hlen = 8;
	} else {
		return -1;   /* not TCP or UDP (or more extension headers than we walk) */
	}
	if (off > 0xffff)
		return -1;
	o->proto = proto;
	o->l4_off = (uint16_t)off;
	o->l4_len = l3_end - off;
	return 0;
}

uint32_t csum_add(const uint8_t *b, size_t len, uint32_t sum)
{
	uint64_t s = sum;

	for (; len >= 8; b += 8, len -= 8) {
		uint32_t w0 = rd32(b), w1 = rd32(b + 4);

		s += w0;
		s += w1;
	}
	for (; len >= 2; b += 2, len -= 2)
		s += rd16(b);
	if (len)
		s += (uint32_t)b[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	/* fold to 32 bits without losing carries */
	s = (s & 0xffff) + ((s >> 16) & 0xffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t pseudo(const uint8_t *f, const struct pkt_l4 *l4, uint32_t l4_len)
{
	uint32_t s;

	if (l4->v6) {
		s = csum_add(f + l4->l3_off + 8, 32, 0);   /* source and destination */
		s += l4_len >> 16;
		s += l4_len & 0xffff;
	} else {
		s = csum_add(f + l4->l3_off + 12, 8, 0);
		s += l4_len;
	}
	return s + l4->proto;
}

uint16_t pkt_l4_pseudo(const uint8_t *f, const struct pkt_l4 *l4)
{
	return csum_fold(pseudo(f, l4, l4->l4_len));
}

void pkt_l4_complete(uint8_t *f, const struct pkt_l4 *l4)
{
	uint8_t *field = f + l4->l4_off + l4->csum_off;
	uint16_t c;

	/* as skb_checksum_help: fill in the pseudo-header sum, then sum the
	 * segment with it in place and store the complement */
	wr16(field, pkt_l4_pseudo(f, l4));
	c = (uint16_t)~csum_fold(csum_add(f + l4->l4_off, l4->l4_len, 0));
	if (c == 0 && l4->proto == PROTO_UDP)
		c = 0xffff;   /* 0 means "no checksum" for UDP */
	wr16(field, c);
}

bool pkt_l4_csum_ok(const uint8_t *f, const struct pkt_l4 *l4)
{
	if (l4->proto == PROTO_UDP && !l4->v6 && rd16(f + l4->l4_off + 6) == 0)
		return true;   /* IPv4 UDP without a checksum */
	return csum_fold(pseudo(f, l4, l4->l4_len) + csum_add(f + l4->l4_off, l4->l4_len, 0)) == 0xffff;
}

unsigned int pkt_tcp_segments(uint32_t len, const struct pkt_l4 *l4, uint16_t mss)
{
	uint32_t hdr = (uint32_t)l4->l4_off + l4->l4_hlen, payload;

	if (!mss || l4->proto != PROTO_TCP || len < hdr)
		return 0;
	payload = l4->l4_len - l4->l4_hlen;
	return payload ? (payload + mss - 1) / mss : 1;
}

int pkt_tcp_segment(const uint8_t *pkt, uint32_t len, const struct pkt_l4 *l4, uint16_t mss,
		    unsigned int k, uint8_t *out, uint32_t out_room, bool partial)
{
	uint32_t hdr = (uint32_t)l4->l4_off + l4->l4_hlen;
	uint32_t payload = l4->l4_len - l4->l4_hlen, n = pkt_tcp_segments(len, l4, mss);
	uint32_t start = k * (uint32_t)mss, seg, seglen;
	uint8_t *ip = out + l4->l3_off, *th = out + l4->l4_off, flags;
	struct pkt_l4 s = *l4;

	if (!n || k >= n)
		return 0;
	seg = payload - start < mss ? payload - start : mss;
	seglen = hdr + seg;
	if (seglen > out_room)
		return -1;
	memcpy(out, pkt, hdr);
	memcpy(out + hdr, pkt + hdr + start, seg);
	if (l4->v6) {
		wr16(ip + 4, (uint16_t)(seglen - l4->l3_off - 40));
	} else {
		wr16(ip + 2, (uint16_t)(seglen - l4->l3_off));
		wr16(ip + 4, (uint16_t)(rd16(ip + 4) + k));   /* the id, as TSO does */
		wr16(ip + 10, 0);
		wr16(ip + 10, (uint16_t)~csum_fold(csum_add(ip, (size_t)(l4->l4_off - l4->l3_off), 0)));
	}
	wr32(th + 4, rd32(th + 4) + start);
	flags = th[13];
	if (k + 1 < n)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (k > 0)
		flags &= (uint8_t)~TCP_CWR;
	th[13] = flags;
	s.l4_len = seglen - l4->l4_off;
	if (partial)
		wr16(th + 16, pkt_l4_pseudo(out, &s));
	else
		pkt_l4_complete(out, &s);
	return (int)seglen;
}
