/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "common/mac.h"
#include "common/parse.h"
#include "gen_frame.h"

int gen_dst_parse(const char *s, struct gen_dst *d)
{
	char buf[64], *ip, *port;
	struct gen_dst t = { .set = true };
	unsigned long p;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	ip = strchr(buf, ',');
	port = ip ? strchr(ip + 1, ',') : NULL;
	if (!port)
		return -1;
	*ip++ = '\0';
	*port++ = '\0';
	if (mac_parse(buf, t.mac) < 0 || inet_pton(AF_INET, ip, t.ip) != 1 ||
	    parse_uint(port, 65535, &p) < 0 || !p)
		return -1;
	t.port = (uint16_t)p;
	*d = t;
	return 0;
}

int gen_frame_build(uint8_t *f, size_t cap, unsigned int len, const struct gen_dst *dst)
{
	static const struct gen_dst other_host = {
		.mac = { 0x02, 0, 0, 0, 0, 0x99 }, .ip = { 198, 18, 0, 2 }, .port = 9,
	};
	const struct gen_dst *d = dst && dst->set ? dst : &other_host;
	unsigned int ip_len = len - 14, sum = 0;

	if (len < 60 || len > cap || ip_len > 65535)
		return -1;
	memset(f, 0, len);
	memcpy(f, d->mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = 0x08;
	uint8_t ip[20] = { 0x45, 0, (uint8_t)(ip_len >> 8), (uint8_t)ip_len, 0, 0, 0x40, 0, 64, 17, 0, 0,
			   198, 18, 0, 1, d->ip[0], d->ip[1], d->ip[2], d->ip[3] };
	for (int i = 0; i < 20; i += 2)
		sum += (unsigned int)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	memcpy(f + 14, ip, 20);
	f[34 + 1] = 9;
	f[34 + 2] = (uint8_t)(d->port >> 8);
	f[34 + 3] = (uint8_t)d->port;
	f[34 + 4] = (uint8_t)((ip_len - 20) >> 8);
	f[34 + 5] = (uint8_t)(ip_len - 20);
	return 0;
}
