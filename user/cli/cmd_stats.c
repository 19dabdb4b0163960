/* SPDX-License-Identifier: MIT */
/* xennet-xdp stats [IFNAME] [--interval S [--count N]] [--json]: the
 * counters of running instances, read from their stats files (the datapath
 * is not disturbed), the built-in XDP program's per-CPU counters and the
 * filters' own, from their pinned maps; with --interval, rates per second
 * over each interval as well. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "state/runfile.h"
#include "state/xdp_info.h"
#include "xennet_bpf.h"

static const struct {
	const char *name;
	size_t off;
} fields[] = {
#define X(f) { #f, offsetof(struct xennet_queue_stats, f) },
	XENNET_QUEUE_STATS_FIELDS(X)
#undef X
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
#define MAX_INST 32
#define MAX_FILT 8

/* One look at one instance. */
struct snap {
	char ifname[16];
	long pid;
	double wall;                     /* when: CLOCK_REALTIME, s since the epoch */
	uint64_t q[NFIELDS];             /* every queue's sum */
	unsigned int nq;                 /* queues shown one by one */
	uint64_t per[XENNET_STATS_QUEUES][NFIELDS];
	bool xdp_ok;
	uint64_t xdp[4];                 /* struct xennet_xdp_stats */
	int nfilt;
	struct {
		char prog[64], map[64];
		uint64_t v[3];           /* packets, passed, dropped */
	} filt[MAX_FILT];
};

/* The filters' counter maps: per-CPU arrays of {packets, passed, dropped}
 * pinned below the interface's directory. */
static void read_filter(const char *prog, const char *dir, void *arg)
{
	struct snap *s = arg;
	DIR *d = opendir(dir);
	struct dirent *e;
	char pin[700];

	while (d && (e = readdir(d)) && s->nfilt < MAX_FILT) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(pin, sizeof(pin), "%s/%s", dir, e->d_name);
		if (xdp_info_percpu_sum(pin, s->filt[s->nfilt].v, 3) == 0) {
			snprintf(s->filt[s->nfilt].prog, sizeof(s->filt[0].prog), "%.63s", prog);
			snprintf(s->filt[s->nfilt].map, sizeof(s->filt[0].map), "%.63s", e->d_name);
			s->nfilt++;
		}
	}
	if (d)
		closedir(d);
}

static int take(const char *ifname, struct snap *s)
{
	struct xennet_stats_file *f = runfile_map_stats(ifname, 0);
	char pin[200];

	memset(s, 0, sizeof(*s));
	pid_t live = runfile_live_pid(ifname);

	if (!f || !live || f->pid != (uint64_t)live) {
		runfile_unmap_stats(f);
		return -1;
	}
	snprintf(s->ifname, sizeof(s->ifname), "%.15s", ifname);
	s->pid = (long)f->pid;
	/* each queue, and the instance's total (queues never used are zero);
	 * shown one by one: those connected now, and any that counted before
	 * (a reconnect to fewer queues) */
	s->nq = __atomic_load_n(&f->nqueues, __ATOMIC_RELAXED);
	if (s->nq > XENNET_STATS_QUEUES)
		s->nq = XENNET_STATS_QUEUES;
	for (unsigned int k = 0; k < XENNET_STATS_QUEUES; k++)
		for (size_t i = 0; i < NFIELDS; i++) {
			s->per[k][i] = __atomic_load_n((const uint64_t *)((const char *)&f->q[k] + fields[i].off),
						       __ATOMIC_RELAXED);
			s->q[i] += s->per[k][i];
			if (s->per[k][i] && k >= s->nq)
				s->nq = k + 1;
		}
	runfile_unmap_stats(f);
	xdp_info_pin_dir(pin, sizeof(pin), ifname);
	strncat(pin, "/xennet_stats", sizeof(pin) - strlen(pin) - 1);
	s->xdp_ok = xdp_info_percpu_sum(pin, s->xdp, 4) == 0;
	xdp_info_for_each_filter(ifname, read_filter, s);
	return 0;
}

static uint64_t qf(const struct snap *s, const char *name)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return s->q[i];
	return 0;
}

static double rate(uint64_t now, uint64_t before, double secs)
{
	return now >= before && secs > 0 ? (double)(now - before) / secs : 0;
}

static const char *const rate_names[] = { "rx_pps", "rx_bps", "tx_pps", "tx_bps", "rx_drops_ps",
					   "tx_drops_ps", "invalid_ps" };

static void rates(const struct snap *s, const struct snap *p, double secs, double r[7])
{
	r[0] = rate(qf(s, "rx_packets"), qf(p, "rx_packets"), secs);
	r[1] = 8 * rate(qf(s, "rx_bytes"), qf(p, "rx_bytes"), secs);
	r[2] = rate(qf(s, "tx_packets"), qf(p, "tx_packets"), secs);
	r[3] = 8 * rate(qf(s, "tx_bytes"), qf(p, "tx_bytes"), secs);
	r[4] = rate(qf(s, "rx_dropped") + qf(s, "xsk_tx_invalid"),
		    qf(p, "rx_dropped") + qf(p, "xsk_tx_invalid"), secs);
	r[5] = rate(qf(s, "tx_dropped") + qf(s, "xsk_rx_dropped") + qf(s, "xsk_rx_ring_full"),
		    qf(p, "tx_dropped") + qf(p, "xsk_rx_dropped") + qf(p, "xsk_rx_ring_full"), secs);
	r[6] = rate(qf(s, "rx_invalid") + qf(s, "tx_invalid"), qf(p, "rx_invalid") + qf(p, "tx_invalid"),
		    secs);
}

