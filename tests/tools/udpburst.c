/* SPDX-License-Identifier: MIT */
/* udpburst: send or count a burst of UDP datagrams, for the e2e tests.
 *   udpburst send ADDR PORT COUNT SIZE   prints "sent N"
 *   udpburst recv PORT COUNT IDLE_MS     prints "received N bad M"
 * Each payload carries its sequence number and a pattern derived from it,
 * so the receiver checks every byte. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void fill(unsigned char *p, size_t len, unsigned int seq)
{
	memcpy(p, &seq, sizeof(seq));
	for (size_t i = sizeof(seq); i < len; i++)
		p[i] = (unsigned char)(seq * 31 + i);
}

int main(int argc, char **argv)
{
	unsigned char buf[65536], want[65536];

	if (argc == 6 && !strcmp(argv[1], "send")) {
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai;
		unsigned long n = strtoul(argv[4], NULL, 10), size = strtoul(argv[5], NULL, 10), sent = 0;
		int fd, sndbuf = 4 << 20;

		if (size < 4 || size > sizeof(buf) || getaddrinfo(argv[2], argv[3], &hints, &ai)) {
			fprintf(stderr, "udpburst: bad arguments\n");
			return 2;
		}
		fd = socket(ai->ai_family, SOCK_DGRAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			perror("udpburst: connect");
			return 1;
		}
		for (unsigned int seq = 0; seq < n; seq++) {
			fill(buf, size, seq);
			if (send(fd, buf, size, 0) == (ssize_t)size)
				sent++;
		}
		printf("sent %lu\n", sent);
		freeaddrinfo(ai);
		return sent == n ? 0 : 1;
	}
	if (argc == 5 && !strcmp(argv[1], "recv")) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)atoi(argv[2])) };
		unsigned long n = strtoul(argv[3], NULL, 10), got = 0, bad = 0;
		int idle = atoi(argv[4]), fd = socket(AF_INET6, SOCK_DGRAM, 0), rcvbuf = 32 << 20, off = 0;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("udpburst: bind");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		while (got + bad < n) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			ssize_t len;
			unsigned int seq;

			if (poll(&p, 1, idle) != 1)
				break;
			len = recv(fd, buf, sizeof(buf), 0);
			if (len < 4) {
				bad++;
				continue;
			}
			memcpy(&seq, buf, sizeof(seq));
			fill(want, (size_t)len, seq);
			if (memcmp(buf, want, (size_t)len))
				bad++;
			else
				got++;
		}
		printf("received %lu bad %lu\n", got, bad);
		return 0;
	}
	fprintf(stderr, "usage: udpburst send ADDR PORT COUNT SIZE | recv PORT COUNT IDLE_MS\n");
	return 2;
}
