/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel's view of a xenbus device (/sys/bus/xen/devices/vif-N):
 * which driver is bound to it (xen-netfront registers as "vif"), the
 * interface it made, and unbinding/binding that driver, which is how
 * xennet-xdp takes a vif over from the kernel's netfront and gives it back.
 * $XENNET_SYSFS replaces /sys (for tests).
 */
#ifndef XENNET_XENBUS_DEV_H
#define XENNET_XENBUS_DEV_H
#include <stddef.h>

/* The driver bound to vif-N into drv ("vif"): 1 if one is, 0 if none is,
 * -errno if the device is not there. */
int xenbus_dev_driver(unsigned int vif, char *drv, size_t size);
/* The network interface the bound driver made ("eth0"), or "" . */
void xenbus_dev_netif(unsigned int vif, char *ifname, size_t size);
/* Unbind vif-N from its driver; 0 or -errno. */
int xenbus_dev_unbind(unsigned int vif);
/* Bind vif-N to driver drv; 0 or -errno. */
int xenbus_dev_bind(unsigned int vif, const char *drv);

#endif
