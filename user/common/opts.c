/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "common/ifname.h"
#include "common/log.h"
#include "common/netns.h"
#include "common/opts.h"
#include "common/parse.h"

#define MAX_TOKENS 8
#define MAX_OPTS 64

/* ---- tables ------------------------------------------------------------- */

/* The words of a path: "filter rule IFNAME port add" -> 5 tokens. */
struct tokens {
	int n;
	char w[MAX_TOKENS][24];
};

static void tokenize(const char *path, struct tokens *t)
{
	t->n = 0;
	while (*path && t->n < MAX_TOKENS) {
		size_t len = strcspn(path, " ");

		snprintf(t->w[t->n++], sizeof(t->w[0]), "%.*s", (int)len, path);
		path += len;
		path += strspn(path, " ");
	}
}

static bool placeholder(const char *w)
{
	return isupper((unsigned char)w[0]);
}

/* The literal words of a path up to its first placeholder: how messages
 * name the command ("filter rule"). */
static void short_path(const char *path, char *buf, size_t size)
{
	struct tokens t;
	size_t len = 0;

	tokenize(path, &t);
	buf[0] = '\0';
	for (int i = 0; i < t.n && !placeholder(t.w[i]); i++)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", i ? " " : "", t.w[i]);
}

static size_t nopts(const struct opt *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

/* Is positional o named in the command's path (a placeholder)? */
static bool in_path(const struct opt_cmd *c, const struct opt *o)
{
	struct tokens t;

	tokenize(c->path, &t);
	for (int i = 0; i < t.n; i++)
		if (!strcmp(t.w[i], o->name))
			return true;
	return false;
}

/* ---- messages ----------------------------------------------------------- */

static int verror(const struct opt_prog *p, const struct opt_cmd *c, const char *fmt, va_list ap)
{
	char msg[512], name[64];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c && c->path[0]) {
		short_path(c->path, name, sizeof(name));
		log_err(p->name, "%s: %s", name, msg);
	} else {
		log_err(p->name, "%s", msg);
	}
	return 2;
}

int opts_error(const struct opt_prog *p, const struct opt_cmd *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = verror(p, c, fmt, ap);
	va_end(ap);
	return ret;
}

/* ---- parsing ------------------------------------------------------------ */

struct pctx {
	const struct opt_prog *p;
	const struct opt_cmd *c;
	void *gcfg, *cfg;
	bool given[MAX_OPTS];         /* which of the command's table were given */
};

static void *slot(struct pctx *x, const struct opt *o, bool global)
{
	return (char *)(global || (o->flags & OPT_GLOBAL) ? x->gcfg : x->cfg) + o->off;
}

/* o's own check of val, if it has one: 0, or 2 having said why. */
static int check_more(struct pctx *x, const struct opt *o, const char *val, const char *shown)
{
	char why[256];

	if (!o->check)
		return 0;
	why[0] = '\0';
	if (o->check(val, why, sizeof(why)) == 0)
		return 0;
	return opts_error(x->p, x->c, "%s%s%s", shown, shown[0] ? ": " : "", why[0] ? why : "not valid");
}

/* Store val as o's value; shown names it in a message ("--interval", or
 * "" for a positional). */
static int set_value(struct pctx *x, const struct opt *o, bool global, const char *val, const char *shown)
{
	void *dst = slot(x, o, global);
	const char *sep = shown[0] ? ": " : "";
	unsigned long v;

	switch (o->type) {
	case OPT_FLAG:
		*(bool *)dst = true;
		return 0;
	case OPT_UINT:
		if (parse_uint(val, o->max, &v) < 0 || v < o->min)
			return opts_error(x->p, x->c, "%s%s'%s' is not a number in %lu..%lu", shown, sep, val,
					  o->min, o->max);
		if ((o->flags & OPT_POW2) && (v & (v - 1)))
			return opts_error(x->p, x->c, "%s%s'%s' is not a power of two in %lu..%lu", shown, sep,
					  val, o->min, o->max);
		if (check_more(x, o, val, shown))
			return 2;
		*(unsigned long *)dst = v;
		return 0;
	case OPT_IFNAME:
		if (!ifname_valid(val))
			return opts_error(x->p, x->c, "%s%s'%s' is not a valid interface name", shown, sep, val);
		if (check_more(x, o, val, shown))
			return 2;
		*(const char **)dst = val;
		return 0;
	case OPT_NETNS:
		if (!netns_valid_name(val))
			return opts_error(x->p, x->c, "%s%s'%s' is not a network namespace name (1-63 bytes, "
					  "no /)", shown, sep, val);
		if (check_more(x, o, val, shown))
			return 2;
		*(const char **)dst = val;
		return 0;
	case OPT_STRING:
		if (!val[0])
			return opts_error(x->p, x->c, "%s%san empty %s", shown, sep, o->arg ? o->arg : o->name);
		if (check_more(x, o, val, shown))
			return 2;
		*(const char **)dst = val;
		return 0;
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcmp(o->choices[i], val)) {
				*(int *)dst = i;
				return 0;
			}
		}
		{
			char list[128];
			size_t len = 0;

			list[0] = '\0';
			for (int i = 0; o->choices[i]; i++)
				len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
							"%s%s", i ? " or " : "", o->choices[i]);
			return opts_error(x->p, x->c, "%s%s'%s' is not %s", shown, sep, val, list);
		}
	case OPT_HELP:
		break;
	}
	return 0;
}

