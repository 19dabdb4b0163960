/* SPDX-License-Identifier: MIT */
/* xennet-xdp: a Xen PV network frontend in userspace, over AF_XDP.  The
 * commands and their option tables (common/opts.h); what is said here is
 * also the man page's and the bash completion's (--generate). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "cli/cmd.h"
#include "cli/config.h"
#include "cli/keeper.h"
#include "common/log.h"
#include "state/runfile.h"
#include "state/xdp_info.h"

#ifndef XENNET_VERSION
#define XENNET_VERSION "unknown"
#endif
#ifndef XENNET_LIBXDP_VERSION
#define XENNET_LIBXDP_VERSION "?"
#endif
#ifndef XENNET_FILTER_DIR
#define XENNET_FILTER_DIR "/usr/local/lib/xennet-xdp/filters"
#endif
#ifndef XENNET_CONF_DIR
#define XENNET_CONF_DIR "/etc/xennet-xdp"
#endif

#define G(f) offsetof(struct cli_global, f)

static const char *const generate_kinds[] = { "man", "bash-completion", "usage", NULL };

static const struct opt global_opts[] = {
	OPT("version", 0, OPT_FLAG, G(version), NULL, "print the version of xennet-xdp, libbpf and libxdp"),
	OPT("run-dir", 0, OPT_STRING, G(run_dir), "DIR",
	  "where running instances keep their state, an absolute path (else $XENNET_RUN_DIR, "
	  "else " RUNFILE_DEFAULT_DIR ")",
	  .comp = COMP_DIR),
	OPT("generate", 0, OPT_CHOICE, G(generate), "KIND", "print the man page source, the bash completion "
	  "or the usage lines", .choices = generate_kinds, .flags = OPT_HIDDEN),
	OPT_TABLE_END,
};

const struct opt cli_common_opts[] = {
	OPT("help", 'h', OPT_HELP, 0, NULL, "print this help and exit"),
	OPT("verbose", 'v', OPT_FLAG, G(verbose), NULL, "say more: libbpf's and libxdp's messages too (log level debug)"),
	OPT_TABLE_END,
};

static const struct opt_cmd *const cmds[] = {
	&cmd_up_def, &cmd_down_def, &cmd_status_def, &cmd_stats_def, &cmd_list_def,
	&cmd_filter_attach_def, &cmd_filter_detach_def, &cmd_filter_list_def,
	&cmd_rule_port_add_def, &cmd_rule_port_del_def, &cmd_rule_port_list_def,
	&cmd_rule_prefix_add_def, &cmd_rule_prefix_del_def, &cmd_rule_prefix_list_def,
	&cmd_rule_ratelimit_set_def, &cmd_rule_ratelimit_del_def, &cmd_rule_ratelimit_list_def,
};

static const struct opt_section sections[] = {
	{ "Configuration", CONFIG_DOC },
	{ "Diagnostics",
	  "Messages go to standard error, one line each, prefixed with the interface's name "
	  "(\"xennet0: using event channel 7\", as xennet(4) prints them) or with \"xennet-xdp:\". "
	  "When standard error is the journal's stream ($JOURNAL_STREAM), every line starts with its "
	  "syslog priority (\"<3>\" for errors), so that the journal files it at its level. "
	  "A filter the kernel rejects is followed by the verifier's log." },
	{ "Exit status",
	  "0 on success; 1 when the command failed (said in one line); 2 for a command line or a config "
	  "file that is not right (an unknown option, a value out of range, a missing argument)." },
	{ "Environment",
	  "XENNET_RUN_DIR\n"
	  "    the run directory, unless --run-dir is given.\n"
	  "\n"
	  "XENSTORED_PATH\n"
	  "    the XenStore socket libxenstore uses (the simulated backend serves one).\n"
	  "\n"
	  "JOURNAL_STREAM\n"
	  "    set by systemd: see DIAGNOSTICS." },
	{ "Files",
	  XENNET_CONF_DIR "/IFNAME.conf\n"
	  "    the config of the interface IFNAME, for up --config and the unit xennet-xdp@IFNAME.service "
	  "(example.conf beside it, commented out, is an example).\n"
	  "\n"
	  "/run/xennet/IFNAME.state, /run/xennet/IFNAME.stats\n"
	  "    a running instance's state (key=value lines) and counters (shared memory).\n"
	  "\n"
	  "/sys/fs/bpf/xennet/IFNAME/\n"
	  "    the maps of the built-in XDP program (xennet_stats, xennet_xsks) and, below PROG/, "
	  "those of each filter.\n"
	  "\n"
	  XENNET_FILTER_DIR "/\n"
	  "    the example filters: xennet_port_deny.bpf.o, xennet_prefix.bpf.o, xennet_ratelimit.bpf.o." },
	{ "Examples",
	  "  xennet-xdp up --vif 0 --ifname xennet0 &\n"
	  "  xennet-xdp status\n"
	  "  xennet-xdp stats xennet0 --interval 1 --json\n"
	  "  xennet-xdp filter attach xennet0 " XENNET_FILTER_DIR "/xennet_port_deny.bpf.o\n"
	  "  xennet-xdp filter rule xennet0 port add 53/udp\n"
	  "  xennet-xdp filter rule xennet0 port list --json\n"
	  "  xennet-xdp down --ifname xennet0\n"
	  "  xennet-xdp up --config " XENNET_CONF_DIR "/xennet0.conf\n"
	  "  systemctl enable --now xennet-xdp@xennet0" },
	{ "See also",
	  "xennet-simback(1), xdp-loader(8), xdp-filter(8), bpftool(8), xl(1)" },
	{ NULL, NULL },
};

const struct opt_prog cli_prog = {
	.name = "xennet-xdp",
	.section = 8,
	.version = XENNET_VERSION,
	.tagline = "a Xen PV network frontend in userspace, over AF_XDP",
	.description =
	"xennet-xdp does the job of Linux xen-netfront and NetBSD xennet(4) in userspace: it speaks "
	"the netif protocol to the host's backend through libxenstore, libxengnttab and libxenevtchn, "
	"moves packets between the Xen rings and AF_XDP sockets on a veth pair, and gives the guest an "
	"ordinary interface (xennet0) on whose ingress XDP programs filter the traffic from the backend.\n"
	"\n"
	"up runs one instance in the foreground; the other commands inspect and steer the running "
	"ones. Every command takes -h for its own help.",
	.global = global_opts,
	.common = cli_common_opts,
	.cmds = cmds,
	.ncmds = sizeof(cmds) / sizeof(cmds[0]),
	.sections = sections,
};

/* libbpf says its version; libxdp has no call for it: the one built with. */
static void version(void)
{
	printf("xennet-xdp %s\nlibbpf %s (built with %d.%d)\nlibxdp %s (built with; it has no run-time "
	       "version call)\n", XENNET_VERSION, libbpf_version_string(), LIBBPF_MAJOR_VERSION,
	       LIBBPF_MINOR_VERSION, XENNET_LIBXDP_VERSION);
}

