/* SPDX-License-Identifier: MIT */
/*
 * framecheck: do frames of every size cross a link intact, both ways?
 *
 *   framecheck echo PORT
 *       UDP echo server: every datagram received on PORT is sent back as is.
 *   framecheck send ADDR PORT [MIN MAX]
 *       For each UDP payload size MIN..MAX (default 18..1472, i.e. Ethernet
 *       frames of 60..1514 bytes: 14 Ethernet + 20 IPv4 + 8 UDP + payload;
 *       at most 8972, a 9014-byte frame at MTU 9000),
 *       send one datagram with a pattern that depends on its size and
 *       sequence number, wait for the echo and compare it byte for byte.
 *       The don't-fragment bit is set, so each datagram is one frame.
 *       WINDOW sizes are in flight at a time; a lost one is resent.
 *       Prints a summary line; exits 0 only if every size came back intact.
 *   framecheck spray ADDR PORT N
 *       One 64-byte datagram to each of the ports PORT..PORT+N-1: N flows,
 *       for a hash to spread over every queue.  Exits 0 if all went out.
 *   framecheck flood ADDR PORT SECONDS
 *       Sends 1472-byte UDP datagrams (1514-byte frames, don't-fragment) to
 *       ADDR:PORT as fast as the socket takes them for SECONDS, in batches
 *       of sendmmsg(); prints how many went out.  Exits 0 if any did.
 *
 * Built statically by scripts/xen/mkinitrd.sh and run inside the real-Xen
 * guests (the payload is checked, which busybox ping does not do).
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ETH_IP_UDP_OVERHEAD (14 + 20 + 8)
#define MAX_PAYLOAD 8972 /* a 9014-byte frame: MTU 9000 */

/* Room for a window of jumbo frames (each takes some 16 KiB of buffer):
 * SO_RCVBUFFORCE as root, past rmem_max; else as much as SO_RCVBUF gives. */
static void big_rcvbuf(int s)
{
	int sz = 4 << 20;

	if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(s, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}
#define HDR 8 /* magic(2) size(2) seq(4) */
#define TRIES 5
#define WAIT_MS 1000     /* the first try's wait; each next one doubles it... */
#define WAIT_MAX_MS 4000 /* ...up to this: 15 s in all before a size is lost */

static void fill(uint8_t *buf, unsigned size, uint32_t seq)
{
	buf[0] = 'X';
	buf[1] = 'F';
	buf[2] = size >> 8;
	buf[3] = size & 0xff;
	memcpy(buf + 4, &seq, 4);
	for (unsigned i = HDR; i < size; i++)
		buf[i] = (uint8_t)(i * 31u + size * 7u + seq);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_echo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint8_t buf[65536];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int pmtu = IP_PMTUDISC_DO;

	setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	big_rcvbuf(s);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("framecheck: echo: bind");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n >= 0)
			sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
}

/* An unconnected UDP socket for addr (into a's address), if args_ok;
 * else, or if there is no socket, one line and -1. */
