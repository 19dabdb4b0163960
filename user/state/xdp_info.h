/* SPDX-License-Identifier: MIT */
/* Read-side views of what XDP runs where, and of the pinned maps, for the
 * status, stats and filter commands. */
#ifndef XENNET_XDP_INFO_H
#define XENNET_XDP_INFO_H
#include <stdbool.h>
#include <stdint.h>

#define XDP_INFO_MAX 16

struct xdp_prog_info {
	char name[64];
	uint32_t id;
	int prio;                /* libxdp run priority */
	char mode[8];            /* native, skb, hw */
	char chain[96];          /* chain-call actions, e.g. "XDP_PASS" */
	bool dispatcher;         /* runs under libxdp's dispatcher */
};

/* The programs attached to ifname (in netns, NULL: here), in run order.
 * Returns how many (0: none), or -errno (-ENODEV: no such interface). */
int xdp_info_list(const char *ifname, const char *netns, struct xdp_prog_info *out, int max);

/* Sum over CPUs of a pinned per-CPU array's entry 0, as nfields u64s.
 * -errno if the pin is missing or not shaped like that. */
int xdp_info_percpu_sum(const char *pin, uint64_t *out, unsigned int nfields);

/* The pin directories: /sys/fs/bpf/xennet/<ifname>, and a filter's below it. */
void xdp_info_pin_dir(char *buf, unsigned long size, const char *ifname);
void xdp_info_filter_dir(char *buf, unsigned long size, const char *ifname, const char *prog);
/* fn(prog, dir, arg) for each filter's pin directory below ifname's. */
void xdp_info_for_each_filter(const char *ifname, void (*fn)(const char *prog, const char *dir, void *arg),
			      void *arg);
/* Remove a pin directory and everything below it; how many entries went. */
int xdp_info_rm_pins(const char *dir);

/* Read-side commands say one line on failure: libbpf and libxdp, quiet. */
void xdp_info_quiet_libs(void);
/* libbpf's and libxdp's messages: with verbose, every one through
 * common/log at its level (debug lines only under -v's LOG_DEBUG);
 * otherwise none, but the verifier's log of a program the kernel rejects
 * is kept for xdp_info_verifier_log(). */
void xdp_info_libs_log(bool verbose);
/* Say the verifier's log of program prog kept since the last call
 * (log_err, "WHO: line"), as xdp-loader shows it when a load fails; how
 * many lines.  prog NULL: forget it, saying nothing. */
int xdp_info_verifier_log(const char *who, const char *prog);

#endif
