/* SPDX-License-Identifier: MIT */
/* Interface names xennet-xdp accepts, and the name of a guest interface's peer. */
#ifndef XENNET_IFNAME_H
#define XENNET_IFNAME_H

#define IFNAME_MAX 13   /* IFNAMSIZ - 1, less the peer's "-p" */

/* 1..IFNAME_MAX chars of [A-Za-z0-9_.-], not "." or "..". */
int ifname_valid(const char *s);
/* The peer of ifname: ifname + "-p". */
void ifname_peer(const char *ifname, char peer[16]);

#endif
