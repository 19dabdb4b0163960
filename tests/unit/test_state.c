/* SPDX-License-Identifier: MIT */
/* The frontend's xenbus state machine against a scripted store: an
 * in-memory XenStore (the simulator's own tree) behind the plat seam, with
 * counting fakes for grants and event channels.  The test plays the
 * backend by writing its state step by step. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "xen/netfront.h"
#include "xen/xenbus_state.h"
#include "simback/xs_store.h"

#define FE "/local/domain/1/device/vif/0"
#define BE "/local/domain/0/backend/vif/1/0"

struct fake {
	struct plat base;
	struct xs_store *st;
	int grants;            /* pages shared now */
	int chans;             /* channels open now */
	int notifies;
};

static struct fake *F(struct plat *p) { return (struct fake *)p; }

static void abs_path(char *buf, size_t n, const char *path)
{
	if (path[0] == '/')
		snprintf(buf, n, "%s", path);
	else
		snprintf(buf, n, "/local/domain/1/%s", path);
}

static char *f_read(struct plat *p, xs_transaction_t t, const char *path, unsigned int *len)
{
	char a[256], *v = NULL;
	int err;

	abs_path(a, sizeof(a), path);
	err = xs_store_read(F(p)->st, t, a, &v, len);
	errno = err;
	return err ? NULL : v;
}

static bool f_write(struct plat *p, xs_transaction_t t, const char *path, const void *d, unsigned int len)
{
	char a[256];
	int err;

	abs_path(a, sizeof(a), path);
	err = xs_store_write(F(p)->st, t, a, d, len);
	errno = err;
	return !err;
}

static xs_transaction_t f_tstart(struct plat *p)
{
	uint32_t t;

	return xs_store_tx_start(F(p)->st, &t) ? XBT_NULL : t;
}

static bool f_tend(struct plat *p, xs_transaction_t t, bool abort)
{
	int err = xs_store_tx_end(F(p)->st, t, !abort);

	errno = err;
	return !err;
}

static void *f_share(struct plat *p, uint16_t domid, uint32_t count, uint32_t *refs, bool w)
{
	(void)domid; (void)w;
	for (uint32_t i = 0; i < count; i++)
		refs[i] = 100 + (uint32_t)F(p)->grants + i;
	F(p)->grants += (int)count;
	return calloc(count, 4096);
}

static int f_unshare(struct plat *p, void *addr, uint32_t count)
{
	F(p)->grants -= (int)count;
	free(addr);
	return 0;
}

static int f_alloc(struct plat *p, uint16_t remote) { (void)remote; F(p)->chans++; return 7; }
static int f_notify(struct plat *p, uint32_t port) { (void)port; F(p)->notifies++; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)port; F(p)->chans--; return 0; }

static const struct plat_ops fake_ops = {
	.name = "fake",
	.xs_read = f_read, .xs_write = f_write,
	.xs_transaction_start = f_tstart, .xs_transaction_end = f_tend,
	.gnt_share = f_share, .gnt_unshare = f_unshare,
	.evt_alloc_unbound = f_alloc, .evt_notify = f_notify, .evt_close = f_close,
};

static void put(struct fake *f, const char *path, const char *v)
{
	assert_int_equal(xs_store_write(f->st, 0, path, v, (unsigned int)strlen(v)), 0);
}

static char *get(struct fake *f, const char *path)
{
	char *v = NULL;
	unsigned int len;

	return xs_store_read(f->st, 0, path, &v, &len) ? NULL : v;
}

static void expect_key(struct fake *f, const char *path, const char *want)
{
	char *v = get(f, path);

	if (!want) {
		if (v)
			fail_msg("%s exists (%s)", path, v);
		return;
	}
	if (!v)
		fail_msg("%s is missing", path);
	assert_string_equal(v, want);
	free(v);
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->base.ops = &fake_ops;
	f->st = xs_store_new();
	put(f, FE "/backend", BE);
	put(f, FE "/backend-id", "0");
	put(f, FE "/mac", "00:16:3e:00:00:01");
	put(f, FE "/state", "1");
	put(f, BE "/state", "1");
	put(f, BE "/feature-rx-copy", "1");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;

	xs_store_free(f->st);
	free(f);
	return 0;
}

