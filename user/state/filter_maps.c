/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "state/filter_maps.h"
#include "state/xdp_info.h"

/* The layouts, as the filters' header comments give them. */
struct fm_port_key { uint16_t port; uint8_t proto; uint8_t pad; };
struct fm_pfx4_key { uint32_t prefixlen; uint8_t addr[4]; };
struct fm_pfx6_key { uint32_t prefixlen; uint8_t addr[16]; };
struct fm_hits { uint64_t hits; };
struct fm_pfx_cfg { uint32_t mode; };
struct fm_rl_cfg { uint64_t rate_pps, burst; };
struct fm_rl_key { uint8_t addr[16]; };
struct fm_rl_state { uint64_t tokens, last_ns; };

struct field {
	const char *name;
	unsigned int off, size;
};

#define F(type, member) { #member, offsetof(type, member), sizeof(((type *)0)->member) }
static const struct field port_key[] = { F(struct fm_port_key, port), F(struct fm_port_key, proto),
					 F(struct fm_port_key, pad), { 0 } };
static const struct field pfx4_key[] = { F(struct fm_pfx4_key, prefixlen), F(struct fm_pfx4_key, addr), { 0 } };
static const struct field pfx6_key[] = { F(struct fm_pfx6_key, prefixlen), F(struct fm_pfx6_key, addr), { 0 } };
static const struct field hits[] = { F(struct fm_hits, hits), { 0 } };
static const struct field pfx_cfg[] = { F(struct fm_pfx_cfg, mode), { 0 } };
static const struct field rl_cfg[] = { F(struct fm_rl_cfg, rate_pps), F(struct fm_rl_cfg, burst), { 0 } };
static const struct field rl_key[] = { F(struct fm_rl_key, addr), { 0 } };
static const struct field rl_state[] = { F(struct fm_rl_state, tokens), F(struct fm_rl_state, last_ns), { 0 } };
#undef F

static const struct layout {
	const char *name;
	enum bpf_map_type type;
	unsigned int key_size, value_size;
	const struct field *key, *value;    /* key NULL: a __u32 index */
} layouts[FM_NMAPS] = {
	[FM_DENYPORT] = { "xennet_denyport", BPF_MAP_TYPE_HASH, sizeof(struct fm_port_key),
			  sizeof(struct fm_hits), port_key, hits },
	[FM_PFX_V4] = { "xennet_pfx_v4", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct fm_pfx4_key),
			sizeof(struct fm_hits), pfx4_key, hits },
	[FM_PFX_V6] = { "xennet_pfx_v6", BPF_MAP_TYPE_LPM_TRIE, sizeof(struct fm_pfx6_key),
			sizeof(struct fm_hits), pfx6_key, hits },
	[FM_PFX_CFG] = { "xennet_pfx_cfg", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct fm_pfx_cfg),
			 NULL, pfx_cfg },
	[FM_RL_CFG] = { "xennet_rl_cfg", BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(struct fm_rl_cfg),
			NULL, rl_cfg },
	[FM_RL_SRC] = { "xennet_rl_src", BPF_MAP_TYPE_LRU_HASH, sizeof(struct fm_rl_key),
			sizeof(struct fm_rl_state), rl_key, rl_state },
};

const char *fm_name(enum fm_map m)
{
	return m < FM_NMAPS ? layouts[m].name : "?";
}

