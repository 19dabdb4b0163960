/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdarg.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "xs_keys.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xennet-xdp: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int cmd_parse_uint(const char *cmd, const char *opt, const char *s, unsigned long max, unsigned long *out)
{
	if (xk_parse_uint(s, max, out) < 0) {
		cmd_usage_error(cmd, "%s: '%s' is not a number in 0..%lu", opt, s, max);
		return -1;
	}
	return 0;
}

int cmd_valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 13 || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

void cmd_peer_name(const char *ifname, char peer[16])
{
	snprintf(peer, 16, "%.13s-p", ifname);
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

void cmd_quiet_bpf_libs(void)
{
	libbpf_set_print(silent_bpf);
	libxdp_set_print(silent_xdp);
}

int cmd_option_error(const char *cmd, char **argv, int c)
{
	if (c == ':')
		return cmd_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt)
		return cmd_usage_error(cmd, "unknown option '-%c'", optopt);
	return cmd_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}
