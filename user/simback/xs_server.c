/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include "xs_server.h"

#define MAX_CONNS 32
#define MAX_WATCHES XS_QUOTA_WATCHES   /* per domain: every connection's together */
#define MAX_OUT (1u << 20)   /* a client that never reads is dropped */

struct watch {
	char *path;       /* absolute */
	char *token;
	bool relative;    /* report paths relative to the domain's home */
};

struct conn {
	struct xs_server *srv;
	int fd;           /* -1: free */
	struct xsd_sockmsg hdr;
	char *body;       /* the message's body and a NUL: body_cap bytes */
	size_t body_cap;
	size_t got;       /* bytes of header + body read so far */
	char *out;
	size_t out_len, out_cap;
	struct watch *w;  /* MAX_WATCHES, from its first watch */
	int nw;
	uint32_t tx[16];  /* transactions this client opened */
};

struct xs_server {
	struct xs_store *st;
	uint16_t domid;
	bool verbose;
	unsigned int write_delay_ms;
	char home[32];    /* "/local/domain/N" */
	int nwatches;     /* every connection's */
	struct xs_server_io io;
	struct conn c[MAX_CONNS];
};

static ssize_t sys_read(void *ctx, int fd, void *buf, size_t len)
{
	(void)ctx;
	return read(fd, buf, len);
}

static ssize_t sys_write(void *ctx, int fd, const void *buf, size_t len)
{
	(void)ctx;
	return write(fd, buf, len);
}

static void sys_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static const struct xs_server_io sys_io = { sys_read, sys_write, sys_close, NULL };

static void conn_close(struct conn *c)
{
	c->srv->io.close(c->srv->io.ctx, c->fd);
	c->fd = -1;
}

static void queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *body, size_t len)
{
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)len };
	size_t need = c->out_len + sizeof(h) + len;

	if (c->fd < 0)
		return;
	if (need > MAX_OUT) {
		conn_close(c);  /* not reading its replies: cut it off */
		return;
	}
	if (need > c->out_cap) {
		size_t cap = need * 2;
		char *o = realloc(c->out, cap);

		if (!o)
			return;
		c->out = o;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, &h, sizeof(h));
	memcpy(c->out + c->out_len + sizeof(h), body, len);
	c->out_len = need;
}

static void flush(struct conn *c)
{
	while (c->fd >= 0 && c->out_len) {
		ssize_t n = c->srv->io.write(c->srv->io.ctx, c->fd, c->out, c->out_len);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c);
			return;
		}
		memmove(c->out, c->out + n, c->out_len - (size_t)n);
		c->out_len -= (size_t)n;
	}
}

static void watches_free(struct xs_server *s, struct conn *c)
{
	for (int i = 0; i < c->nw; i++) {
		free(c->w[i].path);
		free(c->w[i].token);
	}
	s->nwatches -= c->nw;
	c->nw = 0;
}

/* Close a connection: its transactions end, its watches go. */
static void conn_free(struct xs_server *s, struct conn *c)
{
	for (size_t k = 0; k < sizeof(c->tx) / sizeof(c->tx[0]); k++)
		if (c->tx[k])
			xs_store_tx_end(s->st, c->tx[k], false);
	if (c->fd >= 0)
		s->io.close(s->io.ctx, c->fd);
	watches_free(s, c);
	free(c->w);
	free(c->body);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static const char *errname(int err)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EIO";
}

static void reply_err(struct conn *c, int err)
{
	const char *e = errname(err);

	queue(c, XS_ERROR, c->hdr.req_id, c->hdr.tx_id, e, strlen(e) + 1);
}

static void reply_ok(struct conn *c)
{
	queue(c, c->hdr.type, c->hdr.req_id, c->hdr.tx_id, "OK", 3);
}

