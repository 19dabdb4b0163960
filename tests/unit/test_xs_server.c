/* SPDX-License-Identifier: MIT */
/* The simulator's XenStore server against a hostile client: requests sent
 * over a socketpair in the wire format of <xen/io/xs_wire.h>, the server
 * serviced in this process.  A guest must meet xenstored's quotas (Xen
 * 4.17's defaults: 1000 nodes per domain, 2048 bytes per node, 10
 * transactions, 128 watches), a transaction must cost what it touches, not
 * a copy of the store, and a path as deep as the protocol allows must not
 * take the server's stack. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include <cmocka.h>
#include "simback/xs_server.h"
#include "simback/xs_store.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
/* from the ASan runtime (gcc's and clang's; gcc ships no header for it) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define NCLI 3

struct env {
	struct xs_store *st;
	struct xs_server *srv;
	int cli[NCLI];            /* our ends of the clients' sockets */
	unsigned int events;      /* watch events seen */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->st = xs_store_new();
	e->srv = e->st ? xs_server_new(e->st, 1, false) : NULL;
	if (!e->srv)
		return -1;
	for (int i = 0; i < NCLI; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
		    xs_server_add_conn(e->srv, sv[1]) < 0)
			return -1;
		e->cli[i] = sv[0];
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	if (!e)
		return 0;
	for (int i = 0; i < NCLI; i++)
		close(e->cli[i]);
	xs_server_free(e->srv);
	xs_store_free(e->st);
	free(e);
	return 0;
}

static void service(struct env *e)
{
	struct pollfd p[64];
	int n = xs_server_pollfds(e->srv, p, 64);

	assert_true(poll(p, (nfds_t)n, 1000) > 0);
	xs_server_service(e->srv, p, n);
}

static void read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			fail_msg("client read: %s", n ? strerror(errno) : "EOF");
		got += (size_t)n;
	}
}

/* One request from client c; the reply's body (NUL-terminated) in out.
 * Returns the reply type (XS_ERROR for an error). */
