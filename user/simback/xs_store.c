/* SPDX-License-Identifier: MIT */
/*
 * Nodes live in an unsorted array (a simulated guest has a few hundred at
 * most: the guest's quota keeps it so).  Every change stamps the node, and
 * the parent of a created or removed node, with a new generation.
 *
 * A transaction is copy-on-write: it keeps only what it changed, an
 * overlay of entries (a node written, created, or removed with everything
 * below it), and the generation it saw of every node it touched.  Reads in
 * the transaction look at the overlay, then at the tree.  Its commit fails
 * with EAGAIN if any touched node changed meanwhile, and otherwise applies
 * the overlay: removals first, then creations and values.
 *
 * Paths are created level by level in a loop, never by recursion: a path
 * may have 1536 levels.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <xen/io/xs_wire.h>
#include "xs_store.h"

#define MAX_LISTENERS 8
#define MAX_TX 64            /* every domain's together */
#define MAX_OWNERS 16        /* domains other than 0 owning nodes at once */

struct node {
	char *path;
	uint32_t hash;    /* of path: most comparisons end there */
	char *val;
	unsigned int len;
	uint16_t owner;   /* domain whose request created it */
	uint64_t gen;
};

struct tree {
	struct node *v;
	size_t n, cap;
};

struct touch {
	char *path;
	uint32_t hash;
	uint64_t gen;     /* 0: the node did not exist */
};

/* One path as a transaction sees it. */
struct ent {
	char *path;
	uint32_t hash;
	char *val;        /* the value written, when written */
	unsigned int len;
	bool present;     /* false: removed in the transaction */
	bool hide;        /* the tree's nodes below it are gone (it was removed) */
	bool written;     /* commit sets the value */
	bool created;     /* absent from the tree's view when the tx made it */
};

struct tx {
	uint32_t id;      /* 0: free slot */
	uint16_t dom;
	struct ent *e;
	size_t ne, ecap;
	struct touch *touch;
	size_t ntouch, tcap;
	unsigned int created;  /* present entries with created set */
};

struct owner {
	uint16_t dom;
	unsigned int nodes;
};

struct xs_store {
	struct tree t;
	uint64_t gen;
	uint32_t next_tx;
	unsigned int fail_commits;
	struct tx tx[MAX_TX];
	struct owner own[MAX_OWNERS];
	struct {
		xs_store_listener_fn fn;
		void *ctx;
	} l[MAX_LISTENERS];
	int nl;
};

typedef void (*notify_fn)(struct xs_store *s, const char *path);

bool xs_store_valid_path(const char *p)
{
	size_t n = p ? strlen(p) : 0;

	if (n < 1 || n > XENSTORE_ABS_PATH_MAX || p[0] != '/' || (n > 1 && p[n - 1] == '/') || strstr(p, "//"))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("/_@-.", c)))
			return false;
	}
	return true;
}

/* Is path p strictly below dir? */
static bool below(const char *p, const char *dir)
{
	size_t l = strlen(dir);

	if (l == 1)
		return p[1] != '\0';   /* "/" */
	return !strncmp(p, dir, l) && p[l] == '/';
}

/* Length of p's parent ("/" for "/a"). */
static size_t parent_len(const char *p, size_t len)
{
	while (len > 1 && p[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

static void parent_of(const char *p, char *out)
{
	size_t l = parent_len(p, strlen(p));

	memcpy(out, p, l);
	out[l] = '\0';
}

/* ---- owners ------------------------------------------------------------ */

static struct owner *owner_of(struct xs_store *s, uint16_t dom, bool make)
{
	struct owner *free_slot = NULL;

	for (int i = 0; i < MAX_OWNERS; i++) {
		if (s->own[i].nodes && s->own[i].dom == dom)
			return &s->own[i];
		if (!s->own[i].nodes && !free_slot)
			free_slot = &s->own[i];
	}
	if (!make || !free_slot)
		return NULL;
	free_slot->dom = dom;
	return free_slot;
}

unsigned int xs_store_owned(const struct xs_store *s, uint16_t dom)
{
	for (int i = 0; i < MAX_OWNERS; i++)
		if (s->own[i].nodes && s->own[i].dom == dom)
			return s->own[i].nodes;
	return 0;
}

/* May dom own n more nodes? */
static bool owner_room(struct xs_store *s, uint16_t dom, size_t n)
{
	if (!dom || !n)
		return true;
	if (!owner_of(s, dom, false) && !owner_of(s, dom, true))
		return false;  /* too many domains own nodes */
	return xs_store_owned(s, dom) + n <= XS_QUOTA_NODES;
}

static void owner_add(struct xs_store *s, uint16_t dom, int delta)
{
	struct owner *o;

	if (!dom)
		return;
	o = owner_of(s, dom, delta > 0);
	if (o)
		o->nodes = (unsigned int)((int)o->nodes + delta);
}

/* ---- the tree ---------------------------------------------------------- */

static uint32_t hash(const char *p)
{
	uint32_t h = 2166136261u;       /* FNV-1a */

	while (*p)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

static struct node *find(struct tree *t, const char *path)
{
	uint32_t h = hash(path);

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].hash == h && !strcmp(t->v[i].path, path))
			return &t->v[i];
	return NULL;
}

static void tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].val);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Room for one more of n elements of size in *v (capacity *cap, doubled
 * from 16, at most max): false if there is none. */
