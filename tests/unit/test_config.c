/* SPDX-License-Identifier: MIT */
/* common/conffile and opts_config: config files whose keys are a command's
 * long options, on a made-up command with every kind of option xennet-xdp
 * up has (numbers, a power of two, strings, an interface, a namespace, a
 * choice, a flag, one that is no key) and the caller's own keys.  Every
 * mistake must be one line on stderr naming FILE:LINE, status 2, nothing
 * kept; the command line must win over the file. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include "common/conffile.h"
#include "common/opts.h"

struct g { bool verbose; };
struct c {
	unsigned long num, frames;
	const char *name, *ifname, *ns, *config, *pos;
	int mode;
	bool flag, other;
};

static int run(void *cfg) { (void)cfg; return 0; }

static const char *const modes[] = { "interrupt", "busy", NULL };

/* a check of the table's own: no 'x' in a name */
static int no_x(const char *val, char *why, size_t len)
{
	if (!strchr(val, 'x'))
		return 0;
	snprintf(why, len, "'%s' has an x", val);
	return -1;
}

#define C(f) offsetof(struct c, f)
static const struct opt common[] = {
	OPT("help", 'h', OPT_HELP, 0, NULL, "help"),
	OPT("verbose", 'v', OPT_FLAG, offsetof(struct g, verbose), NULL, "more"),
	OPT_TABLE_END,
};
static const struct opt up_opts[] = {
	POSITIONAL_OPTIONAL("POS", OPT_STRING, C(pos), "a positional: no key"),
	OPT("num", 'n', OPT_UINT, C(num), "N", "a number", .dflt = "10", .min = 1, .max = 3600),
	OPT("frames", 0, OPT_UINT, C(frames), "N", "a power of two", .dflt = "4096", .min = 64, .max = 65536,
	    .flags = OPT_POW2),
	OPT("name", 0, OPT_STRING, C(name), "S", "a string", .check = no_x),
	OPT("ifname", 'i', OPT_IFNAME, C(ifname), "NAME", "an interface"),
	OPT("ns", 0, OPT_NETNS, C(ns), "NS", "a namespace"),
	OPT("mode", 0, OPT_CHOICE, C(mode), "M", "a choice", .dflt = "interrupt", .choices = modes),
	OPT("flag", 0, OPT_FLAG, C(flag), NULL, "a flag"),
	OPT("other", 0, OPT_FLAG, C(other), NULL, "another flag"),
	OPT("config", 0, OPT_STRING, C(config), "FILE", "the file", .flags = OPT_NOCONF),
	OPT_TABLE_END,
};
static const struct opt_cmd up = OPT_CMD("up", "Up.", NULL, up_opts, sizeof(struct c), run);
static const struct opt_cmd *const cmds[] = { &up };
static const struct opt_prog prog = {
	.name = "tool", .section = 8, .version = "1", .tagline = "t", .description = "d",
	.common = common, .cmds = cmds, .ncmds = 1,
};
static const char *const extra[] = { "filter", "rule", NULL };

