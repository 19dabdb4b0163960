/* SPDX-License-Identifier: MIT */
/*
 * xennet-xdp filter rule IFNAME port add|del PORT[/tcp|/udp]
 * xennet-xdp filter rule IFNAME port list
 * xennet-xdp filter rule IFNAME prefix add PREFIX [deny|allow]
 * xennet-xdp filter rule IFNAME prefix del PREFIX
 * xennet-xdp filter rule IFNAME prefix list
 * xennet-xdp filter rule IFNAME ratelimit set RATE[/s] [burst N]
 * xennet-xdp filter rule IFNAME ratelimit del
 * xennet-xdp filter rule IFNAME ratelimit list
 *   (each with [--prog NAME] [--json])
 *
 * The rules of the example filters, by name, in their maps pinned under
 * /sys/fs/bpf/xennet/IFNAME/PROG/: the deny-list of xennet_port_deny, the
 * prefix list of xennet_prefix and the limit of xennet_ratelimit (any
 * filter with maps of the same names and layouts will do; --prog picks one
 * when several have them).  Every map is checked against the layout
 * xennet-xdp knows before it is touched.  add fails if the rule is there,
 * del if it is not; add and del print nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "common/rulespec.h"
#include "state/filter_maps.h"
#include "state/runfile.h"
#include "state/xdp_info.h"

#define CMD "filter rule"
#define USAGE "usage: filter rule IFNAME port add|del PORT[/tcp|/udp] | port list | " \
	      "prefix add PREFIX [deny|allow] | prefix del PREFIX | prefix list | " \
	      "ratelimit set RATE[/s] [burst N] | ratelimit del | ratelimit list [--prog NAME] [--json]"

/* One rule command: the interface, the filter whose maps it edits, the
 * words after the verb, and how to print. */
struct rule_cmd {
	const char *ifname, *prog_want;
	char prog[64], dir[256];
	char **args;
	int nargs;
	bool json;
};

/* Open map m of the filter that has it (rc->prog, rc->dir set by the first
 * call), checked against its layout: fd, or -1 having said why. */
static int open_map(struct rule_cmd *rc, enum fm_map m)
{
	char pin[384], why[256] = "", prog2[64], pin2[384];
	int n, fd;

	if (!rc->prog[0]) {
		n = fm_find(rc->ifname, rc->prog_want, m, rc->prog, sizeof(rc->prog), pin, sizeof(pin));
		if (n == 0) {
			xdp_info_pin_dir(pin, sizeof(pin), rc->ifname);
			log_err(rc->ifname, "no filter%s%s has %s pinned under %s: attach one first%s",
				rc->prog_want ? " named " : "", rc->prog_want ? rc->prog_want : "", fm_name(m),
				pin, rc->prog_want ? "" : " (xennet-xdp filter attach IFNAME OBJ)");
			return -1;
		}
		if (n > 1) {
			fm_find(rc->ifname, NULL, m, prog2, sizeof(prog2), pin2, sizeof(pin2));
			log_err(rc->ifname, "%d filters have %s pinned (%s, ...): say which with --prog NAME",
				n, fm_name(m), prog2);
			return -1;
		}
		snprintf(rc->dir, sizeof(rc->dir), "%.*s", (int)(strrchr(pin, '/') - pin), pin);
	}
	snprintf(pin, sizeof(pin), "%s/%s", rc->dir, fm_name(m));
	fd = fm_open(pin, m, why, sizeof(why));
	if (fd == -EPROTO)
		log_err(rc->ifname, "%s is not the map xennet-xdp knows: %s", pin, why);
	else if (fd < 0)
		log_err(rc->ifname, "can't open %s: %s", pin, strerror(-fd));
	return fd < 0 ? -1 : fd;
}

/* Print a list: {ifname, filter, rules [...], extra...} as JSON, or the
 * text lines already formatted. */
static json_object *json_head(const struct rule_cmd *rc)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ifname", json_object_new_string(rc->ifname));
	json_object_object_add(o, "filter", json_object_new_string(rc->prog));
	return o;
}