static const char *const xdp_names[] = { "packets", "bytes", "redirected", "dropped" };
static const char *const filt_names[] = { "packets", "passed", "dropped" };

static json_object *to_json(const struct snap *s, const struct snap *prev, double secs)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object();

	json_object_object_add(o, "ifname", json_object_new_string(s->ifname));
	json_object_object_add(o, "pid", json_object_new_int64(s->pid));
	json_object_object_add(o, "timestamp", json_object_new_double(s->wall));
	for (size_t i = 0; i < NFIELDS; i++)
		json_object_object_add(c, fields[i].name, json_object_new_uint64(s->q[i]));
	json_object_object_add(o, "counters", c);
	json_object *qa = json_object_new_array();

	for (unsigned int k = 0; k < s->nq; k++) {
		json_object *qo = json_object_new_object(), *qc = json_object_new_object();

		json_object_object_add(qo, "queue", json_object_new_int((int)k));
		for (size_t i = 0; i < NFIELDS; i++)
			json_object_object_add(qc, fields[i].name, json_object_new_uint64(s->per[k][i]));
		json_object_object_add(qo, "counters", qc);
		json_object_array_add(qa, qo);
	}
	json_object_object_add(o, "queues", qa);
	if (s->xdp_ok) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "program", json_object_new_string("xennet_redirect"));
		for (int i = 0; i < 4; i++)
			json_object_object_add(x, xdp_names[i], json_object_new_uint64(s->xdp[i]));
		json_object_object_add(o, "xdp", x);
	}
	json_object *fa = json_object_new_array();

	for (int i = 0; i < s->nfilt; i++) {
		json_object *f = json_object_new_object();

		json_object_object_add(f, "program", json_object_new_string(s->filt[i].prog));
		json_object_object_add(f, "map", json_object_new_string(s->filt[i].map));
		for (int k = 0; k < 3; k++)
			json_object_object_add(f, filt_names[k], json_object_new_uint64(s->filt[i].v[k]));
		json_object_array_add(fa, f);
	}
	json_object_object_add(o, "filters", fa);
	if (prev) {
		json_object *r = json_object_new_object();
		double v[7];

		rates(s, prev, secs, v);
		json_object_object_add(o, "interval_s", json_object_new_double(secs));
		for (int i = 0; i < 7; i++)
			json_object_object_add(r, rate_names[i], json_object_new_double(v[i]));
		json_object_object_add(o, "rates", r);
	}
	return o;
}

static void to_text(const struct snap *s, const struct snap *prev, double secs)
{
	printf("%s (pid %ld), every queue\n", s->ifname, s->pid);
	printf("timestamp %.3f\n", s->wall);
	for (size_t i = 0; i < NFIELDS; i++)
		printf("%s %llu\n", fields[i].name, (unsigned long long)s->q[i]);
	for (unsigned int k = 0; k < s->nq; k++)
		for (size_t i = 0; i < NFIELDS; i++)
			printf("queue %u %s %llu\n", k, fields[i].name, (unsigned long long)s->per[k][i]);
	if (s->xdp_ok)
		for (int i = 0; i < 4; i++)
			printf("xdp_%s %llu\n", xdp_names[i], (unsigned long long)s->xdp[i]);
	for (int i = 0; i < s->nfilt; i++)
		for (int k = 0; k < 3; k++)
			printf("filter %s %s %s %llu\n", s->filt[i].prog, s->filt[i].map, filt_names[k],
			       (unsigned long long)s->filt[i].v[k]);
	if (prev) {
		double v[7];

		rates(s, prev, secs, v);
		for (int i = 0; i < 7; i++)
			printf("%s %.1f\n", rate_names[i], v[i]);
	}
}

static char names[MAX_INST][16];
static int nnames;

static void add_name(const char *ifname, const struct runstate *rs)
{
	(void)rs;
	if (nnames < MAX_INST)
		snprintf(names[nnames++], sizeof(names[0]), "%s", ifname);
}

/* Intervals from CLOCK_MONOTONIC (steady); the timestamp users see from
 * CLOCK_REALTIME (comparable with other logs). */
static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct stats_cfg {
	const char *ifname;
	bool json;
	unsigned long interval, count;   /* OPT_UNSET: not given */
};

