/* SPDX-License-Identifier: MIT */
/* xennet-xdp list [--sim SOCKET] [--json]: the vif devices XenStore gives
 * this domain, each with its backend, both xenbus states and its MAC.  What
 * is read is shown as it is (quoted when it is not printable): the values
 * come from the toolstack and the backend. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cmd.h"
#include "common/log.h"
#include "common/mac.h"
#include "xen/plat.h"
#include "xen/xenbus_state.h"
#include "xen/xs_keys.h"

/* A value from XenStore, or "" if absent; non-printable bytes become '?'. */
static char *get(struct plat *p, const char *dir, const char *key)
{
	char *v = xk_read(p, XBT_NULL, dir, key);

	if (!v)
		return strdup("");
	for (char *c = v; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
	return v;
}

struct list_cfg {
	const char *sim;
	bool json;
};

static int run(void *arg)
{
	const struct list_cfg *c = arg;
	const char *sim = c->sim;
	json_object *arr = c->json ? json_object_new_array() : NULL;
	unsigned int num = 0;
	struct plat *p;
	char **ents;

	p = sim ? plat_sim_open(sim) : plat_xen_open_store();
	if (!p) {
		json_object_put(arr);
		return 1;
	}
	ents = p->ops->xs_directory(p, XBT_NULL, "device/vif", &num);
	if (!ents && errno != ENOENT) {
		log_err(NULL, "list: can't read device/vif from XenStore: %s", strerror(errno));
		plat_close(p);
		json_object_put(arr);
		return 1;
	}
	if (!arr)
		printf("%-5s %-6s %-13s %-13s %-17s %s\n", "vif", "domid", "frontend", "backend", "mac",
		       "backend path");
	for (unsigned int i = 0; ents && i < num; i++) {
		char dir[80], *be, *beid, *mac, *fe_st = NULL, *be_st = NULL;
		unsigned long vif, st, domid;
		bool domid_ok;
		uint8_t m[6];

		if (parse_uint(ents[i], 65535, &vif) < 0)
			continue;   /* not a vif number: not ours to show */
		snprintf(dir, sizeof(dir), "device/vif/%lu", vif);
		be = get(p, dir, "backend");
		beid = get(p, dir, "backend-id");
		mac = get(p, dir, "mac");
		fe_st = get(p, dir, "state");
		/* the backend path is the toolstack's word: only a valid absolute
		 * path is followed (as `up` would) */
		be_st = !be[0] ? strdup("") : xk_valid_dir(be) ? get(p, be, "state") : strdup("invalid path");
		domid_ok = parse_uint(beid, DOMID_MAX, &domid) == 0;
		if (!parse_uint(fe_st, 8, &st)) {
			free(fe_st);
			fe_st = strdup(xenbus_state_name((int)st));
		}
		if (be_st && !parse_uint(be_st, 8, &st)) {
			free(be_st);
			be_st = strdup(xenbus_state_name((int)st));
		}
		if (arr) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "vif", json_object_new_int((int)vif));
			json_object_object_add(o, "backend", json_object_new_string(be));
			json_object_object_add(o, "backend_domid", domid_ok ? json_object_new_int((int)domid) : NULL);
			json_object_object_add(o, "frontend_state", json_object_new_string(fe_st ? fe_st : ""));
			json_object_object_add(o, "backend_state", json_object_new_string(be_st ? be_st : ""));
			json_object_object_add(o, "mac", json_object_new_string(mac));
			json_object_object_add(o, "mac_valid", json_object_new_boolean(mac_parse(mac, m) == 0));
			json_object_array_add(arr, o);
		} else {
			printf("%-5lu %-6s %-13s %-13s %-17s %s\n", vif, beid[0] ? beid : "-",
			       fe_st && fe_st[0] ? fe_st : "-", be_st && be_st[0] ? be_st : "-",
			       mac[0] ? mac : "-", be[0] ? be : "-");
		}
		free(be);
		free(beid);
		free(mac);
		free(fe_st);
		free(be_st);
	}
	free(ents);
	plat_close(p);
	if (arr) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY));
		json_object_put(arr);
	}
	return 0;
}

#define O(f) offsetof(struct list_cfg, f)
static const struct opt opts[] = {
	OPT("sim", 0, OPT_STRING, O(sim), "SOCKET", "ask the simulated backend serving SOCKET (xennet-simback)",
	  .comp = COMP_FILE),
	OPT("json", 'j', OPT_FLAG, O(json), NULL, "print JSON"),
	OPT_TABLE_END,
};

const struct opt_cmd cmd_list_def = OPT_CMD(
	"list", "Show the vif devices XenStore gives this domain.",
	"Each with its backend, both xenbus states and its MAC, as XenStore has them (what is not "
	"printable is shown as '?': the values come from the toolstack and the backend).\n"
	"\n"
	"--json prints an array of {vif, backend, backend_domid, frontend_state, backend_state, mac, "
	"mac_valid}.",
	opts, sizeof(struct list_cfg), run);
