/* SPDX-License-Identifier: MIT */
/* The simulator's grant table over memfds a client hands it: it must map
 * only what the memfds hold, and only memfds sealed against shrinking, or
 * a client that says "16 pages" over one page (or truncates its memfd
 * later) makes the simulator's next access a SIGBUS. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "simback/gnttab_back.h"
#include "simproto.h"

#define PAGE 4096u
#define GT_BYTES (XSIM_GNTTAB_ENTRIES * sizeof(grant_entry_v1_t))

/* A memfd of size bytes with the given seals (0: none, and sealing left open). */
static int mfd(size_t size, int seals)
{
	int fd = memfd_create("test-gnttab", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seals)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	return fd;
}

static int attach(size_t gt_bytes, int gt_seals, size_t pool_bytes, int pool_seals, uint32_t npages,
		  struct gnttab_back *g)
{
	memset(g, 0, sizeof(*g));
	return gnttab_back_attach(g, mfd(gt_bytes, gt_seals), mfd(pool_bytes, pool_seals), npages, 0);
}

#define SEALED (F_SEAL_SHRINK | F_SEAL_SEAL)

static void sizes_checked(void **state)
{
	struct gnttab_back g;

	(void)state;
	/* the pool: 16 pages claimed over one */
	assert_int_equal(attach(GT_BYTES, SEALED, PAGE, SEALED, 16, &g), -EINVAL);
	assert_null(g.pool);
	/* the table: smaller than its 4096 entries */
	assert_int_equal(attach(PAGE, SEALED, 16 * PAGE, SEALED, 16, &g), -EINVAL);
	/* no pages, or more than the simulator maps */
	assert_int_equal(attach(GT_BYTES, SEALED, PAGE, SEALED, 0, &g), -EINVAL);
	assert_int_equal(attach(GT_BYTES, SEALED, PAGE, SEALED, (1u << 20) + 1, &g), -EINVAL);
	/* right sizes, sealed: taken, and every page reachable */
	assert_int_equal(attach(GT_BYTES, SEALED, 16 * PAGE, SEALED, 16, &g), 0);
	assert_non_null(g.pool);
	g.gt[8].frame = 15;
	g.gt[8].domid = 0;
	__atomic_store_n(&g.gt[8].flags, GTF_permit_access, __ATOMIC_RELEASE);
	assert_int_equal(gnttab_back_copy_to(&g, 8, PAGE - 4, "abcd", 4), 0);
	assert_memory_equal(g.pool + 16 * PAGE - 4, "abcd", 4);
	gnttab_back_detach(&g);
	/* a bigger memfd than claimed is fine */
	assert_int_equal(attach(GT_BYTES + PAGE, SEALED, 32 * PAGE, SEALED, 16, &g), 0);
	gnttab_back_detach(&g);
}

static void seals_checked(void **state)
{
	struct gnttab_back g;
	int pipefd[2];

	(void)state;
	/* not sealed against shrinking: the client could truncate it under us */
	assert_int_equal(attach(GT_BYTES, SEALED, 16 * PAGE, 0, 16, &g), -EPERM);
	assert_int_equal(attach(GT_BYTES, 0, 16 * PAGE, SEALED, 16, &g), -EPERM);
	assert_int_equal(attach(GT_BYTES, F_SEAL_GROW, 16 * PAGE, SEALED, 16, &g), -EPERM);
	/* F_SEAL_SHRINK alone is enough */
	assert_int_equal(attach(GT_BYTES, F_SEAL_SHRINK, 16 * PAGE, F_SEAL_SHRINK, 16, &g), 0);
	gnttab_back_detach(&g);
	/* not a memfd at all */
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	close(pipefd[1]);
	memset(&g, 0, sizeof(g));
	assert_true(gnttab_back_attach(&g, mfd(GT_BYTES, SEALED), pipefd[0], 16, 0) < 0);
	assert_null(g.gt);
}

/* What sealing buys: once attached, the client cannot shrink the pool. */
static void shrink_refused(void **state)
{
	struct gnttab_back g;
	int pool = mfd(16 * PAGE, F_SEAL_SHRINK), gt = mfd(GT_BYTES, F_SEAL_SHRINK), keep = dup(pool);

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(gnttab_back_attach(&g, gt, pool, 16, 0), 0);
	assert_int_equal(ftruncate(keep, PAGE), -1);
	assert_int_equal(errno, EPERM);
	close(keep);
	gnttab_back_detach(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes_checked),
		cmocka_unit_test(seals_checked),
		cmocka_unit_test(shrink_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