int main(int argc, char **argv)
{
	struct cli_global g = { 0 };
	const struct opt_cmd *cmd;
	void *cfg;
	int ret;

	log_init("xennet-xdp");
	if (argc == 2 && !strcmp(argv[1], "help")) {   /* as it always did */
		opts_help(&cli_prog, NULL, stdout);
		return 0;
	}
	/* not a user's command: see cli/keeper.h */
	if (argc > 1 && !strcmp(argv[1], "evtchn-keeper"))
		return cmd_evtchn_keeper(argc - 1, argv + 1);
	ret = opts_parse(&cli_prog, argc, argv, &g, &cmd, &cfg);
	if (ret >= 0)
		return ret;
	if (g.verbose)
		log_set_max(LOG_DEBUG);
	xdp_info_libs_log(g.verbose);
	if (g.run_dir && runfile_set_dir(g.run_dir) < 0) {
		ret = opts_error(&cli_prog, NULL, "--run-dir: '%s' is not an absolute path short enough",
				 g.run_dir);
	} else if (g.version) {
		version();
		ret = 0;
	} else if (g.generate >= 0) {
		if (g.generate == 0)
			opts_man(&cli_prog, stdout);
		else if (g.generate == 1)
			opts_bash(&cli_prog, XENNET_FILTER_DIR, stdout);
		else
			opts_usage(&cli_prog, stdout);
		ret = 0;
	} else if (!cmd) {
		opts_help(&cli_prog, NULL, stderr);
		ret = 2;
	} else {
		ret = cmd->run(cfg);
	}
	free(cfg);
	return ret;
}
