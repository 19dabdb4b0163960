/* SPDX-License-Identifier: MIT */
/*
 * The reference for fuzz_xs_store: the simulator's XenStore as it was before
 * transactions became copy-on-write (commit 5531c1d of user/simback/xs_store.c,
 * names prefixed ref_): a transaction is a whole copy of the tree, and its
 * commit replays its operations.  Slow and simple, so a model of what a
 * transaction must see and leave behind.
 *
 * One change: touch() records the generation of the node in the store, not
 * in the transaction's copy.  The copy's was wrong once the transaction had
 * changed the node itself (a write under "/" stamps the copy's "/" with 0,
 * so a later touch of "/" made the commit fail with EAGAIN for nothing);
 * the first run of fuzz_xs_store found it.
 *
 * Nodes live in an unsorted array (a simulated guest has a few hundred at
 * most).  Every change stamps the node, and the parent of a created or
 * removed node, with a new generation.  A transaction works on a private
 * copy of the tree, remembers the generation of every node it touched and
 * the operations it made; its commit fails with EAGAIN if any touched node
 * changed meanwhile, and otherwise replays the operations on the tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <xen/io/xs_wire.h>
#include "ref_xs_store.h"

#define MAX_LISTENERS 8
#define MAX_TX 64
#define MAX_NODES 65536

struct node {
	char *path;
	char *val;
	unsigned int len;
	uint64_t gen;
};

struct tree {
	struct node *v;
	size_t n, cap;
};

struct touch {
	char *path;
	uint64_t gen;     /* 0: the node did not exist */
};

enum op_kind { OP_WRITE, OP_MKDIR, OP_RM };
struct op {
	enum op_kind kind;
	char *path;
	char *val;
	unsigned int len;
};

struct tx {
	uint32_t id;     /* 0: free slot */
	struct tree t;
	struct touch *touch;
	size_t ntouch, touch_cap;
	struct op *ops;
	size_t nops, ops_cap;
};

struct ref_store {
	struct tree t;
	uint64_t gen;
	uint32_t next_tx;
	unsigned int fail_commits;
	struct tx tx[MAX_TX];
	struct {
		ref_store_listener_fn fn;
		void *ctx;
	} l[MAX_LISTENERS];
	int nl;
};

/* The string functions the reference calls for every node it looks at:
 * plain loops, not libc's, so that neither ASan's interceptors nor
 * libFuzzer's hooks on strcmp and strstr run for them (the reference guides
 * nothing: it is built without coverage; hooked, its comparisons of every
 * path with every other were a tenth of the target's time, and filled
 * libFuzzer's table of compared values with noise).  ASan still checks
 * every byte they read; each does what its libc namesake does. */
static size_t r_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int r_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* strncmp(p, pre, l) == 0, l = strlen(pre) */
static bool r_starts(const char *p, const char *pre, size_t l)
{
	for (size_t i = 0; i < l; i++)
		if (p[i] != pre[i])
			return false;
	return true;
}

/* strchr(s, c) != NULL, c not NUL */
static bool r_has(const char *s, char c)
{
	for (; *s; s++)
		if (*s == c)
			return true;
	return false;
}

bool ref_store_valid_path(const char *p)
{
	size_t n = p ? r_strlen(p) : 0;

	if (n < 1 || n > XENSTORE_ABS_PATH_MAX || p[0] != '/' || (n > 1 && p[n - 1] == '/'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (c == '/' && p[i + 1] == '/')   /* strstr(p, "//") */
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      r_has("/_@-.", c)))
			return false;
	}
	return true;
}

static struct node *find(struct tree *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (!r_strcmp(t->v[i].path, path))
			return &t->v[i];
	return NULL;
}

/* Is path p inside dir (or dir itself)? */
static bool under(const char *p, const char *dir)
{
	size_t l = r_strlen(dir);

	if (l == 1)
		return true;   /* "/" */
	return r_starts(p, dir, l) && (p[l] == '\0' || p[l] == '/');
}

static void parent_of(const char *p, char *out)
{
	const char *slash = p;
	size_t l;

	for (const char *c = p; *c; c++)   /* strrchr(p, '/'): p is a valid path */
		if (*c == '/')
			slash = c;
	l = (size_t)(slash - p);

	if (l == 0)
		l = 1;
	memcpy(out, p, l);
	out[l] = '\0';
}

