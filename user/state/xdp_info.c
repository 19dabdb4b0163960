/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "common/log.h"
#include "common/netns.h"
#include "state/xdp_info.h"

struct list_op {
	const char *ifname;
	struct xdp_prog_info *out;
	int max;
};

static void fill(struct xdp_prog_info *i, struct xdp_program *p, const char *mode, bool disp)
{
	snprintf(i->name, sizeof(i->name), "%s", xdp_program__name(p));
	i->id = xdp_program__id(p);
	i->prio = (int)xdp_program__run_prio(p);
	snprintf(i->mode, sizeof(i->mode), "%s", mode);
	if (xdp_program__print_chain_call_actions(p, i->chain, sizeof(i->chain)) < 0)
		i->chain[0] = '\0';
	i->dispatcher = disp;
}

static int list_here(void *arg)
{
	struct list_op *op = arg;
	int idx = (int)if_nametoindex(op->ifname), n = 0;
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	const char *mode;

	if (!idx)
		return -ENODEV;
	mp = xdp_multiprog__get_from_ifindex(idx);
	if (libxdp_get_error(mp) == -ENOENT || !mp)
		return 0;   /* no XDP program at all */
	if (libxdp_get_error(mp))
		return (int)libxdp_get_error(mp);
	switch (xdp_multiprog__attach_mode(mp)) {
	case XDP_MODE_SKB: mode = "skb"; break;
	case XDP_MODE_HW: mode = "hw"; break;
	default: mode = "native"; break;
	}
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && op->max > 0)
			fill(&op->out[n++], p, mode, false);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p && n < op->max;
		     p = xdp_multiprog__next_prog(p, mp))
			fill(&op->out[n++], p, mode, true);
	}
	xdp_multiprog__close(mp);
	return n;
}

int xdp_info_list(const char *ifname, const char *netns, struct xdp_prog_info *out, int max)
{
	struct list_op op = { ifname, out, max };

	return netns_run(netns && *netns ? netns : NULL, list_here, &op);
}

int xdp_info_percpu_sum(const char *pin, uint64_t *out, unsigned int nfields)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(pin), ncpu = libbpf_num_possible_cpus(), err = 0;
	uint64_t *vals;
	__u32 key = 0;

	if (fd < 0)
		return -errno;
	if (ncpu <= 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
	    info.type != BPF_MAP_TYPE_PERCPU_ARRAY || info.value_size != nfields * 8) {
		close(fd);
		return -EINVAL;
	}
	vals = calloc((size_t)ncpu, info.value_size);
	if (!vals || bpf_map_lookup_elem(fd, &key, vals) < 0) {
		err = vals ? -errno : -ENOMEM;
	} else {
		memset(out, 0, nfields * sizeof(*out));
		for (int c = 0; c < ncpu; c++)
			for (unsigned int f = 0; f < nfields; f++)
				out[f] += vals[(size_t)c * nfields + f];
	}
	free(vals);
	close(fd);
	return err;
}

void xdp_info_pin_dir(char *buf, unsigned long size, const char *ifname)
{
	snprintf(buf, size, "/sys/fs/bpf/xennet/%s", ifname);
}

void xdp_info_filter_dir(char *buf, unsigned long size, const char *ifname, const char *prog)
{
	snprintf(buf, size, "/sys/fs/bpf/xennet/%s/%s", ifname, prog);
}

void xdp_info_for_each_filter(const char *ifname, void (*fn)(const char *prog, const char *dir, void *arg),
			      void *arg)
{
	char dir[160], sub[420];
	struct dirent *e;
	DIR *d;

	xdp_info_pin_dir(dir, sizeof(dir), ifname);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		fn(e->d_name, sub, arg);
	}
	if (d)
		closedir(d);
}

int xdp_info_rm_pins(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			n += xdp_info_rm_pins(path);
		else
			n += unlink(path) == 0;
	}
	closedir(d);
	return n + (rmdir(dir) == 0);
}

static int silent_bpf(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l; (void)f; (void)ap;
	return 0;
}

static int silent_xdp(enum libxdp_print_level l, const char *f, va_list ap)
{
	(void)l; (void)f; (void)ap;
	return 0;
}

void xdp_info_quiet_libs(void)
{
	libbpf_set_print(silent_bpf);
	libxdp_set_print(silent_xdp);
}

/* libbpf's and libxdp's messages (see xdp_info.h). */
static bool libs_verbose;
static char *verifier_log;     /* the last "BEGIN PROG LOAD LOG" message */

static void lib_line(int prio, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (libs_verbose) {
		for (char *save = NULL, *l = strtok_r(msg, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			log_msg(prio, NULL, "%s", l);
		free(msg);
	} else if (strstr(msg, "BEGIN PROG LOAD LOG")) {
		free(verifier_log);
		verifier_log = msg;
	} else {
		free(msg);
	}
}

static int bpf_print(enum libbpf_print_level l, const char *f, va_list ap)
{
	lib_line(l == LIBBPF_WARN ? LOG_WARNING : l == LIBBPF_INFO ? LOG_INFO : LOG_DEBUG, f, ap);
	return 0;
}

static int xdp_print(enum libxdp_print_level l, const char *f, va_list ap)
{
	lib_line(l == LIBXDP_WARN ? LOG_WARNING : l == LIBXDP_INFO ? LOG_INFO : LOG_DEBUG, f, ap);
	return 0;
}

void xdp_info_libs_log(bool verbose)
{
	libs_verbose = verbose;
	libbpf_set_print(bpf_print);
	libxdp_set_print(xdp_print);
}

int xdp_info_verifier_log(const char *who, const char *prog)
{
	char tag[80];
	int n = 0;

	if (!verifier_log)
		return 0;
	snprintf(tag, sizeof(tag), "prog '%s'", prog ? prog : "");
	if (prog && strstr(verifier_log, tag))
		for (char *save = NULL, *l = strtok_r(verifier_log, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
			log_err(who, "%s", l);
	free(verifier_log);
	verifier_log = NULL;
	return n;
}
