/* SPDX-License-Identifier: MIT */
/* A hostile client of xennet-simback's control protocol (include/simproto.h):
 * sends XSIM_HELLO with memfds shaped as told, and prints the simulator's
 * answer, "hello: err N".  Exit 0 when an answer came, 1 when none did.
 *
 *   simclient SOCKET [--pages N] [--pool-bytes B] [--gt-bytes B] [--no-seal]
 *
 * Defaults: what plat_sim sends (a sealed table of 4096 entries, a sealed
 * pool of N = 16 pages). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include "common/fdpass.h"
#include "simproto.h"

static int memfd(const char *name, size_t size, int seal)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0 ||
	    (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)) {
		perror("simclient: memfd");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "pool-bytes", required_argument, NULL, 'b' },
		{ "gt-bytes", required_argument, NULL, 'g' },
		{ "no-seal", no_argument, NULL, 'n' },
		{ 0 },
	};
	unsigned long pages = 16, pool = 0, gt = XSIM_GNTTAB_ENTRIES * sizeof(grant_entry_v1_t);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xsim_msg m = { .magic = XSIM_MAGIC, .type = XSIM_CONNECT };
	int c, seal = 1, fd, fds[FDPASS_MAX], nfds, out[2];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pages = strtoul(optarg, NULL, 0); break;
		case 'b': pool = strtoul(optarg, NULL, 0); break;
		case 'g': gt = strtoul(optarg, NULL, 0); break;
		case 'n': seal = 0; break;
		default: return 2;
		}
	}
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: simclient SOCKET [--pages N] [--pool-bytes B] [--gt-bytes B] [--no-seal]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[optind]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fdpass_send(fd, &m, sizeof(m), NULL, 0) < 0 || fdpass_recv(fd, &m, sizeof(m), fds, &nfds) < 0) {
		perror("simclient: connect");
		return 1;
	}
	out[0] = memfd("simclient-gnttab", gt, seal);
	out[1] = memfd("simclient-pool", pool ? pool : pages * 4096, seal);
	m = (struct xsim_msg){ .magic = XSIM_MAGIC, .type = XSIM_HELLO, .arg = (uint32_t)pages };
	if (fdpass_send(fd, &m, sizeof(m), out, 2) < 0 || fdpass_recv(fd, &m, sizeof(m), fds, &nfds) < 0) {
		perror("simclient: hello");
		return 1;
	}
	printf("hello: err %d (%s)\n", m.err, m.err ? strerror(m.err) : "accepted");
	close(fd);
	return 0;
}