static void json_print(json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static int fail_errno(const struct rule_cmd *rc, const char *what, int err)
{
	log_err(rc->ifname, "can't %s in %s: %s", what, rc->prog, strerror(-err));
	return 1;
}

/* ---- port ---------------------------------------------------------------- */

static int port_change(struct rule_cmd *rc, bool add)
{
	char why[160], spec[32];
	struct port_spec ps;
	int fd, err = 0, gone = 0;

	if (rc->nargs != 1)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME port %s PORT[/tcp|/udp]", add ? "add" : "del");
	if (rulespec_port(rc->args[0], &ps, why, sizeof(why)) < 0)
		return cmd_usage_error(CMD, "%s", why);
	fd = open_map(rc, FM_DENYPORT);
	if (fd < 0)
		return 1;
	for (int i = 0; i < ps.nproto && !err; i++) {
		snprintf(spec, sizeof(spec), "%u/%s", ps.port, rulespec_proto_name(ps.proto[i]));
		err = add ? fm_port_add(fd, ps.port, ps.proto[i]) : fm_port_del(fd, ps.port, ps.proto[i]);
		if (add && err == -EEXIST) {
			log_err(rc->ifname, "%s already denies %s", rc->prog, spec);
		} else if (add && err) {
			fail_errno(rc, "add a rule", err);
		} else if (!add && err == -ENOENT) {
			err = 0;     /* of PORT (both), one may be there */
			gone++;
		} else if (err) {
			fail_errno(rc, "remove a rule", err);
		}
		if (add && err && i == 1)
			fm_port_del(fd, ps.port, ps.proto[0]);   /* all or nothing */
	}
	if (!err && gone == ps.nproto) {
		if (ps.nproto == 1)
			snprintf(spec, sizeof(spec), "%u/%s", ps.port, rulespec_proto_name(ps.proto[0]));
		else
			snprintf(spec, sizeof(spec), "%u (tcp or udp)", ps.port);
		log_err(rc->ifname, "%s does not deny %s", rc->prog, spec);
		err = -ENOENT;
	}
	close(fd);
	return err ? 1 : 0;
}

static int port_add(struct rule_cmd *rc)
{
	return port_change(rc, true);
}

static int port_del(struct rule_cmd *rc)
{
	return port_change(rc, false);
}

static int port_list(struct rule_cmd *rc)
{
	struct fm_port_rule *r = NULL;
	int fd, n;

	if (rc->nargs)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME port list");
	fd = open_map(rc, FM_DENYPORT);
	if (fd < 0)
		return 1;
	n = fm_port_list(fd, NULL, 0);
	if (n > 0 && (r = calloc((size_t)n, sizeof(*r))))
		n = fm_port_list(fd, r, n);   /* (may have grown: only n are shown) */
	close(fd);
	if (n < 0 || (n > 0 && !r)) {
		free(r);
		return fail_errno(rc, "list the rules", n < 0 ? n : -ENOMEM);
	}
	if (rc->json) {
		json_object *o = json_head(rc), *a = json_object_new_array();

		for (int i = 0; i < n; i++) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "port", json_object_new_int(r[i].port));
			json_object_object_add(e, "proto", json_object_new_string(rulespec_proto_name(r[i].proto)));
			json_object_object_add(e, "hits", json_object_new_uint64(r[i].hits));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "rules", a);
		json_print(o);
	} else {
		printf("%s %s: %d denied destination port%s\n", rc->ifname, rc->prog, n, n == 1 ? "" : "s");
		for (int i = 0; i < n; i++) {
			char spec[16];

			snprintf(spec, sizeof(spec), "%u/%s", r[i].port, rulespec_proto_name(r[i].proto));
			printf("  deny %-12s hits %llu\n", spec, (unsigned long long)r[i].hits);
		}
	}
	free(r);
	return 0;
}

/* ---- prefix -------------------------------------------------------------- */

struct pfx_maps {
	int v4, v6, cfg;
};

static void pfx_close(struct pfx_maps *m)
{
	if (m->v4 >= 0)
		close(m->v4);
	if (m->v6 >= 0)
		close(m->v6);
	if (m->cfg >= 0)
		close(m->cfg);
}

