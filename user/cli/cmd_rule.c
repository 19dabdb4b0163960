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
 *   (each with [--prog NAME]; list with [--json])
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

/* One rule command: what the option table fills (the interface, the
 * filter asked for, the rule's words, how to print), and the filter whose
 * maps it edits. */
struct rule_cmd {
	const char *ifname, *prog_want;
	const char *arg;             /* PORT, PREFIX or RATE */
	int action;                  /* prefix add: 0 deny, 1 allow, -1 the list's */
	const char *burst;           /* ratelimit set: NULL, the rate */
	bool json;
	char prog[64], dir[256];
};

/* Open map m of the filter that has it (rc->prog, rc->dir set by the first
 * call), checked against its layout: fd, or -1 having said why. */
static int open_map(struct rule_cmd *rc, enum fm_map m)
{
	char pin[384], why[256] = "";
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
			log_err(rc->ifname, "%d filters have %s pinned (%s, ...): say which with --prog NAME",
				n, fm_name(m), rc->prog);
			rc->prog[0] = '\0';
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

	if (rulespec_port(rc->arg, &ps, why, sizeof(why)) < 0)
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

	if (rulespec_prefix(rc->arg, &p, why, sizeof(why)) < 0)
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
	want = rc->action < 0 ? mode : rc->action == 1 ? FM_PFX_ALLOW : FM_PFX_DENY;
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

	if (rulespec_prefix(rc->arg, &p, why, sizeof(why)) < 0)
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

	if (rulespec_rate(rc->arg, &rate, why, sizeof(why)) < 0 ||
	    (rc->burst && rulespec_burst(rc->burst, &burst, why, sizeof(why)) < 0))
		return cmd_usage_error(CMD, "%s", why);
	if (!rc->burst)
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

/* Every rule command: the instance must be running; then its verb. */
static int with_instance(struct rule_cmd *rc, int (*fn)(struct rule_cmd *rc))
{
	struct runstate rs;

	if (cmd_instance(CMD, rc->ifname, &rs) < 0)
		return 1;
	return fn(rc);
}

#define RUN(verb) static int run_##verb(void *arg) { return with_instance(arg, verb); }
RUN(port_add) RUN(port_del) RUN(port_list) RUN(prefix_add) RUN(prefix_del) RUN(prefix_list)
RUN(ratelimit_set) RUN(ratelimit_del) RUN(ratelimit_list)
#undef RUN

#define O(f) offsetof(struct rule_cmd, f)
#define IFNAME_ARG POSITIONAL("IFNAME", OPT_IFNAME, O(ifname), "a running instance's interface", \
			      .comp = COMP_INSTANCE)
#define PROG_OPT OPT("prog", 0, OPT_STRING, O(prog_want), "NAME", "the filter whose maps to use, when " \
		     "several have them", .comp = COMP_PROG)
#define JSON_OPT OPT("json", 'j', OPT_FLAG, O(json), NULL, "print JSON")

static const char *const actions[] = { "deny", "allow", NULL };

/* The rules' words, checked as the command line (or a config file) is read */
static int check_port(const char *s, char *why, size_t len)
{
	struct port_spec p;

	return rulespec_port(s, &p, why, len);
}

static int check_prefix(const char *s, char *why, size_t len)
{
	struct prefix_spec p;

	return rulespec_prefix(s, &p, why, len);
}

static int check_rate(const char *s, char *why, size_t len)
{
	uint64_t v;

	return rulespec_rate(s, &v, why, len);
}

static int check_burst(const char *s, char *why, size_t len)
{
	uint64_t v;

	return rulespec_burst(s, &v, why, len);
}

