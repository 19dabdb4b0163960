/* SPDX-License-Identifier: MIT */
/* Milliseconds of CLOCK_MONOTONIC: deadlines and timeouts (never the wall
 * clock, which may jump). */
#ifndef XENNET_COMMON_CLOCK_H
#define XENNET_COMMON_CLOCK_H
#include <time.h>

static inline long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
