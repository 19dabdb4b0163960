/* SPDX-License-Identifier: MIT */
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

#define IPV6_HLEN 40
#define IPV6_EXT_MAX 256          /* how far extension headers are followed */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The L4 header after the IPv6 extension headers Linux walks for a
 * checksum setup; -1 on a fragment or anything else. */
static int ipv6_l4(const uint8_t *f, size_t len, size_t *off, uint8_t *proto)
{
	size_t o = PKT_ETH_HLEN + IPV6_HLEN;
	uint8_t nh = f[PKT_ETH_HLEN + 6];

	while (o - PKT_ETH_HLEN - IPV6_HLEN <= IPV6_EXT_MAX) {
		size_t hl;

		switch (nh) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			*off = o;
			*proto = nh;
			return 0;
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (o + 2 > len)
				return -1;
			hl = ((size_t)f[o + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (o + 2 > len)
				return -1;
			hl = ((size_t)f[o + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if (o + 8 > len || (be16(f + o + 2) & 0xfff9))   /* offset or more fragments */
				return -1;
			hl = 8;
			break;
		default:
			return -1;
		}
		nh = f[o];
		o += hl;
	}
	return -1;
}

int pkt_parse_l4(const uint8_t *f, size_t len, struct pkt_l4 *l)
{
	size_t off, ip_end;
	uint16_t etype;

	if (len < PKT_ETH_HLEN + 20)
		return -1;
	memset(l, 0, sizeof(*l));
	etype = be16(f + 12);
	if (etype == 0x0800) {
		const uint8_t *ip = f + PKT_ETH_HLEN;
		size_t ihl = (size_t)(ip[0] & 15) * 4;

		if ((ip[0] >> 4) != 4 || ihl < 20 || PKT_ETH_HLEN + ihl > len ||
		    (be16(ip + 6) & 0x3fff))          /* more fragments, or an offset */
			return -1;
		off = PKT_ETH_HLEN + ihl;
		l->proto = ip[9];
		ip_end = PKT_ETH_HLEN + (size_t)be16(ip + 2);
	} else if (etype == 0x86dd) {
		if (len < PKT_ETH_HLEN + IPV6_HLEN || (f[PKT_ETH_HLEN] >> 4) != 6 ||
		    ipv6_l4(f, len, &off, &l->proto) < 0)
			return -1;
		l->ipv6 = true;
		ip_end = PKT_ETH_HLEN + IPV6_HLEN + (size_t)be16(f + PKT_ETH_HLEN + 4);
	} else {
		return -1;
	}
	if (ip_end > len || ip_end < off)
		return -1;
	if (l->proto == IPPROTO_TCP) {
		size_t doff;

		if (off + 20 > ip_end)
			return -1;
		doff = (size_t)(f[off + 12] >> 4) * 4;
		if (doff < 20 || off + doff > ip_end)
			return -1;
		l->csum_off = (uint16_t)(off + 16);
		l->hdr_len = (uint16_t)(off + doff);
	} else if (l->proto == IPPROTO_UDP) {
		if (off + 8 > ip_end)
			return -1;
		l->csum_off = (uint16_t)(off + 6);
		l->hdr_len = (uint16_t)(off + 8);
	} else {
		return -1;
	}
	l->l4_off = (uint16_t)off;
	l->l4_len = (uint32_t)(ip_end - off);
	return 0;
}

uint64_t pkt_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += be16(p);
	if (len)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

uint16_t pkt_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint64_t pkt_pseudo_sum(const uint8_t *f, const struct pkt_l4 *l)
{
	const uint8_t *ip = f + PKT_ETH_HLEN;
	uint64_t sum = l->proto + (uint64_t)(l->l4_len >> 16) + (l->l4_len & 0xffff);

	if (l->ipv6)
		return pkt_csum_add(sum, ip + 8, 32);
	return pkt_csum_add(sum, ip + 12, 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void pkt_set_partial(uint8_t *f, const struct pkt_l4 *l)
{
	put16(f + l->csum_off, pkt_csum_fold(pkt_pseudo_sum(f, l)));
}

void pkt_csum_complete(uint8_t *f, size_t end, size_t start, size_t field)
{
	uint16_t c = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, f + start, end - start));

	put16(f + field, c ? c : 0xffff);
}

bool pkt_csum_ok(const uint8_t *f, size_t len)
{
	struct pkt_l4 l;

	if (pkt_parse_l4(f, len, &l) < 0)
		return false;
	if (l.proto == IPPROTO_UDP && !l.ipv6 && be16(f + l.csum_off) == 0)
		return true;
	return pkt_csum_fold(pkt_csum_add(pkt_pseudo_sum(f, &l), f + l.l4_off, l.l4_len)) == 0xffff;
}
