/* SPDX-License-Identifier: MIT */
/* xennet-xdp stats [IFNAME] [--json]: the counters of running instances,
 * read from their stats files without disturbing the datapath. */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "runfile.h"

static const struct {
	const char *name;
	size_t off;
} fields[] = {
#define X(f) { #f, offsetof(struct xennet_queue_stats, f) },
	XENNET_QUEUE_STATS_FIELDS(X)
#undef X
};

static uint64_t field(const struct xennet_queue_stats *s, size_t i)
{
	return __atomic_load_n((const uint64_t *)((const char *)s + fields[i].off), __ATOMIC_RELAXED);
}

static int show(const char *ifname, json_object *arr)
{
	struct xennet_stats_file *f = runfile_map_stats(ifname, 0);

	if (!f || kill((pid_t)f->pid, 0) != 0) {
		fprintf(stderr, "%s: no running xennet-xdp instance\n", ifname);
		runfile_unmap_stats(f);
		return 1;
	}
	if (arr) {
		json_object *o = json_object_new_object(), *q = json_object_new_object();

		json_object_object_add(o, "ifname", json_object_new_string(ifname));
		json_object_object_add(o, "pid", json_object_new_int64((int64_t)f->pid));
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			json_object_object_add(q, fields[i].name, json_object_new_uint64(field(&f->q[0], i)));
		json_object_object_add(o, "queue0", q);
		json_object_array_add(arr, o);
	} else {
		printf("%s (pid %llu) queue 0\n", ifname, (unsigned long long)f->pid);
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			printf("%s %llu\n", fields[i].name, (unsigned long long)field(&f->q[0], i));
	}
	runfile_unmap_stats(f);
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	json_object *arr = NULL;
	int c, ret = 0, n = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j')
			return cmd_usage_error("stats", "unknown option '%s'", argv[optind - 1]);
		arr = json_object_new_array();
	}
	if (argc - optind > 1)
		return cmd_usage_error("stats", "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && !cmd_valid_ifname(argv[optind]))
		return cmd_usage_error("stats", "'%s' is not a valid interface name", argv[optind]);
	if (optind < argc) {
		ret = show(argv[optind], arr);
		n = 1;
	} else {
		DIR *d = opendir(XENNET_RUN_DIR);
		struct dirent *e;

		while (d && (e = readdir(d))) {
			char *dot = strrchr(e->d_name, '.');

			if (!dot || strcmp(dot, ".stats"))
				continue;
			*dot = '\0';
			n++;
			ret |= show(e->d_name, arr);
		}
		if (d)
			closedir(d);
	}
	if (arr) {
		if (ret == 0)
			printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
	}
	if (!n && !arr)
		printf("no running instances\n");
	return ret;
}