static int differ(char *why, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int differ(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* The struct type id names (through typedefs and qualifiers) has exactly
 * the fields want. */
static int check_struct(const struct btf *btf, uint32_t id, const struct field *want, const char *what,
			char *why, size_t len)
{
	const struct btf_type *t;
	const struct btf_member *m;
	int n = 0, vlen;

	id = (uint32_t)btf__resolve_type(btf, id);
	t = btf__type_by_id(btf, id);
	if (!t || !btf_is_struct(t))
		return differ(why, len, "its %s is not a struct", what);
	while (want[n].name)
		n++;
	vlen = btf_vlen(t);
	if (vlen != n)
		return differ(why, len, "its %s has %d fields, not %d", what, vlen, n);
	m = btf_members(t);
	for (int i = 0; i < vlen; i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		long long size = btf__resolve_size(btf, m->type);
		uint32_t off = btf_member_bit_offset(t, (uint32_t)i);

		if (!name || strcmp(name, want[i].name) || off != want[i].off * 8 || size != want[i].size)
			return differ(why, len, "its %s field %d is %s (offset %u, %lld bytes), not %s "
				      "(offset %u, %u bytes)", what, i, name ? name : "?", off / 8, size,
				      want[i].name, want[i].off, want[i].size);
	}
	return 0;
}

int fm_check(int fd, enum fm_map m, char *why, size_t whylen)
{
	const struct layout *l = &layouts[m];
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	struct btf *btf;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
		return -errno;
	if (info.type != l->type || info.key_size != l->key_size || info.value_size != l->value_size)
		return differ(why, whylen, "it is of type %u with %u-byte keys and %u-byte values, not "
			      "type %u, %u and %u", info.type, info.key_size, info.value_size, l->type,
			      l->key_size, l->value_size);
	if (!info.btf_id || !info.btf_value_type_id)
		return 0;   /* no BTF to say more: the sizes agree */
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		return -errno;
	if (l->key && info.btf_key_type_id)
		err = check_struct(btf, info.btf_key_type_id, l->key, "key", why, whylen);
	if (!err)
		err = check_struct(btf, info.btf_value_type_id, l->value, "value", why, whylen);
	btf__free(btf);
	return err;
}

struct find_op {
	const char *prog, *map;
	char *prog_out, *pin_out;
	size_t prog_len, pin_len;
	int n;
};

static void find_in(const char *prog, const char *dir, void *arg)
{
	struct find_op *op = arg;
	char pin[512];
	struct stat st;

	if (op->prog && strcmp(op->prog, prog))
		return;
	snprintf(pin, sizeof(pin), "%s/%s", dir, op->map);
	if (stat(pin, &st) < 0)
		return;
	if (op->n++ == 0) {
		snprintf(op->prog_out, op->prog_len, "%s", prog);
		snprintf(op->pin_out, op->pin_len, "%s", pin);
	}
}

int fm_find(const char *ifname, const char *prog, enum fm_map m, char *prog_out, size_t prog_len,
	    char *pin_out, size_t pin_len)
{
	struct find_op op = { prog, layouts[m].name, prog_out, pin_out, prog_len, pin_len, 0 };

	xdp_info_for_each_filter(ifname, find_in, &op);
	return op.n;
}

int fm_open(const char *pin, enum fm_map m, char *why, size_t whylen)
{
	int fd = bpf_obj_get(pin), err;

	if (fd < 0)
		return -errno;
	err = fm_check(fd, m, why, whylen);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* update with BPF_NOEXIST / delete, as -errno */
static int add_key(int fd, const void *key)
{
	struct fm_hits zero = { 0 };

	return bpf_map_update_elem(fd, key, &zero, BPF_NOEXIST) < 0 ? -errno : 0;
}

static int del_key(int fd, const void *key)
{
	return bpf_map_delete_elem(fd, key) < 0 ? -errno : 0;
}

int fm_port_add(int fd, uint16_t port, uint8_t proto)
{
	struct fm_port_key k = { port, proto, 0 };

	return add_key(fd, &k);
}

int fm_port_del(int fd, uint16_t port, uint8_t proto)
{
	struct fm_port_key k = { port, proto, 0 };

	return del_key(fd, &k);
}

/* Call fn for every key of a map (with its value, value_size bytes);
 * how many keys, or -errno.  A key deleted meanwhile is skipped. */
static int walk(int fd, size_t key_size, size_t value_size, void (*fn)(const void *key, const void *value, void *arg),
		void *arg)
{
	uint8_t key[64], next[64], value[64];
	const void *prev = NULL;
	int n = 0;

	if (key_size > sizeof(key) || value_size > sizeof(value))
		return -EINVAL;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, value) < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		fn(key, value, arg);
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

struct port_list {
	struct fm_port_rule *out;
	int max, n;
};

static void port_one(const void *key, const void *value, void *arg)
{
	const struct fm_port_key *k = key;
	struct port_list *l = arg;

	if (l->n < l->max)
		l->out[l->n] = (struct fm_port_rule){ k->port, k->proto, ((const struct fm_hits *)value)->hits };
	l->n++;
}

static int port_cmp(const void *a, const void *b)
{
	const struct fm_port_rule *x = a, *y = b;

	return x->port != y->port ? (x->port > y->port) - (x->port < y->port) : x->proto - y->proto;
}

int fm_port_list(int fd, struct fm_port_rule *out, int max)
{
	struct port_list l = { out, max, 0 };
	int err = walk(fd, sizeof(struct fm_port_key), sizeof(struct fm_hits), port_one, &l);

	if (err < 0)
		return err;
	if (out && max > 0)
		qsort(out, (size_t)(l.n < max ? l.n : max), sizeof(*out), port_cmp);
	return l.n;
}

/* The trie key of a prefix: {prefixlen, address bytes}. */
static size_t pfx_key(const struct prefix_spec *p, uint8_t key[20])
{
	uint32_t len = p->len;
	size_t alen = p->family == AF_INET ? 4 : 16;

	memcpy(key, &len, 4);
	memcpy(key + 4, p->addr, alen);
	return 4 + alen;
}

int fm_prefix_add(int fd, const struct prefix_spec *p)
{
	uint8_t key[20];

	pfx_key(p, key);
	return add_key(fd, key);
}

int fm_prefix_del(int fd, const struct prefix_spec *p)
{
	uint8_t key[20];

	pfx_key(p, key);
	return del_key(fd, key);
}

struct pfx_list {
	int family;
	struct fm_prefix_rule *out;
	int max, n;
};

static void pfx_one(const void *key, const void *value, void *arg)
{
	struct pfx_list *l = arg;
	const uint8_t *k = key;
	struct fm_prefix_rule r = { .p.family = l->family, .hits = ((const struct fm_hits *)value)->hits };
	uint32_t len;

	memcpy(&len, k, 4);
	r.p.len = len;
	memcpy(r.p.addr, k + 4, l->family == AF_INET ? 4 : 16);
	if (l->n < l->max)
		l->out[l->n] = r;
	l->n++;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct fm_prefix_rule *x = a, *y = b;
	int c = memcmp(x->p.addr, y->p.addr, sizeof(x->p.addr));

	return c ? c : (x->p.len > y->p.len) - (x->p.len < y->p.len);
}

int fm_prefix_list(int fd, int family, struct fm_prefix_rule *out, int max)
{
	struct pfx_list l = { family, out, max, 0 };
	int err = walk(fd, family == AF_INET ? sizeof(struct fm_pfx4_key) : sizeof(struct fm_pfx6_key),
		       sizeof(struct fm_hits), pfx_one, &l);

	if (err < 0)
		return err;
	if (out && max > 0)
		qsort(out, (size_t)(l.n < max ? l.n : max), sizeof(*out), pfx_cmp);
	return l.n;
}

int fm_prefix_get_mode(int fd, uint32_t *mode)
{
	struct fm_pfx_cfg c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &c) < 0)
		return -errno;
	*mode = c.mode == FM_PFX_ALLOW ? FM_PFX_ALLOW : FM_PFX_DENY;
	return 0;
}

int fm_prefix_set_mode(int fd, uint32_t mode)
{
	struct fm_pfx_cfg c = { mode };
	uint32_t zero = 0;

	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) < 0 ? -errno : 0;
}

int fm_rl_get(int fd, uint64_t *rate_pps, uint64_t *burst)
{
	struct fm_rl_cfg c;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &c) < 0)
		return -errno;
	*rate_pps = c.rate_pps;
	*burst = c.burst;
	return 0;
}

int fm_rl_set(int fd, uint64_t rate_pps, uint64_t burst)
{
	struct fm_rl_cfg c = { rate_pps, burst };
	uint32_t zero = 0;

	return bpf_map_update_elem(fd, &zero, &c, BPF_ANY) < 0 ? -errno : 0;
}

static void count_one(const void *key, const void *value, void *arg)
{
	(void)key;
	(void)value;
	(void)arg;
}

int fm_rl_sources(int src_fd)
{
	return walk(src_fd, sizeof(struct fm_rl_key), sizeof(struct fm_rl_state), count_one, NULL);
}
