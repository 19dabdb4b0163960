/* SPDX-License-Identifier: MIT */
/*
 * One logging function for every message xennet-xdp prints: levels as
 * syslog(3) names them, one style ("WHO: message", WHO the interface name
 * or "xennet-xdp"), and under systemd (stderr is the journal stream named
 * by $JOURNAL_STREAM) a "<N>" priority prefix on every line, so that the
 * journal files each line at its level (sd-daemon(3)).
 */
#ifndef XENNET_LOG_H
#define XENNET_LOG_H
#include <stdarg.h>
#include <syslog.h>   /* LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG */

/* The program's name, for lines that concern no interface. */
void log_init(const char *prog);
/* Print lines up to this priority (default LOG_INFO; -v: LOG_DEBUG). */
void log_set_max(int prio);
int log_get_max(void);
/* Until called again with NULL, every line says "WHO: CONTEXT: message":
 * where the message comes from, e.g. the line of a config file that is
 * being read or acted on ("/etc/xennet-xdp/xennet0.conf:7").  The string
 * is not copied. */
void log_context(const char *context);
/* "WHO: message\n" on stderr (WHO NULL: the program's name). */
void log_msg(int prio, const char *who, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void log_vmsg(int prio, const char *who, const char *fmt, va_list ap);

#define log_err(who, ...)    log_msg(LOG_ERR, who, __VA_ARGS__)
#define log_warn(who, ...)   log_msg(LOG_WARNING, who, __VA_ARGS__)
#define log_notice(who, ...) log_msg(LOG_NOTICE, who, __VA_ARGS__)
#define log_info(who, ...)   log_msg(LOG_INFO, who, __VA_ARGS__)
#define log_debug(who, ...)  log_msg(LOG_DEBUG, who, __VA_ARGS__)

#endif