static bool grow(void *v, size_t *cap, size_t n, size_t size, size_t max)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *p;

	if (n < *cap)
		return true;
	if (c > max)
		c = max;
	if (n >= c || !(p = realloc(*(void **)v, c * size)))
		return false;
	*(void **)v = p;
	*cap = c;
	return true;
}

static struct node *add(struct tree *t, const char *path, uint16_t owner, uint64_t gen)
{
	struct node *n;

	if (!grow(&t->v, &t->cap, t->n, sizeof(*t->v), SIZE_MAX / sizeof(*t->v)))
		return NULL;
	n = &t->v[t->n];
	n->path = strdup(path);
	n->hash = hash(path);
	n->val = calloc(1, 1);
	n->len = 0;
	n->owner = owner;
	n->gen = gen;
	if (!n->path || !n->val) {
		free(n->path);
		free(n->val);
		return NULL;
	}
	t->n++;
	return n;
}

static void notify(struct xs_store *s, const char *path)
{
	for (int i = 0; i < s->nl; i++)
		s->l[i].fn(s->l[i].ctx, path);
}

/* How many levels of path, from path itself up, exists() says are
 * missing; *have is the length of the deepest one that exists ("/" always
 * does). */
static size_t missing_levels(const char *path, bool (*exists)(void *ctx, const char *p), void *ctx,
			     size_t *have)
{
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	size_t l = strlen(path), n = 0;

	memcpy(buf, path, l + 1);
	while (l > 1) {
		buf[l] = '\0';
		if (exists(ctx, buf))
			break;
		n++;
		l = parent_len(buf, l);
	}
	*have = l;
	return n;
}

/* The length of the level of path below the one of length l. */
static size_t next_level(const char *path, size_t l)
{
	const char *slash = strchr(path + (l == 1 ? 1 : l + 1), '/');

	return slash ? (size_t)(slash - path) : strlen(path);
}

static bool tree_has(void *ctx, const char *p)
{
	return find(ctx, p) != NULL;
}

/* Make path and its missing parents, top down, owned by dom and stamped
 * with gen (and the parent of each new node too); note each new one. */
static int ensure(struct xs_store *s, const char *path, uint16_t dom, uint64_t gen, notify_fn note)
{
	size_t l, n = missing_levels(path, tree_has, &s->t, &l);
	char buf[XENSTORE_ABS_PATH_MAX + 1];

	if (!owner_room(s, dom, n))
		return ENOSPC;
	memcpy(buf, path, strlen(path) + 1);
	for (; n; n--) {
		struct node *p;
		char saved;

		buf[l] = '\0';
		p = find(&s->t, l == 1 ? "/" : buf);
		if (p)
			p->gen = gen;   /* the parent; before add(): it may move the nodes */
		buf[l] = path[l];
		l = next_level(path, l);
		saved = buf[l];
		buf[l] = '\0';
		if (!add(&s->t, buf, dom, gen))
			return ENOMEM;
		owner_add(s, dom, 1);
		if (note)
			note(s, buf);
		buf[l] = saved;
	}
	return 0;
}

