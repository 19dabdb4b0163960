/* SPDX-License-Identifier: MIT */
/* The fuzz targets' input: bytes taken one at a time, 0 once it runs out. */
#ifndef XENNET_FUZZ_INPUT_H
#define XENNET_FUZZ_INPUT_H
#include <stddef.h>
#include <stdint.h>

struct in {
	const uint8_t *p;
	size_t n;
};

static inline unsigned int take(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline unsigned int take16(struct in *in)
{
	return take(in) | take(in) << 8;
}

#endif
