/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/conffile.h"
#include "common/log.h"

void conffile_context(struct conffile *cf, unsigned int line)
{
	if (line)
		snprintf(cf->where, sizeof(cf->where), "%s:%u", cf->path, line);
	else
		snprintf(cf->where, sizeof(cf->where), "%s", cf->path);
	log_context(cf->where);
}

void conffile_free(struct conffile *cf)
{
	free(cf->text);
	free(cf->extra);
	cf->text = NULL;
	cf->extra = NULL;
	cf->nextra = 0;
}

/* The whole file, NUL-terminated, into cf->text: 0, or 2 having said why. */
static int slurp(struct conffile *cf, const char *who)
{
	int fd = open(cf->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	const char *why = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n = 1;

	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a file";
	else if (st.st_mode & S_IWOTH)
		why = "every user may write it, and it says what runs as root (chmod o-w it)";
	else if (st.st_size > CONFFILE_MAX)
		why = "over 1 MiB: not a config file";
	else if (!(cf->text = malloc((size_t)st.st_size + 1)))
		why = strerror(ENOMEM);
	while (!why && got < (size_t)st.st_size && n != 0) {
		n = read(fd, cf->text + got, (size_t)st.st_size - got);
		if (n < 0 && errno != EINTR)
			why = strerror(errno);
		else if (n > 0)
			got += (size_t)n;
	}
	if (fd >= 0)
		close(fd);
	if (why) {
		log_err(who, "can't use the config file %s: %s", cf->path, why);
		conffile_free(cf);
		return 2;
	}
	cf->text[got] = '\0';
	/* a NUL inside would cut a line short without a word */
	if (strlen(cf->text) != got) {
		unsigned int line = 1;

		for (const char *s = cf->text; *s; s++)
			line += *s == '\n';
		conffile_context(cf, line);
		log_err(who, "a NUL byte: not a text file");
		log_context(NULL);
		conffile_free(cf);
		return 2;
	}
	return 0;
}

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t\r\f\v");
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\f\v", e[-1]))
		*--e = '\0';
	return s;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; list && *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* One "key = value" line: 0, or 2 having said why (the context is set). */
static int one_line(struct conffile *cf, char *text, unsigned int line, const struct opt_prog *p,
		    const struct opt_cmd *c, void *cfg, const char *const *extra_keys, struct conf_entry *seen,
		    size_t *nseen)
{
	char *eq = strchr(text, '='), *key, *value, keys[512];
	int err;

	if (!eq || eq == text) {
		log_err(p->name, "'%s' is not key = value", text);
		return 2;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	if (in_list(extra_keys, key)) {
		struct conf_entry *e = reallocarray(cf->extra, cf->nextra + 1, sizeof(*e));

		if (!e) {
			log_err(p->name, "%s", strerror(ENOMEM));
			return 2;
		}
		cf->extra = e;
		cf->extra[cf->nextra++] = (struct conf_entry){ .line = line, .key = key, .value = value };
		return 0;
	}
	for (size_t i = 0; i < *nseen; i++) {
		if (!strcmp(seen[i].key, key)) {
			log_err(p->name, "%s is set on line %u already", key, seen[i].line);
			return 2;
		}
	}
	err = opts_config(p, c, cfg, key, value);
	if (err == -ENOENT) {
		size_t len;

		opts_config_keys(c, keys, sizeof(keys));
		len = strlen(keys);
		for (const char *const *k = extra_keys; k && *k; k++)
			len += (size_t)snprintf(keys + len, len < sizeof(keys) ? sizeof(keys) - len : 0, "%s%s",
						len ? ", " : "", *k);
		log_err(p->name, "'%s' is not a key here (they are: %s)", key, keys);
		return 2;
	}
	if (err)
		return err;
	if (opts_given(c, cfg, key))
		log_info(p->name, "%s: the command line's --%s wins", key, key);
	seen[(*nseen)++] = (struct conf_entry){ .line = line, .key = key };
	return 0;
}

int conffile_read(struct conffile *cf, const char *path, const struct opt_prog *p, const struct opt_cmd *c,
		  void *cfg, const char *const *extra_keys)
{
	struct conf_entry *seen;
	size_t nseen = 0, nlines = 1;
	unsigned int line = 0;
	char *s, *next;
	int err = 0;

	memset(cf, 0, sizeof(*cf));
	cf->path = path;
	err = slurp(cf, p->name);
	if (err)
		return err;
	for (s = cf->text; *s; s++)
		nlines += *s == '\n';
	seen = calloc(nlines, sizeof(*seen));
	if (!seen) {
		log_err(p->name, "can't read the config file %s: %s", path, strerror(ENOMEM));
		conffile_free(cf);
		return 2;
	}
	for (s = cf->text; s && !err; s = next) {
		char *text;

		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		line++;
		text = trim(s);
		if (!*text || *text == '#')
			continue;
		conffile_context(cf, line);
		err = one_line(cf, text, line, p, c, cfg, extra_keys, seen, &nseen);
		log_context(NULL);
	}
	free(seen);
	if (err)
		conffile_free(cf);
	return err;
}

int conffile_words(char *value, char **words, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *w = strtok_r(value, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return -1;
		words[n++] = w;
	}
	return n;
}
