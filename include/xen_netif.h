/* SPDX-License-Identifier: MIT */
/* The public Xen netif headers, with the memory barriers <xen/io/ring.h>
 * asks its includer to provide (userspace has no mb()/rmb()/wmb()). */
#ifndef XENNET_XEN_NETIF_H
#define XENNET_XEN_NETIF_H
#include <stddef.h>
#include <stdint.h>

#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/xenbus.h>
#include <xen/io/netif.h>

#define NET_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, 4096)
#define NET_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, 4096)

#endif
