/* SPDX-License-Identifier: MIT */
/* fuzz_xs_server: whole client sessions against the simulator's XenStore
 * wire server (user/simback/xs_server.c over xs_store.c), as a guest would
 * send them over the socket: up to three connections at once, each sent
 * well-formed requests (any type, any transaction id, paths from the
 * places a netfront uses or any bytes) or raw bytes (partial headers,
 * lengths that lie), closed and opened again at any point.
 *
 * The connections are in memory (xs_server_set_io): the server's code is
 * the same, its reads and writes are not system calls, so a session costs
 * microseconds (tests/unit/test_xs_server.c covers the real sockets).
 *
 * Checked: nothing crashes or leaks (ASan/UBSan, LeakSanitizer); every
 * reply is well formed (a known type, a body within the protocol's
 * maximum); when the session ends and every client has gone, no
 * transaction or watch is left behind, the guest's nodes are within
 * xenstored's quota, and the store's invariants hold (xs_store_check). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xs_wire.h>
#include "simback/xs_server.h"
#include "simback/xs_store.h"
#include "fuzz_input.h"

#define NCLI 3
#define NTX 4
#define FD0 1000

/* One client, and the server's end of its connection, in memory: what the
 * client sent and the server has not read, what the server wrote. */
struct cli {
	int fd;                 /* the server's descriptor for it; -1: none */
	bool hung_up;           /* the client closed its end */
	bool stalled;           /* the client does not read: writes would block */
	uint8_t *in;            /* client -> server */
	size_t in_len, in_off, in_cap;
	uint8_t rbuf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t rlen;            /* server -> client, a message not yet whole */
	uint32_t tx[NTX];       /* transaction ids the server gave it */
	unsigned int ntx;
};

static struct xs_store *st;
static struct xs_server *srv;
static struct cli cli[NCLI];
static int next_fd;

static const char *const paths[] = {
	"device/vif/0", "device/vif/0/state", "device/vif/0/mac", "device/vif/0/backend",
	"/local/domain/1/device/vif/0/tx-ring-ref", "/local/domain/0/backend/vif/1/0",
	"/local/domain/0/backend/vif/1/0/state", "/local/domain/0/backend/vif/1/0/feature-rx-copy",
	"/", "/local", "/local/domain", "data", "data/a", "data/a/b", "@releaseDomain",
	"@introduceDomain", "", "/local/domain/1", "..", "/bad//path", "/trailing/",
};

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_xs_server: %s\n", what);
	abort();
}

static struct cli *by_fd(int fd)
{
	for (int i = 0; i < NCLI; i++)
		if (cli[i].fd == fd && fd >= 0)
			return &cli[i];
	fail("the server used a descriptor it was not given");
	return NULL;
}

static ssize_t io_read(void *ctx, int fd, void *buf, size_t len)
{
	struct cli *c = by_fd(fd);
	size_t n = c->in_len - c->in_off;

	(void)ctx;
	if (!n) {
		if (c->hung_up)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(buf, c->in + c->in_off, n);
	c->in_off += n;
	return (ssize_t)n;
}

/* The client reads: check each whole message, learn transaction ids. */
static ssize_t io_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct cli *c = by_fd(fd);
	const uint8_t *b = buf;
	size_t done = 0;

	(void)ctx;
	if (c->hung_up) {
		errno = EPIPE;
		return -1;
	}
	if (c->stalled) {
		errno = EAGAIN;
		return -1;
	}
	while (done < len) {
		size_t k = sizeof(c->rbuf) - c->rlen;
		struct xsd_sockmsg h;

		if (k > len - done)
			k = len - done;
		memcpy(c->rbuf + c->rlen, b + done, k);
		c->rlen += k;
		done += k;
		while (c->rlen >= sizeof(h)) {
			memcpy(&h, c->rbuf, sizeof(h));
			if (h.len > XENSTORE_PAYLOAD_MAX)
				fail("a reply longer than the protocol allows");
			if (h.type >= XS_TYPE_COUNT && h.type != XS_ERROR)
				fail("a reply of an unknown type");
			if (c->rlen < sizeof(h) + h.len)
				break;
			if (h.type == XS_TRANSACTION_START && h.len && c->ntx < NTX) {
				char id[16] = "";

				memcpy(id, c->rbuf + sizeof(h), h.len < sizeof(id) ? h.len : sizeof(id) - 1);
				c->tx[c->ntx++] = (uint32_t)strtoul(id, NULL, 10);
			}
			c->rlen -= sizeof(h) + h.len;
			memmove(c->rbuf, c->rbuf + sizeof(h) + h.len, c->rlen);
		}
	}
	return (ssize_t)len;
}

static void io_close(void *ctx, int fd)
{
	struct cli *c = by_fd(fd);

	(void)ctx;
	c->fd = -1;
}

static const struct xs_server_io mem_io = { io_read, io_write, io_close, NULL };

