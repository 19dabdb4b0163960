/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "common/parse.h"
#include "state/lock.h"
#include "state/runfile.h"

static char run_dir[200];

const char *runfile_dir(void)
{
	if (!run_dir[0]) {
		const char *e = getenv("XENNET_RUN_DIR");

		if (!e || runfile_set_dir(e) < 0)
			snprintf(run_dir, sizeof(run_dir), "%s", RUNFILE_DEFAULT_DIR);
	}
	return run_dir;
}

int runfile_set_dir(const char *dir)
{
	size_t n = strlen(dir);

	if (dir[0] != '/' || n >= sizeof(run_dir) - 32)
		return -EINVAL;
	memcpy(run_dir, dir, n + 1);
	while (n > 1 && run_dir[n - 1] == '/')
		run_dir[--n] = '\0';
	return 0;
}

int runfile_mkdir(void)
{
	const char *d = runfile_dir();

	if (mkdir(d, 0755) == 0 || errno == EEXIST)
		return 0;
	return -1;
}

static void path_of(char *buf, size_t size, const char *ifname, const char *ext)
{
	snprintf(buf, size, "%s/%s.%s", runfile_dir(), ifname, ext);
}

void runfile_if_lock(char *buf, size_t size, const char *ifname)
{
	snprintf(buf, size, "%.15s", ifname);   /* (names are at most 13) */
}

void runfile_vif_lock(char *buf, size_t size, const char *vif_key)
{
	/* '@' cannot start an interface name xennet-xdp accepts */
	snprintf(buf, size, "@vif-%s", vif_key);
}

void runfile_vif_lock_for(char *buf, size_t size, const char *sim, unsigned int vif)
{
	char key[96];
	struct stat sb;

	if (sim && stat(sim, &sb) == 0)
		snprintf(key, sizeof(key), "sim-%lu-%lu-%u", (unsigned long)sb.st_dev,
			 (unsigned long)sb.st_ino, vif);
	else
		snprintf(key, sizeof(key), "%u", vif);
	runfile_vif_lock(buf, size, key);
}

int runfile_write_state(const char *ifname, const struct runstate *rs)
{
	char path[256], tmp[272];
	FILE *f;

	if (runfile_mkdir() < 0)
		return -errno;
	path_of(path, sizeof(path), ifname, "state");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "pid=%ld\nvif=%u\nsim=%s\nnetns=%s\nbackend=%s\nphase=%s\npoll=%s\nevtchn=%d\n"
		"backend_domid=%u\nmtu=%u\nfrontend_state=%d\nbackend_state=%d\nmac=%s\npeer=%s\n"
		"features=%s\nrx_mode=%s\nqueues=%u\numem_frames=%u\ndomid=%u\nchannels=%s\nreconnects=%u\n"
		"restores=%u\ntook_over=%s\n",
		rs->pid, rs->vif, rs->sim, rs->netns, rs->backend, rs->phase, rs->poll, rs->evtchn,
		rs->be_domid, rs->mtu, rs->fe_state, rs->be_state, rs->mac, rs->peer, rs->features,
		rs->rx_mode, rs->queues, rs->umem_frames, rs->domid, rs->channels, rs->reconnects, rs->restores,
		rs->took_over);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

#define STR(field) { #field, offsetof(struct runstate, field), sizeof(((struct runstate *)0)->field), 0, 0 }
#define NUM(field, max) { #field, offsetof(struct runstate, field), sizeof(((struct runstate *)0)->field), 1, max }

static const struct key {
	const char *name;
	size_t off, size;
	int num;
	unsigned long max;
} keys[] = {
	NUM(pid, 4194304), NUM(vif, 65535), NUM(evtchn, 1u << 20), NUM(queues, 64), NUM(umem_frames, 1u << 20),
	NUM(reconnects, 1u << 30), NUM(restores, 1u << 30), NUM(mtu, 65535), NUM(domid, 65535),
	{ "backend_domid", offsetof(struct runstate, be_domid), sizeof(unsigned int), 1, 65535 },
	{ "frontend_state", offsetof(struct runstate, fe_state), sizeof(int), 1, 8 },
	{ "backend_state", offsetof(struct runstate, be_state), sizeof(int), 1, 8 },
	STR(mac), STR(peer), STR(features), STR(rx_mode), STR(sim), STR(netns), STR(backend),
	STR(phase), STR(poll), STR(channels), STR(took_over),
};

