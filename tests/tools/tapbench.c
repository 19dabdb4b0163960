/* SPDX-License-Identifier: MIT */
/* tapbench: the TAP baseline for `make bench`, the design a user would pick
 * instead of xennet-xdp (a userspace netfront on a TAP device), without the
 * Xen rings: one syscall per frame on a TAP in the guest's namespace.
 *   tapbench rx TAP SIZE SECONDS [MAC,IP,PORT]
 *       write() SIZE-byte frames of the simulator's generator (the same
 *       bytes: gen_frame.c) into TAP as fast as it can, one per call;
 *       with MAC,IP,PORT they are addressed as xennet-simback --gen-dst does
 *   tapbench tx TAP SECONDS
 *       read() what the guest's stack sends out of TAP, one frame per call,
 *       for SECONDS from the first frame (at most 5 s are spent waiting for it)
 * TAP must exist (ip tuntap add ... mode tap); this attaches to it.
 * Prints "pps N" (frames written or read per second) and "cpu_ns N" (this
 * process's user + system CPU time per frame, in ns). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "bench_clock.h"
#include "simback/gen_frame.h"

#define MAX_FRAME 65536u

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

static int tap_attach(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0 || strlen(name) >= IFNAMSIZ) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int usage(void)
{
	fprintf(stderr, "usage: tapbench rx TAP SIZE SECONDS [MAC,IP,PORT] | tx TAP SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	static uint8_t frame[MAX_FRAME];
	bool is_rx = (argc == 5 || argc == 6) && !strcmp(argv[1], "rx");
	struct gen_dst dst = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm };   /* no SA_RESTART: read() returns */
	struct itimerval it = { 0 };
	unsigned long size = 0;
	double secs, t0, t1, c0, c1;
	uint64_t done = 0;
	int fd;

	if (!is_rx && !(argc == 4 && !strcmp(argv[1], "tx")))
		return usage();
	secs = atof(argv[argc - (is_rx && argc == 6 ? 2 : 1)]);
	if (is_rx) {
		size = strtoul(argv[3], NULL, 10);
		if ((argc == 6 && gen_dst_parse(argv[5], &dst) < 0) ||
		    gen_frame_build(frame, sizeof(frame), (unsigned int)size, &dst) < 0) {
			fprintf(stderr, "tapbench: bad SIZE (60..%u) or MAC,IP,PORT\n", MAX_FRAME);
			return 2;
		}
	}
	if (secs <= 0)
		return usage();
	fd = tap_attach(argv[2]);
	if (fd < 0) {
		fprintf(stderr, "tapbench: can't attach to TAP %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = (time_t)secs;
	it.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6);
	if (!is_rx) {       /* the window opens with the first frame */
		struct itimerval wait = { .it_value = { .tv_sec = 5 } };

		setitimer(ITIMER_REAL, &wait, NULL);
		while (!stop && read(fd, frame, sizeof(frame)) <= 0)
			;
		done = !stop;
	}
	t0 = now();
	c0 = cpu_ns();
	setitimer(ITIMER_REAL, &it, NULL);
	while (!stop) {
		ssize_t n = is_rx ? write(fd, frame, size) : read(fd, frame, sizeof(frame));

		if (n > 0)
			done++;
		else if (n < 0 && errno != EINTR && errno != EAGAIN) {
			fprintf(stderr, "tapbench: %s %s: %s\n", is_rx ? "write to" : "read from", argv[2],
				strerror(errno));
			return 1;
		}
	}
	t1 = now();
	c1 = cpu_ns();
	printf("pps %.0f\n", (double)done / (t1 - t0));
	printf("cpu_ns %.0f\n", done ? (c1 - c0) / (double)done : 0);
	close(fd);
	return 0;
}