static void node_free(struct node *n)
{
	free(n->path);
	free(n->val);
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		node_free(&t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int tree_copy(struct tree *dst, const struct tree *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->v = calloc(src->n ? src->n : 1, sizeof(*dst->v));
	if (!dst->v)
		return ENOMEM;
	dst->cap = src->n ? src->n : 1;
	for (size_t i = 0; i < src->n; i++) {
		struct node *d = &dst->v[i];

		d->path = strdup(src->v[i].path);
		d->val = malloc(src->v[i].len + 1);
		if (!d->path || !d->val) {
			free(d->path);
			free(d->val);
			tree_free(dst);
			return ENOMEM;
		}
		memcpy(d->val, src->v[i].val, src->v[i].len + 1);
		d->len = src->v[i].len;
		d->gen = src->v[i].gen;
		dst->n++;
	}
	return 0;
}

static struct node *add(struct tree *t, const char *path)
{
	struct node *n;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct node *v;

		if (cap > MAX_NODES)
			return NULL;
		v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	n = &t->v[t->n];
	n->path = strdup(path);
	n->val = calloc(1, 1);
	n->len = 0;
	n->gen = 0;
	if (!n->path || !n->val) {
		free(n->path);
		free(n->val);
		return NULL;
	}
	t->n++;
	return n;
}

typedef void (*notify_fn)(struct ref_store *s, const char *path);

/* Make sure path and its parents exist; new ones stamped with gen, and the
 * parent of each new node too.  Returns the node. */
static struct node *ensure(struct ref_store *s, struct tree *t, const char *path, uint64_t gen, notify_fn note)
{
	struct node *n = find(t, path);
	char parent[XENSTORE_ABS_PATH_MAX + 1];

	if (n)
		return n;
	if (r_strcmp(path, "/")) {
		struct node *p;

		parent_of(path, parent);
		p = ensure(s, t, parent, gen, note);
		if (!p)
			return NULL;
		p->gen = gen;
	}
	n = add(t, path);
	if (!n)
		return NULL;
	n->gen = gen;
	if (note)
		note(s, path);
	return n;
}

static void notify(struct ref_store *s, const char *path)
{
	for (int i = 0; i < s->nl; i++)
		s->l[i].fn(s->l[i].ctx, path);
}

static int do_write(struct ref_store *s, struct tree *t, const char *path, const char *val,
		    unsigned int len, uint64_t gen, notify_fn note)
{
	struct node *n = ensure(s, t, path, gen, NULL);
	char *v;

	if (!n)
		return ENOSPC;
	v = malloc(len + 1);
	if (!v)
		return ENOMEM;
	memcpy(v, val, len);
	v[len] = '\0';
	free(n->val);
	n->val = v;
	n->len = len;
	n->gen = gen;
	if (note)
		note(s, path);
	return 0;
}

static int do_rm(struct ref_store *s, struct tree *t, const char *path, uint64_t gen, notify_fn note)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	struct node *p;
	size_t i = 0;

	if (!find(t, path))
		return ENOENT;
	if (!r_strcmp(path, "/"))
		return EINVAL;
	while (i < t->n) {
		if (under(t->v[i].path, path)) {
			char *gone = t->v[i].path;

			free(t->v[i].val);
			t->v[i] = t->v[--t->n];
			if (note)
				note(s, gone);
			free(gone);
		} else {
			i++;
		}
	}
	parent_of(path, parent);
	p = find(t, parent);
	if (p)
		p->gen = gen;
	return 0;
}

struct ref_store *ref_store_new(void)
{
	struct ref_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->next_tx = 1;
	if (!add(&s->t, "/") || !ensure(s, &s->t, "/local/domain", 0, NULL)) {
		ref_store_free(s);
		return NULL;
	}
	return s;
}

static void tx_clear(struct tx *x)
{
	tree_free(&x->t);
	for (size_t i = 0; i < x->ntouch; i++)
		free(x->touch[i].path);
	free(x->touch);
	for (size_t i = 0; i < x->nops; i++) {
		free(x->ops[i].path);
		free(x->ops[i].val);
	}
	free(x->ops);
	memset(x, 0, sizeof(*x));
}

void ref_store_free(struct ref_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_TX; i++)
		if (s->tx[i].id)
			tx_clear(&s->tx[i]);
	tree_free(&s->t);
	free(s);
}