/* Absolute path for a client's path; false if it is not acceptable. */
static bool resolve(struct xs_server *s, const char *p, char *out, size_t size, bool *relative)
{
	int n;

	*relative = p[0] != '/';
	n = *relative ? snprintf(out, size, "%s/%s", s->home, p) : snprintf(out, size, "%s", p);
	if (n < 0 || (size_t)n >= size || strlen(p) > (*relative ? XENSTORE_REL_PATH_MAX : XENSTORE_ABS_PATH_MAX))
		return false;
	return xs_store_valid_path(out);
}

/* The first NUL-terminated string of the body, or NULL if there is none. */
static const char *arg0(struct conn *c)
{
	return c->hdr.len && memchr(c->body, '\0', c->hdr.len) ? c->body : NULL;
}

static void fire(struct xs_server *s, struct conn *c, struct watch *w, const char *path)
{
	char msg[XENSTORE_ABS_PATH_MAX + XENSTORE_ABS_PATH_MAX + 2];
	size_t hl = strlen(s->home);
	const char *p = path;
	int n;

	if (w->relative && !strncmp(path, s->home, hl) && path[hl] == '/')
		p = path + hl + 1;
	n = snprintf(msg, sizeof(msg), "%s%c%s", p, '\0', w->token);
	if (n > 0 && (size_t)n < sizeof(msg))
		queue(c, XS_WATCH_EVENT, 0, 0, msg, (size_t)n + 1);
}

static bool watch_matches(const char *wpath, const char *path)
{
	size_t l = strlen(wpath);

	return !strncmp(path, wpath, l) && (path[l] == '\0' || path[l] == '/' || l == 1);
}

static void on_change(void *ctx, const char *path)
{
	struct xs_server *s = ctx;

	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &s->c[i];

		for (int k = 0; c->fd >= 0 && k < c->nw; k++)
			if (watch_matches(c->w[k].path, path))
				fire(s, c, &c->w[k], path);
		flush(c);
	}
}

static bool owns_tx(struct conn *c, uint32_t tx)
{
	for (size_t i = 0; i < sizeof(c->tx) / sizeof(c->tx[0]); i++)
		if (tx && c->tx[i] == tx)
			return true;
	return false;
}

static void log_access(struct xs_server *s, const char *op, const char *path, const char *val, unsigned int len, int err)
{
	if (!s->verbose)
		return;
	if (err)
		fprintf(stderr, "xenstore: dom%u %s %s %s\n", s->domid, op, path, errname(err));
	else if (val)
		fprintf(stderr, "xenstore: dom%u %s %s = %.*s\n", s->domid, op, path, (int)len, val);
	else
		fprintf(stderr, "xenstore: dom%u %s %s\n", s->domid, op, path);
}

