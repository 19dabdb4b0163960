/* SPDX-License-Identifier: MIT */
/*
 * xennet-xdp up --config FILE: up's options, and the filters to attach
 * with their first rules, from a file (common/conffile: the keys are up's
 * long options).  The filter and rule lines are the commands filter attach
 * and filter rule, run through their own option tables and code:
 *
 *   filter = OBJ [prog NAME] [priority N]   filter attach IFNAME OBJ [--prog NAME] [--priority N]
 *   rule = port add 53/udp                  filter rule IFNAME port add 53/udp --prog NAME
 *
 * (a rule is for the filter above it, NAME being that filter's program).
 * Everything is checked when the file is read, before up sets anything
 * up; the filters are attached and their rules set once the interface
 * exists, before the vif connects.
 */
#ifndef XENNET_CONFIG_H
#define XENNET_CONFIG_H
#include "common/opts.h"

/* The man page's section on it (XENNET_CONF_DIR, XENNET_FILTER_DIR: main.c's). */
#define CONFIG_DOC \
	"up --config FILE reads up's options from FILE, one \"key = value\" per line: the keys are up's long " \
	"options without their dashes (vif = 0, poll = busy, takeover = yes, ...: every option of up but " \
	"config), each value checked as on the command line (a flag's value is yes or no), each key at most once; an " \
	"option also given on the command line takes the command line's value. Empty lines and lines " \
	"whose first non-blank is # are skipped; a value runs to the end of its line.\n" \
	"\n" \
	"filter = OBJ [prog NAME] [priority N] attaches a filter as filter attach IFNAME OBJ [--prog NAME] " \
	"[--priority N] does (OBJ: an absolute path); each rule line below it gives that filter a rule, as " \
	"filter rule IFNAME ... --prog NAME does: rule = port add PORT, rule = prefix add PREFIX [deny|allow], " \
	"rule = ratelimit set RATE [burst N]. They are attached and set in the file's order once the " \
	"interface exists, before the vif connects: no frame from the backend reaches the guest before " \
	"them. Each start of up sets them again, so the file is what a restart brings back (up removes the " \
	"filters' maps as it ends, and so do down and a new up after a crash: rules added since with filter " \
	"rule do not come back).\n" \
	"\n" \
	"A mistake in the file (a key that is not one, a value that is not right, a rule with no filter " \
	"above it, a filter object that can't be read), or a file every user may write, is one line naming " \
	"FILE:LINE and exit status 2, before anything is set up. A filter or rule that fails when it is " \
	"applied (the kernel refuses the program, a rule for maps the filter does not have) is one line " \
	"naming FILE:LINE, and up undoes everything and exits 1.\n" \
	"\n" \
	"The systemd unit xennet-xdp@IFNAME.service runs up --config " XENNET_CONF_DIR "/IFNAME.conf --ifname " \
	"IFNAME (systemctl enable --now xennet-xdp@xennet0). An example, " XENNET_CONF_DIR "/example.conf:\n" \
	"\n" \
	"  vif = 0\n" \
	"  takeover = yes\n" \
	"  poll = interrupt\n" \
	"  filter = " XENNET_FILTER_DIR "/xennet_port_deny.bpf.o priority 10\n" \
	"  rule = port add 53/udp\n" \
	"  rule = port add 5353\n"

struct up_config;

/* Read path for command up (its cfg, from opts_parse): up's options into
 * cfg (the command line's win), the filters and rules, checked, into *out.
 * 0, or 2 after one line naming FILE:LINE (nothing to free). */
int config_load(const char *path, const struct opt_cmd *up, void *cfg, struct up_config **out);
/* Attach the filters and set their rules on ifname, a running instance's
 * interface, in the file's order: 0 (also for uc NULL), or -1 having said,
 * naming the line, what failed (what was attached stays: the caller
 * removes the interface). */
int config_apply(struct up_config *uc, const char *ifname);
void config_free(struct up_config *uc);

#endif