static void cli_reset(struct cli *c)
{
	free(c->in);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void cli_open(struct cli *c)
{
	cli_reset(c);
	c->fd = next_fd++;
	if (xs_server_add_conn(srv, c->fd) < 0)
		fail("server refused a connection");
}

static void service(void)
{
	struct pollfd p[64];
	int n = xs_server_pollfds(srv, p, 64);

	for (int i = 0; i < n; i++) {
		struct cli *c = by_fd(p[i].fd);

		p[i].revents = 0;
		if (c->in_off < c->in_len || c->hung_up)
			p[i].revents |= POLLIN;
		if (c->hung_up)
			p[i].revents |= POLLHUP;
		if (!c->stalled && (p[i].events & POLLOUT))
			p[i].revents |= POLLOUT;
	}
	xs_server_service(srv, p, n);
}

static void send_bytes(struct cli *c, const void *b, size_t n)
{
	if (c->fd < 0 || c->hung_up || !n)
		return;
	if (c->in_len + n > c->in_cap) {
		c->in_cap = (c->in_len + n) * 2;
		c->in = realloc(c->in, c->in_cap);
		if (!c->in)
			abort();
	}
	memcpy(c->in + c->in_len, b, n);
	c->in_len += n;
}

/* A body: a path (from the list, or bytes), a NUL, maybe more (a value, a token). */
static size_t body(struct in *in, char *b, size_t cap)
{
	unsigned int how = take(in);
	size_t n = 0, extra;

	if (how & 1) {
		const char *p = paths[take(in) % (sizeof(paths) / sizeof(paths[0]))];

		n = strlen(p);
		memcpy(b, p, n);
		if (how & 2)            /* a suffix */
			for (unsigned int k = take(in) % 8; k && n < cap / 2; k--)
				b[n++] = (char)take(in);
		b[n++] = '\0';
	}
	extra = how >> 2;
	if (how & 2 && !(how & 1))
		extra = extra * 64 + take(in);   /* up to ~4 KiB of anything */
	for (; extra && n < cap; extra--)
		b[n++] = (char)take(in);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	char b[XENSTORE_PAYLOAD_MAX + 64];

	st = xs_store_new();
	srv = st ? xs_server_new(st, 1, false) : NULL;
	if (!srv)
		fail("setup");
	xs_server_set_io(srv, &mem_io);
	next_fd = FD0;
	/* what the simulated backend writes before a guest comes */
	xs_store_write(st, 0, "/local/domain/1/device/vif/0/backend", "/local/domain/0/backend/vif/1/0", 31);
	xs_store_write(st, 0, "/local/domain/0/backend/vif/1/0/state", "2", 1);
	for (int i = 0; i < NCLI; i++)
		cli_open(&cli[i]);
	while (in.n) {
		unsigned int op = take(&in);
		struct cli *c = &cli[op % NCLI];

		if (c->fd < 0)
			cli_open(c);    /* it hung up, or the server cut it off */
		switch ((op / NCLI) % 8) {
		default: {              /* a request */
			struct xsd_sockmsg h = { 0 };
			unsigned int t = take(&in), x = take(&in);
			size_t n = body(&in, b, sizeof(b));

			h.type = t % (XS_TYPE_COUNT + 2);
			h.req_id = op;
			h.tx_id = x == 0 || !c->ntx ? 0 : x < 250 ? c->tx[x % c->ntx] : x;
			h.len = (uint32_t)n;
			if (n > XENSTORE_PAYLOAD_MAX && !(x & 1))
				h.len = XENSTORE_PAYLOAD_MAX;   /* mostly lengths that fit */
			send_bytes(c, &h, sizeof(h));
			send_bytes(c, b, h.len < n ? h.len : n);
			break;
		}
		case 4:                 /* the client stops reading, or starts again */
			c->stalled = !c->stalled;
			break;
		case 5: {               /* raw bytes: partial messages, lying lengths */
			size_t n = take(&in) % 40;

			for (size_t i = 0; i < n; i++)
				b[i] = (char)take(&in);
			send_bytes(c, b, n);
			break;
		}
		case 6:                 /* hang up */
			c->hung_up = true;
			break;
		}
		service();
	}
	for (int i = 0; i < NCLI; i++) {
		cli[i].hung_up = true;
		cli[i].stalled = false;
	}
	service();
	for (int i = 0; i < NCLI; i++) {
		if (cli[i].fd >= 0)
			fail("a connection left open after its client hung up");
		cli_reset(&cli[i]);
	}
	if (xs_store_tx_open(st))
		fail("transactions left open after every client went");
	if (xs_server_watches(srv))
		fail("watches left after every client went");
	if (xs_store_owned(st, 1) > XS_QUOTA_NODES)
		fail("the guest owns more nodes than its quota");
	{
		const char *bad = xs_store_check(st);

		if (bad)
			fail(bad);
	}
	xs_server_free(srv);
	xs_store_free(st);
	return 0;
}