static void handle(struct xs_server *s, struct conn *c)
{
	uint32_t tx = c->hdr.tx_id;
	const char *a = arg0(c);
	char path[XENSTORE_ABS_PATH_MAX + 64];
	bool rel = false;
	int err = 0;

	c->body[c->hdr.len] = '\0';
	if (tx && !owns_tx(c, tx) && c->hdr.type != XS_TRANSACTION_START) {
		reply_err(c, ENOENT);
		return;
	}
	if (s->write_delay_ms && (c->hdr.type == XS_WRITE || c->hdr.type == XS_MKDIR || c->hdr.type == XS_RM ||
				  c->hdr.type == XS_SET_PERMS || c->hdr.type == XS_TRANSACTION_END))
		poll(NULL, 0, (int)s->write_delay_ms);
	switch (c->hdr.type) {
	case XS_READ:
	case XS_MKDIR:
	case XS_RM:
	case XS_DIRECTORY:
	case XS_GET_PERMS:
	case XS_SET_PERMS:
		if (!a || !resolve(s, a, path, sizeof(path), &rel)) {
			reply_err(c, EINVAL);
			return;
		}
		break;
	default:
		break;
	}
	switch (c->hdr.type) {
	case XS_READ: {
		char *v = NULL;
		unsigned int len = 0;

		err = xs_store_read_as(s->st, s->domid, tx, path, &v, &len);
		log_access(s, "READ", path, v, len, err);
		if (err)
			reply_err(c, err);
		else
			queue(c, XS_READ, c->hdr.req_id, tx, v, len);
		free(v);
		return;
	}
	case XS_WRITE: {
		size_t pl = a ? strlen(a) + 1 : 0;

		if (!a || !resolve(s, a, path, sizeof(path), &rel)) {
			reply_err(c, EINVAL);
			return;
		}
		err = xs_store_write_as(s->st, s->domid, tx, path, c->body + pl, (unsigned int)(c->hdr.len - pl));
		log_access(s, "WRITE", path, c->body + pl, (unsigned int)(c->hdr.len - pl), err);
		break;
	}
	case XS_MKDIR:
		err = xs_store_mkdir_as(s->st, s->domid, tx, path);
		log_access(s, "MKDIR", path, NULL, 0, err);
		break;
	case XS_RM:
		err = xs_store_rm_as(s->st, s->domid, tx, path);
		log_access(s, "RM", path, NULL, 0, err);
		break;
	case XS_DIRECTORY: {
		char **names = NULL, buf[XENSTORE_PAYLOAD_MAX];
		unsigned int n = 0;
		size_t len = 0;

		err = xs_store_directory_as(s->st, s->domid, tx, path, &names, &n);
		log_access(s, "DIRECTORY", path, NULL, 0, err);
		if (err) {
			reply_err(c, err);
			return;
		}
		for (unsigned int i = 0; i < n && !err; i++) {
			size_t l = strlen(names[i]) + 1;

			if (len + l > sizeof(buf))
				err = E2BIG;
			else
				memcpy(buf + len, names[i], l), len += l;
		}
		free(names);
		if (err)
			reply_err(c, err);
		else
			queue(c, XS_DIRECTORY, c->hdr.req_id, tx, buf, len);
		return;
	}
	case XS_GET_PERMS: {
		char *v = NULL, perms[16];
		unsigned int len;

		err = xs_store_read_as(s->st, s->domid, tx, path, &v, &len);
		free(v);
		if (err == 0) {
			int n = snprintf(perms, sizeof(perms), "n%u", s->domid);

			queue(c, XS_GET_PERMS, c->hdr.req_id, tx, perms, (size_t)n + 1);
			return;
		}
		break;
	}
	case XS_SET_PERMS:
		break;   /* accepted; the simulator does not enforce permissions */
	case XS_WATCH: {
		const char *token = a ? a + strlen(a) + 1 : NULL;

		if (!a || token >= c->body + c->hdr.len || !memchr(token, '\0', (size_t)(c->body + c->hdr.len - token))) {
			reply_err(c, EINVAL);
			return;
		}
		if (a[0] == '@') {          /* @introduceDomain etc: accepted, never fire */
			reply_ok(c);
			return;
		}
		if (!resolve(s, a, path, sizeof(path), &rel)) {
			reply_err(c, EINVAL);
			return;
		}
		if (c->nw == MAX_WATCHES || s->nwatches >= MAX_WATCHES) {
			reply_err(c, E2BIG);
			return;
		}
		if (!c->w && !(c->w = calloc(MAX_WATCHES, sizeof(*c->w)))) {
			reply_err(c, ENOMEM);
			return;
		}
		c->w[c->nw].path = strdup(path);
		c->w[c->nw].token = strdup(token);
		c->w[c->nw].relative = rel;
		if (!c->w[c->nw].path || !c->w[c->nw].token) {
			free(c->w[c->nw].path);
			free(c->w[c->nw].token);
			reply_err(c, ENOMEM);
			return;
		}
		c->nw++;
		s->nwatches++;
		reply_ok(c);
		fire(s, c, &c->w[c->nw - 1], path);   /* a new watch fires once at once */
		return;
	}
	case XS_UNWATCH: {
		const char *token = a ? a + strlen(a) + 1 : NULL;

		err = ENOENT;
		if (a && token < c->body + c->hdr.len && resolve(s, a, path, sizeof(path), &rel)) {
			for (int i = 0; i < c->nw; i++) {
				if (strcmp(c->w[i].path, path) || strcmp(c->w[i].token, token))
					continue;
				free(c->w[i].path);
				free(c->w[i].token);
				c->w[i] = c->w[--c->nw];
				s->nwatches--;
				err = 0;
				break;
			}
		} else if (a && a[0] == '@') {
			err = 0;
		}
		break;
	}
	case XS_RESET_WATCHES:
		watches_free(s, c);
		break;
	case XS_TRANSACTION_START: {
		size_t slot = sizeof(c->tx) / sizeof(c->tx[0]);
		uint32_t id;
		char buf[16];

		for (size_t i = 0; i < sizeof(c->tx) / sizeof(c->tx[0]); i++)
			if (!c->tx[i])
				slot = i;
		if (tx || slot == sizeof(c->tx) / sizeof(c->tx[0])) {
			reply_err(c, tx ? EINVAL : EBUSY);
			return;
		}
		err = xs_store_tx_start_as(s->st, s->domid, &id);
		if (err) {
			reply_err(c, err);
			return;
		}
		c->tx[slot] = id;
		int n = snprintf(buf, sizeof(buf), "%u", id);
		queue(c, XS_TRANSACTION_START, c->hdr.req_id, 0, buf, (size_t)n + 1);
		return;
	}
	case XS_TRANSACTION_END:
		if (!a || (strcmp(a, "T") && strcmp(a, "F")) || !tx) {
			reply_err(c, EINVAL);
			return;
		}
		err = xs_store_tx_end(s->st, tx, a[0] == 'T');
		for (size_t i = 0; i < sizeof(c->tx) / sizeof(c->tx[0]); i++)
			if (c->tx[i] == tx)
				c->tx[i] = 0;
		if (s->verbose)
			fprintf(stderr, "xenstore: dom%u TRANSACTION_END %s%s%s\n", s->domid,
				a[0] == 'T' ? "commit" : "abort", err ? " " : "", err ? errname(err) : "");
		break;
	case XS_GET_DOMAIN_PATH: {
		unsigned long d;
		char *end, buf[32];

		if (!a || !*a || (d = strtoul(a, &end, 10), *end) || d > 0x7fef) {
			reply_err(c, EINVAL);
			return;
		}
		int n = snprintf(buf, sizeof(buf), "/local/domain/%lu", d);
		queue(c, XS_GET_DOMAIN_PATH, c->hdr.req_id, 0, buf, (size_t)n + 1);
		return;
	}
	default:
		reply_err(c, ENOSYS);
		return;
	}
	if (err)
		reply_err(c, err);
	else
		reply_ok(c);
}

