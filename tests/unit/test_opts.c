/* SPDX-License-Identifier: MIT */
/* common/opts: command lines from option tables, on a made-up program with
 * the shapes xennet-xdp's commands have (a path with a placeholder, flags,
 * numbers, choices, keyword options, positionals, defaults, required
 * options), and what it prints from the same tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "common/opts.h"

struct g { bool verbose, version; const char *dir; };
struct c {
	const char *ifname, *name, *word, *need;
	unsigned long num, count;
	int mode, action;
	bool json;
};

static int ran;
static int run(void *cfg) { (void)cfg; ran++; return 0; }

static const char *const modes[] = { "fast", "slow", NULL };
static const char *const actions[] = { "deny", "allow", NULL };
#define C(f) offsetof(struct c, f)
#define G(f) offsetof(struct g, f)

static const struct opt gopts[] = {
	OPT("version", 0, OPT_FLAG, G(version), NULL, "version"),
	OPT("dir", 0, OPT_STRING, G(dir), "DIR", "a directory"),
	OPT_TABLE_END,
};
static const struct opt common[] = {
	OPT("help", 'h', OPT_HELP, 0, NULL, "help"),
	OPT("verbose", 'v', OPT_FLAG, G(verbose), NULL, "more"),
	OPT_TABLE_END,
};
static const struct opt show_opts[] = {
	POSITIONAL_OPTIONAL("IFNAME", OPT_IFNAME, C(ifname), "an interface"),
	OPT("json", 'j', OPT_FLAG, C(json), NULL, "JSON"),
	OPT("num", 'n', OPT_UINT, C(num), "N", "a number", .dflt = "7", .min = 1, .max = 100),
	OPT("count", 0, OPT_UINT, C(count), "N", "a count", .max = 5),
	OPT("mode", 'm', OPT_CHOICE, C(mode), "MODE", "a mode", .choices = modes),
	OPT_TABLE_END,
};
static const struct opt set_opts[] = {
	POSITIONAL("IFNAME", OPT_IFNAME, C(ifname), "an interface"),
	POSITIONAL("NAME", OPT_STRING, C(name), "a name"),
	POSITIONAL_OPTIONAL("ACTION", OPT_CHOICE, C(action), "deny or allow", .choices = actions),
	OPT("burst", 0, OPT_STRING, C(word), "N", "a keyword option", .flags = OPT_WORD),
	OPT("need", 0, OPT_STRING, C(need), "X", "a required option", .flags = OPT_REQUIRED),
	OPT_TABLE_END,
};
static const struct opt_cmd show = OPT_CMD("show", "Show.", "More about show.", show_opts, sizeof(struct c), run);
static const struct opt_cmd set = OPT_CMD("thing IFNAME set", "Set.", NULL, set_opts, sizeof(struct c), run);
static const struct opt_cmd del = OPT_CMD("thing IFNAME del", "Del.", NULL, set_opts, sizeof(struct c), run);
static const struct opt_cmd *const cmds[] = { &show, &set, &del };
static const struct opt_section secs[] = { { "Files", "  /x/y\nsome *text* with_underscores" }, { NULL, NULL } };
static const struct opt_prog prog = {
	.name = "tool", .section = 8, .version = "1.2", .tagline = "a tool", .description = "-- it does things",
	.global = gopts, .common = common, .cmds = cmds, .ncmds = 3, .sections = secs,
};

/* parse a NULL-terminated word list; the status, with cmd/cfg out */
static int parse(struct g *g, const struct opt_cmd **cmd, struct c **cfg, ...)
{
	char *argv[32] = { "tool" };
	int argc = 1, ret;
	va_list ap;
	void *out;

	va_start(ap, cfg);
	for (char *w; (w = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = w;
	va_end(ap);
	memset(g, 0, sizeof(*g));
	/* the errors go to stderr, the help to stdout: neither is checked here */
	ret = opts_parse(&prog, argc, argv, g, cmd, &out);
	*cfg = out;
	return ret;
}

static void commands_and_values(void **state)
{
	const struct opt_cmd *cmd;
	struct c *c;
	struct g g;

	(void)state;
	assert_int_equal(parse(&g, &cmd, &c, "-v", "--dir", "/d", "show", "-jn", "42", "eth0", "--mode=slow", NULL), -1);
	assert_ptr_equal(cmd, &show);
	assert_true(g.verbose);
	assert_string_equal(g.dir, "/d");
	assert_true(c->json);
	assert_int_equal(c->num, 42);
	assert_int_equal(c->count, OPT_UNSET);      /* not given, no default */
	assert_int_equal(c->mode, 1);
	assert_string_equal(c->ifname, "eth0");
	free(c);
	assert_int_equal(parse(&g, &cmd, &c, "show", NULL), -1);
	assert_int_equal(c->num, 7);                /* the default */
	assert_int_equal(c->mode, -1);
	assert_null(c->ifname);
	free(c);
	/* a placeholder in the path, positionals, a keyword option, -v after */
	assert_int_equal(parse(&g, &cmd, &c, "thing", "xn0", "set", "--need", "x", "n1", "burst", "5", "allow",
			       "-v", NULL), -1);
	assert_ptr_equal(cmd, &set);
	assert_string_equal(c->ifname, "xn0");
	assert_string_equal(c->name, "n1");
	assert_string_equal(c->word, "5");
	assert_int_equal(c->action, 1);
	assert_true(g.verbose);
	free(c);
	/* "--" ends the options */
	assert_int_equal(parse(&g, &cmd, &c, "thing", "xn0", "del", "--need", "x", "--", "-odd", NULL), -1);
	assert_ptr_equal(cmd, &del);
	assert_string_equal(c->name, "-odd");
	free(c);
	/* no command: cmd NULL, the global options read */
	assert_int_equal(parse(&g, &cmd, &c, "--version", NULL), -1);
	assert_null(cmd);
	assert_true(g.version);
}

static void mistakes(void **state)
{
	static const char *const bad[][8] = {
		{ "nope" }, { "thing" }, { "thing", "xn0" }, { "thing", "xn0", "frob" },
		{ "show", "--num" }, { "show", "--num", "0" }, { "show", "--num", "101" }, { "show", "--num", "1x" },
		{ "show", "-n" }, { "show", "--count", "6" }, { "show", "--mode", "medium" }, { "show", "--bogus" },
		{ "show", "-x" }, { "show", "--json=1" }, { "show", "a", "b" }, { "show", "bad/name" },
		{ "thing", "xn0", "set", "n1" }, { "thing", "xn0", "set", "--need", "x" },
		{ "thing", "xn0", "set", "--need", "x", "n1", "maybe" },
		{ "thing", "xn0", "set", "--need", "x", "n1", "burst" }, { "--dir" }, { "--dir", "" },
		{ "thing", "bad/name", "set", "--need", "x", "n" },
	};
	const struct opt_cmd *cmd;
	void *cfg;
	struct g g;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[10] = { "tool" };
		int argc = 1;

		for (int k = 0; k < 8 && bad[i][k]; k++)
			argv[argc++] = (char *)bad[i][k];
		memset(&g, 0, sizeof(g));
		if (opts_parse(&prog, argc, argv, &g, &cmd, &cfg) != 2)
			fail_msg("accepted case %zu (%s %s ...)", i, argv[1], argc > 2 ? argv[2] : "");
	}
}

static void help_exits_zero(void **state)
{
	const struct opt_cmd *cmd;
	struct c *c;
	struct g g;

	(void)state;
	assert_int_equal(parse(&g, &cmd, &c, "--help", NULL), 0);
	assert_int_equal(parse(&g, &cmd, &c, "show", "-h", NULL), 0);
	assert_int_equal(parse(&g, &cmd, &c, "thing", "xn0", "set", "--help", NULL), 0);   /* before the required */
}

/* what the generators print, into a string */
static char *gen(void (*fn)(const struct opt_prog *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(&prog, f);
	fclose(f);
	return buf;
}

static void bash(const struct opt_prog *p, FILE *f)
{
	opts_bash(p, "/lib/f", f);
}

static void generated(void **state)
{
	char *u = gen(opts_usage), *m = gen(opts_man), *b = gen(bash);

	(void)state;
	assert_string_equal(u, "tool show [IFNAME] [--json] [--num N] [--count N] [--mode fast|slow]\n"
			       "tool thing IFNAME set NAME [deny|allow] [burst N] --need X\n"
			       "tool thing IFNAME del NAME [deny|allow] [burst N] --need X\n");
	assert_non_null(strstr(m, "tool(8) \"tool 1.2\""));
	assert_non_null(strstr(m, "*tool* *thing* _IFNAME_ *set* _NAME_"));
	assert_non_null(strstr(m, "*-n*, *--num* _N_\n\ta number (default 7).\n"));
	assert_non_null(strstr(m, "\\-- it does things"));             /* not a list */
	assert_non_null(strstr(m, "some \\*text\\* with\\_underscores"));  /* escaped */
	assert_non_null(strstr(m, "```\n  /x/y\n```"));                  /* verbatim */
	assert_non_null(strstr(m, "# FILES"));
	assert_non_null(strstr(b, "complete -F _tool tool"));
	assert_non_null(strstr(b, "\"thing IFNAME set\""));
	assert_null(strstr(b, "_X_"));
	free(u);
	free(m);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands_and_values),
		cmocka_unit_test(mistakes),
		cmocka_unit_test(help_exits_zero),
		cmocka_unit_test(generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