static uint32_t req(struct env *e, int c, uint32_t type, uint32_t tx, const void *body, size_t len,
		    char *out, size_t outsz)
{
	static uint32_t req_id;
	struct xsd_sockmsg h = { .type = type, .req_id = ++req_id, .tx_id = tx, .len = (uint32_t)len };
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	assert_int_equal(write(e->cli[c], &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(e->cli[c], body, len), (ssize_t)len);
	service(e);
	for (;;) {
		read_all(e->cli[c], &h, sizeof(h));
		assert_true(h.len <= XENSTORE_PAYLOAD_MAX);
		read_all(e->cli[c], buf, h.len);
		buf[h.len] = '\0';
		if (h.type == XS_WATCH_EVENT) {
			e->events++;
			continue;
		}
		assert_int_equal(h.req_id, req_id);
		if (out && outsz) {
			size_t l = strnlen(buf, outsz - 1);

			memcpy(out, buf, l);
			out[l] = '\0';
		}
		return h.type;
	}
}

/* path NUL value */
static uint32_t xwrite(struct env *e, int c, uint32_t tx, const char *path, const char *val, size_t vlen,
		       char *err, size_t errsz)
{
	char body[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1;

	assert_true(pl + vlen <= sizeof(body));
	memcpy(body, path, pl);
	memcpy(body + pl, val, vlen);
	return req(e, c, XS_WRITE, tx, body, pl + vlen, err, errsz);
}

static uint32_t xstr(struct env *e, int c, uint32_t type, uint32_t tx, const char *arg, char *out, size_t outsz)
{
	return req(e, c, type, tx, arg, strlen(arg) + 1, out, outsz);
}

static uint32_t tx_start(struct env *e, int c, char *err, size_t errsz)
{
	char out[32];
	uint32_t t = req(e, c, XS_TRANSACTION_START, 0, "", 1, out, sizeof(out));

	if (t != XS_TRANSACTION_START) {
		snprintf(err, errsz, "%s", out);
		return 0;
	}
	return (uint32_t)strtoul(out, NULL, 10);
}

/* The guest may own 1000 nodes; the 1001st is refused with ENOSPC, and
 * removing some makes room again. */
static void quota_nodes(void **state)
{
	struct env *e = *state;
	char path[64], err[64] = "";
	int made = 0;

	for (int i = 0; i < 1100; i++) {
		snprintf(path, sizeof(path), "data/k%d", i);
		if (xwrite(e, 0, 0, path, "v", 1, err, sizeof(err)) != XS_WRITE)
			break;
		made++;
	}
	print_message("wrote %d nodes before: %s\n", made, err);
	/* the domain's home and data/ are the guest's too */
	assert_true(made >= 990 && made <= 998);
	assert_string_equal(err, "ENOSPC");
	/* a transaction cannot get past it either */
	{
		uint32_t t = tx_start(e, 1, err, sizeof(err));

		assert_true(t != 0);
		assert_int_equal(xwrite(e, 1, t, "data/other", "v", 1, err, sizeof(err)), XS_ERROR);
		assert_string_equal(err, "ENOSPC");
		assert_int_equal(xstr(e, 1, XS_TRANSACTION_END, t, "F", err, sizeof(err)), XS_TRANSACTION_END);
	}
	assert_int_equal(xstr(e, 0, XS_RM, 0, "data/k0", err, sizeof(err)), XS_RM);
	assert_int_equal(xwrite(e, 0, 0, "data/again", "v", 1, err, sizeof(err)), XS_WRITE);
	assert_int_equal(xwrite(e, 0, 0, "data/again2", "v", 1, err, sizeof(err)), XS_ERROR);
	/* the simulator itself (domain 0) is not held to it */
	assert_int_equal(xs_store_write(e->st, 0, "/local/domain/0/backend/x", "1", 1), 0);
}

/* A node's value may be 2048 bytes, not more. */
static void quota_node_size(void **state)
{
	struct env *e = *state;
	static char big[2049];
	char err[64] = "";

	memset(big, 'x', sizeof(big));
	assert_int_equal(xwrite(e, 0, 0, "big", big, 2048, err, sizeof(err)), XS_WRITE);
	assert_int_equal(xwrite(e, 0, 0, "big", big, 2049, err, sizeof(err)), XS_ERROR);
	assert_string_equal(err, "ENOSPC");
	{
		uint32_t t = tx_start(e, 0, err, sizeof(err));

		assert_int_equal(xwrite(e, 0, t, "big2", big, 2049, err, sizeof(err)), XS_ERROR);
		assert_string_equal(err, "ENOSPC");
		xstr(e, 0, XS_TRANSACTION_END, t, "F", err, sizeof(err));
	}
}

/* Ten transactions open at once per domain, whichever connections hold them. */
static void quota_transactions(void **state)
{
	struct env *e = *state;
	uint32_t t[11];
	char err[64] = "";

	for (int i = 0; i < 10; i++) {
		t[i] = tx_start(e, i % 2, err, sizeof(err));
		if (!t[i])
			fail_msg("transaction %d refused: %s", i + 1, err);
	}
	t[10] = tx_start(e, 2, err, sizeof(err));
	assert_int_equal(t[10], 0);
	assert_string_equal(err, "ENOSPC");
	/* ending one makes room */
	assert_int_equal(xstr(e, 0, XS_TRANSACTION_END, t[0], "F", err, sizeof(err)), XS_TRANSACTION_END);
	assert_true(tx_start(e, 2, err, sizeof(err)) != 0);
}

/* 128 watches per domain, across its connections. */
static void quota_watches(void **state)
{
	struct env *e = *state;
	char body[64], err[64] = "";
	int n;

	for (int i = 0; i < 128; i++) {
		n = snprintf(body, sizeof(body), "w/%d%ctok", i, '\0');
		if (req(e, i % 2, XS_WATCH, 0, body, (size_t)n + 1, err, sizeof(err)) != XS_WATCH)
			fail_msg("watch %d refused: %s", i + 1, err);
	}
	n = snprintf(body, sizeof(body), "w/x%ctok", '\0');
	assert_int_equal(req(e, 2, XS_WATCH, 0, body, (size_t)n + 1, err, sizeof(err)), XS_ERROR);
	assert_string_equal(err, "E2BIG");
	/* a connection that goes away gives its watches back */
	close(e->cli[0]);
	e->cli[0] = -1;
	service(e);
	assert_int_equal(req(e, 2, XS_WATCH, 0, body, (size_t)n + 1, err, sizeof(err)), XS_WATCH);
	e->cli[0] = open("/dev/null", O_RDONLY);
}

static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/* A transaction costs what it touches: with ~1 MiB in the store, ten
 * open transactions that each wrote one node hold a few KiB, not ten
 * copies of the store. */
static void transaction_cost(void **state)
{
	struct env *e = *state;
	static char val[1000];
	char path[64], err[64] = "", out[64];
	uint32_t t[10];
	size_t before, after;

	memset(val, 'v', sizeof(val));
	for (int i = 0; i < 1000; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/big/k%d", i);
		assert_int_equal(xs_store_write(e->st, 0, path, val, sizeof(val)), 0);
	}
	/* a directory each: creating a node changes its parent, and two
	 * transactions creating in one directory conflict */
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "d%d", i);
		assert_int_equal(xstr(e, 0, XS_MKDIR, 0, path, err, sizeof(err)), XS_MKDIR);
	}
	before = heap_in_use();
	for (int i = 0; i < 10; i++) {
		t[i] = tx_start(e, 0, err, sizeof(err));
		assert_true(t[i] != 0);
		snprintf(path, sizeof(path), "d%d/tx", i);
		assert_int_equal(xwrite(e, 0, t[i], path, "1", 1, err, sizeof(err)), XS_WRITE);
	}
	after = heap_in_use();
	print_message("10 transactions hold %zu bytes\n", after - before);
	assert_true(after - before < 64 * 1024);
	/* and they still see the store and their own writes, isolated */
	assert_int_equal(xstr(e, 0, XS_READ, t[3], "/local/domain/0/backend/big/k999", out, sizeof(out)), XS_READ);
	assert_int_equal(xstr(e, 0, XS_READ, t[3], "d3/tx", out, sizeof(out)), XS_READ);
	assert_string_equal(out, "1");
	assert_int_equal(xstr(e, 0, XS_READ, t[4], "d3/tx", err, sizeof(err)), XS_ERROR);
	assert_int_equal(xstr(e, 0, XS_READ, 0, "d3/tx", err, sizeof(err)), XS_ERROR);
	/* all commit but t[4], which read d3/tx that t[3] made meanwhile */
	for (int i = 0; i < 10; i++) {
		uint32_t r = xstr(e, 0, XS_TRANSACTION_END, t[i], "T", err, sizeof(err));

		if (i == 4 ? r != XS_ERROR || strcmp(err, "EAGAIN") : r != XS_TRANSACTION_END)
			fail_msg("commit %d: %s", i, r == XS_ERROR ? err : "committed");
	}
	assert_int_equal(xstr(e, 0, XS_READ, 0, "d4/tx", err, sizeof(err)), XS_ERROR);
	assert_int_equal(xstr(e, 0, XS_READ, 0, "d3/tx", out, sizeof(out)), XS_READ);
	assert_int_equal(xs_store_tx_open(e->st), 0);
	assert_null(xs_store_check(e->st));
}

