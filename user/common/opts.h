/* SPDX-License-Identifier: MIT */
/*
 * Command lines from tables: one table of options per command drives the
 * parsing, the -h/--help text, the usage lines, the man page source (scdoc)
 * and the bash completion, so that they cannot disagree.  In the spirit of
 * xdp-tools' option tables (the pattern only: this is our own code).
 *
 * A command is named by its path of words, e.g. "filter attach" or
 * "filter rule IFNAME port add": lower-case words are typed as they are,
 * an upper-case word stands for the positional of that name (any word the
 * user types, parsed by its entry in the table).  Options and the
 * positionals after the path may come in any order; "--" ends options.
 * Every value is checked by its type before the command runs, and every
 * mistake is one line and exit status 2.  No Xen, no BPF.
 */
#ifndef XENNET_OPTS_H
#define XENNET_OPTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_type {
	OPT_FLAG,       /* bool; no value */
	OPT_UINT,       /* unsigned long in min..max, strict decimal */
	OPT_STRING,     /* const char * */
	OPT_IFNAME,     /* const char *, a valid interface name (common/ifname) */
	OPT_NETNS,      /* const char *, a valid `ip netns` name (common/netns) */
	OPT_CHOICE,     /* int: the index of the value in choices */
	OPT_HELP,       /* -h/--help: print the command's help, exit 0 */
};

/* What the bash completion offers for a value. */
enum opt_comp {
	COMP_NONE,
	COMP_FILE,      /* any file */
	COMP_DIR,       /* a directory */
	COMP_INSTANCE,  /* a running instance's interface (the run directory's *.state) */
	COMP_OBJECT,    /* a BPF object: *.o here, or an installed filter */
	COMP_PROG,      /* a filter with maps pinned for the command's IFNAME */
	COMP_NETNS,     /* an `ip netns` name */
	COMP_CHOICE,    /* one of choices */
};

#define OPT_POS      0x01   /* a positional: name is how it is shown (IFNAME) */
#define OPT_OPTIONAL 0x02   /* ...that may be left out */
#define OPT_WORD     0x04   /* a keyword option: "burst N", no dashes */
#define OPT_REQUIRED 0x08   /* an option that must be given */
#define OPT_HIDDEN   0x10   /* parsed, not shown */
#define OPT_GLOBAL   0x20   /* writes into the program's global config */
#define OPT_POW2     0x40   /* OPT_UINT: a power of two */
#define OPT_NOCONF   0x80   /* not a key of a config file (opts_config) */

/* What a command's config holds for what was not given (and has no
 * default): strings NULL, flags false, OPT_UINT OPT_UNSET, OPT_CHOICE -1. */
#define OPT_UNSET (~0UL)

struct opt {
	const char *name;             /* long name without "--"; the word; the positional's NAME */
	char shrt;                    /* short option letter, or 0 */
	enum opt_type type;
	size_t off;                   /* where the value goes, in the config struct */
	const char *arg;              /* the value's name in help ("S"); NULL for flags */
	const char *help;             /* one line, plain text */
	const char *dflt;             /* default, as typed (also shown in help); NULL: none */
	unsigned long min, max;       /* OPT_UINT */
	const char *const *choices;   /* OPT_CHOICE, NULL-terminated */
	unsigned int flags;
	enum opt_comp comp;
	/* more checks of a value, after its type's: 0, or -1 with the reason
	 * in why ("'70000' is not a port"); NULL: none */
	int (*check)(const char *val, char *why, size_t whylen);
};

/* A table entry: OPT(long, short, type, offset, value name, help, more
 * designated fields...) */
#define OPT(lng, s, t, field, argname, helptext, ...) \
	{ .name = (lng), .shrt = (s), .type = (t), .off = (field), .arg = (argname), .help = (helptext), \
	  __VA_ARGS__ }
/* A positional: POSITIONAL(NAME, type, offset, help, more...) */
#define POSITIONAL(nm, t, field, helptext, ...) \
	{ .name = (nm), .type = (t), .off = (field), .help = (helptext), .flags = OPT_POS, __VA_ARGS__ }
