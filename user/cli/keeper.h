/* SPDX-License-Identifier: MIT */
/*
 * After the guest was restored or migrated, the event-channel handles whose
 * ports were bound before the suspend can never be closed: unbinding one of
 * those ports, or releasing the handle (which unbinds them all), hits
 * BUG_ON(irq < 0) in the kernel's evtchn_unbind_from_user (Linux's
 * /dev/xen/evtchn has no resume handling; see evt_abandon in xen/plat.h).
 * The kernel releases a process's handles when it exits, so before
 * xennet-xdp exits it hands them to a keeper: this program again, as
 * `xennet-xdp evtchn-keeper`, which holds them and does nothing else for as
 * long as the guest runs.
 */
#ifndef XENNET_KEEPER_H
#define XENNET_KEEPER_H
#include "xen/plat.h"

/* If p abandoned handles, start a keeper (detached) that holds them. */
void keeper_spawn(struct plat *p);
/* xennet-xdp evtchn-keeper --fd N [--fd N...]: hold the fds, forever. */
int cmd_evtchn_keeper(int argc, char **argv);

#endif
