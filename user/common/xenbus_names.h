/* SPDX-License-Identifier: MIT */
/* The names of the xenbus states (XenbusStateUnknown 0 .. Reconfigured 8),
 * for messages and the read side; no Xen header needed. */
#ifndef XENNET_XENBUS_NAMES_H
#define XENNET_XENBUS_NAMES_H

/* "Initialising", "Connected", ...; "absent" for -ENOENT, else "invalid". */
const char *xenbus_state_name(int st);

#endif