/* ...one that may be left out */
#define POSITIONAL_OPTIONAL(nm, t, field, helptext, ...) \
	{ .name = (nm), .type = (t), .off = (field), .help = (helptext), .flags = OPT_POS | OPT_OPTIONAL, \
	  __VA_ARGS__ }
#define OPT_TABLE_END { .name = NULL }

struct opt_cmd {
	const char *path;             /* "filter attach"; "" for a program's only command */
	const char *summary;          /* one line, plain text */
	const char *doc;              /* more, plain text, for help and the man page (or NULL) */
	const struct opt *opts;       /* { 0 }-terminated */
	size_t cfg_size;              /* the config struct the table fills */
	int (*run)(void *cfg);
};

/* A titled section of the man page ("FILES"), plain text; paragraphs are
 * separated by an empty line, and lines starting with two spaces are
 * shown as they are. */
/* A command: OPT_CMD(path, summary, doc, options, config size, run) */
#define OPT_CMD(p, sum, d, o, size, fn) \
	{ .path = (p), .summary = (sum), .doc = (d), .opts = (o), .cfg_size = (size), .run = (fn) }

struct opt_section {
	const char *title, *text;
};

struct opt_prog {
	const char *name;             /* "xennet-xdp" */
	int section;                  /* of the manual: 8 */
	const char *version;
	const char *tagline;          /* "a Xen PV network frontend ..." (man NAME) */
	const char *description;      /* plain text, for help and the man page */
	const struct opt *global;     /* options before the command (OPT_GLOBAL implied) */
	const struct opt *common;     /* options every command takes (OPT_GLOBAL implied) */
	const struct opt_cmd *const *cmds;
	size_t ncmds;
	const struct opt_section *sections;   /* after the commands, { 0 }-terminated */
};

/* Parse argv: global options into gcfg, then the command, whose options
 * and positionals go into a config it allocates (*cfg, zeroed, defaults
 * applied).  Returns -1 to go on (*cmd NULL if no command was named), or an
 * exit status: 0 after printing help, 2 after a one-line error. */
int opts_parse(const struct opt_prog *p, int argc, char **argv, void *gcfg, const struct opt_cmd **cmd,
	       void **cfg);

/* A config file's "name = value" for command c, into cfg (which opts_parse
 * gave): name is one of c's long options (not -h, a positional, a hidden or
 * a global one); the value is checked as --name=value's is (a flag's is yes
 * or no) and stored, unless the command line gave that option: it wins.
 * The value is not copied: it must live as long as cfg.  0; 2 after a
 * one-line error ("xennet-xdp: name: 'v' is not ..."; common/log's context
 * says where); -ENOENT, nothing said, if c has no such option. */
int opts_config(const struct opt_prog *p, const struct opt_cmd *c, void *cfg, const char *name,
		const char *value);
/* The keys opts_config takes for c, ", "-separated, into buf. */
void opts_config_keys(const struct opt_cmd *c, char *buf, size_t size);
/* Did the command line give c's option name (cfg from opts_parse)? */
bool opts_given(const struct opt_cmd *c, const void *cfg, const char *name);

/* "xennet-xdp: PATH: message" on stderr (through common/log); returns 2. */
int opts_error(const struct opt_prog *p, const struct opt_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The help of one command (NULL: the program's, listing every command). */
void opts_help(const struct opt_prog *p, const struct opt_cmd *c, FILE *f);
/* One usage line per command, "xennet-xdp PATH ..." */
void opts_usage(const struct opt_prog *p, FILE *f);
/* The man page, in scdoc's markup (scdoc(5)). */
void opts_man(const struct opt_prog *p, FILE *f);
/* A bash completion script (for bash-completion's completions/ directory);
 * filter_dir: where the installed filter objects are. */
void opts_bash(const struct opt_prog *p, const char *filter_dir, FILE *f);

#endif