struct xs_server *xs_server_new(struct xs_store *st, uint16_t client_domid, bool verbose)
{
	struct xs_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->st = st;
	s->io = sys_io;
	s->domid = client_domid;
	s->verbose = verbose;
	snprintf(s->home, sizeof(s->home), "/local/domain/%u", client_domid);
	for (int i = 0; i < MAX_CONNS; i++)
		s->c[i].fd = -1;
	if (xs_store_add_listener(st, on_change, s)) {
		free(s);
		return NULL;
	}
	return s;
}

void xs_server_free(struct xs_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		conn_free(s, &s->c[i]);
	free(s);
}

int xs_server_add_conn(struct xs_server *s, int fd)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		if (s->c[i].fd >= 0)
			continue;
		conn_free(s, &s->c[i]);  /* whatever a dropped client left */
		s->c[i].fd = fd;
		s->c[i].srv = s;
		if (s->io.read == sys_read)
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return 0;
	}
	s->io.close(s->io.ctx, fd);
	return -1;
}

int xs_server_pollfds(struct xs_server *s, struct pollfd *p, int max)
{
	int n = 0;

	for (int i = 0; i < MAX_CONNS && n < max; i++) {
		if (s->c[i].fd < 0)
			continue;
		p[n].fd = s->c[i].fd;
		p[n].events = (short)(POLLIN | (s->c[i].out_len ? POLLOUT : 0));
		p[n].revents = 0;
		n++;
	}
	return n;
}

