/* SPDX-License-Identifier: MIT */
#include "xen/plat_xs.h"

static struct xs_handle *h(struct plat *p)
{
	return ((struct plat_xs *)p)->xs;
}

char *plat_xs_read(struct plat *p, xs_transaction_t t, const char *path, unsigned int *len)
{
	return xs_read(h(p), t, path, len);
}

bool plat_xs_write(struct plat *p, xs_transaction_t t, const char *path, const void *data,
		   unsigned int len)
{
	return xs_write(h(p), t, path, data, len);
}

bool plat_xs_mkdir(struct plat *p, xs_transaction_t t, const char *path)
{
	return xs_mkdir(h(p), t, path);
}

bool plat_xs_rm(struct plat *p, xs_transaction_t t, const char *path)
{
	return xs_rm(h(p), t, path);
}

char **plat_xs_directory(struct plat *p, xs_transaction_t t, const char *path, unsigned int *num)
{
	return xs_directory(h(p), t, path, num);
}

bool plat_xs_watch(struct plat *p, const char *path, const char *token)
{
	return xs_watch(h(p), path, token);
}

bool plat_xs_unwatch(struct plat *p, const char *path, const char *token)
{
	return xs_unwatch(h(p), path, token);
}

int plat_xs_fd(struct plat *p)
{
	return xs_fileno(h(p));
}

char **plat_xs_read_watch(struct plat *p, unsigned int *num)
{
	char **v = xs_check_watch(h(p));   /* non-blocking; NULL + EAGAIN if none */

	if (v)
		*num = 2;
	return v;
}

xs_transaction_t plat_xs_transaction_start(struct plat *p)
{
	return xs_transaction_start(h(p));
}

bool plat_xs_transaction_end(struct plat *p, xs_transaction_t t, bool abort)
{
	return xs_transaction_end(h(p), t, abort);
}