static void apply_defaults(struct pctx *x, const struct opt *o, bool global)
{
	for (size_t i = 0; i < nopts(o); i++) {
		if (o[i].dflt)
			set_value(x, &o[i], global, o[i].dflt, o[i].name);
		else if (o[i].type == OPT_UINT)
			*(unsigned long *)slot(x, &o[i], global) = OPT_UNSET;
		else if (o[i].type == OPT_CHOICE)
			*(int *)slot(x, &o[i], global) = -1;
	}
}

/* Find an option by long name (len bytes of it) or short letter: before a
 * command in the global and common tables, after it in the command's and
 * the common one.  *idx: its index in the command's table, or -1. */
static const struct opt *find_opt(struct pctx *x, const char *lng, size_t len, char shrt, bool *global,
				  int *idx)
{
	const struct opt *tabs[2] = { x->c ? x->c->opts : x->p->global, x->p->common };

	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < nopts(tabs[t]); i++) {
			const struct opt *o = &tabs[t][i];

			if (o->flags & (OPT_POS | OPT_WORD))
				continue;
			if ((lng && strlen(o->name) == len && !strncmp(o->name, lng, len)) ||
			    (!lng && o->shrt == shrt)) {
				*global = !x->c || t == 1;
				*idx = *global ? -1 : (int)i;
				return o;
			}
		}
	}
	return NULL;
}

/* One option word at argv[*i] (and its value): 0, 1 if it was -h, or the
 * exit status of an error. */
static int take_option(struct pctx *x, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const struct opt *o;
	bool global;
	int idx;

	if (a[1] == '-') {                       /* --name, --name=value */
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		char shown[64];

		o = find_opt(x, a + 2, len, 0, &global, &idx);
		if (!o)
			return opts_error(x->p, x->c, "unknown option '%.*s'", (int)(len + 2), a);
		snprintf(shown, sizeof(shown), "--%s", o->name);
		if (idx >= 0 && idx < MAX_OPTS)
			x->given[idx] = true;
		if (o->type == OPT_HELP)
			return 1;
		if (o->type == OPT_FLAG) {
			if (eq)
				return opts_error(x->p, x->c, "option '%s' takes no value", shown);
			return set_value(x, o, global, NULL, shown);
		}
		if (eq)
			return set_value(x, o, global, eq + 1, shown);
		if (*i + 1 >= argc)
			return opts_error(x->p, x->c, "option '%s' needs a value", shown);
		return set_value(x, o, global, argv[++*i], shown);
	}
	for (const char *s = a + 1; *s; s++) {  /* -j, -jv, -i NAME, -iNAME */
		char shown[3] = { '-', *s, 0 };
		int err;

		o = find_opt(x, NULL, 0, *s, &global, &idx);
		if (!o)
			return opts_error(x->p, x->c, "unknown option '-%c'", *s);
		if (idx >= 0 && idx < MAX_OPTS)
			x->given[idx] = true;
		if (o->type == OPT_HELP)
			return 1;
		if (o->type == OPT_FLAG) {
			set_value(x, o, global, NULL, shown);
			continue;
		}
		if (s[1])
			return set_value(x, o, global, s + 1, shown);
		if (*i + 1 >= argc)
			return opts_error(x->p, x->c, "option '%s' needs a value", shown);
		err = set_value(x, o, global, argv[++*i], shown);
		return err;
	}
	return 0;
}

static bool is_option(const char *a)
{
	return a[0] == '-' && a[1];
}

/* The command named by argv[*i...] (its path), or NULL having said why. */
static const struct opt_cmd *match_cmd(struct pctx *x, int argc, char **argv, int *i, int *ph_idx, int *nph)
{
	const struct opt_prog *p = x->p;
	bool alive[64];
	int pos;

	*nph = 0;
	for (size_t k = 0; k < p->ncmds && k < 64; k++)
		alive[k] = p->cmds[k]->path[0] != '\0';
	for (pos = 0;; pos++) {
		const struct opt_cmd *done = NULL;
		bool literal = false, any = false;
		const char *w = *i < argc ? argv[*i] : NULL;

		for (size_t k = 0; k < p->ncmds && k < 64; k++) {
			struct tokens t;

			if (!alive[k])
				continue;
			tokenize(p->cmds[k]->path, &t);
			if (t.n == pos)
				done = p->cmds[k];
			else if (w && !placeholder(t.w[pos]) && !strcmp(t.w[pos], w))
				literal = true;
		}
		/* narrow to the commands whose next word is w: a word typed as it
		 * is before a placeholder */
		for (size_t k = 0; k < p->ncmds && k < 64; k++) {
			struct tokens t;

			if (!alive[k])
				continue;
			tokenize(p->cmds[k]->path, &t);
			alive[k] = w && t.n > pos &&
				   (literal ? !strcmp(t.w[pos], w) : placeholder(t.w[pos]) && !is_option(w));
			any |= alive[k];
		}
		if (any) {
			if (!literal && *nph < MAX_TOKENS)
				ph_idx[(*nph)++] = *i;
			(*i)++;
			continue;
		}
		if (done)
			return done;
		break;
	}
	/* say what was expected here */
	{
		char want[256] = "", prefix[128] = "";
		size_t len = 0;
		bool ph = false;

		for (int k = 0; k < pos && k < argc; k++)
			snprintf(prefix + strlen(prefix), sizeof(prefix) - strlen(prefix), "%s%s",
				 k ? " " : "", argv[*i - pos + k]);
		for (size_t k = 0; k < p->ncmds; k++) {
			struct tokens t;
			bool prefix_ok = true;

			tokenize(p->cmds[k]->path, &t);
			if (!p->cmds[k]->path[0] || t.n <= pos)
				continue;
			for (int m = 0; m < pos && prefix_ok; m++)
				prefix_ok = placeholder(t.w[m]) || !strcmp(t.w[m], argv[*i - pos + m]);
			if (!prefix_ok || strstr(want, t.w[pos]))
				continue;
			ph |= placeholder(t.w[pos]);
			len += (size_t)snprintf(want + len, len < sizeof(want) ? sizeof(want) - len : 0, "%s%s",
						len ? ", " : "", t.w[pos]);
		}
		if (pos == 0)
			log_err(p->name, "'%s' is not a command; see %s --help", argv[*i], p->name);
		else if (ph && *i < argc)
			log_err(p->name, "%s: '%s' is not %s", prefix, argv[*i], want);
		else if (ph)
			log_err(p->name, "%s: missing %s", prefix, want);
		else if (*i < argc)
			log_err(p->name, "%s: '%s' is not one of: %s", prefix, argv[*i], want);
		else
			log_err(p->name, "%s: which one? %s", prefix, want);
	}
	return NULL;
}

