/* SPDX-License-Identifier: MIT */
/*
 * xennet-xdp filter attach IFNAME OBJ [--prog NAME] [--priority N]
 * xennet-xdp filter detach IFNAME (--prog NAME | --all) [--purge]
 * xennet-xdp filter list [IFNAME]
 * xennet-xdp filter rule IFNAME ...   (cmd_rule.c)
 *
 * User XDP programs on the guest-facing interface's ingress (traffic from
 * the backend, before the guest's stack), through libxdp so that they share
 * the interface with anything attached by xdp-loader.  A filter's maps are
 * pinned under /sys/fs/bpf/xennet/IFNAME/PROG/ so that bpftool and `filter
 * rule` reach them by path.  The pins outlive `detach`, so that attaching
 * the filter again keeps its rules; `detach --purge` and `down` remove them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "common/netns.h"
#include "state/runfile.h"
#include "state/xdp_info.h"

/* A program name becomes a directory under the pins: [A-Za-z0-9_], 1..63. */
static bool valid_prog_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 63 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* Run fn in the instance's namespace; a failure to get there is said here
 * (fn's own failures, already said, come back as 1). */
static int in_instance_ns(const struct runstate *rs, const char *ifname, int (*fn)(void *), void *arg)
{
	int ret = netns_run(rs->netns[0] ? rs->netns : NULL, fn, arg);

	if (ret < 0)
		log_err(ifname, "can't enter network namespace %s: %s", rs->netns,
			strerror(-ret));
	return ret;
}

/* Check the object before libxdp sees it, to name the problem exactly. */
int filter_check_object(const char *obj, const char *want, char *name, size_t size)
{
	struct bpf_object *o;
	struct bpf_program *p;
	char names[256] = "";
	size_t len = 0;
	int found = 0;

	if (access(obj, R_OK) < 0) {
		log_err(NULL, "filter: can't read %s: %s", obj, strerror(errno));
		return -1;
	}
	o = bpf_object__open_file(obj, NULL);
	if (libbpf_get_error(o)) {
		log_err(NULL, "filter: %s is not a BPF object libbpf can open", obj);
		return -1;
	}
	bpf_object__for_each_program(p, o) {
		if (bpf_program__type(p) != BPF_PROG_TYPE_XDP)
			continue;
		len += (size_t)snprintf(names + len, len < sizeof(names) ? sizeof(names) - len : 0,
					"%s%s", len ? ", " : "", bpf_program__name(p));
		if (!found && (!want || !strcmp(want, bpf_program__name(p)))) {
			snprintf(name, size, "%s", bpf_program__name(p));
			found = 1;
		}
	}
	bpf_object__close(o);
	if (!len) {
		log_err(NULL, "filter: %s has no XDP program", obj);
		return -1;
	}
	if (!found) {
		log_err(NULL, "filter: %s has no XDP program named '%s' (it has: %s)",
			obj, want, names);
		return -1;
	}
	if (!valid_prog_name(name)) {
		log_err(NULL, "filter: program name '%s' in %s is not 1-63 of "
			"A-Z a-z 0-9 _", name, obj);
		return -1;
	}
	return 0;
}

struct attach_op {
	const char *ifname, *obj, *prog;
	long prio;              /* -1: the object's own */
	char pin_dir[160];
	uint32_t id;
	int prio_used;
};

/* A filter's maps are pinned by name under its directory and outlive a
 * detach (only --purge and `down` remove them): attaching it again reuses
 * them, so its rules stay.  Each pinned map must have the layout the
 * object declares, or the attach is refused: the program would read
 * another struct than its own. */
static int reuse_pins(struct bpf_object *o, const char *ifname, const char *prog, const char *dir)
{
	struct bpf_map *m;
	char path[256];

	bpf_object__for_each_map(m, o) {
		struct bpf_map_info info = { 0 };
		__u32 len = sizeof(info);
		int fd, err = 0;

		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0) {
			log_err(ifname, "can't open the pinned map %s: %s", path, strerror(errno));
			err = -1;
		} else if (info.type != bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
			   info.value_size != bpf_map__value_size(m) ||
			   info.max_entries != bpf_map__max_entries(m) || info.map_flags != bpf_map__map_flags(m)) {
			log_err(ifname, "the pinned map %s is not the one %s declares (type, sizes, entries or "
				"flags differ): remove it with its rules by xennet-xdp filter detach %s --prog %s "
				"--purge", path, prog, ifname, prog);
			err = -1;
		} else if ((err = bpf_map__reuse_fd(m, fd)) < 0) {
			log_err(ifname, "can't reuse the pinned map %s: %s", path, strerror(-err));
		}
		if (fd >= 0)
			close(fd);
		if (err)
			return -1;
	}
	return 0;
}