static int udp_to(const char *addr, struct sockaddr_in *a, bool args_ok)
{
	int s;

	if (inet_pton(AF_INET, addr, &a->sin_addr) != 1 || !args_ok) {
		fprintf(stderr, "framecheck: bad arguments\n");
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		perror("framecheck: socket");
	return s;
}

/*
 * Sizes go in batches of WINDOW datagrams in flight (one at a time would
 * take a round trip each, slow under emulation); a size whose echo does not
 * come within the try's wait is sent again, up to TRIES times in all.  Every
 * try of a size carries the same sequence number, so an echo that comes late
 * (an emulated guest on a busy host can stall for seconds) still counts.
 */
#define WINDOW 32

struct probe {
	unsigned size;
	uint32_t seq;
	int state; /* 0 waiting, 1 intact, 2 corrupt */
	uint8_t out[MAX_PAYLOAD];
};

static int do_send(const char *addr, int port, unsigned min, unsigned max)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static struct probe pr[WINDOW];
	uint8_t in[MAX_PAYLOAD + 64];
	unsigned ok = 0, lost = 0, bad = 0, retried = 0, reported = 0;
	uint32_t seq = 0;
	int pmtu = IP_PMTUDISC_DO;
	double t0 = now();
	int s;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 || min < HDR || max > MAX_PAYLOAD || min > max) {
		fprintf(stderr, "framecheck: bad arguments\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("framecheck: connect");
		return 2;
	}
	setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	big_rcvbuf(s);

	for (unsigned base = min; base <= max; base += WINDOW) {
		unsigned n = max - base + 1 < WINDOW ? max - base + 1 : WINDOW, waiting = n;

		for (unsigned i = 0; i < n; i++) {
			pr[i].size = base + i;
			pr[i].state = 0;
		}
		for (unsigned i = 0; i < n; i++) {
			pr[i].seq = ++seq;
			fill(pr[i].out, pr[i].size, pr[i].seq);
		}
		for (int t = 0, wait_ms = WAIT_MS; t < TRIES && waiting; t++) {
			double deadline;

			for (unsigned i = 0; i < n; i++) {
				if (pr[i].state)
					continue;
				if (t)
					retried++;
				if (send(s, pr[i].out, pr[i].size, 0) != (ssize_t)pr[i].size && reported++ < 5)
					fprintf(stderr, "framecheck: send %u bytes: %s\n", pr[i].size, strerror(errno));
			}
			deadline = now() + wait_ms / 1000.0;
			wait_ms = wait_ms * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : wait_ms * 2;
			while (waiting) {
				struct pollfd p = { .fd = s, .events = POLLIN };
				int left = (int)((deadline - now()) * 1000);
				struct probe *q = NULL;
				uint32_t rseq;
				ssize_t r;

				if (left <= 0 || poll(&p, 1, left) <= 0)
					break;
				r = recv(s, in, sizeof(in), 0);
				if (r < HDR)
					continue;
				memcpy(&rseq, in + 4, 4);
				for (unsigned i = 0; i < n && !q; i++)
					if (pr[i].state == 0 && pr[i].seq == rseq)
						q = &pr[i];
				if (!q)
					continue; /* a second echo of a size already judged */
				waiting--;
				if (r == (ssize_t)q->size && memcmp(in, q->out, q->size) == 0) {
					q->state = 1;
					continue;
				}
				q->state = 2;
				if (reported++ < 5) {
					unsigned i = 0;

					while (i < q->size && i < (unsigned)r && in[i] == q->out[i])
						i++;
					fprintf(stderr, "framecheck: frame %u: echo of %zd bytes differs at byte %u\n",
						q->size + ETH_IP_UDP_OVERHEAD, r, i);
				}
			}
		}
		if (waiting == n) {
			/* not one echo in the whole batch: the peer or the link is
			 * gone; don't spend TRIES * WAIT_MS on every batch left */
			lost += max - base + 1;
			fprintf(stderr, "framecheck: no echo for frames %u..%u from %s:%d, giving up\n",
				base + ETH_IP_UDP_OVERHEAD, max + ETH_IP_UDP_OVERHEAD, addr, port);
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			if (pr[i].state == 1)
				ok++;
			else if (pr[i].state == 2)
				bad++;
			else {
				lost++;
				if (reported++ < 5)
					fprintf(stderr, "framecheck: frame %u: no echo after %d tries\n",
						pr[i].size + ETH_IP_UDP_OVERHEAD, TRIES);
			}
		}
	}
	printf("framecheck: frames %u..%u to %s: %u intact, %u corrupt, %u lost, %u resent, %.2f s\n",
	       min + ETH_IP_UDP_OVERHEAD, max + ETH_IP_UDP_OVERHEAD, addr, ok, bad, lost, retried,
	       now() - t0);
	return ok == max - min + 1 ? 0 : 1;
}

#define FLOOD_BATCH 64

static int do_flood(const char *addr, int port, double secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static uint8_t payload[1472];
	struct mmsghdr msg[FLOOD_BATCH];
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	unsigned long long sent = 0, errors = 0;
	int pmtu = IP_PMTUDISC_DO;
	double t0 = now(), t;
	int s;

	s = udp_to(addr, &a, secs > 0);
	if (s < 0)
		return 2;
	setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	big_rcvbuf(s);
	/* not connected: ICMP port unreachable from the target must not turn
	 * into ECONNREFUSED on the next send */
	memset(msg, 0, sizeof(msg));
	for (int i = 0; i < FLOOD_BATCH; i++) {
		msg[i].msg_hdr.msg_name = &a;
		msg[i].msg_hdr.msg_namelen = sizeof(a);
		msg[i].msg_hdr.msg_iov = &iov;
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	memset(payload, 0xa5, sizeof(payload));
	do {
		int n = sendmmsg(s, msg, FLOOD_BATCH, 0);

		if (n > 0)
			sent += n;
		else
			errors++;
		t = now();
	} while (t - t0 < secs);
	printf("framecheck: flood to %s:%d: %llu datagrams of %zu bytes in %.2f s (%.0f/s), %llu failed sends\n",
	       addr, port, sent, sizeof(payload), t - t0, sent / (t - t0), errors);
	return sent ? 0 : 1;
}

/* One small datagram to each of n ports from port on: n flows, which a
 * hash spreads over every queue of a multi-queue link. */
static int do_spray(const char *addr, int port, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char payload[64] = "framecheck spray";
	int s, sent = 0;

	s = udp_to(addr, &a, port >= 1 && n >= 1 && port + n <= 65536);
	if (s < 0)
		return 2;
	for (int i = 0; i < n; i++) {
		a.sin_port = htons((uint16_t)(port + i));
		sent += sendto(s, payload, sizeof(payload), 0, (struct sockaddr *)&a, sizeof(a)) == sizeof(payload);
	}
	printf("framecheck: spray to %s:%d..%d: %d of %d datagrams sent\n", addr, port, port + n - 1, sent, n);
	return sent == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "echo") == 0)
		return do_echo(atoi(argv[2]));
	if ((argc == 4 || argc == 6) && strcmp(argv[1], "send") == 0)
		return do_send(argv[2], atoi(argv[3]), argc == 6 ? (unsigned)atoi(argv[4]) : 18,
			       argc == 6 ? (unsigned)atoi(argv[5]) : 1472);
	if (argc == 5 && strcmp(argv[1], "flood") == 0)
		return do_flood(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 5 && strcmp(argv[1], "spray") == 0)
		return do_spray(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: framecheck echo PORT | framecheck send ADDR PORT [MIN MAX] |"
			" framecheck flood ADDR PORT SECONDS | framecheck spray ADDR PORT N\n");
	return 2;
}
