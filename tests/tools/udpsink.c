/* SPDX-License-Identifier: MIT */
/* udpsink: count the UDP datagrams that reach a socket, for the into-a-
 * socket rows of `make bench`.
 *   udpsink PORT SECONDS     bind 0.0.0.0:PORT, count for SECONDS
 * Prints "pps N" (datagrams received per second) and "cpu_ns N" (this
 * process's CPU time per datagram, in ns). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "bench_clock.h"

#define BATCH 64

int main(int argc, char **argv)
{
	static char bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct timeval tv = { .tv_usec = 100000 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long port;
	int fd, rcvbuf = 32 << 20;
	double secs, t0, t1, c0, c1;
	uint64_t got = 0;

	if (argc != 3 || (port = strtoul(argv[1], NULL, 10)) == 0 || port > 65535 ||
	    (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: udpsink PORT SECONDS\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udpsink");
		return 1;
	}
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	t0 = t1 = now();
	c0 = cpu_ns();
	while ((t1 = now()) - t0 < secs) {
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);

		if (n > 0)
			got += (uint64_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			perror("udpsink: recvmmsg");
			return 1;
		}
	}
	c1 = cpu_ns();
	printf("pps %.0f\n", (double)got / (t1 - t0));
	printf("cpu_ns %.0f\n", got ? (c1 - c0) / (double)got : 0);
	return 0;
}
