/* SPDX-License-Identifier: MIT */
/* Subcommands of xennet-xdp, one file each. */
#ifndef XENNET_CMD_H
#define XENNET_CMD_H
#include "common/ifname.h"

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_filter(int argc, char **argv);
/* filter rule IFNAME ...: argv[0] is "rule" (cmd_rule.c). */
int cmd_filter_rule(int argc, char **argv);

/* Print "xennet-xdp: <cmd>: <msg>" and return 2 (bad usage). */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What getopt_long (optstring ":") found wrong in option c; returns 2. */
int cmd_option_error(const char *cmd, char **argv, int c);
/* ifname names the guest-facing interface of a running instance: 0 with
 * its state in rs, or -1 having said why ("CMD: 'x' is not a valid
 * interface name", "IFNAME: not an interface of a running ..."). */
struct runstate;
int cmd_instance(const char *cmd, const char *ifname, struct runstate *rs);
/* Strict unsigned option value; prints the error itself. */
int cmd_parse_uint(const char *cmd, const char *opt, const char *s, unsigned long max, unsigned long *out);

#endif