static char dir[64], path[96], err_path[96];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xennet-conf.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.conf", dir);
	snprintf(err_path, sizeof(err_path), "%s/stderr", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	unlink(err_path);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* up's config from argv words (NULL-terminated) */
static struct c *parse_up(const char *first, ...)
{
	char *argv[16] = { "tool", "up" };
	int argc = 2;
	const struct opt_cmd *cmd;
	void *cfg = NULL;
	struct g g;
	va_list ap;

	va_start(ap, first);
	for (const char *w = first; w && argc < 15; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	assert_int_equal(opts_parse(&prog, argc, argv, &g, &cmd, &cfg), -1);
	return cfg;
}

/* conffile_read of text into c, stderr kept in msg: the status */
static int read_conf(const char *text, struct c *c, struct conffile *cf, char *msg, size_t size)
{
	int saved = dup(2), fd, ret;
	ssize_t n;

	write_file(text, strlen(text), 0644);
	fflush(stderr);
	fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	ret = conffile_read(cf, path, &prog, &up, c, extra);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, msg, size - 1, 0);
	close(fd);
	msg[n > 0 ? n : 0] = '\0';
	return ret;
}

static void every_kind_of_key(void **state)
{
	static const char text[] =
		"# a comment\n"
		"\n"
		"   # an indented one\n"
		"num = 30\n"
		"frames=2048\n"
		"\tname   =   a b c  \n"
		"ifname = xn0\r\n"
		"ns = guest\n"
		"mode = busy\n"
		"flag = yes\n"
		"other = false\n"
		"filter = /o.bpf.o priority 10\n"
		"rule = port add 53/udp\n"
		"filter = /p.bpf.o\n"
		"rule = ratelimit set 10/s";          /* no newline at the end */
	struct c *c = parse_up(NULL);
	struct conffile cf;
	char msg[512], *w[8];

	(void)state;
	assert_int_equal(read_conf(text, c, &cf, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	assert_int_equal(c->num, 30);
	assert_int_equal(c->frames, 2048);
	assert_string_equal(c->name, "a b c");
	assert_string_equal(c->ifname, "xn0");
	assert_string_equal(c->ns, "guest");
	assert_int_equal(c->mode, 1);
	assert_true(c->flag);
	assert_false(c->other);
	/* the values live in the file's text */
	assert_true(c->name >= cf.text && c->name < cf.text + CONFFILE_MAX);
	/* the caller's keys, in order, with their lines */
	assert_int_equal(cf.nextra, 4);
	assert_int_equal(cf.extra[0].line, 12);
	assert_string_equal(cf.extra[0].key, "filter");
	assert_string_equal(cf.extra[0].value, "/o.bpf.o priority 10");
	assert_int_equal(cf.extra[1].line, 13);
	assert_string_equal(cf.extra[1].value, "port add 53/udp");
	assert_int_equal(cf.extra[3].line, 15);
	assert_string_equal(cf.extra[3].key, "rule");
	assert_string_equal(cf.extra[3].value, "ratelimit set 10/s");
	assert_int_equal(conffile_words(cf.extra[0].value, w, 8), 3);
	assert_string_equal(w[0], "/o.bpf.o");
	assert_string_equal(w[2], "10");
	assert_int_equal(conffile_words(cf.extra[1].value, w, 2), -1);   /* more than max */
	conffile_free(&cf);
	free(c);
	/* no file line: the defaults stay */
	c = parse_up(NULL);
	assert_int_equal(read_conf("# nothing\n", c, &cf, msg, sizeof(msg)), 0);
	assert_int_equal(c->num, 10);
	assert_int_equal(c->frames, 4096);
	assert_null(c->name);
	assert_int_equal(cf.nextra, 0);
	conffile_free(&cf);
	free(c);
}

static void the_command_line_wins(void **state)
{
	struct c *c = parse_up("--num", "5", "--flag", "--mode", "interrupt", NULL);
	struct conffile cf;
	char msg[512];

	(void)state;
	assert_true(opts_given(&up, c, "num"));
	assert_false(opts_given(&up, c, "frames"));
	assert_false(opts_given(&up, c, "nonesuch"));
	assert_int_equal(read_conf("num = 9\nflag = no\nmode = busy\nframes = 128\n", c, &cf, msg, sizeof(msg)), 0);
	assert_int_equal(c->num, 5);
	assert_true(c->flag);
	assert_int_equal(c->mode, 0);
	assert_int_equal(c->frames, 128);            /* not on the command line: the file's */
	assert_non_null(strstr(msg, "num: the command line's --num wins"));
	conffile_free(&cf);
	/* ...but the file's value is checked all the same */
	assert_int_equal(read_conf("num = 9000\n", c, &cf, msg, sizeof(msg)), 2);
	assert_int_equal(c->num, 5);
	free(c);
}

/* each bad file: status 2, one line on stderr naming FILE:LINE, nothing kept */
static void mistakes(void **state)
{
	static const struct { const char *text, *said; unsigned int line; } bad[] = {
		{ "num = 0\n", "num: '0' is not a number in 1..3600", 1 },
		{ "num = 3601\n", "num: '3601' is not a number in 1..3600", 1 },
		{ "num = 1x\n", "num: '1x' is not a number", 1 },
		{ "num =\n", "num: '' is not a number", 1 },
		{ "frames = 100\n", "frames: '100' is not a power of two in 64..65536", 1 },
		{ "frames = 32\n", "frames: '32' is not a number in 64..65536", 1 },
		{ "name =\n", "name: an empty S", 1 },
		{ "name = box\n", "name: 'box' has an x", 1 },
		{ "ifname = a/b\n", "ifname: 'a/b' is not a valid interface name", 1 },
		{ "ns = a/b\n", "ns: 'a/b' is not a network namespace name", 1 },
		{ "ns = ..\n", "ns: '..' is not a network namespace name", 1 },
		{ "mode = fast\n", "mode: 'fast' is not interrupt or busy", 1 },
		{ "flag = maybe\n", "flag: 'maybe' is not yes or no", 1 },
		{ "flag =\n", "flag: '' is not yes or no", 1 },
		{ "# ok\nnum = 3\n\nnum = 4\n", "num is set on line 2 already", 4 },
		{ "nonesuch = 1\n", "'nonesuch' is not a key here (they are: num, frames, name, ifname, ns, mode, "
				    "flag, other, filter, rule)", 1 },
		{ "config = /x\n", "'config' is not a key here", 1 },
		{ "help = yes\n", "'help' is not a key here", 1 },
		{ "verbose = yes\n", "'verbose' is not a key here", 1 },
		{ "POS = x\n", "'POS' is not a key here", 1 },
		{ "num 3\n", "'num 3' is not key = value", 1 },
		{ "= 3\n", "'= 3' is not key = value", 1 },
		{ "num = 3\n\n  [section]\n", "'[section]' is not key = value", 3 },
	};
	struct conffile cf;
	char msg[512], where[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct c *c = parse_up(NULL);
		char *nl;

		if (read_conf(bad[i].text, c, &cf, msg, sizeof(msg)) != 2)
			fail_msg("accepted case %zu: %s", i, bad[i].text);
		snprintf(where, sizeof(where), "tool: %s:%u: ", path, bad[i].line);
		nl = strchr(msg, '\n');
		if (strncmp(msg, where, strlen(where)) || !strstr(msg, bad[i].said) || !nl || nl[1])
			fail_msg("case %zu (%s): said '%s', not one line '%s%s'", i, bad[i].text, msg, where,
				 bad[i].said);
		assert_null(cf.text);
		assert_null(cf.extra);
		free(c);
	}
}

/* what makes a file no config file: one line naming it, status 2 */
static void not_a_config_file(void **state)
{
	struct c *c = parse_up(NULL);
	struct conffile cf;
	char *big, msg[512];
	int saved, fd;
	ssize_t n;

	(void)state;
	struct { const char *why; } cases[] = { { "No such file" }, { "every user may write it" },
						{ "a NUL byte" }, { "over 1 MiB" }, { "not a file" } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = path;

		unlink(path);
		if (i == 1)
			write_file("num = 3\n", 8, 0646);
		if (i == 2)
			write_file("num = 3\nnum\0 = 4\n", 17, 0644);
		if (i == 3) {
			big = malloc(CONFFILE_MAX + 2);
			assert_non_null(big);
			memset(big, '#', CONFFILE_MAX + 1);
			write_file(big, CONFFILE_MAX + 1, 0644);
			free(big);
		}
		if (i == 4)
			p = dir;
		saved = dup(2);
		fd = open(err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		assert_int_equal(conffile_read(&cf, p, &prog, &up, c, extra), 2);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		n = pread(fd, msg, sizeof(msg) - 1, 0);
		close(fd);
		msg[n > 0 ? n : 0] = '\0';
		if (!strstr(msg, cases[i].why) || !strstr(msg, p) || strchr(msg, '\n') != msg + strlen(msg) - 1)
			fail_msg("case %zu: said '%s', not one line with '%s'", i, msg, cases[i].why);
		if (i == 2 && !strstr(msg, ":2: a NUL byte"))
			fail_msg("the NUL's line is not named: %s", msg);
		assert_null(cf.text);
		assert_int_equal(c->num, 10);
	}
	/* an empty file is a config that says nothing */
	assert_int_equal(read_conf("", c, &cf, msg, sizeof(msg)), 0);
	assert_int_equal(cf.nextra, 0);
	conffile_free(&cf);
	free(c);
}

/* opts_config on its own, as up's filter lines use it for filter attach */
static void one_key_at_a_time(void **state)
{
	struct c *c = parse_up("--ifname", "xn1", NULL);
	int saved = dup(2), fd = open("/dev/null", O_WRONLY);

	(void)state;
	dup2(fd, 2);
	assert_int_equal(opts_config(&prog, &up, c, "num", "7"), 0);
	assert_int_equal(c->num, 7);
	assert_int_equal(opts_config(&prog, &up, c, "flag", "true"), 0);
	assert_true(c->flag);
	assert_int_equal(opts_config(&prog, &up, c, "flag", "no"), 0);
	assert_false(c->flag);
	assert_int_equal(opts_config(&prog, &up, c, "ifname", "xn2"), 0);
	assert_string_equal(c->ifname, "xn1");          /* the command line's */
	assert_int_equal(opts_config(&prog, &up, c, "ifname", "a/b"), 2);
	assert_int_equal(opts_config(&prog, &up, c, "nope", "1"), -ENOENT);
	assert_int_equal(opts_config(&prog, &up, c, "config", "/x"), -ENOENT);
	assert_int_equal(opts_config(&prog, &up, c, "POS", "x"), -ENOENT);
	dup2(saved, 2);
	close(saved);
	close(fd);
	free(c);
}

/* the new checks hold on the command line too */
static void command_line_checks(void **state)
{
	char *bad[][4] = { { "tool", "up", "--frames", "1000" }, { "tool", "up", "--ns", "a/b" },
			   { "tool", "up", "--name", "xyz" } };
	const struct opt_cmd *cmd;
	void *cfg;
	struct g g;
	int saved = dup(2), fd = open("/dev/null", O_WRONLY);
	char keys[128];

	(void)state;
	dup2(fd, 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(opts_parse(&prog, 4, bad[i], &g, &cmd, &cfg), 2);
	dup2(saved, 2);
	close(saved);
	close(fd);
	opts_config_keys(&up, keys, sizeof(keys));
	assert_string_equal(keys, "num, frames, name, ifname, ns, mode, flag, other");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_of_key),
		cmocka_unit_test(the_command_line_wins),
		cmocka_unit_test(mistakes),
		cmocka_unit_test(not_a_config_file),
		cmocka_unit_test(one_key_at_a_time),
		cmocka_unit_test(command_line_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