/* The options and positionals of command c from argv[i]. */
static int parse_cmd(struct pctx *x, int argc, char **argv, int i, const int *ph_idx, int nph)
{
	const struct opt *o = x->c->opts;
	size_t n = nopts(o), next_pos = 0;
	bool no_more = false;
	int ph = 0, err;

	apply_defaults(x, o, false);
	/* the placeholders of the path, in order */
	for (size_t k = 0; k < n && ph < nph; k++) {
		if ((o[k].flags & OPT_POS) && in_path(x->c, &o[k])) {
			x->given[k] = true;
			err = set_value(x, &o[k], false, argv[ph_idx[ph++]], "");
			if (err)
				return err;
		}
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		size_t k;

		if (!no_more && !strcmp(a, "--")) {
			no_more = true;
			continue;
		}
		if (!no_more && is_option(a)) {
			err = take_option(x, argc, argv, &i);
			if (err == 1) {
				opts_help(x->p, x->c, stdout);
				return 0;
			}
			if (err)
				return err;
			continue;
		}
		for (k = 0; !no_more && k < n; k++)
			if ((o[k].flags & OPT_WORD) && !strcmp(o[k].name, a))
				break;
		if (!no_more && k < n) {
			if (i + 1 >= argc)
				return opts_error(x->p, x->c, "'%s' needs a value", a);
			x->given[k] = true;
			err = set_value(x, &o[k], false, argv[++i], a);
			if (err)
				return err;
			continue;
		}
		while (next_pos < n && (!(o[next_pos].flags & OPT_POS) || in_path(x->c, &o[next_pos])))
			next_pos++;
		if (next_pos >= n)
			return opts_error(x->p, x->c, "unexpected argument '%s'", a);
		x->given[next_pos] = true;
		err = set_value(x, &o[next_pos], false, a, "");
		if (err)
			return err;
		next_pos++;
	}
	for (size_t k = 0; k < n; k++) {
		if ((o[k].flags & OPT_POS) && !(o[k].flags & OPT_OPTIONAL) && !x->given[k])
			return opts_error(x->p, x->c, "missing %s; see %s %s --help", o[k].name, x->p->name,
					  x->c->path);
		if ((o[k].flags & OPT_REQUIRED) && !x->given[k])
			return opts_error(x->p, x->c, "--%s %s is required", o[k].name, o[k].arg ? o[k].arg : "");
	}
	return -1;
}

int opts_parse(const struct opt_prog *p, int argc, char **argv, void *gcfg, const struct opt_cmd **cmd,
	       void **cfg)
{
	struct pctx x = { .p = p, .gcfg = gcfg };
	const struct opt_cmd *dflt = NULL;
	int i = 1, ph_idx[MAX_TOKENS], nph = 0, err;

	*cmd = NULL;
	*cfg = NULL;
	for (size_t k = 0; k < p->ncmds; k++)
		if (!p->cmds[k]->path[0])
			dflt = p->cmds[k];
	apply_defaults(&x, p->global, true);
	apply_defaults(&x, p->common, true);
	/* global options, unless the program has a command of its own for them */
	while (!dflt && i < argc && is_option(argv[i])) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		err = take_option(&x, argc, argv, &i);
		if (err == 1) {
			opts_help(p, NULL, stdout);
			return 0;
		}
		if (err)
			return err;
		i++;
	}
	if (i >= argc && !dflt)
		return -1;
	x.c = dflt;
	if (i < argc && !is_option(argv[i])) {
		for (size_t k = 0; k < p->ncmds; k++) {
			struct tokens t;

			tokenize(p->cmds[k]->path, &t);
			if (t.n && !strcmp(t.w[0], argv[i]))
				x.c = NULL;   /* a command's first word */
		}
		if (!x.c) {
			x.c = match_cmd(&x, argc, argv, &i, ph_idx, &nph);
			if (!x.c)
				return 2;
		}
	}
	if (!x.c)
		return opts_error(p, NULL, "'%s' is not a command; see %s --help", argv[i], p->name);
	/* the config, then which of its options the command line gave (for
	 * opts_given and opts_config) */
	x.cfg = calloc(1, x.c->cfg_size + MAX_OPTS);
	if (!x.cfg)
		return opts_error(p, NULL, "out of memory");
	err = parse_cmd(&x, argc, argv, i, ph_idx, nph);
	if (err >= 0) {
		free(x.cfg);
		return err;
	}
	memcpy((char *)x.cfg + x.c->cfg_size, x.given, MAX_OPTS);
	*cmd = x.c;
	*cfg = x.cfg;
	return -1;
}