/* Read what is there; handle each complete message. */
static void service_conn(struct xs_server *s, struct conn *c)
{
	for (;;) {
		size_t want = c->got < sizeof(c->hdr) ? sizeof(c->hdr) - c->got
						      : sizeof(c->hdr) + c->hdr.len - c->got;
		char *dst = c->got < sizeof(c->hdr) ? (char *)&c->hdr + c->got
						    : c->body + (c->got - sizeof(c->hdr));
		ssize_t n = want ? s->io.read(s->io.ctx, c->fd, dst, want) : 0;

		if (want && n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				conn_free(s, c);
			return;
		}
		c->got += (size_t)n;
		if (c->got == sizeof(c->hdr) && c->hdr.len > XENSTORE_PAYLOAD_MAX) {
			conn_free(s, c);   /* a message no xenstored would take */
			return;
		}
		if (c->got == sizeof(c->hdr) && c->body_cap < c->hdr.len + 1) {
			size_t cap = c->hdr.len + 1 > 128 ? c->hdr.len + 1 : 128;
			char *b = realloc(c->body, cap);

			if (!b) {
				conn_free(s, c);
				return;
			}
			c->body = b;
			c->body_cap = cap;
		}
		if (c->got == sizeof(c->hdr) + c->hdr.len) {
			handle(s, c);
			c->got = 0;
			flush(c);
			if (c->fd < 0) {
				conn_free(s, c);
				return;
			}
		}
	}
}

void xs_server_set_io(struct xs_server *s, const struct xs_server_io *io)
{
	s->io = *io;
}

void xs_server_set_write_delay(struct xs_server *srv, unsigned int delay_ms)
{
	srv->write_delay_ms = delay_ms;
}

int xs_server_watches(const struct xs_server *s)
{
	return s->nwatches;
}

void xs_server_service(struct xs_server *s, const struct pollfd *p, int n)
{
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < MAX_CONNS; k++) {
			struct conn *c = &s->c[k];

			if (c->fd != p[i].fd || c->fd < 0)
				continue;
			if (p[i].revents & POLLOUT)
				flush(c);
			if (c->fd >= 0 && p[i].revents & (POLLIN | POLLHUP | POLLERR))
				service_conn(s, c);
			break;
		}
	}
	/* clients cut off meanwhile (here, or while a change was announced to
	 * them) give back their transactions and watches now */
	for (int k = 0; k < MAX_CONNS; k++)
		if (s->c[k].fd < 0 && s->c[k].srv)
			conn_free(s, &s->c[k]);
}

void xs_server_move_domain(struct xs_server *s, uint16_t domid)
{
	char old[sizeof(s->home)], path[XENSTORE_ABS_PATH_MAX + 1];
	size_t ol;

	snprintf(old, sizeof(old), "%s", s->home);
	ol = strlen(old);
	s->domid = domid;
	snprintf(s->home, sizeof(s->home), "/local/domain/%u", domid);
	/* what the guest's kernel does on resume: register every watch again
	 * (relative ones now under the new home), and each fires once */
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &s->c[i];

		for (int k = 0; c->fd >= 0 && k < c->nw; k++) {
			struct watch *w = &c->w[k];

			if (w->relative && !strncmp(w->path, old, ol) && (w->path[ol] == '/' || !w->path[ol])) {
				int n = snprintf(path, sizeof(path), "%s%s", s->home, w->path + ol);
				char *np = n > 0 && (size_t)n < sizeof(path) ? strdup(path) : NULL;

				if (np) {
					free(w->path);
					w->path = np;
				}
			}
			fire(s, c, w, w->path);
		}
		flush(c);
	}
}