/* A path of 768 levels (3072 bytes, the protocol's limit) on a 256 KiB
 * stack: creating and removing it must not recurse once per level. */
static void *deep_path_thread(void *arg)
{
	struct env *e = arg;
	char path[XENSTORE_ABS_PATH_MAX + 1], err[64] = "", out[64];
	size_t n = 0;

	while (n + 4 <= XENSTORE_ABS_PATH_MAX) {
		memcpy(path + n, "/aaa", 4);
		n += 4;
	}
	path[n] = '\0';
	assert_int_equal(xwrite(e, 0, 0, path, "deep", 4, err, sizeof(err)), XS_WRITE);
	assert_int_equal(xstr(e, 0, XS_READ, 0, path, out, sizeof(out)), XS_READ);
	assert_string_equal(out, "deep");
	/* and removing it, in a transaction and out of one */
	{
		uint32_t t = tx_start(e, 0, err, sizeof(err));

		assert_int_equal(xwrite(e, 0, t, path, "deeper", 6, err, sizeof(err)), XS_WRITE);
		assert_int_equal(xstr(e, 0, XS_RM, t, "/aaa/aaa", err, sizeof(err)), XS_RM);
		assert_int_equal(xstr(e, 0, XS_TRANSACTION_END, t, "T", err, sizeof(err)), XS_TRANSACTION_END);
	}
	assert_int_equal(xstr(e, 0, XS_READ, 0, path, err, sizeof(err)), XS_ERROR);
	assert_int_equal(xstr(e, 0, XS_READ, 0, "/aaa", out, sizeof(out)), XS_READ);
	return NULL;
}

static void deep_path(void **state)
{
	pthread_attr_t a;
	pthread_t th;

	assert_int_equal(pthread_attr_init(&a), 0);
	assert_int_equal(pthread_attr_setstacksize(&a, 256 * 1024), 0);
	assert_int_equal(pthread_create(&th, &a, deep_path_thread, *state), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(quota_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(quota_node_size, setup, teardown),
		cmocka_unit_test_setup_teardown(quota_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(quota_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(deep_path, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
