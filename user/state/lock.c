/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "state/lock.h"
#include "state/runfile.h"

static int lock_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s.lock", runfile_dir(), name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int lock_take(const char *name)
{
	char path[256];
	int err = lock_path(path, sizeof(path), name);

	if (err)
		return err;
	if (runfile_mkdir() < 0)
		return -errno;
	/* A holder unlinks its file before it lets go: whoever locked the old
	 * inode meanwhile must notice it is no longer the path's, and retry. */
	for (int tries = 0; tries < 16; tries++) {
		struct stat a, b;
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0)
			return -errno;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			err = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
			close(fd);
			return err;
		}
		if (fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino && S_ISREG(a.st_mode))
			return fd;
		close(fd);
	}
	return -EAGAIN;
}

void lock_release(const char *name, int fd)
{
	char path[256];

	if (fd < 0)
		return;
	if (lock_path(path, sizeof(path), name) == 0)
		unlink(path);
	close(fd);
}

pid_t lock_holder(const char *name)
{
	char path[256], line[256];
	struct stat sb;
	pid_t holder = 0;
	FILE *f;
	int err = lock_path(path, sizeof(path), name);

	if (err)
		return err;
	if (lstat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	f = fopen("/proc/locks", "re");
	if (!f)
		return -errno;
	/* "1: FLOCK  ADVISORY  WRITE 2310 fe:00:10953190 0 EOF" (a blocked
	 * waiter's line starts "1: -> FLOCK": not a holder) */
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		unsigned long ino;
		char kind[16], mode[16], rw[16];
		long pid;

		if (sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%lu", kind, mode, rw, &pid, &maj, &min,
			   &ino) != 7)
			continue;
		if (!strcmp(kind, "FLOCK") && !strcmp(rw, "WRITE") && ino == sb.st_ino &&
		    makedev(maj, min) == sb.st_dev && pid > 0) {
			holder = (pid_t)pid;
			break;
		}
	}
	fclose(f);
	return holder;
}
