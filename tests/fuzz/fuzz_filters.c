/* SPDX-License-Identifier: MIT */
/* fuzz_filters: the example XDP filters (build/filters/NAME.bpf.o, or
 * $XENNET_BUILD/filters), run in the kernel with BPF_PROG_TEST_RUN on every
 * frame, against the userspace reference parser (ref_filter.c) and the
 * verdict each filter's contract gives with the rules set here:
 *
 *   xennet_port_deny   TCP 80, UDP 53, TCP 256, UDP 65535 denied
 *   xennet_prefix      deny-list: 10/8, 192.168.1/24, 203.0.113.7/32,
 *                      2001:db8:1:2::/64, ::ffff:0:0/96; and, loaded a second
 *                      time, the same as an allow-list
 *   xennet_ratelimit   1e9 packets/s, the largest burst: never limits, so
 *                      its verdict is the parser's (drop what it cannot judge)
 *
 * The first frame on which the kernel and the reference disagree stops the
 * fuzzer (abort) with both verdicts and the frame in hex.  Frames past 3520
 * bytes are multi-buffer (the kernel puts the rest in page fragments).
 *
 * Input: byte 0 says how to shape the frame that follows: as it is (0),
 * with a run of zero bytes inserted (1: bytes 1-2 the offset, 3-4 the
 * length; the cheap way to reach headers past the first buffer), or padded
 * with zeros to 4000 or 9000 bytes (2, 3).  Needs root. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ref_filter.h"

#define MAX_FRAME 16384

enum { F_PORT, F_PFX_DENY, F_PFX_ALLOW, F_RL, NPROG };
static const char *const prog_names[NPROG] = {
	"xennet_port_deny", "xennet_prefix", "xennet_prefix", "xennet_ratelimit",
};
static int progs[NPROG];
static struct bpf_object *objs[NPROG];   /* held for the whole run */

struct pfx { int v6; unsigned int len; uint8_t addr[16]; };
static struct pfx pfxs[5];
static const char *const pfx_text[5][2] = {
	{ "10.0.0.0", "8" }, { "192.168.1.0", "24" }, { "203.0.113.7", "32" },
	{ "2001:db8:1:2::", "64" }, { "::ffff:0:0", "96" },
};
static const struct { uint16_t port; uint8_t proto; } denied[] = {
	{ 80, 6 }, { 53, 17 }, { 256, 6 }, { 65535, 17 },
};

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_filters: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int map_fd(struct bpf_object *o, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o, name);

	if (!m)
		die(name);
	return bpf_map__fd(m);
}

static void update(int fd, const void *k, const void *v)
{
	if (bpf_map_update_elem(fd, k, v, BPF_ANY))
		die("map update");
}

static int load(int which)
{
	const char *b = getenv("XENNET_BUILD");
	char path[512];
	struct bpf_object *o;
	uint64_t zero[2] = { 0, 0 };
	uint32_t key = 0;

	snprintf(path, sizeof(path), "%s/filters/%s.bpf.o", b && *b ? b : "build", prog_names[which]);
	o = objs[which] = bpf_object__open_file(path, NULL);
	if (!o || bpf_object__load(o))
		die(path);
	switch (which) {
	case F_PORT:
		for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
			struct { uint16_t port; uint8_t proto, pad; } k = { denied[i].port, denied[i].proto, 0 };

			update(map_fd(o, "xennet_denyport"), &k, zero);
		}
		break;
	case F_PFX_DENY:
	case F_PFX_ALLOW: {
		uint32_t mode = which == F_PFX_ALLOW;

		for (int i = 0; i < 5; i++) {
			struct { uint32_t len; uint8_t a[16]; } k = { pfxs[i].len, { 0 } };

			memcpy(k.a, pfxs[i].addr, pfxs[i].v6 ? 16 : 4);
			update(map_fd(o, pfxs[i].v6 ? "xennet_pfx_v6" : "xennet_pfx_v4"), &k, zero);
		}
		update(map_fd(o, "xennet_pfx_cfg"), &key, &mode);
		break;
	}
	case F_RL: {
		uint64_t cfg[2] = { 1000000000ULL, 18446744073ULL };

		update(map_fd(o, "xennet_rl_cfg"), &key, cfg);
		break;
	}
	}
	return bpf_program__fd(bpf_object__find_program_by_name(o, prog_names[which]));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	libbpf_set_print(quiet);
	for (int i = 0; i < 5; i++) {
		pfxs[i].v6 = strchr(pfx_text[i][0], ':') != NULL;
		pfxs[i].len = (unsigned int)atoi(pfx_text[i][1]);
		if (inet_pton(pfxs[i].v6 ? AF_INET6 : AF_INET, pfx_text[i][0], pfxs[i].addr) != 1)
			die("prefix");
	}
	for (int i = 0; i < NPROG; i++)
		progs[i] = load(i);
	return 0;
}

