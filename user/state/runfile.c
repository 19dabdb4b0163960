/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "state/runfile.h"
#include "common/parse.h"

static char run_dir[RUNFILE_DIR_MAX + 1];

int runfile_set_dir(const char *dir)
{
	if (!dir || !*dir || strlen(dir) > RUNFILE_DIR_MAX)
		return -EINVAL;
	snprintf(run_dir, sizeof(run_dir), "%s", dir);
	return 0;
}

const char *runfile_dir(void)
{
	const char *env = getenv("XENNET_RUN_DIR");

	if (run_dir[0])
		return run_dir;
	return env && *env && strlen(env) <= RUNFILE_DIR_MAX ? env : XENNET_RUN_DIR;
}

static void path_of(char *buf, size_t size, const char *ifname, const char *ext)
{
	snprintf(buf, size, "%s/%s.%s", runfile_dir(), ifname, ext);
}

int runfile_write_state(const char *ifname, const struct runstate *rs)
{
	char path[RUNFILE_PATH_MAX], tmp[RUNFILE_PATH_MAX + 8];
	FILE *f;

	mkdir(runfile_dir(), 0755);
	path_of(path, sizeof(path), ifname, "state");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "pid=%ld\nvif=%u\nsim=%s\nnetns=%s\nbackend=%s\nphase=%s\npoll=%s\nevtchn=%d\n"
		"backend_domid=%u\nmtu=%u\nfrontend_state=%d\nbackend_state=%d\nmac=%s\npeer=%s\n"
		"features=%s\nrx_mode=%s\nqueues=%u\n",
		rs->pid, rs->vif, rs->sim, rs->netns, rs->backend, rs->phase, rs->poll, rs->evtchn,
		rs->be_domid, rs->mtu, rs->fe_state, rs->be_state, rs->mac, rs->peer, rs->features,
		rs->rx_mode, rs->queues);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

int runfile_read_state(const char *ifname, struct runstate *rs)
{
	char path[RUNFILE_PATH_MAX], line[320];
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
		if (!strcmp(line, "pid") && !parse_uint(val, 4194304, &v))
			rs->pid = (long)v;
		else if (!strcmp(line, "vif") && !parse_uint(val, 65535, &v))
			rs->vif = (unsigned int)v;
		else if (!strcmp(line, "evtchn") && !parse_uint(val, 1u << 20, &v))
			rs->evtchn = (int)v;
		else if (!strcmp(line, "backend_domid") && !parse_uint(val, 65535, &v))
			rs->be_domid = (unsigned int)v;
		else if (!strcmp(line, "mtu") && !parse_uint(val, 65535, &v))
			rs->mtu = (unsigned int)v;
		else if (!strcmp(line, "queues") && !parse_uint(val, 64, &v))
			rs->queues = (unsigned int)v;
		else if (!strcmp(line, "frontend_state") && !parse_uint(val, 8, &v))
			rs->fe_state = (int)v;
		else if (!strcmp(line, "backend_state") && !parse_uint(val, 8, &v))
			rs->be_state = (int)v;
		else if (!strcmp(line, "mac"))
			snprintf(rs->mac, sizeof(rs->mac), "%s", val);
		else if (!strcmp(line, "peer"))
			snprintf(rs->peer, sizeof(rs->peer), "%s", val);
		else if (!strcmp(line, "features"))
			snprintf(rs->features, sizeof(rs->features), "%s", val);
		else if (!strcmp(line, "rx_mode"))
			snprintf(rs->rx_mode, sizeof(rs->rx_mode), "%s", val);
		else if (!strcmp(line, "sim"))
			snprintf(rs->sim, sizeof(rs->sim), "%s", val);
		else if (!strcmp(line, "netns"))
			snprintf(rs->netns, sizeof(rs->netns), "%s", val);
		else if (!strcmp(line, "backend"))
			snprintf(rs->backend, sizeof(rs->backend), "%s", val);
		else if (!strcmp(line, "phase"))
			snprintf(rs->phase, sizeof(rs->phase), "%s", val);
		else if (!strcmp(line, "poll"))
			snprintf(rs->poll, sizeof(rs->poll), "%s", val);
	}
	fclose(f);
	return rs->pid > 0 ? 0 : -EINVAL;
}

struct xennet_stats_file *runfile_map_stats(const char *ifname, int writable)
{
	char path[RUNFILE_PATH_MAX];
	struct xennet_stats_file *m;
	struct stat sb;
	int fd;

	mkdir(runfile_dir(), 0755);
	path_of(path, sizeof(path), ifname, "stats");
	fd = open(path, writable ? O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);
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
	char path[RUNFILE_PATH_MAX];

	path_of(path, sizeof(path), ifname, "state");
	unlink(path);
	path_of(path, sizeof(path), ifname, "stats");
	unlink(path);
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

int runfile_read_live(const char *ifname, struct runstate *rs)
{
	return runfile_read_state(ifname, rs) == 0 && runfile_pid_alive(rs->pid) ? 0 : -1;
}

bool runfile_pid_alive(long pid)
{
	/* kill(0) and kill(-1) would "succeed": only a real pid counts; EPERM
	 * (a reader without the right to signal it) means it exists */
	if (pid <= 0 || pid > 4194304)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}
