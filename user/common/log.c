/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "common/log.h"

static const char *prog_name = "xennet-xdp";
static int max_prio = LOG_INFO;
static int journal = -1;        /* -1: not checked yet */
static const char *context;

void log_init(const char *prog)
{
	prog_name = prog;
	journal = -1;
}

void log_set_max(int prio)
{
	max_prio = prio;
}

int log_get_max(void)
{
	return max_prio;
}

void log_context(const char *ctx)
{
	context = ctx;
}

/* $JOURNAL_STREAM is "DEV:INODE" of the journal's socket; it counts only
 * while stderr is still that socket (not when a child's stderr was
 * redirected after systemd started us). */
static int to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	if (journal >= 0)
		return journal;
	journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &sb) == 0 &&
		  (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
	return journal;
}

void log_vmsg(int prio, const char *who, const char *fmt, va_list ap)
{
	char line[1024];
	int n = 0;

	if (prio > max_prio)
		return;
	if (to_journal())
		n = snprintf(line, sizeof(line), "<%d>", prio);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", who ? who : prog_name);
	if (context && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", context);
	if (n < (int)sizeof(line))
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	/* one write per line: lines of several threads do not interleave */
	fprintf(stderr, "%s\n", line);
}

void log_msg(int prio, const char *who, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, who, fmt, ap);
	va_end(ap);
}
