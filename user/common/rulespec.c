/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "common/parse.h"
#include "common/rulespec.h"

static int refuse(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* The first n bytes of s as a string in buf; -1 if they do not fit. */
static int head(const char *s, size_t n, char *buf, size_t size)
{
	if (n >= size)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int rulespec_port(const char *s, struct port_spec *out, char *why, size_t whylen)
{
	char num[8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;

	if (head(s, n, num, sizeof(num)) < 0 || parse_uint(num, 65535, &v) < 0)
		return refuse(why, whylen, "'%s' is not a port: PORT/tcp, PORT/udp or PORT (both), PORT 0..65535", s);
	out->port = (uint16_t)v;
	if (!slash) {
		out->nproto = 2;
		out->proto[0] = RULE_TCP;
		out->proto[1] = RULE_UDP;
	} else if (!strcasecmp(slash + 1, "tcp") || !strcasecmp(slash + 1, "udp")) {
		out->nproto = 1;
		out->proto[0] = !strcasecmp(slash + 1, "tcp") ? RULE_TCP : RULE_UDP;
	} else {
		return refuse(why, whylen, "'%s': the protocol is tcp or udp", s);
	}
	return 0;
}

const char *rulespec_proto_name(uint8_t proto)
{
	return proto == RULE_TCP ? "tcp" : proto == RULE_UDP ? "udp" : "?";
}

int rulespec_prefix(const char *s, struct prefix_spec *out, char *why, size_t whylen)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct prefix_spec p = { 0 };
	unsigned int bits, bytes;
	unsigned long len;

	if (head(s, n, addr, sizeof(addr)) < 0)
		return refuse(why, whylen, "'%s' is not an IPv4 or IPv6 prefix", s);
	if (inet_pton(AF_INET, addr, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, p.addr) == 1)
		p.family = AF_INET6;
	else
		return refuse(why, whylen, "'%s' is not an IPv4 or IPv6 prefix", s);
	bits = p.family == AF_INET ? 32 : 128;
	len = bits;
	if (slash && parse_uint(slash + 1, bits, &len) < 0)
		return refuse(why, whylen, "'%s': the prefix length is 0..%u", s, bits);
	p.len = (unsigned int)len;
	bytes = bits / 8;
	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int keep = p.len > i * 8 ? p.len - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);

		if (p.addr[i] & ~mask) {
			char canon[64];

			for (unsigned int k = i; k < bytes; k++) {
				keep = p.len > k * 8 ? p.len - k * 8 : 0;
				p.addr[k] &= keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);
			}
			rulespec_prefix_format(&p, canon, sizeof(canon));
			return refuse(why, whylen, "'%s' has bits set beyond /%u (the prefix is %s)", s, p.len,
				      canon);
		}
	}
	if (p.family == AF_INET6 && p.len >= 96 && !memcmp(p.addr, mapped, sizeof(mapped)))
		return refuse(why, whylen, "'%s' is IPv4-mapped: IPv4 sources match IPv4 prefixes, write "
			      "it as one", s);
	*out = p;
	return 0;
}

void rulespec_prefix_format(const struct prefix_spec *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->len);
}

int rulespec_rate(const char *s, uint64_t *pps, char *why, size_t whylen)
{
	char num[24];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long v;

	if ((slash && strcmp(slash, "/s")) || head(s, n, num, sizeof(num)) < 0 ||
	    parse_uint(num, RULE_RATE_MAX, &v) < 0 || v == 0)
		return refuse(why, whylen, "'%s' is not a rate: N/s (packets per second), N 1..%lu", s,
			      RULE_RATE_MAX);
	*pps = v;
	return 0;
}

int rulespec_burst(const char *s, uint64_t *burst, char *why, size_t whylen)
{
	unsigned long v;

	if (parse_uint(s, RULE_BURST_MAX, &v) < 0 || v == 0)
		return refuse(why, whylen, "'%s' is not a burst: packets, 1..%lu", s, RULE_BURST_MAX);
	*burst = v;
	return 0;
}