/* ---- config files ------------------------------------------------------- */

/* May a config file set o? */
static bool config_key(const struct opt *o)
{
	return !(o->flags & (OPT_POS | OPT_WORD | OPT_HIDDEN | OPT_GLOBAL | OPT_NOCONF)) && o->type != OPT_HELP;
}

/* c's option of that long name, that a config file may set: its index, or -1 */
static int config_opt(const struct opt_cmd *c, const char *name)
{
	for (size_t i = 0; i < nopts(c->opts) && i < MAX_OPTS; i++)
		if (config_key(&c->opts[i]) && !strcmp(c->opts[i].name, name))
			return (int)i;
	return -1;
}

void opts_config_keys(const struct opt_cmd *c, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < nopts(c->opts) && i < MAX_OPTS; i++)
		if (config_key(&c->opts[i]))
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s", len ? ", " : "",
						c->opts[i].name);
}

bool opts_given(const struct opt_cmd *c, const void *cfg, const char *name)
{
	int i = config_opt(c, name);

	return i >= 0 && ((const bool *)((const char *)cfg + c->cfg_size))[i];
}

int opts_config(const struct opt_prog *p, const struct opt_cmd *c, void *cfg, const char *name,
		const char *value)
{
	int i = config_opt(c, name), err;
	const struct opt *o;
	struct pctx x = { .p = p };

	if (i < 0)
		return -ENOENT;
	o = &c->opts[i];
	/* checked always; kept only if the command line did not say it */
	x.cfg = opts_given(c, cfg, name) ? calloc(1, c->cfg_size) : cfg;
	if (!x.cfg)
		return opts_error(p, NULL, "out of memory");
	if (o->type != OPT_FLAG) {
		err = set_value(&x, o, false, value, name);
	} else if (!strcmp(value, "yes") || !strcmp(value, "true")) {
		err = set_value(&x, o, false, NULL, name);
	} else if (!strcmp(value, "no") || !strcmp(value, "false")) {
		*(bool *)slot(&x, o, false) = false;
		err = 0;
	} else {
		err = opts_error(p, NULL, "%s: '%s' is not yes or no", name, value);
	}
	if (x.cfg != cfg)
		free(x.cfg);
	return err;
}

/* ---- help --------------------------------------------------------------- */

/* text, wrapped at width with indent: paragraphs are separated by empty
 * lines; lines starting with two spaces are shown as they are. */
static void wrap_at(FILE *f, const char *text, int indent, int first_col, int width);

static void wrap(FILE *f, const char *text, int indent, int width)
{
	wrap_at(f, text, indent, 0, width);
}

/* ...the cursor being at column first_col already */
static void wrap_at(FILE *f, const char *text, int indent, int first_col, int width)
{
	int pos = first_col;
	bool fresh = true;       /* no word on this line yet */

	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);

		if (len == 0 || (len >= 2 && text[0] == ' ' && text[1] == ' ')) {
			if (!fresh)
				fputc('\n', f);
			fprintf(f, "%*s%.*s\n", len ? indent : 0, "", (int)len, text);
			pos = 0;
			fresh = true;
		} else {
			for (size_t k = 0; k < len;) {
				size_t wl;

				while (k < len && text[k] == ' ')
					k++;
				wl = strcspn(text + k, " \n");
				if (k + wl > len)
					wl = len - k;
				if (!wl)
					break;
				if (!fresh && pos + 1 + (int)wl > width) {
					fputc('\n', f);
					pos = 0;
					fresh = true;
				}
				if (fresh && pos < indent) {
					fprintf(f, "%*s", indent - pos, "");
					pos = indent;
				} else if (!fresh) {
					fputc(' ', f);
					pos++;
				}
				fprintf(f, "%.*s", (int)wl, text + k);
				pos += (int)wl;
				fresh = false;
				k += wl;
			}
		}
		text += len;
		if (*text == '\n')
			text++;
	}
	if (!fresh)
		fputc('\n', f);
}

/* "[--interval S]", "[-j|--json]"... one option as a usage line shows it */
static void usage_opt(FILE *f, const struct opt *o, bool man)
{
	bool opt = !(o->flags & (OPT_REQUIRED)) && (!(o->flags & OPT_POS) || (o->flags & OPT_OPTIONAL));
	const char *b = man ? "*" : "", *u = man ? "_" : "";

	fputs(opt ? " [" : " ", f);
	if (o->flags & OPT_POS) {
		if (o->type == OPT_CHOICE)
			for (int i = 0; o->choices[i]; i++)
				fprintf(f, "%s%s%s%s", i ? "|" : "", b, o->choices[i], b);
		else
			fprintf(f, "%s%s%s", u, o->name, u);
	} else if (o->flags & OPT_WORD) {
		fprintf(f, "%s%s%s %s%s%s", b, o->name, b, u, o->arg, u);
	} else {
		fprintf(f, "%s--%s%s", b, o->name, b);
		if (o->type == OPT_CHOICE) {
			fputc(' ', f);
			for (int i = 0; o->choices[i]; i++)
				fprintf(f, "%s%s%s%s", i ? "|" : "", b, o->choices[i], b);
		} else if (o->type != OPT_FLAG) {
			fprintf(f, " %s%s%s", u, o->arg, u);
		}
	}
	fputs(opt ? "]" : "", f);
}