static int do_write(struct xs_store *s, const char *path, const char *val, unsigned int len, uint16_t dom,
		    uint64_t gen, notify_fn note)
{
	int err = ensure(s, path, dom, gen, NULL);
	struct node *n;
	char *v;

	if (err)
		return err;
	n = find(&s->t, path);
	v = malloc(len + 1);
	if (!n || !v) {
		free(v);
		return ENOMEM;
	}
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

static int do_rm(struct xs_store *s, const char *path, uint64_t gen, notify_fn note)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	struct tree *t = &s->t;
	struct node *p;
	size_t i = 0;

	if (!find(t, path))
		return ENOENT;
	if (!strcmp(path, "/"))
		return EINVAL;
	while (i < t->n) {
		if (!strcmp(t->v[i].path, path) || below(t->v[i].path, path)) {
			char *gone = t->v[i].path;

			owner_add(s, t->v[i].owner, -1);
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

struct xs_store *xs_store_new(void)
{
	struct xs_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->next_tx = 1;
	if (!add(&s->t, "/", 0, 0) || ensure(s, "/local/domain", 0, 0, NULL)) {
		xs_store_free(s);
		return NULL;
	}
	return s;
}

/* ---- transactions ------------------------------------------------------ */

static void tx_clear(struct tx *x)
{
	for (size_t i = 0; i < x->ne; i++) {
		free(x->e[i].path);
		free(x->e[i].val);
	}
	free(x->e);
	for (size_t i = 0; i < x->ntouch; i++)
		free(x->touch[i].path);
	free(x->touch);
	memset(x, 0, sizeof(*x));
}

void xs_store_free(struct xs_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_TX; i++)
		if (s->tx[i].id)
			tx_clear(&s->tx[i]);
	tree_free(&s->t);
	free(s);
}

static struct tx *tx_get(struct xs_store *s, uint32_t id)
{
	for (int i = 0; i < MAX_TX; i++)
		if (id && s->tx[i].id == id)
			return &s->tx[i];
	return NULL;
}

static struct ent *ov_find(struct tx *x, const char *path)
{
	uint32_t h = hash(path);

	for (size_t i = 0; i < x->ne; i++)
		if (x->e[i].hash == h && !strcmp(x->e[i].path, path))
			return &x->e[i];
	return NULL;
}

/* Removed in the transaction together with an ancestor? */
static bool ov_hidden(struct tx *x, const char *path)
{
	for (size_t i = 0; i < x->ne; i++)
		if (x->e[i].hide && below(path, x->e[i].path))
			return true;
	return false;
}

struct view {
	struct xs_store *s;
	struct tx *x;
};

/* The node as the transaction sees it: NULL if absent; else its value in
 * val and len ("" for one the transaction created without writing it). */
static bool view_get(struct view *v, const char *path, const char **val, unsigned int *len)
{
	struct ent *e = ov_find(v->x, path);
	struct node *n;

	if (e) {
		if (!e->present)
			return false;
		*val = e->written ? e->val : "";
		*len = e->written ? e->len : 0;
		return true;
	}
	if (ov_hidden(v->x, path) || !(n = find(&v->s->t, path)))
		return false;
	*val = n->val;
	*len = n->len;
	return true;
}

static bool view_has(void *ctx, const char *p)
{
	const char *val;
	unsigned int len;

	return view_get(ctx, p, &val, &len);
}

static struct ent *ov_add(struct tx *x, const char *path)
{
	struct ent *e;

	if (!grow(&x->e, &x->ecap, x->ne, sizeof(*x->e), XS_QUOTA_TX_NODES))
		return NULL;
	e = &x->e[x->ne];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->hash = hash(path);
	if (!e->path)
		return NULL;
	x->ne++;
	return e;
}

static void ov_del(struct tx *x, size_t i)
{
	if (x->e[i].present && x->e[i].created)
		x->created--;
	free(x->e[i].path);
	free(x->e[i].val);
	x->e[i] = x->e[--x->ne];
}

/* Make path visible in the transaction, with its missing parents. */
static int view_ensure(struct view *v, const char *path)
{
	size_t l, n = missing_levels(path, view_has, v, &l);
	char buf[XENSTORE_ABS_PATH_MAX + 1];
	struct tx *x = v->x;

	if (!owner_room(v->s, x->dom, x->created + n))
		return ENOSPC;
	memcpy(buf, path, strlen(path) + 1);
	for (; n; n--) {
		char saved;
		struct ent *e;

		l = next_level(path, l);
		saved = buf[l];
		buf[l] = '\0';
		e = ov_find(x, buf);
		if (!e && !(e = ov_add(x, buf)))
			return ENOSPC;
		/* absent in the view: either no entry, or one saying removed */
		e->present = true;
		e->created = true;
		e->written = false;
		free(e->val);
		e->val = NULL;
		e->len = 0;
		x->created++;
		buf[l] = saved;
	}
	return 0;
}

static int view_write(struct view *v, const char *path, const char *val, unsigned int len)
{
	int err = view_ensure(v, path);
	struct ent *e;
	char *copy;

	if (err)
		return err;
	e = ov_find(v->x, path);
	if (!e && !(e = ov_add(v->x, path)))
		return ENOSPC;
	copy = malloc(len + 1);
	if (!copy)
		return ENOMEM;
	memcpy(copy, val, len);
	copy[len] = '\0';
	free(e->val);
	e->val = copy;
	e->len = len;
	e->present = true;
	e->written = true;
	return 0;
}

static int view_rm(struct view *v, const char *path)
{
	struct tx *x = v->x;
	struct ent *e;
	size_t i = 0;

	if (!view_has(v, path))
		return ENOENT;
	if (!strcmp(path, "/"))
		return EINVAL;
	e = ov_find(x, path);
	if (!e && !(e = ov_add(x, path)))
		return ENOSPC;
	if (e->present && e->created)
		x->created--;
	free(e->val);
	e->val = NULL;
	e->len = 0;
	e->present = false;
	e->hide = true;
	e->written = false;
	e->created = false;
	/* what the tx made below it goes too (e may move: not used again) */
	while (i < x->ne) {
		if (below(x->e[i].path, path))
			ov_del(x, i);
		else
			i++;
	}
	return 0;
}

/* Remember the generation this tx saw of path (first sight only). */
static int touch(struct tx *x, struct tree *t, const char *path)
{
	uint32_t h = hash(path);
	struct node *n;

	for (size_t i = 0; i < x->ntouch; i++)
		if (x->touch[i].hash == h && !strcmp(x->touch[i].path, path))
			return 0;
	if (x->ntouch == XS_QUOTA_TX_NODES)
		return ENOSPC;
	if (!grow(&x->touch, &x->tcap, x->ntouch, sizeof(*x->touch), XS_QUOTA_TX_NODES))
		return ENOMEM;
	n = find(t, path);
	x->touch[x->ntouch].path = strdup(path);
	if (!x->touch[x->ntouch].path)
		return ENOMEM;
	x->touch[x->ntouch].hash = h;
	x->touch[x->ntouch].gen = n ? n->gen : 0;
	x->ntouch++;
	return 0;
}

/* Check the path, resolve tx, and record the touch of path and parent. */
static int begin(struct xs_store *s, uint32_t tx, const char *path, struct tx **x)
{
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	int err;

	*x = NULL;
	if (!xs_store_valid_path(path))
		return EINVAL;
	if (!tx)
		return 0;
	*x = tx_get(s, tx);
	if (!*x)
		return ENOENT;
	err = touch(*x, &s->t, path);
	if (!err && strcmp(path, "/")) {
		parent_of(path, parent);
		err = touch(*x, &s->t, parent);
	}
	return err;
}

/* ---- requests ---------------------------------------------------------- */

int xs_store_read_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, char **val,
		     unsigned int *len)
{
	struct tx *x;
	const char *v;
	unsigned int l;
	int err = begin(s, tx, path, &x);

	(void)dom;
	if (err)
		return err;
	if (x) {
		struct view vw = { s, x };

		if (!view_get(&vw, path, &v, &l))
			return ENOENT;
	} else {
		struct node *n = find(&s->t, path);

		if (!n)
			return ENOENT;
		v = n->val;
		l = n->len;
	}
	*val = malloc(l + 1);
	if (!*val)
		return ENOMEM;
	memcpy(*val, v, l + 1);
	*len = l;
	return 0;
}

int xs_store_write_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, const char *val,
		      unsigned int len)
{
	struct tx *x;
	int err = begin(s, tx, path, &x);

	if (err)
		return err;
	if (len > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	if ((x ? x->dom : dom) && len > XS_QUOTA_NODE_SIZE)
		return ENOSPC;
	if (x)
		return view_write(&(struct view){ s, x }, path, val, len);
	return do_write(s, path, val, len, dom, ++s->gen, notify);
}

int xs_store_mkdir_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path)
{
	struct tx *x;
	int err = begin(s, tx, path, &x);

	if (err)
		return err;
	if (x)
		return view_ensure(&(struct view){ s, x }, path);
	if (find(&s->t, path))
		return 0;
	return ensure(s, path, dom, ++s->gen, notify);
}

