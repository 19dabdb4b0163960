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
	int domid;             /* relative paths are under /local/domain/<domid> */
	int grants;            /* pages shared now */
	int chans;             /* channels open now */
	int closes;            /* channels closed (unbound) */
	int abandoned;         /* handles set aside after a restore */
	int notifies;
};

static struct fake *F(struct plat *p) { return (struct fake *)p; }
static int fake_domid = 1;

static void abs_path(char *buf, size_t n, const char *path)
{
	if (path[0] == '/')
		snprintf(buf, n, "%s", path);
	else
		snprintf(buf, n, "/local/domain/%d/%s", fake_domid, path);
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

static bool f_rm(struct plat *p, xs_transaction_t t, const char *path)
{
	char a[256];
	int err;

	abs_path(a, sizeof(a), path);
	err = xs_store_rm(F(p)->st, t, a);
	errno = err;
	return !err;
}

static char **f_dir(struct plat *p, xs_transaction_t t, const char *path, unsigned int *num)
{
	char a[256], **v = NULL;
	int err;

	abs_path(a, sizeof(a), path);
	err = xs_store_directory(F(p)->st, t, a, &v, num);
	errno = err;
	return err ? NULL : v;
}

static bool f_watch(struct plat *p, const char *path, const char *token)
{
	(void)p; (void)path; (void)token;
	return true;
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

static int f_alloc(struct plat *p, unsigned int g, uint16_t remote) { (void)g; (void)remote; F(p)->chans++; return 7; }
static int f_notify(struct plat *p, uint32_t port) { (void)port; F(p)->notifies++; return 0; }
static int f_close(struct plat *p, uint32_t port) { (void)port; F(p)->chans--; F(p)->closes++; return 0; }
/* after a restore the old channels are dead: set aside, never closed */
static int f_abandon(struct plat *p) { F(p)->abandoned++; F(p)->chans = 0; return 0; }

static const struct plat_ops fake_ops = {
	.name = "fake",
	.xs_read = f_read, .xs_write = f_write, .xs_rm = f_rm, .xs_directory = f_dir,
	.xs_watch = f_watch, .xs_unwatch = f_watch,
	.xs_transaction_start = f_tstart, .xs_transaction_end = f_tend,
	.gnt_share = f_share, .gnt_unshare = f_unshare,
	.evt_alloc_unbound = f_alloc, .evt_notify = f_notify, .evt_close = f_close,
	.evt_abandon = f_abandon,
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
	fake_domid = 1;
	put(f, "/local/domain/1/domid", "1");
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
	assert_int_equal(netfront_event(&nf, 0), NF_WAIT_CONNECTED);
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
	assert_int_equal(nf.q[0].rx.req_prod_pvt, NET_RX_RING_SIZE);
	assert_int_equal(nf.q[0].rx_sring->req_prod, NET_RX_RING_SIZE);

	put(f, BE "/state", "4");
	assert_int_equal(netfront_event(&nf, 0), NF_CONNECTED);

	/* orderly close: Closing, wait for the backend, then Closed */
	netfront_close(&nf);
	assert_int_equal(nf.phase, NF_CLOSING);
	expect_key(f, FE "/state", "5");
	put(f, BE "/state", "5");
	assert_int_equal(netfront_event(&nf, 0), NF_CLOSED);
	netfront_finish(&nf);
	expect_key(f, FE "/state", "6");
	assert_int_equal(f->grants, 0);
	assert_int_equal(f->chans, 0);
}

static void connect_now(struct fake *f, struct netfront *nf)
{
	put(f, BE "/state", "2");
	assert_int_equal(netfront_probe(nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(nf), 0);
	assert_int_equal(nf->phase, NF_WAIT_CONNECTED);    /* InitWait already */
	put(f, BE "/state", "4");
	assert_int_equal(netfront_event(nf, 0), NF_CONNECTED);
}

/* The backend leaves Connected: let go at once (Closed, like the kernel's
 * netfront), wait for the backend to reach Closed, only then Initialising
 * again (netback ignores Initialising while still Closing), and connect. */
static void backend_lost_and_reconnect(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	connect_now(f, &nf);
	assert_int_equal(nf.reconnects, 0);
	put(f, BE "/state", "5");
	assert_int_equal(netfront_event(&nf, 1000), NF_WAIT_CLOSED);
	assert_int_equal(f->grants, 0);
	assert_int_equal(f->chans, 0);
	expect_key(f, FE "/state", "6");
	/* still Closing: no Initialising yet */
	assert_int_equal(netfront_event(&nf, 2000), NF_WAIT_CLOSED);
	expect_key(f, FE "/state", "6");
	put(f, BE "/state", "6");
	assert_int_equal(netfront_event(&nf, 3000), NF_WAIT_INITWAIT);
	expect_key(f, FE "/state", "1");
	/* the backend may stay away: no deadline now */
	assert_int_equal(netfront_event(&nf, 1000000), NF_WAIT_INITWAIT);
	put(f, BE "/state", "2");
	assert_int_equal(netfront_event(&nf, 1000001), NF_WAIT_CONNECTED);
	assert_int_equal(f->grants, 2 + 512);
	put(f, BE "/state", "4");
	assert_int_equal(netfront_event(&nf, 1000002), NF_CONNECTED);
	assert_int_equal(nf.reconnects, 1);
	netfront_finish(&nf);
	assert_int_equal(f->grants, 0);
}

/* A backend stuck in Closing gets NF_WAIT_CLOSED_MS, then we go on. */
static void backend_stuck_closing(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	connect_now(f, &nf);
	put(f, BE "/state", "5");
	assert_int_equal(netfront_event(&nf, 5000), NF_WAIT_CLOSED);
	assert_int_equal(netfront_event(&nf, 5000 + NF_WAIT_CLOSED_MS - 1), NF_WAIT_CLOSED);
	assert_int_equal(netfront_event(&nf, 5000 + NF_WAIT_CLOSED_MS), NF_WAIT_INITWAIT);
	expect_key(f, FE "/state", "1");
	netfront_finish(&nf);
}

/* What the kernel's netfront leaves behind when it is unbound (as seen in
 * the real tier) must not reach the backend: removed in the connect
 * transaction; and nothing of ours stays after we close. */
static void stale_keys_removed(void **state)
{
	struct fake *f = *state;
	struct netfront nf;
	char stale[256];

	put(f, FE "/multi-queue-num-queues", "2");
	put(f, FE "/queue-0/tx-ring-ref", "8");
	put(f, FE "/queue-0/event-channel-tx", "15");
	put(f, FE "/queue-1/rx-ring-ref", "9");
	put(f, FE "/feature-sg", "1");
	put(f, FE "/feature-gso-tcpv4", "1");
	put(f, FE "/feature-gso-tcpv6", "1");
	put(f, FE "/feature-ipv6-csum-offload", "1");
	put(f, FE "/xdp-headroom", "0");
	put(f, FE "/event-channel-tx", "3");
	put(f, FE "/state", "6");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	netfront_stale_keys(&nf, stale, sizeof(stale));
	assert_non_null(strstr(stale, "queue-0"));
	assert_non_null(strstr(stale, "feature-sg"));
	assert_null(strstr(stale, "mac"));
	connect_now(f, &nf);
	static const char *const gone[] = {
		FE "/multi-queue-num-queues", FE "/queue-0/tx-ring-ref", FE "/queue-0", FE "/queue-1",
		FE "/feature-sg", FE "/feature-gso-tcpv4", FE "/feature-gso-tcpv6",
		FE "/feature-ipv6-csum-offload", FE "/xdp-headroom", FE "/event-channel-tx",
	};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
		expect_key(f, gone[i], NULL);
	expect_key(f, FE "/event-channel", "7");
	expect_key(f, FE "/feature-no-csum-offload", "1");
	netfront_close(&nf);
	put(f, BE "/state", "6");
	netfront_event(&nf, 0);
	netfront_finish(&nf);
	expect_key(f, FE "/state", "6");
	expect_key(f, FE "/feature-no-csum-offload", NULL);
	expect_key(f, FE "/tx-ring-ref", NULL);
	expect_key(f, FE "/event-channel", NULL);
	expect_key(f, FE "/request-rx-copy", NULL);
	expect_key(f, FE "/mac", "00:16:3e:00:00:01");     /* the toolstack's stay */
	expect_key(f, FE "/backend", BE);
}

#define FE2 "/local/domain/2/device/vif/0"
#define BE2 "/local/domain/0/backend/vif/2/0"

/* xl save + xl restore: a new domain id, a new backend directory, the old
 * channels dead (abandoned, never closed) and the grants revoked; the
 * frontend follows and connects to the new backend. */
static void restore_followed(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	connect_now(f, &nf);
	assert_int_equal(f->chans, 1);
	/* what the toolstack writes for the restored domain */
	put(f, "/local/domain/2/domid", "2");
	put(f, FE2 "/backend", BE2);
	put(f, FE2 "/backend-id", "0");
	put(f, FE2 "/mac", "00:16:3e:00:00:01");
	put(f, FE2 "/state", "1");
	put(f, BE2 "/state", "2");
	put(f, BE2 "/feature-rx-copy", "1");
	xs_store_rm(f->st, 0, "/local/domain/1");
	xs_store_rm(f->st, 0, BE);
	fake_domid = 2;
	assert_int_equal(netfront_event(&nf, 100), NF_WAIT_CONNECTED);
	assert_int_equal(f->abandoned, 1);
	assert_int_equal(f->closes, 0);          /* never unbind a pre-restore port */
	assert_int_equal(f->grants, 2 + 512);    /* the old revoked, the new shared */
	assert_int_equal(nf.restores, 1);
	assert_int_equal(nf.domid, 2);
	assert_string_equal(nf.be_dir, BE2);
	expect_key(f, FE2 "/state", "4");
	expect_key(f, FE2 "/event-channel", "7");
	put(f, BE2 "/state", "4");
	assert_int_equal(netfront_event(&nf, 200), NF_CONNECTED);
	assert_int_equal(nf.reconnects, 1);
	netfront_finish(&nf);
	assert_int_equal(f->grants, 0);
	assert_int_equal(f->closes, 1);          /* the new channel is closed normally */
}

/* The toolstack resets our device to Initialising under us (same domain,
 * same backend): treated as a move too. */
static void toolstack_reset_followed(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	connect_now(f, &nf);
	put(f, FE "/state", "1");
	put(f, BE "/state", "2");
	assert_int_equal(netfront_event(&nf, 100), NF_WAIT_CONNECTED);
	assert_int_equal(f->abandoned, 1);
	assert_int_equal(f->closes, 0);
	assert_int_equal(nf.restores, 1);
	netfront_finish(&nf);
}

/* A checkpoint (xl save -c) changes nothing: nothing to follow. */
static void nothing_moved(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	connect_now(f, &nf);
	for (int i = 0; i < 5; i++)
		assert_int_equal(netfront_event(&nf, 100 + i), NF_CONNECTED);
	assert_int_equal(f->abandoned, 0);
	assert_int_equal(nf.restores, 0);
	netfront_finish(&nf);
}

static void no_rx_copy(void **state)
{
	struct fake *f = *state;
	struct netfront nf;

	put(f, BE "/feature-rx-copy", "0");
	assert_int_equal(netfront_probe(&nf, &f->base, 0, "xennet0"), 0);
	assert_int_equal(netfront_start(&nf), 0);
	put(f, BE "/state", "2");
	assert_int_equal(netfront_event(&nf, 0), NF_FAILED);
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
		assert_int_equal(netfront_event(&nf, 0), NF_WAIT_INITWAIT);
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
		cmocka_unit_test_setup_teardown(backend_stuck_closing, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_keys_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(restore_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(toolstack_reset_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(nothing_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(no_rx_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_backend_state, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_rejects, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