static const struct opt port_opts[] = {
	IFNAME_ARG,
	POSITIONAL("PORT", OPT_STRING, O(arg), "a destination port: PORT/tcp, PORT/udp, or PORT for both",
		   .check = check_port),
	PROG_OPT, OPT_TABLE_END,
};
static const struct opt prefix_add_opts[] = {
	IFNAME_ARG,
	POSITIONAL("PREFIX", OPT_STRING, O(arg), "a source prefix, IPv4 (10.0.0.0/8) or IPv6 (2001:db8::/32); "
		   "without /LEN, one address", .check = check_prefix),
	POSITIONAL_OPTIONAL("ACTION", OPT_CHOICE, O(action), "deny or allow: the list's (default), or on "
			    "an empty list, what it becomes", .choices = actions),
	PROG_OPT, OPT_TABLE_END,
};
static const struct opt prefix_del_opts[] = {
	IFNAME_ARG,
	POSITIONAL("PREFIX", OPT_STRING, O(arg), "the prefix, as it was added", .check = check_prefix),
	PROG_OPT, OPT_TABLE_END,
};
static const struct opt ratelimit_set_opts[] = {
	IFNAME_ARG,
	POSITIONAL("RATE", OPT_STRING, O(arg), "packets per second and source: N/s or N", .check = check_rate),
	OPT("burst", 0, OPT_STRING, O(burst), "N", "a source's bucket, in packets (default: the rate)",
	    .flags = OPT_WORD, .check = check_burst),
	PROG_OPT, OPT_TABLE_END,
};
static const struct opt plain_opts[] = { IFNAME_ARG, PROG_OPT, OPT_TABLE_END };
static const struct opt list_opts[] = { IFNAME_ARG, PROG_OPT, JSON_OPT, OPT_TABLE_END };

#define PORT_DOC "The deny-list of xennet_port_deny (map xennet_denyport): TCP and UDP packets to a " \
	"listed destination port are dropped."
#define PREFIX_DOC "The source prefixes of xennet_prefix (maps xennet_pfx_v4, xennet_pfx_v6, " \
	"xennet_pfx_cfg): the list is a deny-list (matching sources dropped) or an allow-list (IP " \
	"sources matching no prefix of their family dropped) as a whole; the filter has one action " \
	"for all of it."
#define RL_DOC "The limit of xennet_ratelimit (maps xennet_rl_cfg, xennet_rl_src): a token bucket per " \
	"source address, refilled at RATE packets per second, holding at most burst packets."
#define RULE(p, sum, doc, o, fn) OPT_CMD("filter rule IFNAME " p, sum, doc, o, sizeof(struct rule_cmd), fn)

const struct opt_cmd cmd_rule_port_add_def = RULE("port add", "Deny a destination port.", PORT_DOC
	" Fails if the port is denied already.", port_opts, run_port_add);
const struct opt_cmd cmd_rule_port_del_def = RULE("port del", "Allow a denied destination port again.",
	"Fails if the port is not denied.", port_opts, run_port_del);
const struct opt_cmd cmd_rule_port_list_def = RULE("port list", "List the denied ports with their hit counts.",
	"--json prints {ifname, filter, rules [{port, proto, hits}]}.", list_opts, run_port_list);
const struct opt_cmd cmd_rule_prefix_add_def = RULE("prefix add", "Add a source prefix to the list.",
	PREFIX_DOC " An optional deny or allow must be the list's action, except on an empty list, which "
	"it turns into a deny-list or an allow-list. An allow-list with no prefix of a family drops every "
	"packet of that family (add ::/0 or 0.0.0.0/0 to let it through; IPv6 needs its link-local "
	"sources, fe80::/10, for neighbour discovery).", prefix_add_opts, run_prefix_add);
const struct opt_cmd cmd_rule_prefix_del_def = RULE("prefix del", "Remove a source prefix from the list.",
	"An allow-list keeps its action when it becomes empty (and drops every IP packet); a deny rule "
	"added then makes it a deny-list.", prefix_del_opts, run_prefix_del);
const struct opt_cmd cmd_rule_prefix_list_def = RULE("prefix list",
	"List the source prefixes with the list's action and their hit counts.",
	"--json prints {ifname, filter, mode, rules [{prefix, family (\"ipv4\" or \"ipv6\"), action, hits}]}.",
	list_opts, run_prefix_list);
const struct opt_cmd cmd_rule_ratelimit_set_def = RULE("ratelimit set", "Limit every source's packet rate.",
	RL_DOC, ratelimit_set_opts, run_ratelimit_set);
const struct opt_cmd cmd_rule_ratelimit_del_def = RULE("ratelimit del", "Remove the limit.",
	"Fails if there is none.", plain_opts, run_ratelimit_del);
const struct opt_cmd cmd_rule_ratelimit_list_def = RULE("ratelimit list",
	"Show the limit and how many sources are tracked.",
	"--json prints {ifname, filter, rules [{rate_pps, burst}] (empty without a limit), sources}.",
	list_opts, run_ratelimit_list);
