/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cmd.h"
#include "cli/config.h"
#include "common/conffile.h"
#include "common/log.h"

#define MAX_WORDS 16
#define PLACEHOLDER "IFNAME"     /* the interface, while the file is only read */

/* One line of the file as the command it stands for: filter attach, with
 * its options as "key value" words after OBJ, or filter rule. */
struct conf_cmd {
	unsigned int line;
	bool filter;
	int nwords;
	char *words[MAX_WORDS];      /* the value's words, into the file's text */
	char prog[64];               /* the filter's XDP program (a rule: its filter's) */
};

struct up_config {
	struct conffile cf;
	struct conf_cmd *cmds;
	size_t ncmds;
	unsigned int nfilters, nrules;
};

void config_free(struct up_config *uc)
{
	if (!uc)
		return;
	conffile_free(&uc->cf);
	free(uc->cmds);
	free(uc);
}

/* The command of cc on ifname, parsed by its own table into *c, *cfg:
 * 0, or 2 having said why (the context names the line). */
static int parse(const struct conf_cmd *cc, const char *ifname, const struct opt_cmd **c, void **cfg)
{
	char *argv[MAX_WORDS + 8] = { "xennet-xdp", "filter", cc->filter ? "attach" : "rule", (char *)ifname };
	struct cli_global g = { 0 };
	int argc = 4, ret;

	*cfg = NULL;
	if (cc->filter) {
		argv[argc++] = cc->words[0];
	} else {
		for (int i = 0; i < cc->nwords; i++)
			argv[argc++] = cc->words[i];
		argv[argc++] = "--prog";
		argv[argc++] = (char *)cc->prog;
	}
	ret = opts_parse(&cli_prog, argc, argv, &g, c, cfg);
	if (ret >= 0) {
		free(*cfg);
		*cfg = NULL;
		return 2;   /* said why (a help can't be asked for: no word here starts with '-') */
	}
	/* filter = OBJ key value...: the keys are filter attach's options */
	for (int i = 1; cc->filter && i < cc->nwords; i += 2) {
		char keys[128];

		ret = i + 1 < cc->nwords ? opts_config(&cli_prog, *c, *cfg, cc->words[i], cc->words[i + 1]) : -EINVAL;
		if (ret == -ENOENT || ret == -EINVAL) {
			opts_config_keys(*c, keys, sizeof(keys));
			if (ret == -ENOENT)
				log_err(NULL, "filter: '%s' is not one of: %s", cc->words[i], keys);
			else
				log_err(NULL, "filter: '%s' needs a value", cc->words[i]);
		}
		if (ret) {
			free(*cfg);
			*cfg = NULL;
			return 2;
		}
	}
	return 0;
}

static bool is_rule_to_start_with(const struct opt_cmd *c)
{
	return c == &cmd_rule_port_add_def || c == &cmd_rule_prefix_add_def || c == &cmd_rule_ratelimit_set_def;
}

/* A filter or rule line, checked; the context names it.  0, or 2. */
static int load_one(struct up_config *uc, const struct conf_entry *e, const struct conf_cmd *filter,
		    struct conf_cmd *cc)
{
	const struct opt_cmd *c;
	void *cfg;
	int ret;

	cc->line = e->line;
	cc->filter = !strcmp(e->key, "filter");
	cc->nwords = conffile_words(e->value, cc->words, MAX_WORDS);
	if (cc->nwords < 0) {
		log_err(NULL, "%s: more than %d words", e->key, MAX_WORDS);
		return 2;
	}
	for (int i = 0; i < cc->nwords; i++) {
		if (cc->words[i][0] == '-') {
			log_err(NULL, "%s: '%s': no option here%s", e->key, cc->words[i],
				cc->filter ? " (filter = OBJ [prog NAME] [priority N])" :
					     ": a rule is for the filter above it");
			return 2;
		}
	}
	if (cc->filter) {
		const char *want = NULL;

		if (cc->nwords == 0 || cc->words[0][0] != '/') {
			log_err(NULL, "filter: %s%s%s", cc->nwords ? "'" : "", cc->nwords ? cc->words[0] : "",
				cc->nwords ? "' is not an absolute path (filter = /PATH/OBJ [prog NAME] [priority N])"
					   : "which object? filter = /PATH/OBJ [prog NAME] [priority N]");
			return 2;
		}
		ret = parse(cc, PLACEHOLDER, &c, &cfg);
		free(cfg);
		for (int i = 1; i + 1 < cc->nwords; i += 2)
			if (!strcmp(cc->words[i], "prog"))
				want = cc->words[i + 1];
		if (!ret && filter_check_object(cc->words[0], want, cc->prog, sizeof(cc->prog)) < 0)
			ret = 2;
		uc->nfilters += !ret;
		return ret;
	}
	if (!filter) {
		log_err(NULL, "rule: no filter above it to give it to (filter = /PATH/OBJ first)");
		return 2;
	}
	snprintf(cc->prog, sizeof(cc->prog), "%s", filter->prog);
	ret = parse(cc, PLACEHOLDER, &c, &cfg);
	free(cfg);
	if (!ret && !is_rule_to_start_with(c)) {
		log_err(NULL, "rule: %s is not a rule to start with (port add, prefix add, ratelimit set)",
			c->path + strlen("filter rule " PLACEHOLDER " "));
		ret = 2;
	}
	uc->nrules += !ret;
	return ret;
}

int config_load(const char *path, const struct opt_cmd *up, void *cfg, struct up_config **out)
{
	static const char *const extra[] = { "filter", "rule", NULL };
	struct up_config *uc = calloc(1, sizeof(*uc));
	const struct conf_cmd *filter = NULL;
	int ret;

	*out = NULL;
	if (!uc) {
		log_err(NULL, "%s", strerror(ENOMEM));
		return 2;
	}
	ret = conffile_read(&uc->cf, path, &cli_prog, up, cfg, extra);
	if (!ret && uc->cf.nextra && !(uc->cmds = calloc(uc->cf.nextra, sizeof(*uc->cmds)))) {
		log_err(NULL, "%s", strerror(ENOMEM));
		ret = 2;
	}
	for (size_t i = 0; !ret && i < uc->cf.nextra; i++) {
		const struct conf_entry *e = &uc->cf.extra[i];
		struct conf_cmd *cc = &uc->cmds[uc->ncmds];

		conffile_context(&uc->cf, e->line);
		ret = load_one(uc, e, filter, cc);
		uc->ncmds++;
		if (cc->filter)
			filter = cc;
		log_context(NULL);
	}
	if (ret)
		config_free(uc);
	else
		*out = uc;
	return ret;
}

int config_apply(struct up_config *uc, const char *ifname)
{
	const struct opt_cmd *c;
	void *cfg;
	int ret = 0;

	for (size_t i = 0; uc && !ret && i < uc->ncmds; i++) {
		conffile_context(&uc->cf, uc->cmds[i].line);
		ret = parse(&uc->cmds[i], ifname, &c, &cfg);
		if (!ret)
			ret = c->run(cfg);
		free(cfg);
		fflush(stdout);     /* what attach printed, before what comes next */
		log_context(NULL);
	}
	if (ret)
		return -1;
	if (uc && uc->ncmds)
		log_info(ifname, "%s: %u filter%s attached, %u rule%s set", uc->cf.path, uc->nfilters,
			 uc->nfilters == 1 ? "" : "s", uc->nrules, uc->nrules == 1 ? "" : "s");
	return 0;
}