void ref_store_clear(struct ref_store *s)
{
	struct tree t = s->t;

	for (int i = 0; i < MAX_TX; i++)
		if (s->tx[i].id)
			tx_clear(&s->tx[i]);
	for (size_t i = 0; i < t.n; i++)
		node_free(&t.v[i]);
	t.n = 0;   /* the array stays: a power of two from 64, as add() grows it, so the same MAX_NODES */
	memset(s, 0, sizeof(*s));
	s->t = t;
}

void ref_store_reset(struct ref_store *s)
{
	ref_store_clear(s);
	s->next_tx = 1;
	if (!add(&s->t, "/") || !ensure(s, &s->t, "/local/domain", 0, NULL))
		abort();
}

static struct tx *tx_get(struct ref_store *s, uint32_t id)
{
	for (int i = 0; i < MAX_TX; i++)
		if (id && s->tx[i].id == id)
			return &s->tx[i];
	return NULL;
}

/* Remember the generation this tx saw of path (first sight only). */
static int touch(struct tx *x, struct tree *base, const char *path)
{
	struct node *n;

	for (size_t i = 0; i < x->ntouch; i++)
		if (!r_strcmp(x->touch[i].path, path))
			return 0;
	if (x->ntouch == x->touch_cap) {
		size_t cap = x->touch_cap ? x->touch_cap * 2 : 16;
		struct touch *v = realloc(x->touch, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		x->touch = v;
		x->touch_cap = cap;
	}
	n = find(base, path);
	x->touch[x->ntouch].path = strdup(path);
	if (!x->touch[x->ntouch].path)
		return ENOMEM;
	x->touch[x->ntouch].gen = n ? n->gen : 0;
	x->ntouch++;
	return 0;
}

static int record(struct tx *x, enum op_kind kind, const char *path, const char *val, unsigned int len)
{
	struct op *o;

	if (x->nops == x->ops_cap) {
		size_t cap = x->ops_cap ? x->ops_cap * 2 : 16;
		struct op *v = realloc(x->ops, cap * sizeof(*v));

		if (!v)
			return ENOMEM;
		x->ops = v;
		x->ops_cap = cap;
	}
	o = &x->ops[x->nops];
	o->kind = kind;
	o->path = strdup(path);
	o->val = val ? malloc(len + 1) : NULL;
	o->len = len;
	if (!o->path || (val && !o->val)) {
		free(o->path);
		free(o->val);
		return ENOMEM;
	}
	if (val)
		memcpy(o->val, val, len);
	x->nops++;
	return 0;
}

/* Resolve (tx) to the tree to work on; record the touch. */
static int begin(struct ref_store *s, uint32_t tx, const char *path, struct tree **t, struct tx **x)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	int err;

	if (!ref_store_valid_path(path))
		return EINVAL;
	*x = NULL;
	*t = &s->t;
	if (!tx)
		return 0;
	*x = tx_get(s, tx);
	if (!*x)
		return ENOENT;
	*t = &(*x)->t;
	err = touch(*x, &s->t, path);
	if (!err && r_strcmp(path, "/")) {
		parent_of(path, parent);
		err = touch(*x, &s->t, parent);
	}
	return err;
}

int ref_store_read(struct ref_store *s, uint32_t tx, const char *path, char **val, unsigned int *len)
{
	struct tree *t;
	struct tx *x;
	struct node *n;
	int err = begin(s, tx, path, &t, &x);

	if (err)
		return err;
	n = find(t, path);
	if (!n)
		return ENOENT;
	*val = malloc(n->len + 1);
	if (!*val)
		return ENOMEM;
	memcpy(*val, n->val, n->len + 1);
	*len = n->len;
	return 0;
}

int ref_store_write(struct ref_store *s, uint32_t tx, const char *path, const char *val, unsigned int len)
{
	struct tree *t;
	struct tx *x;
	int err = begin(s, tx, path, &t, &x);

	if (err)
		return err;
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	if (x)
		return do_write(s, t, path, val, len, 0, NULL) ?: record(x, OP_WRITE, path, val, len);
	return do_write(s, t, path, val, len, ++s->gen, notify);
}

