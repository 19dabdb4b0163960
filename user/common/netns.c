/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "common/netns.h"

int netns_run(const char *netns, int (*fn)(void *), void *arg)
{
	char path[128];
	int self, target, ret;

	if (!netns)
		return fn(arg);
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(target, CLONE_NEWNET) < 0) {
		ret = -errno;
		close(target);
		if (self >= 0)
			close(self);
		return ret;
	}
	ret = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		ret = -errno;   /* cannot happen: we came from there */
	close(self);
	close(target);
	return ret;
}

int netns_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < 64 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}
