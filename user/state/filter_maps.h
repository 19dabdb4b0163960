/* SPDX-License-Identifier: MIT */
/*
 * The maps of the example filters (in bpf/filters/, whose header
 * comments document them) as `filter rule` reads and edits them: their
 * layouts, checked against each pinned map's type, sizes and BTF before it
 * is touched, and typed operations on them.  The layouts are mirrored here
 * (the filters are C for clang -target bpf); a unit test loads the built
 * objects and checks every map against this table.
 */
#ifndef XENNET_FILTER_MAPS_H
#define XENNET_FILTER_MAPS_H
#include <stddef.h>
#include <stdint.h>
#include "common/rulespec.h"

enum fm_map {
	FM_DENYPORT,    /* xennet_port_deny: HASH {port, proto, pad} -> {hits} */
	FM_PFX_V4,      /* xennet_prefix: LPM_TRIE {prefixlen, addr[4]} -> {hits} */
	FM_PFX_V6,      /*                LPM_TRIE {prefixlen, addr[16]} -> {hits} */
	FM_PFX_CFG,     /*                ARRAY[1] -> {mode} */
	FM_RL_CFG,      /* xennet_ratelimit: ARRAY[1] -> {rate_pps, burst} */
	FM_RL_SRC,      /*                   LRU_HASH {addr[16]} -> {tokens, last_ns} */
	FM_NMAPS
};

#define FM_PFX_DENY  0  /* xennet_pfx_cfg.mode: a deny-list */
#define FM_PFX_ALLOW 1  /*                      an allow-list */

/* The map's name ("xennet_denyport"), as it is pinned. */
const char *fm_name(enum fm_map m);

/* Is fd the map m, as xennet-xdp knows it (type, key and value sizes, and
 * with BTF every field's name, offset and size)?  0, or -EPROTO with the
 * difference in why. */
int fm_check(int fd, enum fm_map m, char *why, size_t whylen);

/* The filters attached to ifname (their pin directories) that have map m
 * pinned; prog (NULL: any) narrows them to one program.  Writes the first
 * one's program name and pin path; returns how many, or -errno. */
int fm_find(const char *ifname, const char *prog, enum fm_map m, char *prog_out, size_t prog_len,
	    char *pin_out, size_t pin_len);
/* bpf_obj_get(pin), checked with fm_check: fd, or -errno (-EPROTO: why). */
int fm_open(const char *pin, enum fm_map m, char *why, size_t whylen);

/* xennet_denyport.  add: -EEXIST if there; del: -ENOENT if not. */
struct fm_port_rule {
	uint16_t port;
	uint8_t proto;
	uint64_t hits;
};
int fm_port_add(int fd, uint16_t port, uint8_t proto);
int fm_port_del(int fd, uint16_t port, uint8_t proto);
/* Every rule, sorted by port then protocol, at most max; how many there
 * are (may be > max), or -errno. */
int fm_port_list(int fd, struct fm_port_rule *out, int max);

/* xennet_pfx_v4 / xennet_pfx_v6 (fd of p->family's trie). */
struct fm_prefix_rule {
	struct prefix_spec p;
	uint64_t hits;
};
int fm_prefix_add(int fd, const struct prefix_spec *p);
int fm_prefix_del(int fd, const struct prefix_spec *p);
/* The rules of one trie, sorted by address then length; as fm_port_list. */
int fm_prefix_list(int fd, int family, struct fm_prefix_rule *out, int max);
/* xennet_pfx_cfg: FM_PFX_DENY or FM_PFX_ALLOW (other values read as deny,
 * as the filter takes them). */
int fm_prefix_get_mode(int fd, uint32_t *mode);
int fm_prefix_set_mode(int fd, uint32_t mode);

/* xennet_rl_cfg (rate 0: no limit) and the number of tracked sources. */
int fm_rl_get(int fd, uint64_t *rate_pps, uint64_t *burst);
int fm_rl_set(int fd, uint64_t rate_pps, uint64_t burst);
int fm_rl_sources(int src_fd);

#endif
