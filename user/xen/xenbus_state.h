/* SPDX-License-Identifier: MIT */
/* The xenbus state key of either end (<xen/io/xenbus.h>). */
#ifndef XENNET_XENBUS_STATE_H
#define XENNET_XENBUS_STATE_H
#include "common/xenbus_names.h"
#include "xen/plat.h"
#include "xen_netif.h"

/* The state at dir/state: a XenbusState, or -ENOENT if absent, -EINVAL if
 * it is not a number in XenbusStateUnknown..XenbusStateReconfigured. */
int xb_read_state(struct plat *p, const char *dir);
int xb_switch_state(struct plat *p, const char *dir, enum xenbus_state st);

#endif