int runfile_read_state(const char *ifname, struct runstate *rs)
{
	char path[256], line[512];
	unsigned long v;
	FILE *f;

	memset(rs, 0, sizeof(*rs));
	rs->evtchn = rs->fe_state = rs->be_state = -1;
	path_of(path, sizeof(path), ifname, "state");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -EINVAL;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val;

		line[strcspn(line, "\n")] = '\0';
		if (!eq)
			continue;
		*eq = '\0';
		val = eq + 1;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			char *dst = (char *)rs + keys[i].off;

			if (strcmp(line, keys[i].name))
				continue;
			if (!keys[i].num)
				snprintf(dst, keys[i].size, "%s", val);
			else if (parse_uint(val, keys[i].max, &v) == 0 && keys[i].size == sizeof(long))
				*(long *)dst = (long)v;
			else if (parse_uint(val, keys[i].max, &v) == 0)
				*(unsigned int *)dst = (unsigned int)v;   /* int and unsigned alike */
			break;
		}
	}
	fclose(f);
	return rs->pid > 0 ? 0 : -EINVAL;
}

struct xennet_stats_file *runfile_map_stats(const char *ifname, int writable)
{
	char path[256];
	struct xennet_stats_file *m;
	struct stat sb;
	int fd;

	if (writable && runfile_mkdir() < 0)
		return NULL;
	path_of(path, sizeof(path), ifname, "stats");
	/* (writable only under ifname's lock: truncating is ours to do) */
	fd = open(path, writable ? O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC
				 : O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return NULL;
	if (writable ? ftruncate(fd, sizeof(*m)) < 0 : fstat(fd, &sb) < 0 || (size_t)sb.st_size < sizeof(*m)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	m = mmap(NULL, sizeof(*m), writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	if (writable) {
		/* the pid first: a reader that sees the magic sees the pid */
		m->pid = (uint64_t)getpid();
		__atomic_store_n(&m->magic, XENNET_STATS_MAGIC, __ATOMIC_RELEASE);
	} else if (m->magic != XENNET_STATS_MAGIC) {
		munmap(m, sizeof(*m));
		errno = EINVAL;
		return NULL;
	}
	return m;
}

void runfile_unmap_stats(struct xennet_stats_file *f)
{
	if (f)
		munmap(f, sizeof(*f));
}

void runfile_remove(const char *ifname)
{
	char path[256];

	path_of(path, sizeof(path), ifname, "state");
	unlink(path);
	path_of(path, sizeof(path), ifname, "stats");
	unlink(path);
}

pid_t runfile_live_pid(const char *ifname)
{
	char name[64];
	pid_t pid;

	runfile_if_lock(name, sizeof(name), ifname);
	pid = lock_holder(name);
	return pid > 0 ? pid : 0;
}

/* Is the live instance doing its job?  Its control thread beats at least
 * once a second (heartbeat_ns, CLOCK_MONOTONIC, the clock we read too);
 * its own checks flag a datapath thread that stopped. */
static const char *unhealthy(const char *ifname)
{
	struct xennet_stats_file *f = runfile_map_stats(ifname, 0);
	const char *why = NULL;
	struct timespec ts;
	uint64_t now, beat;

	if (!f)
		return NULL;   /* not created yet: the instance is starting */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	beat = __atomic_load_n(&f->heartbeat_ns, __ATOMIC_RELAXED);
	if (beat && now > beat && now - beat > RUNFILE_STALE_NS)
		why = "unresponsive";
	else if (__atomic_load_n(&f->stalled, __ATOMIC_RELAXED))
		why = "datapath-stalled";
	runfile_unmap_stats(f);
	return why;
}

int runfile_read_live(const char *ifname, struct runstate *rs)
{
	pid_t pid = runfile_live_pid(ifname);
	const char *why;

	if (!pid || runfile_read_state(ifname, rs) < 0)
		return -1;
	rs->pid = pid;   /* the lock's word, not the file's */
	why = unhealthy(ifname);
	if (why) {
		/* what the file says is no longer true: never show it Connected */
		snprintf(rs->phase, sizeof(rs->phase), "%s", why);
		rs->fe_state = rs->be_state = -1;
	}
	return 0;
}

int runfile_for_each(void (*fn)(const char *ifname, const struct runstate *rs))
{
	struct dirent **ents;
	int n = scandir(runfile_dir(), &ents, NULL, alphasort), count = 0;

	if (n < 0)
		return errno == ENOENT ? 0 : -errno;   /* errno stays set */
	for (int i = 0; i < n; i++) {
		char *dot = strrchr(ents[i]->d_name, '.');
		struct runstate rs;

		if (dot && !strcmp(dot, ".state")) {
			*dot = '\0';
			if (runfile_read_live(ents[i]->d_name, &rs) == 0) {
				fn(ents[i]->d_name, &rs);
				count++;
			}
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}
