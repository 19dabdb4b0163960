/* SPDX-License-Identifier: MIT */
/* xennet-xdp status [IFNAME] [--json]: what each running instance is
 * connected to and how, from its state file and the kernel's view of the
 * XDP programs on both ends of its veth pair. */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "state/runfile.h"
#include "state/xdp_info.h"
#include "common/xenbus_names.h"

static json_object *out;   /* --json: the array being built */

static const char *state_name(int st)
{
	return st < 0 ? "unknown" : xenbus_state_name(st);
}

static json_object *programs_json(const struct xdp_prog_info *pi, int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_object_new_string(pi[i].name));
		json_object_object_add(p, "id", json_object_new_int64(pi[i].id));
		json_object_object_add(p, "priority", json_object_new_int(pi[i].prio));
		json_object_object_add(p, "mode", json_object_new_string(pi[i].mode));
		json_object_object_add(p, "chain_actions", json_object_new_string(pi[i].chain));
		json_object_object_add(p, "dispatcher", json_object_new_boolean(pi[i].dispatcher));
		json_object_array_add(a, p);
	}
	return a;
}

static void print_programs(const char *what, const char *ifname, const struct xdp_prog_info *pi, int n)
{
	printf("  %-16s %s:", what, ifname);
	if (n < 0)
		printf(" can't read: %s\n", strerror(-n));
	else if (n == 0)
		printf(" none\n");
	for (int i = 0; i < n; i++)
		printf("%s%s (id %u, priority %d, %s%s)\n", i ? "                   " : " ", pi[i].name,
		       pi[i].id, pi[i].prio, pi[i].mode, pi[i].dispatcher ? ", dispatcher" : "");
}

/* "7,8 9,10" (each queue's channels, split ones by a comma): every port */
static json_object *channels_json(const struct runstate *rs)
{
	json_object *a = json_object_new_array();
	char buf[sizeof(rs->channels)], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", rs->channels);
	for (char *t = strtok_r(buf, " ,", &save); t; t = strtok_r(NULL, " ,", &save))
		json_object_array_add(a, json_object_new_int(atoi(t)));
	return a;
}