static int run(void *arg)
{
	const struct stats_cfg *c = arg;
	static struct snap prev[MAX_INST], cur[MAX_INST];
	bool json = c->json, have_prev = false, named = c->ifname != NULL;
	unsigned long interval = c->interval == OPT_UNSET ? 0 : c->interval;
	unsigned long count = c->count == OPT_UNSET ? 0 : c->count;
	int ret = 0, n;
	double t_prev = 0;

	if (count && !interval)
		return cmd_usage_error("stats", "--count needs --interval");
	if (named) {
		add_name(c->ifname, NULL);
	} else if ((n = runfile_for_each(add_name)) < 0) {
		log_err(NULL, "stats: can't read %s: %s", runfile_dir(), strerror(-n));
		return 1;
	}
	if (!nnames) {
		if (json)
			printf("[]\n");
		else
			printf("no running instances\n");
		return 0;
	}
	/* one report without --interval; with it, one per interval (the first
	 * after the first interval, so that every report has rates) */
	for (unsigned long round = 0;; round++) {
		double t = now_s(CLOCK_MONOTONIC), wall = now_s(CLOCK_REALTIME);
		json_object *arr = json ? json_object_new_array() : NULL;

		for (int i = 0; i < nnames; i++) {
			if (take(names[i], &cur[i]) == 0) {
				cur[i].wall = wall;
				continue;
			}
			if (named) {
				log_err(names[i], "no running xennet-xdp instance");
				json_object_put(arr);
				return 1;
			}
			cur[i].pid = 0;   /* gone since it was listed: left out */
		}
		if (!interval || have_prev) {
			for (int i = 0; i < nnames; i++) {
				/* rates only against the same process: one restarted
				 * under the same name starts from zero */
				const struct snap *p = have_prev && prev[i].pid == cur[i].pid ? &prev[i] : NULL;

				if (!cur[i].pid)
					continue;
				if (arr)
					json_object_array_add(arr, to_json(&cur[i], p, t - t_prev));
				else
					to_text(&cur[i], p, t - t_prev);
			}
			if (arr)
				printf("%s\n", json_object_to_json_string_ext(arr, interval ?
					JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY));
			fflush(stdout);
		}
		json_object_put(arr);
		if (!interval || (count && round >= count))
			break;
		memcpy(prev, cur, sizeof(prev));
		have_prev = true;
		t_prev = t;
		sleep((unsigned int)interval);
	}
	return ret;
}

#define O(f) offsetof(struct stats_cfg, f)
static const struct opt opts[] = {
	POSITIONAL_OPTIONAL("IFNAME", OPT_IFNAME, O(ifname), "the instance (default: every running one)", .comp = COMP_INSTANCE),
	OPT("json", 'j', OPT_FLAG, O(json), NULL, "print JSON (with --interval, one array per line)"),
	OPT("interval", 0, OPT_UINT, O(interval), "S", "report rates every S seconds", .min = 1, .max = 3600),
	OPT("count", 0, OPT_UINT, O(count), "N", "stop after N reports (needs --interval)", .min = 1,
	  .max = 1000000),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_stats_def = OPT_CMD(
	"stats", "Print the counters of running instances, and with --interval their rates.",
	"The counters come from each instance's stats file (shared memory the datapath writes; "
	"reading it costs the datapath nothing), the built-in XDP program's per-CPU counters and each "
	"filter's, from their pinned maps (those of detached filters whose maps are still pinned "
	"too).\n"
	"\n"
	"Units: counters are packets, bytes or events since the instance started. timestamp is when "
	"the counters were read, in seconds since the Unix epoch (CLOCK_REALTIME, UTC); interval_s is "
	"the seconds between two reads (CLOCK_MONOTONIC). Rates: rx_pps and tx_pps are packets per "
	"second; rx_bps and tx_bps are BITS per second (8 x bytes); rx_drops_ps, tx_drops_ps and "
	"invalid_ps are events per second.\n"
	"\n"
	"--json prints an array of {ifname, pid, timestamp, counters {rx_packets, rx_bytes, "
	"rx_dropped, rx_errors, rx_invalid, rx_xsk_full, rx_kicks, tx_packets, tx_bytes, tx_dropped, "
	"tx_errors, tx_invalid, tx_ring_full, fill_short, notifies, wakeups, xsk_rx_dropped, "
	"xsk_rx_invalid, xsk_rx_ring_full, xsk_fill_empty, xsk_tx_invalid, xsk_tx_ring_empty, rx_gso, "
	"rx_gso_segments, rx_csum_offloaded, rx_csum_sw, rx_copied_bytes, tx_copied_bytes, "
	"wakeups_spurious, wakeups_throttled, rx_refill_short} (every queue's sum), queues [{queue, counters {the "
	"same}}] (each queue in use), xdp {program, packets, bytes, redirected, dropped}, filters "
	"[{program, map, packets, passed, dropped}]}, plus interval_s and rates {rx_pps, rx_bps, "
	"tx_pps, tx_bps, rx_drops_ps, tx_drops_ps, invalid_ps} with --interval (the first report "
	"after the first interval). The text output has the same names, one \"name value\" per "
	"line, each queue's as \"queue N name value\".",
	opts, sizeof(struct stats_cfg), run);
