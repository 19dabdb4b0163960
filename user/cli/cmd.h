/* SPDX-License-Identifier: MIT */
/* Subcommands of xennet-xdp, one file each: each file has the option table
 * of its command(s) (common/opts.h), which drives the parsing, -h, the
 * usage lines, the man page and the bash completion; main.c lists them. */
#ifndef XENNET_CMD_H
#define XENNET_CMD_H
#include <stdbool.h>
#include <stddef.h>
#include "common/ifname.h"
#include "common/opts.h"

/* The options before the command (and -h, -v in every command). */
struct cli_global {
	bool version, verbose;
	const char *run_dir;
	int generate;            /* --generate: man, bash-completion, usage; -1 */
};

extern const struct opt_prog cli_prog;

/* The help and verbose options every command takes. */
extern const struct opt cli_common_opts[];

extern const struct opt_cmd cmd_up_def, cmd_down_def, cmd_status_def, cmd_stats_def, cmd_list_def,
	cmd_filter_attach_def, cmd_filter_detach_def, cmd_filter_list_def;
/* filter rule IFNAME ...: one command per kind and verb (cmd_rule.c) */
extern const struct opt_cmd cmd_rule_port_add_def, cmd_rule_port_del_def, cmd_rule_port_list_def,
	cmd_rule_prefix_add_def, cmd_rule_prefix_del_def, cmd_rule_prefix_list_def,
	cmd_rule_ratelimit_set_def, cmd_rule_ratelimit_del_def, cmd_rule_ratelimit_list_def;

/* A BPF object's XDP program, for filter attach: the one named want (NULL:
 * the first) into name; 0, or -1 having said why (unreadable, no such
 * program, a name that can't be a pin directory). */
int filter_check_object(const char *obj, const char *want, char *name, size_t size);

/* Print "xennet-xdp: <cmd>: <msg>" and return 2 (bad usage). */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ifname names the guest-facing interface of a running instance: 0 with
 * its state in rs, or -1 having said why ("CMD: 'x' is not a valid
 * interface name", "IFNAME: not an interface of a running ..."). */
struct runstate;
int cmd_instance(const char *cmd, const char *ifname, struct runstate *rs);

#endif