static int pfx_open(struct rule_cmd *rc, struct pfx_maps *m)
{
	m->v4 = open_map(rc, FM_PFX_V4);
	m->v6 = m->v4 < 0 ? -1 : open_map(rc, FM_PFX_V6);
	m->cfg = m->v6 < 0 ? -1 : open_map(rc, FM_PFX_CFG);
	if (m->cfg < 0) {
		pfx_close(m);
		return -1;
	}
	return 0;
}

static const char *mode_name(uint32_t mode)
{
	return mode == FM_PFX_ALLOW ? "allow" : "deny";
}

static int prefix_add(struct rule_cmd *rc)
{
	struct prefix_spec p;
	struct pfx_maps m;
	char why[160], text[64];
	uint32_t mode, want;
	int n4, n6, err, fd;

	if (rc->nargs < 1 || rc->nargs > 2 ||
	    (rc->nargs == 2 && strcmp(rc->args[1], "deny") && strcmp(rc->args[1], "allow")))
		return cmd_usage_error(CMD, "usage: filter rule IFNAME prefix add PREFIX [deny|allow]");
	if (rulespec_prefix(rc->args[0], &p, why, sizeof(why)) < 0)
		return cmd_usage_error(CMD, "%s", why);
	rulespec_prefix_format(&p, text, sizeof(text));
	if (pfx_open(rc, &m) < 0)
		return 1;
	n4 = fm_prefix_list(m.v4, AF_INET, NULL, 0);
	n6 = fm_prefix_list(m.v6, AF_INET6, NULL, 0);
	err = n4 < 0 ? n4 : n6 < 0 ? n6 : fm_prefix_get_mode(m.cfg, &mode);
	if (err) {
		pfx_close(&m);
		return fail_errno(rc, "read the prefix list", err);
	}
	/* the filter has one action for the whole list: a rule's word must be
	 * the list's, unless the list is empty and the word sets it */
	want = rc->nargs == 2 ? (!strcmp(rc->args[1], "allow") ? FM_PFX_ALLOW : FM_PFX_DENY) : mode;
	if (want != mode && n4 + n6 > 0) {
		log_err(rc->ifname, "%s is %s-list of %d prefix%s: an %s rule can't join it (one action for "
			"the whole list; remove them first)", rc->prog, mode == FM_PFX_ALLOW ? "an allow" : "a deny",
			n4 + n6, n4 + n6 == 1 ? "" : "es", mode_name(want));
		pfx_close(&m);
		return 1;
	}
	fd = p.family == AF_INET ? m.v4 : m.v6;
	err = fm_prefix_add(fd, &p);
	if (err == -EEXIST)
		log_err(rc->ifname, "%s is on the %s-list of %s already", text, mode_name(mode), rc->prog);
	else if (err)
		fail_errno(rc, "add a rule", err);
	/* the prefix first, then the mode: an allow-list is never empty by our
	 * doing (it would drop every IP packet meanwhile) */
	if (!err && want != mode) {
		err = fm_prefix_set_mode(m.cfg, want);
		if (err) {
			fail_errno(rc, "set the list's mode", err);
			fm_prefix_del(fd, &p);
		}
	}
	if (!err && want == FM_PFX_ALLOW && (p.family == AF_INET ? n6 : n4) == 0)
		log_warn(rc->ifname, "%s is an allow-list with no %s prefix: every %s packet is dropped "
			 "(add %s to let them through)", rc->prog, p.family == AF_INET ? "IPv6" : "IPv4",
			 p.family == AF_INET ? "IPv6" : "IPv4", p.family == AF_INET ? "::/0" : "0.0.0.0/0");
	pfx_close(&m);
	return err ? 1 : 0;
}