static void handshake(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(nf.be_domid, 0);
	assert_int_equal(nf.mtu, 1500);
	assert_string_equal(nf.be_dir, BE);
	assert_int_equal(netfront_start(&nf), 0);
	assert_int_equal(nf.phase, NF_WAIT_INITWAIT);
	expect_key(f, FE "/tx-ring-ref", NULL);      /* nothing before InitWait */
	assert_int_equal(f->grants, 0);

	put(f, BE "/state", "2");
	assert_int_equal(netfront_backend_changed(&nf), NF_WAIT_CONNECTED);
	assert_int_equal(f->grants, 2 + 256 + 256);
	assert_int_equal(f->chans, 1);
	expect_key(f, FE "/event-channel", "7");
	expect_key(f, FE "/request-rx-copy", "1");
	expect_key(f, FE "/feature-rx-notify", "1");
	expect_key(f, FE "/feature-no-csum-offload", "1");
	expect_key(f, FE "/state", "4");
	char *tx = get(f, FE "/tx-ring-ref"), *rx = get(f, FE "/rx-ring-ref");
	assert_non_null(tx);
	assert_non_null(rx);
	assert_string_not_equal(tx, rx);
	free(tx);
	free(rx);
	/* the RX ring is full of requests before we said Connected */
	assert_int_equal(nf.q.rx.req_prod_pvt, NET_RX_RING_SIZE);
	assert_int_equal(nf.q.rx_sring->req_prod, NET_RX_RING_SIZE);

	put(f, BE "/state", "4");
	assert_int_equal(netfront_backend_changed(&nf), NF_CONNECTED);

	/* orderly close: Closing, wait for the backend, then Closed */
	netfront_close(&nf);
	assert_int_equal(nf.phase, NF_CLOSING);
	expect_key(f, FE "/state", "5");
	put(f, BE "/state", "5");
	assert_int_equal(netfront_backend_changed(&nf), NF_CLOSED);
	netfront_finish(&nf);
	expect_key(f, FE "/state", "6");
	assert_int_equal(f->grants, 0);
	assert_int_equal(f->chans, 0);
}

static void backend_lost_and_reconnect(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	put(f, BE "/state", "2");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(&nf), 0);
	assert_int_equal(nf.phase, NF_WAIT_CONNECTED);    /* InitWait already */
	put(f, BE "/state", "4");
	assert_int_equal(netfront_backend_changed(&nf), NF_CONNECTED);
	put(f, BE "/state", "6");
	assert_int_equal(netfront_backend_changed(&nf), NF_LOST);
	assert_int_equal(f->grants, 2 + 512);        /* the caller stops traffic first */
	netfront_finish(&nf);
	assert_int_equal(f->grants, 0);
	expect_key(f, FE "/state", "6");
	/* start again: Initialising, and wait for the backend's InitWait */
	assert_int_equal(netfront_start(&nf), 0);
	expect_key(f, FE "/state", "1");
	assert_int_equal(nf.phase, NF_WAIT_INITWAIT);
	put(f, BE "/state", "2");
	assert_int_equal(netfront_backend_changed(&nf), NF_WAIT_CONNECTED);
	netfront_finish(&nf);
	assert_int_equal(f->grants, 0);
}

static void no_rx_copy(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	put(f, BE "/feature-rx-copy", "0");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(&nf), 0);
	put(f, BE "/state", "2");
	assert_int_equal(netfront_backend_changed(&nf), NF_FAILED);
	assert_int_equal(f->grants, 0);
	assert_int_equal(f->chans, 0);
	expect_key(f, FE "/tx-ring-ref", NULL);
	expect_key(f, FE "/state", "1");
}

static void transaction_retried(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	xs_store_fail_next_commits(f->st, 3);
	put(f, BE "/state", "2");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(&nf), 0);
	assert_int_equal(nf.phase, NF_WAIT_CONNECTED);
	expect_key(f, FE "/request-rx-copy", "1");
	netfront_finish(&nf);
}

static void garbage_backend_state(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(&nf), 0);
	static const char *bad[] = { "2x", "", "-2", "99", "02" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(f, BE "/state", bad[i]);
		assert_int_equal(netfront_backend_changed(&nf), NF_WAIT_INITWAIT);
	}
	assert_int_equal(f->grants, 0);
}

static void probe_rejects(void **state)
{
	struct fake *f = *state;
	struct netfront nf;
	static const struct { const char *key, *val; } cases[] = {
		{ FE "/mac", "02:00:zz:00:00:01" },
		{ FE "/mac", "01:00:5e:00:00:01" },
		{ FE "/backend-id", "zero" },
		{ FE "/backend-id", "40000" },
		{ FE "/backend", "../../evil" },
		{ FE "/backend", "/local/domain/0/backend/vif/1/0/" },
		{ FE "/mtu", "20" },
		{ FE "/mtu", "1500x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *old = get(f, cases[i].key);

		put(f, cases[i].key, cases[i].val);
		if (netfront_probe(&nf, &f->base, 0, "xennet0") != -1)
			fail_msg("accepted %s = %s", cases[i].key, cases[i].val);
		if (old)
			put(f, cases[i].key, old);
		else
			xs_store_rm(f->st, 0, cases[i].key);
		free(old);
	}
	xs_store_rm(f->st, 0, FE "/mac");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), -1);
	put(f, FE "/mtu", "1400");
	put(f, FE "/mac", "00:16:3e:00:00:02");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(nf.mtu, 1400);
	/* above 1500 a frame would not fit one page without scatter-gather */
	put(f, FE "/mtu", "9000");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(nf.mtu, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(backend_lost_and_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(no_rx_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_backend_state, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_rejects, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
