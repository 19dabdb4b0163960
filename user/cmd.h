/* SPDX-License-Identifier: MIT */
/* Subcommands of xennet-xdp, one file each. */
#ifndef XENNET_CMD_H
#define XENNET_CMD_H

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_filter(int argc, char **argv);

/* Where a running instance keeps its pid and counters. */
#define XENNET_RUN_DIR "/run/xennet"
/* Print "xennet-xdp: <cmd>: <msg>" and return 2 (bad usage). */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What getopt_long (optstring ":") found wrong in option c; returns 2. */
int cmd_option_error(const char *cmd, char **argv, int c);
/* Strict unsigned option value; prints the error itself. */
int cmd_parse_uint(const char *cmd, const char *opt, const char *s, unsigned long max, unsigned long *out);
/* A usable interface name: 1..13 chars of [A-Za-z0-9_.-] (room for the peer suffix). */
int cmd_valid_ifname(const char *s);
/* Read-side commands say one line on failure; libbpf and libxdp, quiet. */
void cmd_quiet_bpf_libs(void);
/* The peer of ifname: ifname + "-p". */
void cmd_peer_name(const char *ifname, char peer[16]);

#endif