int ref_store_mkdir(struct ref_store *s, uint32_t tx, const char *path)
{
	struct tree *t;
	struct tx *x;
	int err = begin(s, tx, path, &t, &x);

	if (err)
		return err;
	if (find(t, path))
		return 0;
	if (x)
		return (ensure(s, t, path, 0, NULL) ? 0 : ENOSPC) ?: record(x, OP_MKDIR, path, NULL, 0);
	return ensure(s, t, path, ++s->gen, notify) ? 0 : ENOSPC;
}

int ref_store_rm(struct ref_store *s, uint32_t tx, const char *path)
{
	struct tree *t;
	struct tx *x;
	int err = begin(s, tx, path, &t, &x);

	if (err)
		return err;
	if (x)
		return do_rm(s, t, path, 0, NULL) ?: record(x, OP_RM, path, NULL, 0);
	return do_rm(s, t, path, ++s->gen, notify);
}

int ref_store_directory(struct ref_store *s, uint32_t tx, const char *path, char ***names, unsigned int *num)
{
	struct tree *t;
	struct tx *x;
	size_t plen = r_strlen(path), bytes = 0, k = 0;
	unsigned int n = 0;
	char **v = NULL, *p = NULL;
	int err = begin(s, tx, path, &t, &x);

	if (err)
		return err;
	if (!find(t, path))
		return ENOENT;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < t->n; i++) {
			const char *c = t->v[i].path, *name;

			if (!under(c, path) || !r_strcmp(c, path))
				continue;
			name = c + (plen == 1 ? 1 : plen + 1);
			if (r_has(name, '/'))
				continue;
			if (pass == 0) {
				n++;
				bytes += r_strlen(name) + 1;
			} else {
				v[k++] = p;
				p = stpcpy(p, name) + 1;
			}
		}
		if (pass == 0) {
			v = malloc((n + 1) * sizeof(char *) + bytes);
			if (!v)
				return ENOMEM;
			p = (char *)(v + n + 1);
		}
	}
	v[n] = NULL;
	*names = v;
	*num = n;
	return 0;
}

int ref_store_tx_start(struct ref_store *s, uint32_t *tx)
{
	for (int i = 0; i < MAX_TX; i++) {
		struct tx *x = &s->tx[i];

		if (x->id)
			continue;
		if (tree_copy(&x->t, &s->t))
			return ENOMEM;
		x->id = s->next_tx++;
		if (!s->next_tx)
			s->next_tx = 1;
		*tx = x->id;
		return 0;
	}
	return EBUSY;
}

int ref_store_tx_end(struct ref_store *s, uint32_t tx, bool commit)
{
	struct tx *x = tx_get(s, tx);
	int err = 0;

	if (!x)
		return ENOENT;
	if (commit && s->fail_commits) {
		s->fail_commits--;
		err = EAGAIN;
	}
	for (size_t i = 0; commit && !err && i < x->ntouch; i++) {
		struct node *n = find(&s->t, x->touch[i].path);

		if ((n ? n->gen : 0) != x->touch[i].gen)
			err = EAGAIN;
	}
	for (size_t i = 0; commit && !err && i < x->nops; i++) {
		struct op *o = &x->ops[i];
		uint64_t gen = ++s->gen;

		if (o->kind == OP_WRITE)
			do_write(s, &s->t, o->path, o->val, o->len, gen, notify);
		else if (o->kind == OP_MKDIR)
			ensure(s, &s->t, o->path, gen, notify);
		else
			do_rm(s, &s->t, o->path, gen, notify);
	}
	tx_clear(x);
	return err;
}

int ref_store_add_listener(struct ref_store *s, ref_store_listener_fn fn, void *ctx)
{
	if (s->nl == MAX_LISTENERS)
		return ENOSPC;
	s->l[s->nl].fn = fn;
	s->l[s->nl].ctx = ctx;
	s->nl++;
	return 0;
}

void ref_store_fail_next_commits(struct ref_store *s, unsigned int n)
{
	s->fail_commits = n;
}

static int cmp_node(const void *a, const void *b)
{
	return r_strcmp(((const struct node *)a)->path, ((const struct node *)b)->path);
}

void ref_store_walk(struct ref_store *s, void (*fn)(void *ctx, const char *path, const char *val, unsigned int len),
		   void *ctx)
{
	qsort(s->t.v, s->t.n, sizeof(*s->t.v), cmp_node);
	for (size_t i = 0; i < s->t.n; i++)
		fn(ctx, s->t.v[i].path, s->t.v[i].val, s->t.v[i].len);
}