static int prefix_del(struct rule_cmd *rc)
{
	struct prefix_spec p;
	struct pfx_maps m;
	char why[160], text[64];
	uint32_t mode;
	int err;

	if (rc->nargs != 1)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME prefix del PREFIX");
	if (rulespec_prefix(rc->args[0], &p, why, sizeof(why)) < 0)
		return cmd_usage_error(CMD, "%s", why);
	rulespec_prefix_format(&p, text, sizeof(text));
	if (pfx_open(rc, &m) < 0)
		return 1;
	err = fm_prefix_del(p.family == AF_INET ? m.v4 : m.v6, &p);
	if (err == -ENOENT)
		log_err(rc->ifname, "%s is not on the list of %s", text, rc->prog);
	else if (err)
		fail_errno(rc, "remove a rule", err);
	if (!err && fm_prefix_get_mode(m.cfg, &mode) == 0 && mode == FM_PFX_ALLOW &&
	    fm_prefix_list(m.v4, AF_INET, NULL, 0) == 0 && fm_prefix_list(m.v6, AF_INET6, NULL, 0) == 0)
		log_warn(rc->ifname, "%s is an allow-list with no prefix left: every IP packet is dropped "
			 "(add a deny rule to make it a deny-list again)", rc->prog);
	pfx_close(&m);
	return err ? 1 : 0;
}

static int prefix_list(struct rule_cmd *rc)
{
	struct fm_prefix_rule *r = NULL;
	struct pfx_maps m;
	uint32_t mode = FM_PFX_DENY;
	int n4, n6 = 0, n, err;

	if (rc->nargs)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME prefix list");
	if (pfx_open(rc, &m) < 0)
		return 1;
	n4 = fm_prefix_list(m.v4, AF_INET, NULL, 0);
	if (n4 >= 0)
		n6 = fm_prefix_list(m.v6, AF_INET6, NULL, 0);
	err = n4 < 0 ? n4 : n6 < 0 ? n6 : fm_prefix_get_mode(m.cfg, &mode);
	if (!err && n4 + n6 > 0) {
		r = calloc((size_t)(n4 + n6), sizeof(*r));
		if (!r)
			err = -ENOMEM;
	}
	if (!err && n4 > 0)
		n4 = fm_prefix_list(m.v4, AF_INET, r, n4);
	if (!err && n6 > 0 && n4 >= 0)
		n6 = fm_prefix_list(m.v6, AF_INET6, r + n4, n6);
	pfx_close(&m);
	if (!err && (n4 < 0 || n6 < 0))
		err = n4 < 0 ? n4 : n6;
	if (err) {
		free(r);
		return fail_errno(rc, "list the rules", err);
	}
	n = n4 + n6;
	if (rc->json) {
		json_object *o = json_head(rc), *a = json_object_new_array();

		json_object_object_add(o, "mode", json_object_new_string(mode_name(mode)));
		for (int i = 0; i < n; i++) {
			json_object *e = json_object_new_object();
			char text[64];

			rulespec_prefix_format(&r[i].p, text, sizeof(text));
			json_object_object_add(e, "prefix", json_object_new_string(text));
			json_object_object_add(e, "family", json_object_new_string(r[i].p.family == AF_INET ?
										   "ipv4" : "ipv6"));
			json_object_object_add(e, "action", json_object_new_string(mode_name(mode)));
			json_object_object_add(e, "hits", json_object_new_uint64(r[i].hits));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "rules", a);
		json_print(o);
	} else {
		printf("%s %s: %s-list of %d prefix%s%s\n", rc->ifname, rc->prog, mode_name(mode), n,
		       n == 1 ? "" : "es", mode == FM_PFX_ALLOW && n4 + n6 == 0 ? " (every IP packet is dropped)" : "");
		for (int i = 0; i < n; i++) {
			char text[64];

			rulespec_prefix_format(&r[i].p, text, sizeof(text));
			printf("  %-5s %-24s hits %llu\n", mode_name(mode), text, (unsigned long long)r[i].hits);
		}
	}
	free(r);
	return 0;
}

/* ---- ratelimit ----------------------------------------------------------- */

static int ratelimit_set(struct rule_cmd *rc)
{
	uint64_t rate, burst;
	char why[160];
	int fd, err;

	if ((rc->nargs != 1 && rc->nargs != 3) || (rc->nargs == 3 && strcmp(rc->args[1], "burst")))
		return cmd_usage_error(CMD, "usage: filter rule IFNAME ratelimit set RATE[/s] [burst N]");
	if (rulespec_rate(rc->args[0], &rate, why, sizeof(why)) < 0 ||
	    (rc->nargs == 3 && rulespec_burst(rc->args[2], &burst, why, sizeof(why)) < 0))
		return cmd_usage_error(CMD, "%s", why);
	if (rc->nargs == 1)
		burst = rate;    /* one second's worth */
	fd = open_map(rc, FM_RL_CFG);
	if (fd < 0)
		return 1;
	err = fm_rl_set(fd, rate, burst);
	close(fd);
	return err ? fail_errno(rc, "set the limit", err) : 0;
}

