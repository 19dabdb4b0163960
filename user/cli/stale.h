/* SPDX-License-Identifier: MIT */
/* What an instance that died (kill -9, a crash) leaves behind for its
 * interface name: the veth pair, the BPF pins, the run files, and a
 * frontend state it left Connected in XenStore.  Only ever called by a
 * process that holds the name's lock, so the dead one cannot be alive. */
#ifndef XENNET_STALE_H
#define XENNET_STALE_H

/* Remove it all; returns how many things were removed (0: nothing was
 * there), and says one line when it removed something. */
int stale_cleanup(const char *ifname);

#endif
