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

/* Print "xennet-xdp: <cmd>: <msg>" and return 2 (bad usage). */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What getopt_long (optstring ":") found wrong in option c; returns 2. */
int cmd_option_error(const char *cmd, char **argv, int c);
/* Strict unsigned option value; prints the error itself. */
int cmd_parse_uint(const char *cmd, const char *opt, const char *s, unsigned long max, unsigned long *out);

#endif
