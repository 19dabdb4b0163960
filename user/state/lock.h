/* SPDX-License-Identifier: MIT */
/*
 * One instance per interface and per vif: an exclusive flock(2) on
 * RUN_DIR/NAME.lock, opened O_NOFOLLOW, held for the life of the process.
 * Liveness is the lock, never a pid: a process that dies, however it dies,
 * lets go of it, and a pid reused by another process holds nothing.  Who
 * holds a lock is read from /proc/locks, which never disturbs the holder.
 */
#ifndef XENNET_LOCK_H
#define XENNET_LOCK_H
#include <sys/types.h>

/* Take NAME's lock without waiting: the descriptor (keep it open for as
 * long as the claim lasts), -EWOULDBLOCK if another process holds it, or
 * -errno.  Leaves nothing behind on failure. */
int lock_take(const char *name);
/* Let go: unlink the file while still holding it, then close. */
void lock_release(const char *name, int fd);
/* The pid of the process holding NAME's lock, 0 if none holds it, -errno. */
pid_t lock_holder(const char *name);

#endif
