/* SPDX-License-Identifier: MIT */
#ifndef XENNET_MAC_H
#define XENNET_MAC_H
#include <stdint.h>

/* Strictly parse "xx:xx:xx:xx:xx:xx": six two-digit hex octets, colons,
 * nothing after, not multicast (bit 0 of the first octet), not all zero.
 * Returns 0, or -1 if s is not a valid unicast MAC. */
int mac_parse(const char *s, uint8_t mac[6]);
/* "02:00:00:00:00:01" into buf[18]. */
void mac_format(const uint8_t mac[6], char buf[18]);

#endif