/* Pin the maps that are not pinned yet (those reused are); on failure,
 * unpin what this call pinned. */
static int pin_maps(struct xdp_program *xp, const char *dir)
{
	struct bpf_object *o = xdp_program__bpf_obj(xp);
	struct bpf_map *m, *done;
	char path[256];
	struct stat st;

	if (!o)
		return 0;
	mkdir("/sys/fs/bpf/xennet", 0700);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	bpf_object__for_each_map(m, o) {
		if (bpf_map__is_internal(m))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(m));
		if (stat(path, &st) == 0)
			continue;
		if (bpf_map__pin(m, path) < 0) {
			int err = -errno;

			bpf_object__for_each_map(done, o) {
				if (done == m)
					break;
				if (bpf_map__is_pinned(done))
					bpf_map__unpin(done, NULL);
			}
			rmdir(dir);    /* only if it is empty */
			return err;
		}
	}
	return 0;
}

static int attach_here(void *arg)
{
	struct attach_op *op = arg;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .open_filename = op->obj, .prog_name = op->prog);
	struct xdp_prog_info before[XDP_INFO_MAX];
	int idx = (int)if_nametoindex(op->ifname), nbefore, err;
	struct xdp_program *xp;
	struct stat st;

	if (!idx) {
		log_err(op->ifname, "no such interface");
		return 1;
	}
	nbefore = xdp_info_list(op->ifname, NULL, before, XDP_INFO_MAX);
	for (int i = 0; i < nbefore; i++) {
		if (!strcmp(before[i].name, op->prog)) {
			log_err(op->ifname, "a filter named %s is already attached", op->prog);
			return 1;
		}
	}
	xp = xdp_program__create(&opts);
	if (libxdp_get_error(xp)) {
		log_err(NULL, "filter: can't load %s from %s: %s", op->prog, op->obj,
			strerror((int)-libxdp_get_error(xp)));
		return 1;
	}
	if (stat(op->pin_dir, &st) == 0 &&
	    reuse_pins(xdp_program__bpf_obj(xp), op->ifname, op->prog, op->pin_dir) < 0) {
		xdp_program__close(xp);
		return 1;
	}
	if (op->prio >= 0)
		xdp_program__set_run_prio(xp, (unsigned int)op->prio);
	xdp_info_verifier_log(NULL, NULL);
	err = xdp_program__attach(xp, idx, XDP_MODE_NATIVE, 0);
	if (err) {
		/* libxdp says EBUSY/EEXIST when it would have to replace a program
		 * running alone because its dispatcher could not load */
		if (nbefore > 0 && !before[0].dispatcher && (err == -EBUSY || err == -EEXIST))
			log_err(op->ifname, "can't attach %s: %s is attached already, and libxdp's "
				"dispatcher, which runs more than one, is unavailable here (%s)",
				op->prog, before[0].name, strerror(-err));
		else
			log_err(op->ifname, "can't attach %s: %s", op->prog, strerror(-err));
		/* a program the verifier rejected: its log says why */
		xdp_info_verifier_log(op->ifname, op->prog);
		xdp_program__close(xp);
		return 1;
	}
	err = pin_maps(xp, op->pin_dir);
	if (err) {
		int derr = xdp_program__detach(xp, idx, XDP_MODE_NATIVE, 0);

		if (derr)
			log_err(op->ifname, "can't pin the maps of %s under %s: %s, and can't detach it "
				"(%s): remove it with xennet-xdp filter detach %s --prog %s",
				op->prog, op->pin_dir, strerror(-err), strerror(-derr), op->ifname, op->prog);
		else
			log_err(op->ifname, "can't pin the maps of %s under %s: %s; detached it again",
				op->prog, op->pin_dir, strerror(-err));
		xdp_program__close(xp);
		return 1;
	}
	op->id = xdp_program__id(xp);
	op->prio_used = (int)xdp_program__run_prio(xp);
	xdp_program__close(xp);
	return 0;
}