int xs_store_rm_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path)
{
	struct tx *x;
	int err = begin(s, tx, path, &x);

	(void)dom;
	if (err)
		return err;
	if (x)
		return view_rm(&(struct view){ s, x }, path);
	return do_rm(s, path, ++s->gen, notify);
}

/* Is c a direct child of path (plen = strlen(path))? */
static bool child_of(const char *c, const char *path, size_t plen)
{
	const char *name;

	if (!below(c, path))
		return false;
	name = c + (plen == 1 ? 1 : plen + 1);
	return !strchr(name, '/');
}

int xs_store_directory_as(struct xs_store *s, uint16_t dom, uint32_t tx, const char *path, char ***names,
			  unsigned int *num)
{
	struct tx *x;
	size_t plen = strlen(path), bytes = 0, k = 0, skip = plen == 1 ? 1 : plen + 1;
	unsigned int n = 0;
	char **v = NULL, *p = NULL;
	int err = begin(s, tx, path, &x);

	(void)dom;
	if (err)
		return err;
	if (x ? !view_has(&(struct view){ s, x }, path) : !find(&s->t, path))
		return ENOENT;
	for (int pass = 0; pass < 2; pass++) {
		/* the tree's children, unless the tx removed or rewrote them */
		for (size_t i = 0; i < s->t.n; i++) {
			const char *c = s->t.v[i].path;

			if (!child_of(c, path, plen) || (x && (ov_find(x, c) || ov_hidden(x, c))))
				continue;
			if (pass == 0) {
				n++;
				bytes += strlen(c + skip) + 1;
			} else {
				v[k++] = p;
				p = stpcpy(p, c + skip) + 1;
			}
		}
		for (size_t i = 0; x && i < x->ne; i++) {
			const char *c = x->e[i].path;

			if (!x->e[i].present || !child_of(c, path, plen))
				continue;
			if (pass == 0) {
				n++;
				bytes += strlen(c + skip) + 1;
			} else {
				v[k++] = p;
				p = stpcpy(p, c + skip) + 1;
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

int xs_store_tx_start_as(struct xs_store *s, uint16_t dom, uint32_t *tx)
{
	struct tx *free_slot = NULL;
	unsigned int mine = 0;

	for (int i = 0; i < MAX_TX; i++) {
		if (!s->tx[i].id && !free_slot)
			free_slot = &s->tx[i];
		mine += s->tx[i].id && s->tx[i].dom == dom;
	}
	if (dom && mine >= XS_QUOTA_TX)
		return ENOSPC;
	if (!free_slot)
		return EBUSY;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->id = s->next_tx++;
	free_slot->dom = dom;
	if (!s->next_tx)
		s->next_tx = 1;
	*tx = free_slot->id;
	return 0;
}

/* Nodes the overlay would create in the tree as it is now. */
static size_t tx_new_nodes(struct xs_store *s, struct tx *x)
{
	size_t n = 0;

	for (size_t i = 0; i < x->ne; i++)
		n += x->e[i].present && !find(&s->t, x->e[i].path);
	return n;
}

int xs_store_tx_end(struct xs_store *s, uint32_t tx, bool commit)
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
	if (commit && !err && !owner_room(s, x->dom, tx_new_nodes(s, x)))
		err = ENOSPC;
	/* removals first: a node removed then made again in the tx is new */
	for (size_t i = 0; commit && !err && i < x->ne; i++)
		if (x->e[i].hide && find(&s->t, x->e[i].path))
			do_rm(s, x->e[i].path, ++s->gen, notify);
	for (size_t i = 0; commit && !err && i < x->ne; i++) {
		struct ent *e = &x->e[i];

		if (!e->present)
			continue;
		if (e->written)
			do_write(s, e->path, e->val, e->len, x->dom, ++s->gen, notify);
		else if (!find(&s->t, e->path))
			ensure(s, e->path, x->dom, ++s->gen, notify);
	}
	tx_clear(x);
	return err;
}

/* ---- domain 0 ---------------------------------------------------------- */

int xs_store_read(struct xs_store *s, uint32_t tx, const char *path, char **val, unsigned int *len)
{
	return xs_store_read_as(s, 0, tx, path, val, len);
}

int xs_store_write(struct xs_store *s, uint32_t tx, const char *path, const char *val, unsigned int len)
{
	return xs_store_write_as(s, 0, tx, path, val, len);
}

int xs_store_mkdir(struct xs_store *s, uint32_t tx, const char *path)
{
	return xs_store_mkdir_as(s, 0, tx, path);
}

int xs_store_rm(struct xs_store *s, uint32_t tx, const char *path)
{
	return xs_store_rm_as(s, 0, tx, path);
}

int xs_store_directory(struct xs_store *s, uint32_t tx, const char *path, char ***names, unsigned int *num)
{
	return xs_store_directory_as(s, 0, tx, path, names, num);
}

int xs_store_tx_start(struct xs_store *s, uint32_t *tx)
{
	return xs_store_tx_start_as(s, 0, tx);
}

/* ---- the rest ---------------------------------------------------------- */

int xs_store_add_listener(struct xs_store *s, xs_store_listener_fn fn, void *ctx)
{
	if (s->nl == MAX_LISTENERS)
		return ENOSPC;
	s->l[s->nl].fn = fn;
	s->l[s->nl].ctx = ctx;
	s->nl++;
	return 0;
}

void xs_store_fail_next_commits(struct xs_store *s, unsigned int n)
{
	s->fail_commits = n;
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->path, ((const struct node *)b)->path);
}

void xs_store_walk(struct xs_store *s, void (*fn)(void *ctx, const char *path, const char *val, unsigned int len),
		   void *ctx)
{
	qsort(s->t.v, s->t.n, sizeof(*s->t.v), cmp_node);
	for (size_t i = 0; i < s->t.n; i++)
		fn(ctx, s->t.v[i].path, s->t.v[i].val, s->t.v[i].len);
}

unsigned int xs_store_tx_open(const struct xs_store *s)
{
	unsigned int n = 0;

	for (int i = 0; i < MAX_TX; i++)
		n += s->tx[i].id != 0;
	return n;
}

size_t xs_store_tx_bytes(const struct xs_store *s)
{
	size_t b = 0;

	for (int i = 0; i < MAX_TX; i++) {
		const struct tx *x = &s->tx[i];

		for (size_t k = 0; x->id && k < x->ne; k++)
			b += strlen(x->e[k].path) + 1 + (x->e[k].val ? x->e[k].len + 1 : 0);
		for (size_t k = 0; x->id && k < x->ntouch; k++)
			b += strlen(x->touch[k].path) + 1;
	}
	return b;
}

const char *xs_store_check(struct xs_store *s)
{
	struct owner count[MAX_OWNERS];
	char parent[XENSTORE_ABS_PATH_MAX + 1];
	long total = 0;

	memset(count, 0, sizeof(count));
	qsort(s->t.v, s->t.n, sizeof(*s->t.v), cmp_node);
	if (!s->t.n || strcmp(s->t.v[0].path, "/"))
		return "no root";
	for (size_t i = 0; i < s->t.n; i++) {
		struct node *n = &s->t.v[i], key;
		bool counted = false;

		if (!xs_store_valid_path(n->path))
			return "a node with an invalid path";
		if (i && !strcmp(n->path, s->t.v[i - 1].path))
			return "a path twice";
		if (!n->val || n->val[n->len] != '\0')
			return "a value without its NUL";
		if (n->hash != hash(n->path))
			return "a node's hash is not its path's";
		if (i) {
			parent_of(n->path, parent);
			key.path = parent;
			if (!bsearch(&key, s->t.v, s->t.n, sizeof(*s->t.v), cmp_node))
				return "a node without its parent";
		}
		for (int k = 0; n->owner && k < MAX_OWNERS && !counted; k++) {
			if (count[k].nodes && count[k].dom != n->owner)
				continue;
			count[k].dom = n->owner;
			count[k].nodes++;
			counted = true;
		}
		if (n->owner && !counted)
			return "more owners than the store keeps";
	}
	for (int k = 0; k < MAX_OWNERS; k++) {
		total += count[k].nodes;
		total -= s->own[k].nodes;
		if (count[k].nodes != xs_store_owned(s, count[k].dom))
			return "an owner's count is wrong";
		if (count[k].nodes > XS_QUOTA_NODES)
			return "a domain owns more nodes than its quota";
	}
	if (total)
		return "an owner's count is kept twice";
	for (int i = 0; i < MAX_TX; i++) {
		struct tx *x = &s->tx[i];
		unsigned int created = 0;

		if (!x->id)
			continue;
		if (x->ne > XS_QUOTA_TX_NODES || x->ntouch > XS_QUOTA_TX_NODES)
			return "a transaction past its bound";
		for (size_t k = 0; k < x->ne; k++) {
			created += x->e[k].present && x->e[k].created;
			if (x->e[k].written && (!x->e[k].val || !x->e[k].present))
				return "a written entry without its value";
		}
		if (created != x->created)
			return "a transaction's count of created nodes is wrong";
	}
	return NULL;
}