static int pfx_match(const struct ref_pkt *p)
{
	for (int i = 0; i < 5; i++) {
		const uint8_t *a = p->v6 ? p->saddr : p->saddr + 12;
		unsigned int bits = pfxs[i].len, full = bits / 8;

		if (pfxs[i].v6 != p->v6 || memcmp(a, pfxs[i].addr, full))
			continue;
		if (bits % 8 && (a[full] ^ pfxs[i].addr[full]) >> (8 - bits % 8))
			continue;
		return 1;
	}
	return 0;
}

/* What each filter must answer, from the reference's parse. */
static int want(int which, int r, const struct ref_pkt *p)
{
	if (r == REF_NOT_IP)
		return XDP_PASS;
	if (r == REF_BAD)
		return XDP_DROP;
	switch (which) {
	case F_PORT:
		for (size_t i = 0; p->l4proto && i < sizeof(denied) / sizeof(denied[0]); i++)
			if (denied[i].port == p->dport && denied[i].proto == p->l4proto)
				return XDP_DROP;
		return XDP_PASS;
	case F_PFX_DENY:
		return pfx_match(p) ? XDP_DROP : XDP_PASS;
	case F_PFX_ALLOW:
		return pfx_match(p) ? XDP_PASS : XDP_DROP;
	default:
		return XDP_PASS;
	}
}

static uint8_t frame[MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int mode;
	size_t n;
	struct ref_pkt p;
	int r;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	data++;
	size--;
	if (mode == 1 && size >= 4) {
		size_t at = (size_t)(data[0] << 8 | data[1]), hole = (size_t)(data[2] << 8 | data[3]);

		data += 4;
		size -= 4;
		if (size > MAX_FRAME)
			size = MAX_FRAME;
		at %= size + 1;
		if (hole > MAX_FRAME - size)
			hole = MAX_FRAME - size;
		memcpy(frame, data, at);
		memset(frame + at, 0, hole);
		memcpy(frame + at + hole, data + at, size - at);
		n = size + hole;
	} else {
		if (size > MAX_FRAME)
			size = MAX_FRAME;
		memcpy(frame, data, size);
		n = size;
		if (mode >= 2) {
			size_t to = mode == 2 ? 4000 : 9000;

			if (n < to) {
				memset(frame + n, 0, to - n);
				n = to;
			}
		}
	}
	if (n < 14)
		return 0;       /* BPF_PROG_TEST_RUN takes no frame under an Ethernet header */
	r = ref_parse(frame, n, &p);
	for (int i = 0; i < NPROG; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = (__u32)n, .repeat = 1);
		int w = want(i, r, &p);

		if (bpf_prog_test_run_opts(progs[i], &o))
			die("BPF_PROG_TEST_RUN");
		if ((int)o.retval != w) {
			fprintf(stderr, "fuzz_filters: %s%s: kernel %s, reference %s (parse %d, l4 %d dport %u), %zu bytes:\n",
				prog_names[i], i == F_PFX_ALLOW ? " (allow-list)" : "",
				o.retval == XDP_DROP ? "DROP" : o.retval == XDP_PASS ? "PASS" : "other",
				w == XDP_DROP ? "DROP" : "PASS", r, p.l4proto, p.dport, n);
			for (size_t k = 0; k < n && k < 256; k++)
				fprintf(stderr, "%02x%s", frame[k], k % 32 == 31 ? "\n" : " ");
			fprintf(stderr, "\n");
			abort();
		}
	}
	return 0;
}