struct attach_cfg {
	const char *ifname, *obj, *prog;
	unsigned long prio;          /* OPT_UNSET: the object's own */
};

static int run_attach(void *arg)
{
	const struct attach_cfg *c = arg;
	struct attach_op op = { .ifname = c->ifname, .obj = c->obj,
				.prio = c->prio == OPT_UNSET ? -1 : (long)c->prio };
	struct runstate rs;
	char name[64];

	if (cmd_instance("filter", op.ifname, &rs) < 0 || filter_check_object(op.obj, c->prog, name, sizeof(name)) < 0)
		return 1;
	op.prog = name;
	xdp_info_filter_dir(op.pin_dir, sizeof(op.pin_dir), op.ifname, op.prog);
	if (in_instance_ns(&rs, op.ifname, attach_here, &op) != 0)
		return 1;
	printf("%s: attached %s (id %u) at priority %d; maps pinned under %s\n", op.ifname, op.prog,
	       op.id, op.prio_used, op.pin_dir);
	return 0;
}

struct detach_op {
	const char *ifname, *prog;
	bool all, purge;
	bool none;              /* --purge, and nothing of that name attached */
	char names[256];
};

static int detach_here(void *arg)
{
	struct detach_op *op = arg;
	int idx = (int)if_nametoindex(op->ifname), err = 0;
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	size_t len = 0;

	if (!idx) {
		log_err(op->ifname, "no such interface");
		return 1;
	}
	mp = xdp_multiprog__get_from_ifindex(idx);
	if (libxdp_get_error(mp) || !mp || !xdp_multiprog__main_prog(mp)) {
		if (!libxdp_get_error(mp))
			xdp_multiprog__close(mp);
		op->none = op->purge;   /* its maps may still be pinned */
		if (!op->purge)
			log_err(op->ifname, "no filter is attached");
		return op->purge ? 0 : 1;
	}
	if (op->all || xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (!op->all && (!p || strcmp(xdp_program__name(p), op->prog))) {
			op->none = op->purge;
			if (!op->purge)
				log_err(op->ifname, "no filter named '%s' (attached: %s)", op->prog,
					p ? xdp_program__name(p) : "none");
			xdp_multiprog__close(mp);
			return op->purge ? 0 : 1;
		}
		/* the names, for the pins */
		if (xdp_multiprog__is_legacy(mp))
			len += (size_t)snprintf(op->names, sizeof(op->names), "%s", xdp_program__name(p));
		else
			for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
				len += (size_t)snprintf(op->names + len, len < sizeof(op->names) ?
							sizeof(op->names) - len : 0, "%s%s",
							len ? " " : "", xdp_program__name(p));
		err = xdp_multiprog__detach(mp);
	} else {
		for (p = xdp_multiprog__next_prog(NULL, mp); p; p = xdp_multiprog__next_prog(p, mp))
			if (!strcmp(xdp_program__name(p), op->prog))
				break;
		if (!p) {
			op->none = op->purge;
			if (!op->purge)
				log_err(op->ifname, "no filter named '%s'", op->prog);
			xdp_multiprog__close(mp);
			return op->purge ? 0 : 1;
		}
		snprintf(op->names, sizeof(op->names), "%s", op->prog);
		err = xdp_program__detach(p, idx, xdp_multiprog__attach_mode(mp), 0);
	}
	xdp_multiprog__close(mp);
	if (err) {
		log_err(op->ifname, "can't detach: %s", strerror(-err));
		return 1;
	}
	return 0;
}

