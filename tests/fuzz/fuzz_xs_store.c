/* SPDX-License-Identifier: MIT */
/* fuzz_xs_store: the simulator's copy-on-write transactions against the
 * whole-copy reference they replaced (ref_xs_store.c).  The input is a
 * sequence of operations on paths of a small alphabet (so that they meet:
 * parents, children, removed subtrees made again), made as domain 0 (no
 * quota), at most one transaction open at a time; every result (error,
 * value, directory listing) and, at the end, the whole tree must be the
 * same in both, and the store's own invariants must hold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "simback/xs_store.h"
#include "ref_xs_store.h"
#include "fuzz_input.h"

/* "/", or up to four components of a, b, c, d */
static void mkpath(struct in *in, char *buf)
{
	unsigned int b = take(in), depth = b & 3, k = 0;

	buf[k++] = '/';
	if (b & 4)
		depth++;
	for (unsigned int i = 0; i < depth; i++) {
		if (i)
			buf[k++] = '/';
		buf[k++] = (char)('a' + (take(in) & 3));
	}
	buf[k] = '\0';
}

static void die(const char *what, const char *path, int a, int b)
{
	fprintf(stderr, "fuzz_xs_store: %s differs on %s: store %d, reference %d\n", what, path, a, b);
	abort();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dump {
	char *buf;
	size_t len, cap;
};

static void dump_node(void *ctx, const char *path, const char *val, unsigned int len)
{
	struct dump *d = ctx;
	size_t pl = strlen(path) + 1, need = d->len + pl + len + 8;

	if (need > d->cap) {
		d->cap = need * 2;
		d->buf = realloc(d->buf, d->cap);
		if (!d->buf)
			abort();
	}
	memcpy(d->buf + d->len, path, pl);
	memcpy(d->buf + d->len + pl, &len, sizeof(len));
	memcpy(d->buf + d->len + pl + sizeof(len), val, len);
	d->len += pl + sizeof(len) + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the reference and the dump buffers live for the whole run (the
	 * store under test is made new for each input); what the reference
	 * holds is freed at the end of each, as the store's is */
	static struct ref_store *r;
	static struct dump d1, d2;
	struct in in = { data, size };
	struct xs_store *s = xs_store_new();
	uint32_t tx = 0, rtx = 0;
	char path[64];

	if (!r && !(r = ref_store_new()))
		abort();
	ref_store_reset(r);
	if (!s)
		abort();
	while (in.n) {
		unsigned int op = take(&in);
		int e1 = 0, e2 = 0;

		mkpath(&in, path);
		switch (op % 8) {
		case 0: case 1: {       /* write */
			char val[8];
			unsigned int len = take(&in) % sizeof(val);

			for (unsigned int i = 0; i < len; i++)
				val[i] = (char)take(&in);
			e1 = xs_store_write(s, tx, path, val, len);
			e2 = ref_store_write(r, rtx, path, val, len);
			break;
		}
		case 2: {               /* read */
			char *v1 = NULL, *v2 = NULL;
			unsigned int l1 = 0, l2 = 0;

			e1 = xs_store_read(s, tx, path, &v1, &l1);
			e2 = ref_store_read(r, rtx, path, &v2, &l2);
			if (!e1 && !e2 && (l1 != l2 || memcmp(v1, v2, l1)))
				die("a value", path, (int)l1, (int)l2);
			free(v1);
			free(v2);
			break;
		}
		case 3:
			e1 = xs_store_mkdir(s, tx, path);
			e2 = ref_store_mkdir(r, rtx, path);
			break;
		case 4:
			e1 = xs_store_rm(s, tx, path);
			e2 = ref_store_rm(r, rtx, path);
			break;
		case 5: {               /* directory */
			char **n1 = NULL, **n2 = NULL;
			unsigned int c1 = 0, c2 = 0;

			e1 = xs_store_directory(s, tx, path, &n1, &c1);
			e2 = ref_store_directory(r, rtx, path, &n2, &c2);
			if (!e1 && !e2) {
				if (c1 != c2)
					die("a directory's size", path, (int)c1, (int)c2);
				qsort(n1, c1, sizeof(*n1), cmp_str);
				qsort(n2, c2, sizeof(*n2), cmp_str);
				for (unsigned int i = 0; i < c1; i++)
					if (strcmp(n1[i], n2[i]))
						die("a directory entry", path, (int)i, (int)i);
			}
			free(n1);
			free(n2);
			break;
		}
		case 6:                 /* start, or end a transaction */
			if (!tx) {
				e1 = xs_store_tx_start(s, &tx);
				e2 = ref_store_tx_start(r, &rtx);
			} else {
				bool commit = path[1] != 'a';

				e1 = xs_store_tx_end(s, tx, commit);
				e2 = ref_store_tx_end(r, rtx, commit);
				tx = rtx = 0;
			}
			break;
		case 7:                 /* a transaction id that is not open */
			e1 = xs_store_write(s, tx + 1000, path, "x", 1);
			e2 = ref_store_write(r, rtx + 1000, path, "x", 1);
			break;
		}
		if (e1 != e2)
			die("an error", path, e1, e2);
	}
	if (tx) {
		int e1 = xs_store_tx_end(s, tx, true), e2 = ref_store_tx_end(r, rtx, true);

		if (e1 != e2)
			die("a commit", "(end)", e1, e2);
	}
	{
		const char *bad = xs_store_check(s);

		if (bad) {
			fprintf(stderr, "fuzz_xs_store: %s\n", bad);
			abort();
		}
		d1.len = d2.len = 0;
		xs_store_walk(s, dump_node, &d1);
		ref_store_walk(r, dump_node, &d2);
		if (d1.len != d2.len || memcmp(d1.buf, d2.buf, d1.len))
			die("the tree", "(end)", (int)d1.len, (int)d2.len);
	}
	xs_store_free(s);
	ref_store_clear(r);
	return 0;
}
