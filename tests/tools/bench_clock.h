/* SPDX-License-Identifier: MIT */
/* The clocks of the benchmark's tools (xskbench, tapbench, udpsink): wall
 * time for rates, this process's CPU time for CPU per packet. */
#ifndef XENNET_BENCH_CLOCK_H
#define XENNET_BENCH_CLOCK_H
#include <sys/resource.h>
#include <time.h>

/* CLOCK_MONOTONIC, in seconds */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* this process's user + system CPU time so far, in ns */
static inline double cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
	       ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
}

#endif