/* Every filter's pins below the interface's directory (ours stay);
 * counts the directories removed. */
static void remove_filter_pins(const char *prog, const char *dir, void *arg)
{
	if (valid_prog_name(prog) && xdp_info_rm_pins(dir) > 0)
		(*(int *)arg)++;
}

struct detach_cfg {
	const char *ifname, *prog;
	bool all, purge;
};

static int run_detach(void *arg)
{
	const struct detach_cfg *c = arg;
	struct detach_op op = { .prog = c->prog, .all = c->all, .purge = c->purge };
	struct runstate rs;
	struct stat st;
	char dir[160];
	int removed = 0;

	if (!op.prog == !op.all)
		return cmd_usage_error("filter detach", "usage: filter detach IFNAME (--prog NAME | --all) [--purge]");
	if (op.prog && !valid_prog_name(op.prog))
		return cmd_usage_error("filter detach", "--prog: '%s' is not 1-63 of A-Z a-z 0-9 _", op.prog);
	op.ifname = c->ifname;
	if (cmd_instance("filter", op.ifname, &rs) < 0)
		return 1;
	if (in_instance_ns(&rs, op.ifname, detach_here, &op) != 0)
		return 1;
	for (char *save = NULL, *n = strtok_r(op.names, " ", &save); n; n = strtok_r(NULL, " ", &save)) {
		xdp_info_filter_dir(dir, sizeof(dir), op.ifname, n);
		if (!valid_prog_name(n) || stat(dir, &st) < 0)
			printf("%s: detached %s\n", op.ifname, n);
		else if (op.purge && xdp_info_rm_pins(dir) > 0)
			printf("%s: detached %s and removed its maps and rules\n", op.ifname, n);
		else
			printf("%s: detached %s; its maps and rules stay under %s for the next attach "
			       "(--purge removes them)\n", op.ifname, n, dir);
	}
	/* --purge: the pins of filters detached before, or removed behind our
	 * back, go too */
	if (op.purge && op.all)
		xdp_info_for_each_filter(op.ifname, remove_filter_pins, &removed);
	else if (op.purge && op.none) {
		xdp_info_filter_dir(dir, sizeof(dir), op.ifname, op.prog);
		removed = xdp_info_rm_pins(dir) > 0;
	}
	if (op.none && !removed) {
		if (op.prog)
			log_err(op.ifname, "no filter named '%s' is attached or has maps pinned", op.prog);
		else
			log_err(op.ifname, "no filter is attached or has maps pinned");
		return 1;
	}
	if (removed)
		printf("%s: removed the maps and rules of %d detached filter%s\n", op.ifname, removed,
		       removed == 1 ? "" : "s");
	return 0;
}

static void list_one(const char *ifname, const struct runstate *rs)
{
	struct xdp_prog_info pi[XDP_INFO_MAX];
	int n = xdp_info_list(ifname, rs->netns, pi, XDP_INFO_MAX);

	if (n < 0) {
		log_err(ifname, "can't read its XDP programs: %s", strerror(-n));
		return;
	}
	if (!n) {
		printf("%s: no filter\n", ifname);
		return;
	}
	printf("%s:\n%6s  %-24s %8s  %-7s %s\n", ifname, "prio", "program", "id", "mode", "chain actions");
	for (int i = 0; i < n; i++)
		printf("%6d  %-24s %8u  %-7s %s%s\n", pi[i].prio, pi[i].name, pi[i].id, pi[i].mode,
		       pi[i].chain, pi[i].dispatcher ? "" : "  (alone: no dispatcher)");
}