static void usage_line(FILE *f, const struct opt_prog *p, const struct opt_cmd *c, bool man)
{
	const struct opt *o = c->opts;
	struct tokens t;

	tokenize(c->path, &t);
	fprintf(f, man ? "*%s*" : "%s", p->name);
	for (int i = 0; i < t.n; i++)
		fprintf(f, man ? (placeholder(t.w[i]) ? " _%s_" : " *%s*") : " %s", t.w[i]);
	/* the positionals after the path (and keyword options), then the options */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nopts(o); i++) {
			bool pos = (o[i].flags & OPT_POS) != 0;

			if ((o[i].flags & OPT_HIDDEN) || o[i].type == OPT_HELP || (pos && in_path(c, &o[i])) ||
			    (pass == 0) != (pos || (o[i].flags & OPT_WORD)))
				continue;
			usage_opt(f, &o[i], man);
		}
	fputc('\n', f);
}

/* A usage line wrapped at 78 columns between its groups ("[--vif N]"
 * stays whole), continued under the command's first word; lead: what is
 * printed before it on the first line. */
static void usage_wrapped(FILE *f, const struct opt_prog *p, const struct opt_cmd *c, const char *lead)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int col, indent, depth = 0;
	const char *s, *word;

	if (!m)
		return;
	usage_line(m, p, c, false);
	fclose(m);
	fputs(lead, f);
	col = (int)strlen(lead);
	indent = col + (int)strlen(p->name) + 1;
	for (s = word = buf;; s++) {
		if (*s == '[' || *s == '(')
			depth++;
		else if (*s == ']' || *s == ')')
			depth--;
		if ((*s == ' ' && depth == 0) || *s == '\n' || !*s) {
			int wl = (int)(s - word);

			if (col > indent && col + 1 + wl > 78) {
				fprintf(f, "\n%*s", indent, "");
				col = indent;
			} else if (word != buf) {
				fputc(' ', f);
				col++;
			}
			fprintf(f, "%.*s", wl, word);
			col += wl;
			if (*s != ' ')
				break;
			word = s + 1;
		}
	}
	fputc('\n', f);
	free(buf);
}

void opts_usage(const struct opt_prog *p, FILE *f)
{
	for (size_t k = 0; k < p->ncmds; k++)
		usage_line(f, p, p->cmds[k], false);
}

/* "  -j, --json           help (default X)" */
static void help_opt(FILE *f, const struct opt *o)
{
	char left[64], text[512];
	int n;

	if (o->flags & OPT_HIDDEN)
		return;
	if (o->flags & OPT_POS)
		n = snprintf(left, sizeof(left), "%s", o->name);
	else if (o->flags & OPT_WORD)
		n = snprintf(left, sizeof(left), "%s %s", o->name, o->arg);
	else if (o->shrt)
		n = snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->name, o->arg ? " " : "",
			     o->arg ? o->arg : "");
	else
		n = snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	if (o->dflt)
		snprintf(text, sizeof(text), "%s (default %s)", o->help, o->dflt);
	else
		snprintf(text, sizeof(text), "%s", o->help);
	fprintf(f, "  %-22s%s", left, n > 21 ? "\n" : "");
	wrap_at(f, text, 24, n > 21 ? 0 : 24, 78);
}

void opts_help(const struct opt_prog *p, const struct opt_cmd *c, FILE *f)
{
	bool any;

	if (!c) {
		fprintf(f, "usage: %s [options] COMMAND [command options]\n%s %s: %s\n\n", p->name, p->name,
			p->version, p->tagline);
		if (p->description) {
			wrap(f, p->description, 0, 78);
			fputc('\n', f);
		}
		fprintf(f, "commands:\n");
		for (size_t k = 0; k < p->ncmds; k++)
			usage_wrapped(f, p, p->cmds[k], "  ");
		fprintf(f, "options:\n");
		for (size_t i = 0; i < nopts(p->global); i++)
			help_opt(f, &p->global[i]);
		for (size_t i = 0; i < nopts(p->common); i++)
			help_opt(f, &p->common[i]);
		fprintf(f, "\n'%s COMMAND --help' describes a command; man %s(%d) has it all.\n", p->name,
			p->name, p->section);
		return;
	}
	usage_wrapped(f, p, c, "usage: ");
	fputc('\n', f);
	wrap(f, c->summary, 0, 78);
	if (c->doc) {
		fputc('\n', f);
		wrap(f, c->doc, 0, 78);
	}
	any = false;
	for (size_t i = 0; i < nopts(c->opts); i++)
		if ((c->opts[i].flags & OPT_POS) && !(c->opts[i].flags & OPT_HIDDEN)) {
			fprintf(f, "%s", any ? "" : "\narguments:\n");
			any = true;
			help_opt(f, &c->opts[i]);
		}
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < nopts(c->opts); i++)
		if (!(c->opts[i].flags & OPT_POS))
			help_opt(f, &c->opts[i]);
	for (size_t i = 0; i < nopts(p->common); i++)
		help_opt(f, &p->common[i]);
}

