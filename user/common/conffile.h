/* SPDX-License-Identifier: MIT */
/*
 * Config files whose keys are a command's long options, read through the
 * command's option table (common/opts), so that a file takes what the
 * command line takes, with the same checks; the command line's options
 * win.  Keys that are not options but the caller's (up's filter and rule)
 * are kept, in order, for it.  Every mistake is one line naming FILE:LINE
 * (common/log's context).  No Xen, no BPF.
 *
 *   # a comment: a line whose first non-blank is #
 *   key = value      blanks around either are dropped; the value runs to
 *                    the end of the line (no quoting, no comment after it)
 */
#ifndef XENNET_CONFFILE_H
#define XENNET_CONFFILE_H
#include <limits.h>
#include <stddef.h>
#include "common/opts.h"

#define CONFFILE_MAX (1 << 20)   /* bytes: anything longer is not a config file */

struct conf_entry {
	unsigned int line;
	char *key, *value;            /* into the file's text, which the caller may cut further */
};

struct conffile {
	const char *path;
	char *text;                   /* the file, cut into keys and values */
	struct conf_entry *extra;     /* the lines with a key of the caller's, in file order */
	size_t nextra;
	char where[PATH_MAX + 16];    /* "PATH:LINE", the context of messages */
};

/* Read path: each line whose key is an option of command c is checked and
 * stored into cfg (from opts_parse) as opts_config does; those whose key is
 * one of extra_keys (NULL-terminated) go into cf->extra; anything else, an
 * option set twice, or a file writable by every user (it says what runs as
 * root) is refused.  0, or 2 after a one-line error (cf is then empty). */
int conffile_read(struct conffile *cf, const char *path, const struct opt_prog *p, const struct opt_cmd *c,
		  void *cfg, const char *const *extra_keys);
/* Messages are about line of the file from now on (0: the file as a
 * whole): "xennet-xdp: PATH:LINE: ...", until log_context(NULL). */
void conffile_context(struct conffile *cf, unsigned int line);
/* Split a value into words at blanks, in place: how many (at most max), or
 * -1 if there are more. */
int conffile_words(char *value, char **words, int max);
void conffile_free(struct conffile *cf);

#endif
