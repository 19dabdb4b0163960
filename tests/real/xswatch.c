/* SPDX-License-Identifier: MIT */
/*
 * xswatch: a timeline of xenstore writes, for the real-Xen harness.
 *
 *   xswatch FILTER PATH...
 *
 * Watches each PATH and, for every event whose path contains FILTER, reads
 * the node at once and prints
 *     XSW <uptime seconds> <path> = <value>      (or "(gone)" if removed)
 * Reading in the same process right after the event keeps the window in
 * which a quickly rewritten key shows its later value to microseconds (a
 * shell loop around xenstore-watch takes a few hundred ms under emulation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static double uptime(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");

	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return up;
}

int main(int argc, char **argv)
{
	struct xs_handle *xs;

	if (argc < 3) {
		fprintf(stderr, "usage: xswatch FILTER PATH...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	xs = xs_open(0);
	if (!xs) {
		perror("xswatch: xs_open");
		return 1;
	}
	for (int i = 2; i < argc; i++)
		if (!xs_watch(xs, argv[i], "xswatch")) {
			perror("xswatch: xs_watch");
			return 1;
		}
	for (;;) {
		unsigned int n, len;
		char **ev = xs_read_watch(xs, &n);
		char *val;

		if (!ev)
			return 1;
		if (strstr(ev[XS_WATCH_PATH], argv[1])) {
			val = xs_read(xs, XBT_NULL, ev[XS_WATCH_PATH], &len);
			printf("XSW %.3f %s = %s\n", uptime(), ev[XS_WATCH_PATH], val ? val : "(gone)");
			free(val);
		}
		free(ev);
	}
}