/* ---- man page (scdoc) --------------------------------------------------- */

/* plain text with scdoc's markup characters escaped */
static void man_text(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		if (s[i] == '*' || s[i] == '_' || s[i] == '\\')
			fputc('\\', f);
		fputc(s[i], f);
	}
}

/* Paragraphs as they are (roff fills them); lines starting with two
 * spaces, in a literal block. */
static void man_para(FILE *f, const char *text)
{
	bool literal = false;

	while (*text) {
		const char *eol = strchr(text, '\n');
		size_t len = eol ? (size_t)(eol - text) : strlen(text);
		bool verb = len >= 2 && text[0] == ' ' && text[1] == ' ';

		if (verb != literal) {
			fputs(verb ? "```\n" : "```\n", f);
			literal = verb;
		}
		if (verb)
			fprintf(f, "%.*s\n", (int)len, text);
		else {
			if (text[0] == '-')
				fputc('\\', f);   /* not a list */
			man_text(f, text, len);
			fputc('\n', f);
		}
		text += len;
		if (*text == '\n')
			text++;
	}
	if (literal)
		fputs("```\n", f);
	fputc('\n', f);
}

static void man_opt(FILE *f, const struct opt *o)
{
	if (o->flags & OPT_HIDDEN)
		return;
	if (o->flags & OPT_POS)
		fprintf(f, "_%s_\n", o->name);
	else if (o->flags & OPT_WORD)
		fprintf(f, "*%s* _%s_\n", o->name, o->arg);
	else {
		if (o->shrt)
			fprintf(f, "*-%c*, ", o->shrt);
		fprintf(f, "*--%s*", o->name);
		if (o->type == OPT_CHOICE) {
			fputc(' ', f);
			for (int i = 0; o->choices[i]; i++)
				fprintf(f, "%s*%s*", i ? "|" : "", o->choices[i]);
		} else if (o->arg) {
			fprintf(f, " _%s_", o->arg);
		}
		fputc('\n', f);
	}
	fputc('\t', f);
	man_text(f, o->help, strlen(o->help));
	if (o->dflt) {
		fputs(" (default ", f);
		man_text(f, o->dflt, strlen(o->dflt));
		fputc(')', f);
	}
	fputs(".\n\n", f);
}

static void upper(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(toupper((unsigned char)*s), f);
}

void opts_man(const struct opt_prog *p, FILE *f)
{
	fprintf(f, "%s(%d) \"%s %s\"\n\n# NAME\n\n%s - ", p->name, p->section, p->name, p->version, p->name);
	man_text(f, p->tagline, strlen(p->tagline));
	fprintf(f, "\n\n# SYNOPSIS\n\n");
	for (size_t k = 0; k < p->ncmds; k++) {
		usage_line(f, p, p->cmds[k], true);
		fputc('\n', f);
	}
	fprintf(f, "# DESCRIPTION\n\n");
	man_para(f, p->description);
	if (nopts(p->global) + nopts(p->common)) {
		fprintf(f, "# OPTIONS\n\n");
		for (size_t i = 0; i < nopts(p->global); i++)
			man_opt(f, &p->global[i]);
		for (size_t i = 0; i < nopts(p->common); i++)
			man_opt(f, &p->common[i]);
	}
	fprintf(f, "# COMMANDS\n\n");
	for (size_t k = 0; k < p->ncmds; k++) {
		const struct opt_cmd *c = p->cmds[k];

		fprintf(f, "## %s\n\n", c->path[0] ? c->path : p->name);
		usage_line(f, p, c, true);
		fputc('\n', f);
		man_para(f, c->summary);
		if (c->doc)
			man_para(f, c->doc);
		for (size_t i = 0; i < nopts(c->opts); i++)
			man_opt(f, &c->opts[i]);
	}
	for (const struct opt_section *s = p->sections; s && s->title; s++) {
		fputs("# ", f);
		upper(f, s->title);
		fputs("\n\n", f);
		man_para(f, s->text);
	}
}

/* ---- bash completion ------------------------------------------------------ */

static const char *const comp_fn[] = {
	[COMP_NONE] = "", [COMP_FILE] = "_X_files", [COMP_DIR] = "_X_dirs", [COMP_INSTANCE] = "_X_instances",
	[COMP_OBJECT] = "_X_objects", [COMP_PROG] = "_X_progs", [COMP_NETNS] = "_X_netns",
	[COMP_CHOICE] = "",
};