static void one(const char *ifname, const struct runstate *rs)
{
	struct xdp_prog_info guest[XDP_INFO_MAX], peer[XDP_INFO_MAX];
	int ng = xdp_info_list(ifname, rs->netns, guest, XDP_INFO_MAX);
	int np = rs->peer[0] ? xdp_info_list(rs->peer, NULL, peer, XDP_INFO_MAX) : 0;

	if (out) {
		json_object *o = json_object_new_object(), *f = json_object_new_array();
		char feats[sizeof(rs->features)], *save = NULL;

		snprintf(feats, sizeof(feats), "%s", rs->features);
		for (char *t = strtok_r(feats, " ", &save); t; t = strtok_r(NULL, " ", &save))
			json_object_array_add(f, json_object_new_string(t));
		json_object_object_add(o, "ifname", json_object_new_string(ifname));
		json_object_object_add(o, "pid", json_object_new_int64(rs->pid));
		json_object_object_add(o, "vif", json_object_new_int((int)rs->vif));
		json_object_object_add(o, "platform", json_object_new_string(rs->sim[0] ? "sim" : "xen"));
		if (rs->sim[0])
			json_object_object_add(o, "sim_socket", json_object_new_string(rs->sim));
		json_object_object_add(o, "backend", json_object_new_string(rs->backend));
		json_object_object_add(o, "backend_domid", json_object_new_int((int)rs->be_domid));
		json_object_object_add(o, "frontend_state", json_object_new_string(state_name(rs->fe_state)));
		json_object_object_add(o, "backend_state", json_object_new_string(state_name(rs->be_state)));
		json_object_object_add(o, "phase", json_object_new_string(rs->phase));
		json_object_object_add(o, "domid", json_object_new_int((int)rs->domid));
		json_object_object_add(o, "reconnects", json_object_new_int((int)rs->reconnects));
		json_object_object_add(o, "restores", json_object_new_int((int)rs->restores));
		json_object_object_add(o, "took_over", rs->took_over[0] ? json_object_new_string(rs->took_over)
									: NULL);
		json_object_object_add(o, "features", f);
		json_object_object_add(o, "event_channels", channels_json(rs));
		json_object_object_add(o, "rx_mode", json_object_new_string(rs->rx_mode));
		json_object_object_add(o, "poll", json_object_new_string(rs->poll));
		json_object_object_add(o, "queues", json_object_new_int((int)rs->queues));
		json_object_object_add(o, "umem_frames", json_object_new_int((int)rs->umem_frames));
		json_object_object_add(o, "mac", json_object_new_string(rs->mac));
		json_object_object_add(o, "mtu", json_object_new_int((int)rs->mtu));
		json_object_object_add(o, "netns", rs->netns[0] ? json_object_new_string(rs->netns) : NULL);
		json_object_object_add(o, "peer", json_object_new_string(rs->peer));
		json_object_object_add(o, "guest_programs", programs_json(guest, ng));
		json_object_object_add(o, "peer_programs", programs_json(peer, np));
		if (ng < 0 || np < 0)
			json_object_object_add(o, "programs_error",
					       json_object_new_string(strerror(ng < 0 ? -ng : -np)));
		json_object_array_add(out, o);
		return;
	}
	printf("%s: pid %ld, vif %u, %s\n", ifname, rs->pid, rs->vif,
	       rs->sim[0] ? "simulated backend" : "Xen");
	if (rs->sim[0])
		printf("  %-16s %s\n", "sim socket", rs->sim);
	printf("  %-16s %s (domain %u)\n", "backend", rs->backend, rs->be_domid);
	printf("  %-16s frontend %s, backend %s (%s)\n", "xenbus", state_name(rs->fe_state),
	       state_name(rs->be_state), rs->phase);
	printf("  %-16s reconnects %u, restores %u (guest moved), domain %u%s%s%s\n", "connections",
	       rs->reconnects, rs->restores, rs->domid, rs->took_over[0] ? "; took the vif over from the kernel's " : "",
	       rs->took_over, rs->took_over[0] ? " driver" : "");
	printf("  %-16s %s\n", "features", rs->features);
	printf("  %-16s %s\n", "event channels", rs->channels[0] ? rs->channels : "none");
	printf("  %-16s %s, %s poll, %u queue%s, %u UMEM frames a queue\n", "mode", rs->rx_mode[0] ? rs->rx_mode : "?",
	       rs->poll, rs->queues, rs->queues == 1 ? "" : "s", rs->umem_frames);
	printf("  %-16s %s (mac %s, mtu %u%s%s), peer %s\n", "interfaces", ifname, rs->mac, rs->mtu,
	       rs->netns[0] ? ", netns " : "", rs->netns, rs->peer);
	print_programs("guest XDP", ifname, guest, ng);
	print_programs("peer XDP", rs->peer, peer, np);
}

struct status_cfg {
	const char *ifname;
	bool json;
};

static int run(void *arg)
{
	const struct status_cfg *c = arg;
	struct runstate rs;
	int n;

	if (c->json)
		out = json_object_new_array();
	if (c->ifname) {
		if (runfile_read_live(c->ifname, &rs) < 0) {
			log_err(c->ifname, "no running xennet-xdp instance");
			json_object_put(out);
			return 1;
		}
		one(c->ifname, &rs);
		n = 1;
	} else {
		n = runfile_for_each(one);
		if (n < 0) {
			log_err(NULL, "status: can't read %s: %s", runfile_dir(), strerror(-n));
			json_object_put(out);
			return 1;
		}
	}
	if (out) {
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
		json_object_put(out);
	} else if (n == 0) {
		printf("no running instances\n");
	}
	return 0;
}

#define O(f) offsetof(struct status_cfg, f)
static const struct opt opts[] = {
	POSITIONAL_OPTIONAL("IFNAME", OPT_IFNAME, O(ifname), "the instance to show (default: every running one)", .comp = COMP_INSTANCE),
	OPT("json", 'j', OPT_FLAG, O(json), NULL, "print JSON"),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_status_def = OPT_CMD(
	"status", "Show what each running instance is connected to, and how.",
	"For each instance: the vif, the backend's path and domain, both xenbus states, the features "
	"in effect, the event channel, RX and poll mode, queues, both interfaces and the XDP programs "
	"on each.\n"
	"\n"
	"--json prints an array of {ifname, pid, vif, platform (\"xen\" or \"sim\"), sim_socket (sim "
	"only), backend, backend_domid, frontend_state, backend_state (xenbus state names), phase, "
	"domid, reconnects, restores (reconnections after the guest moved), took_over (the kernel "
	"driver taken over, or null), features [..], event_channels [..], rx_mode, poll, queues, umem_frames (a queue), mac, mtu, netns, peer, "
	"guest_programs [..], peer_programs [..]}, each program {name, id, priority, mode, "
	"chain_actions, dispatcher}.",
	opts, sizeof(struct status_cfg), run);