static int ratelimit_del(struct rule_cmd *rc)
{
	uint64_t rate, burst;
	int fd, err;

	if (rc->nargs)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME ratelimit del");
	fd = open_map(rc, FM_RL_CFG);
	if (fd < 0)
		return 1;
	err = fm_rl_get(fd, &rate, &burst);
	if (!err && rate == 0) {
		log_err(rc->ifname, "%s has no limit to remove", rc->prog);
		close(fd);
		return 1;
	}
	if (!err)
		err = fm_rl_set(fd, 0, 0);
	close(fd);
	return err ? fail_errno(rc, "remove the limit", err) : 0;
}

static int ratelimit_list(struct rule_cmd *rc)
{
	uint64_t rate, burst;
	int fd, src, err, n;

	if (rc->nargs)
		return cmd_usage_error(CMD, "usage: filter rule IFNAME ratelimit list");
	fd = open_map(rc, FM_RL_CFG);
	if (fd < 0)
		return 1;
	src = open_map(rc, FM_RL_SRC);
	if (src < 0) {
		close(fd);
		return 1;
	}
	err = fm_rl_get(fd, &rate, &burst);
	n = fm_rl_sources(src);
	close(fd);
	close(src);
	if (err || n < 0)
		return fail_errno(rc, "read the limit", err ? err : n);
	if (burst == 0)
		burst = 1;     /* as the filter takes it */
	if (rc->json) {
		json_object *o = json_head(rc), *a = json_object_new_array();

		if (rate) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "rate_pps", json_object_new_uint64(rate));
			json_object_object_add(e, "burst", json_object_new_uint64(burst));
			json_object_array_add(a, e);
		}
		json_object_object_add(o, "rules", a);
		json_object_object_add(o, "sources", json_object_new_int(n));
		json_print(o);
	} else if (rate) {
		printf("%s %s: %llu/s burst %llu per source, %d source%s tracked\n", rc->ifname, rc->prog,
		       (unsigned long long)rate, (unsigned long long)burst, n, n == 1 ? "" : "s");
	} else {
		printf("%s %s: no limit\n", rc->ifname, rc->prog);
	}
	return 0;
}

static const struct {
	const char *kind, *verb;
	int (*fn)(struct rule_cmd *rc);
} verbs[] = {
	{ "port", "add", port_add }, { "port", "del", port_del }, { "port", "list", port_list },
	{ "prefix", "add", prefix_add }, { "prefix", "del", prefix_del }, { "prefix", "list", prefix_list },
	{ "ratelimit", "set", ratelimit_set }, { "ratelimit", "del", ratelimit_del },
	{ "ratelimit", "list", ratelimit_list },
};

int cmd_filter_rule(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prog", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	struct rule_cmd rc = { 0 };
	struct runstate rs;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j", opts, NULL)) != -1) {
		if (c == 'p')
			rc.prog_want = optarg;
		else if (c == 'j')
			rc.json = true;
		else
			return cmd_option_error(CMD, argv, c);
	}
	if (argc - optind < 3)
		return cmd_usage_error(CMD, USAGE);
	rc.ifname = argv[optind];
	rc.args = argv + optind + 3;
	rc.nargs = argc - optind - 3;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].kind, argv[optind + 1]) || strcmp(verbs[i].verb, argv[optind + 2]))
			continue;
		if (rc.json && strcmp(verbs[i].verb, "list"))
			return cmd_usage_error(CMD, "--json is for list");
		if (cmd_instance(CMD, rc.ifname, &rs) < 0)
			return 1;
		return verbs[i].fn(&rc);
	}
	return cmd_usage_error(CMD, "'%s %s' is not a rule command; " USAGE, argv[optind + 1], argv[optind + 2]);
}