/* the shell word for completing o's value */
static void comp_value(FILE *f, const struct opt *o)
{
	if (o->comp == COMP_CHOICE || o->type == OPT_CHOICE) {
		fputs("_X_words '", f);
		for (int i = 0; o->choices && o->choices[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", o->choices[i]);
		fputs("'", f);
	} else if (o->comp != COMP_NONE) {
		fputs(comp_fn[o->comp], f);
	} else {
		fputs(":", f);
	}
}

static void comp_opts_words(FILE *f, const struct opt *o, bool values)
{
	for (size_t i = 0; i < nopts(o); i++) {
		if (o[i].flags & (OPT_HIDDEN | OPT_POS | OPT_WORD))
			continue;
		if (values && (o[i].type == OPT_FLAG || o[i].type == OPT_HELP))
			continue;
		if (o[i].shrt)
			fprintf(f, "-%c ", o[i].shrt);
		fprintf(f, "--%s ", o[i].name);
	}
}

/* case arms "--opt|-o) VALUE ;;" for the options of o that take a value */
static void comp_value_arms(FILE *f, const struct opt *o)
{
	for (size_t i = 0; i < nopts(o); i++) {
		if ((o[i].flags & (OPT_POS)) || o[i].type == OPT_FLAG || o[i].type == OPT_HELP)
			continue;
		if (o[i].flags & OPT_WORD)
			fprintf(f, "\t\t%s) ", o[i].name);
		else if (o[i].shrt)
			fprintf(f, "\t\t-%c|--%s) ", o[i].shrt, o[i].name);
		else
			fprintf(f, "\t\t--%s) ", o[i].name);
		comp_value(f, &o[i]);
		fputs("; return ;;\n", f);
	}
}

static void bash_body(const struct opt_prog *p, const char *filter_dir, const char *fn, FILE *f)
{
	fprintf(f, "# bash completion for %s %s, generated from its option tables (%s --help)\n",
		p->name, p->version, p->name);
	/* helpers: COMPREPLY from words, files, and the live state */
	fprintf(f,
"_X_words() { COMPREPLY+=($(compgen -W \"$1\" -- \"$cur\")); }\n"
"_X_files() { compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -f -- \"$cur\")); }\n"
"_X_dirs() { compopt -o filenames 2>/dev/null; COMPREPLY+=($(compgen -d -- \"$cur\")); }\n"
"_X_instances() {\n"
"\tlocal f n=()\n"
"\tfor f in \"$rundir\"/*.state; do [ -e \"$f\" ] && f=${f##*/} && n+=(\"${f%%.state}\"); done\n"
"\t_X_words \"${n[*]}\"\n"
"}\n"
"_X_objects() {\n"
"\tcompopt -o filenames 2>/dev/null\n"
"\tCOMPREPLY+=($(compgen -f -X '!*.o' -- \"$cur\") $(compgen -d -- \"$cur\"))\n"
"\tlocal o; for o in %s/*.bpf.o; do [ -e \"$o\" ] && [[ $o == \"$cur\"* ]] && COMPREPLY+=(\"$o\"); done\n"
"}\n"
"_X_progs() {\n"
"\tlocal d n=()\n"
"\tfor d in /sys/fs/bpf/xennet/\"$ifname\"/*/; do [ -d \"$d\" ] && d=${d%%/} && n+=(\"${d##*/}\"); done\n"
"\t_X_words \"${n[*]}\"\n"
"}\n"
"_X_netns() { _X_words \"$(ip netns list 2>/dev/null | cut -d' ' -f1)\"; }\n", filter_dir);
	fprintf(f, "%s() {\n"
"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
"\tlocal words=(\"${COMP_WORDS[@]}\") cword=$COMP_CWORD i=1 w k\n"
"\tlocal rundir=${XENNET_RUN_DIR:-/run/xennet} ifname= cmd= npos=0\n"
"\tCOMPREPLY=()\n"
"\t# global options, up to the command\n"
"\twhile [ $i -lt $cword ]; do\n"
"\t\tcase ${words[i]} in\n"
"\t\t--run-dir) rundir=${words[i+1]}; i=$((i + 2)) ;;\n"
"\t\t--run-dir=*) rundir=${words[i]#*=}; i=$((i + 1)) ;;\n"
"\t\t-*) i=$((i + 1)) ;;\n"
"\t\t*) break ;;\n"
"\t\tesac\n"
"\tdone\n"
"\tif [ $i -ge $cword ]; then\n"
"\t\tcase $prev in\n", fn);
	comp_value_arms(f, p->global);
	fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then _X_words '", f);
	comp_opts_words(f, p->global, false);
	comp_opts_words(f, p->common, false);
	fputs("'; return; fi\n\t\t_X_words '", f);
	{
		/* the first words of the commands, once each */
		char seen[512] = " ";

		for (size_t k = 0; k < p->ncmds; k++) {
			struct tokens t;
			char key[32];

			tokenize(p->cmds[k]->path, &t);
			snprintf(key, sizeof(key), " %s ", t.w[0]);
			if (!t.n || strstr(seen, key))
				continue;
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			fprintf(f, "%s ", t.w[0]);
		}
	}
	fputs("'\n\t\treturn\n\tfi\n", f);
	/* the path: each command's words, matched in turn */
	fputs("\t# the command's words (upper case: any word)\n\tlocal paths=(", f);
	for (size_t k = 0; k < p->ncmds; k++)
		fprintf(f, "%s\"%s\"", k ? " " : "", p->cmds[k]->path);
	fputs(")\n"
"\tlocal alive=(\"${paths[@]}\") pos=0 next lit\n"
"\twhile :; do\n"
"\t\tnext=() lit=\n"
"\t\tfor k in \"${alive[@]}\"; do\n"
"\t\t\tw=($k)\n"
"\t\t\t[ ${#w[@]} -eq $pos ] && cmd=$k\n"
"\t\t\t[ ${#w[@]} -gt $pos ] && [ $i -lt $cword ] && [ \"${w[pos]}\" = \"${words[i]}\" ] && lit=1\n"
"\t\tdone\n"
"\t\tfor k in \"${alive[@]}\"; do\n"
"\t\t\tw=($k)\n"
"\t\t\t[ ${#w[@]} -gt $pos ] || continue\n"
"\t\t\tif [ $i -ge $cword ]; then next+=(\"$k\"); continue; fi\n"
"\t\t\tif [ -n \"$lit\" ]; then [ \"${w[pos]}\" = \"${words[i]}\" ] && next+=(\"$k\")\n"
"\t\t\telif [[ ${w[pos]} == [A-Z]* && ${words[i]} != -* ]]; then next+=(\"$k\"); fi\n"
"\t\tdone\n"
"\t\tif [ $i -ge $cword ] && [ ${#next[@]} -gt 0 ]; then\n"
"\t\t\t# completing a word of the path\n"
"\t\t\tfor k in \"${next[@]}\"; do\n"
"\t\t\t\tw=($k)\n"
"\t\t\t\tcase ${w[pos]} in\n"
"\t\t\t\tIFNAME) _X_instances ;;\n"
"\t\t\t\t[A-Z]*) ;;\n"
"\t\t\t\t*) _X_words \"${w[pos]}\" ;;\n"
"\t\t\t\tesac\n"
"\t\t\tdone\n"
"\t\t\tCOMPREPLY=($(printf '%s\\n' \"${COMPREPLY[@]}\" | sort -u))\n"
"\t\t\treturn\n"
"\t\tfi\n"
"\t\t[ ${#next[@]} -gt 0 ] || break\n"
"\t\t[ -z \"$lit\" ] && [ \"$(w=(${next[0]}); echo \"${w[pos]}\")\" = IFNAME ] && ifname=${words[i]}\n"
"\t\talive=(\"${next[@]}\") cmd= pos=$((pos + 1)) i=$((i + 1))\n"
"\tdone\n"
"\t[ -n \"$cmd\" ] || return\n"
"\t# after the path: options, their values, the positionals\n"
"\tlocal valopts=\n", f);
	fputs("\tcase $cmd in\n", f);
	for (size_t k = 0; k < p->ncmds; k++) {
		const struct opt *o = p->cmds[k]->opts;

		fprintf(f, "\t\"%s\") valopts='", p->cmds[k]->path);
		for (size_t m = 0; m < nopts(o); m++) {
			if ((o[m].flags & OPT_POS) || o[m].type == OPT_FLAG || o[m].type == OPT_HELP)
				continue;
			if (o[m].flags & OPT_WORD)
				fprintf(f, "%s ", o[m].name);
			else
				fprintf(f, "%s%c%s--%s ", o[m].shrt ? "-" : "", o[m].shrt ? o[m].shrt : ' ',
					o[m].shrt ? " " : "", o[m].name);
		}
		fputs("' ;;\n", f);
	}
	fputs("\tesac\n"
"\tw=$i\n"
"\twhile [ $w -lt $cword ]; do\n"
"\t\tcase \" $valopts \" in *\" ${words[w]} \"*) w=$((w + 2)); continue ;; esac\n"
"\t\tif [[ ${words[w]} != -* ]]; then\n"
"\t\t\t[ $npos = 0 ] && [ -z \"$ifname\" ] && ifname=${words[w]}\n"
"\t\t\tnpos=$((npos + 1))\n"
"\t\tfi\n"
"\t\tw=$((w + 1))\n"
"\tdone\n"
"\tcase $cmd in\n", f);
	for (size_t k = 0; k < p->ncmds; k++) {
		const struct opt *o = p->cmds[k]->opts;
		int n = 0;

		fprintf(f, "\t\"%s\")\n\t\tcase $prev in\n", p->cmds[k]->path);
		comp_value_arms(f, o);
		fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then _X_words '", f);
		comp_opts_words(f, o, false);
		comp_opts_words(f, p->common, false);
		fputs("'; return; fi\n\t\tcase $npos in\n", f);
		for (size_t m = 0; m < nopts(o); m++) {
			if (!(o[m].flags & OPT_POS) || in_path(p->cmds[k], &o[m]))
				continue;
			fprintf(f, "\t\t%d) ", n++);
			comp_value(f, &o[m]);
			fputs(" ;;\n", f);
		}
		fputs("\t\tesac\n\t\t_X_words '", f);
		for (size_t m = 0; m < nopts(o); m++)
			if (o[m].flags & OPT_WORD)
				fprintf(f, "%s ", o[m].name);
		fputs("'\n\t\t;;\n", f);
	}
	fprintf(f, "\tesac\n}\ncomplete -F %s %s\n", fn, p->name);
}

void opts_bash(const struct opt_prog *p, const char *filter_dir, FILE *f)
{
	char fn[64], *buf = NULL;
	size_t len = 0;
	FILE *m;

	snprintf(fn, sizeof(fn), "_%s", p->name);
	for (char *c = fn; *c; c++)
		if (*c == '-')
			*c = '_';
	m = open_memstream(&buf, &len);
	if (!m)
		return;
	bash_body(p, filter_dir, fn, m);
	fclose(m);
	/* the helpers' names: _X_ is the program's prefix */
	for (const char *s = buf; *s;) {
		const char *x = strstr(s, "_X_");

		if (!x) {
			fputs(s, f);
			break;
		}
		fprintf(f, "%.*s%s_", (int)(x - s), s, fn);
		s = x + 3;
	}
	free(buf);
}
