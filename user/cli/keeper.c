/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "cli/keeper.h"
#include "common/log.h"
#include "common/parse.h"

#define KEEP_MAX 64

void keeper_spawn(struct plat *p)
{
	int fds[KEEP_MAX], n = p->ops->evt_abandoned(p, fds, KEEP_MAX);
	pid_t child;

	if (n <= 0)
		return;
	child = fork();
	if (child < 0) {
		log_err(NULL, "can't start the event-channel keeper: %s; the kernel will hit "
			"BUG_ON(irq < 0) in evtchn_unbind_from_user as this process exits", strerror(errno));
		return;
	}
	if (child == 0) {
		/* a grandchild, so that it is nobody's child but init's */
		char *argv[3 + 2 * KEEP_MAX] = { "xennet-xdp", "evtchn-keeper" };
		char num[KEEP_MAX][16];
		int a = 2, null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fork() != 0)
			_exit(0);
		setsid();
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* everything but the handles closes at exec */
		close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
		for (int i = 0; i < n; i++) {
			fcntl(fds[i], F_SETFD, 0);
			snprintf(num[i], sizeof(num[i]), "%d", fds[i]);
			argv[a++] = "--fd";
			argv[a++] = num[i];
		}
		argv[a] = NULL;
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	waitpid(child, NULL, 0);
	log_notice(NULL, "%d event-channel handle(s) from before a restore are held by an "
		   "xennet-xdp evtchn-keeper process (closing them would crash the kernel)", n);
}

int cmd_evtchn_keeper(int argc, char **argv)
{
	unsigned long fd;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--fd") || i + 1 >= argc || parse_uint(argv[i + 1], 1u << 20, &fd) < 0 ||
		    fcntl((int)fd, F_GETFD) < 0)
			return cmd_usage_error("evtchn-keeper", "usage: evtchn-keeper --fd N [--fd N...] "
					       "(open descriptors to hold)");
		i++;
		n++;
	}
	if (!n)
		return cmd_usage_error("evtchn-keeper", "no --fd to hold");
	/* only SIGKILL ends it: the descriptors must outlive every orderly stop */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "xennet-keeper");
	for (;;)
		pause();
}
