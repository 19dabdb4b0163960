/* SPDX-License-Identifier: MIT */
/* Whole messages with file descriptors over a unix stream socket. */
#ifndef XENNET_FDPASS_H
#define XENNET_FDPASS_H
#include <stddef.h>

#define FDPASS_MAX 4
/* Send len bytes and nfds descriptors.  0, or -1 with errno. */
int fdpass_send(int sock, const void *buf, size_t len, const int *fds, int nfds);
/* Receive exactly len bytes and up to FDPASS_MAX descriptors (fds[] filled,
 * unused slots -1, *nfds set).  0, or -1 with errno (ECONNRESET on EOF). */
int fdpass_recv(int sock, void *buf, size_t len, int *fds, int *nfds);
#endif