struct list_cfg {
	const char *ifname;
};

static int run_list(void *arg)
{
	const struct list_cfg *c = arg;
	struct runstate rs;
	int n;

	if (c->ifname) {
		if (cmd_instance("filter", c->ifname, &rs) < 0)
			return 1;
		list_one(c->ifname, &rs);
		return 0;
	}
	n = runfile_for_each(list_one);
	if (n < 0) {
		log_err(NULL, "filter list: can't read %s: %s", runfile_dir(), strerror(-n));
		return 1;
	}
	return 0;
}

#define A(f) offsetof(struct attach_cfg, f)
static const struct opt attach_opts[] = {
	POSITIONAL("IFNAME", OPT_IFNAME, A(ifname), "a running instance's interface",
		   .comp = COMP_INSTANCE),
	POSITIONAL("OBJ", OPT_STRING, A(obj), "the BPF object file with the XDP program", .comp = COMP_OBJECT),
	OPT("prog", 0, OPT_STRING, A(prog), "NAME", "the XDP program in OBJ (default: its first)"),
	OPT("priority", 0, OPT_UINT, A(prio), "N", "run priority in libxdp's dispatcher, lowest first "
	  "(default: the object's XDP_RUN_CONFIG, else 50)", .max = 1000),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_filter_attach_def = OPT_CMD(
	"filter attach", "Attach an XDP program to IFNAME's ingress (the traffic from the backend).",
	"Through libxdp, so that it shares the interface with what xdp-loader attaches; several "
	"filters run in libxdp's dispatcher in priority order, each one's chain-call actions deciding "
	"whether the next runs (where the kernel refuses the dispatcher, one filter runs alone and a "
	"second attach fails saying so). The program's maps are pinned under "
	"/sys/fs/bpf/xennet/IFNAME/PROG/, for bpftool and filter rule; if they are pinned already "
	"(the filter was detached, or removed by another tool), they are reused by name, so that the "
	"filter keeps its rules; a pinned map whose type, sizes, entries or flags differ from what OBJ "
	"declares is refused. A program the kernel rejects is followed by the verifier's log.",
	attach_opts, sizeof(struct attach_cfg), run_attach);

#define D(f) offsetof(struct detach_cfg, f)
static const struct opt detach_opts[] = {
	POSITIONAL("IFNAME", OPT_IFNAME, D(ifname), "a running instance's interface",
		   .comp = COMP_INSTANCE),
	OPT("prog", 0, OPT_STRING, D(prog), "NAME", "the filter to detach", .comp = COMP_PROG),
	OPT("all", 0, OPT_FLAG, D(all), NULL, "detach every XDP program on IFNAME (ours and others')"),
	OPT("purge", 0, OPT_FLAG, D(purge), NULL, "remove the filter's pinned maps, and so its rules, too"),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_filter_detach_def = OPT_CMD(
	"filter detach", "Detach a filter (--prog NAME) or every XDP program (--all) from IFNAME.",
	"The filter's maps stay pinned, so that attaching it again keeps its rules; --purge removes "
	"them (also those of a filter detached before, or removed by another tool), as down does.",
	detach_opts, sizeof(struct detach_cfg), run_detach);

#define L(f) offsetof(struct list_cfg, f)
static const struct opt list_opts[] = {
	POSITIONAL_OPTIONAL("IFNAME", OPT_IFNAME, L(ifname), "the instance (default: every running one)", .comp = COMP_INSTANCE),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_filter_list_def = OPT_CMD(
	"filter list", "List the XDP programs on IFNAME's ingress, in run order.",
	"With their priority, id, attach mode and chain-call actions; xdp-loader status shows the same.",
	list_opts, sizeof(struct list_cfg), run_list);
