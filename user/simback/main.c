/* SPDX-License-Identifier: MIT */
/*
 * xennet-simback: a simulated Xen backend.  One unix socket carries both
 * the XenStore wire protocol (for the frontend's libxenstore) and the
 * simulator's control protocol (grant table hand-over, event channels).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/fdpass.h"
#include "common/mac.h"
#include "common/opts.h"
#include "simback.h"
#include "simproto.h"
#include "xs_server.h"

#define MAX_CTL 8
#define MAX_PEND 4               /* accepted, not classified yet */
#define PEND_MS 2000             /* how long one may stay silent */
#define MAX_PFD 64
#define QUERY_MAX 16384          /* the query's text: every counter of every queue */

struct simback {
	const char *sock_path;
	int lfd, sigfd;
	struct xs_store *st;
	struct xs_server *srv;
	struct gnttab_back gt;
	struct sim_evtchn evt[SIM_MAX_EVTCHN];
	int next_port;
	int ctl[MAX_CTL];
	int pend[MAX_PEND];
	long pend_until[MAX_PEND];
	bool pend_partial[MAX_PEND];   /* some bytes came: wait by time, not POLLIN */
	int guest_ctl;            /* the control connection that handed us the grant table */
	int dead_below;           /* ports below this were bound before a restore: dead */
	struct simnet net;
	bool verbose;
};

static int parse_num(const char *opt, const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *v > max || s[0] == '-') {
		fprintf(stderr, "xennet-simback: %s: '%s' is not a number in 0..%lu\n", opt, s, max);
		return -1;
	}
	return 0;
}

static void ctl_close(struct simback *sb, int i)
{
	/* a departed guest's channels die with it; its grants stay as they are */
	for (int k = 0; k < SIM_MAX_EVTCHN; k++) {
		struct sim_evtchn *e = &sb->evt[k];

		if (e->port && e->owner == sb->ctl[i]) {
			simnet_evtchn_gone(&sb->net, e);
			close(e->to_back);
			close(e->to_front);
			memset(e, 0, sizeof(*e));
		}
	}
	if (sb->ctl[i] == sb->guest_ctl) {
		gnttab_back_orphan(&sb->gt);
		sb->guest_ctl = -1;
	}
	close(sb->ctl[i]);
	sb->ctl[i] = -1;
}

/* Is the guest's control connection still open?  If it has hung up and we
 * have not seen it yet, close it now (its grants are orphaned as usual). */
static bool guest_alive(struct simback *sb)
{
	for (int k = 0; k < MAX_CTL; k++) {
		struct pollfd p = { .fd = sb->ctl[k], .events = POLLIN | POLLRDHUP };

		if (sb->ctl[k] < 0 || sb->ctl[k] != sb->guest_ctl)
			continue;
		if (poll(&p, 1, 0) > 0 && p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)) {
			ctl_close(sb, k);
			return false;
		}
		return true;
	}
	return false;
}

static int query_text(struct simback *sb, char *buf, size_t size)
{
	struct simnet *n = &sb->net;
	unsigned long fe = 0;
	char path[128], *v = NULL;
	unsigned int len;
	int bound = 0, head;

	snprintf(path, sizeof(path), "%s/state", n->fe_dir);
	if (xs_store_read(sb->st, 0, path, &v, &len) == 0)
		fe = strtoul(v, NULL, 10);
	free(v);
	for (int k = 0; k < SIM_MAX_EVTCHN; k++)
		bound += sb->evt[k].port != 0;
	head = snprintf(buf, size,
		"frontend-state=%lu\nbackend-state=%d\nconnected=%d\ngrants-active=%u\n"
		"grants-mapped=%u\ngrants-denied=%llu\ngrants-reclaimed=%llu\nevtchn-bound=%d\n",
		fe, n->be_state, n->connected, gnttab_back_active(&sb->gt), gnttab_back_mapped(&sb->gt),
		(unsigned long long)sb->gt.denied, (unsigned long long)sb->gt.reclaimed, bound);
	if (head < 0 || (size_t)head >= size)
		return 0;
	return head + simnet_query(n, buf + head, size - (size_t)head);
}

/* xl save + xl restore, as the guest sees it: every event channel dies
 * (unbinding one is refused with ESTALE from now on), the grant table
 * starts empty, and the guest is a new domain with a new vif. */
static int restore(struct simback *sb)
{
	uint16_t domid = (uint16_t)(sb->net.cfg.fe_domid + 1);

	if (domid > 0x7fef)
		return ERANGE;
	simnet_disconnect(&sb->net);
	for (int k = 0; k < SIM_MAX_EVTCHN; k++) {
		struct sim_evtchn *e = &sb->evt[k];

		if (e->port) {
			close(e->to_back);
			close(e->to_front);
			memset(e, 0, sizeof(*e));
		}
	}
	sb->dead_below = sb->next_port;
	gnttab_back_reset(&sb->gt);
	if (simnet_restore(&sb->net, domid) < 0)
		return EIO;
	xs_server_move_domain(sb->srv, domid);
	fprintf(stderr, "xennet-simback: restored the guest as domain %u\n", domid);
	return 0;
}

static int control(struct simback *sb, uint32_t action, uint32_t value)
{
	switch (action) {
	case XSIM_CTL_GEN:
		return simnet_set_gen(&sb->net, value) < 0 ? EINVAL : 0;
	case XSIM_CTL_RESTART:
		simnet_restart(&sb->net);
		return 0;
	case XSIM_CTL_AWAY:
		simnet_away(&sb->net);
		return 0;
	case XSIM_CTL_BACK:
		simnet_back(&sb->net);
		return 0;
	case XSIM_CTL_RESTORE:
		return restore(sb);
	}
	return EINVAL;
}

/* One control request from a guest's plat_sim (or from `query`). */
static void ctl_handle(struct simback *sb, int i)
{
	struct xsim_msg m;
	int fds[FDPASS_MAX], nfds, out[2], nout = 0;
	char text[QUERY_MAX];
	int tlen = 0;

	if (fdpass_recv(sb->ctl[i], &m, sizeof(m), fds, &nfds) < 0 || m.magic != XSIM_MAGIC) {
		for (int k = 0; k < nfds; k++)
			close(fds[k]);
		ctl_close(sb, i);
		return;
	}
	m.err = 0;
	switch (m.type) {
	case XSIM_CONNECT:
		break;
	case XSIM_HELLO:
		if (nfds != 2) {
			m.err = EINVAL;
			break;
		}
		/* one guest at a time: another client is refused, it does not
		 * take the grant table (and the rings) from the guest */
		if (sb->guest_ctl >= 0 && sb->guest_ctl != sb->ctl[i] && guest_alive(sb)) {
			m.err = EBUSY;
			break;
		}
		simnet_disconnect(&sb->net);
		m.err = -gnttab_back_attach(&sb->gt, fds[0], fds[1], m.arg, sb->net.cfg.be_domid);
		sb->guest_ctl = m.err ? -1 : sb->ctl[i];
		nfds = 0;
		m.arg = sb->net.cfg.fe_domid;
		break;
	case XSIM_EVT_ALLOC: {
		struct sim_evtchn *e = NULL;

		for (int k = 0; k < SIM_MAX_EVTCHN && !e; k++)
			if (!sb->evt[k].port)
				e = &sb->evt[k];
		if (!e || m.arg != sb->net.cfg.be_domid) {
			m.err = e ? EINVAL : ENOSPC;
			break;
		}
		e->to_back = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		e->to_front = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		e->port = sb->next_port++;
		e->owner = sb->ctl[i];
		m.port = (uint32_t)e->port;
		out[0] = e->to_back;
		out[1] = e->to_front;
		nout = 2;
		break;
	}
	case XSIM_EVT_CLOSE:
		/* a port from before a restore: the real driver BUGs on it */
		m.err = (int)m.port < sb->dead_below ? ESTALE : EINVAL;
		for (int k = 0; k < SIM_MAX_EVTCHN; k++) {
			struct sim_evtchn *e = &sb->evt[k];

			if (e->port && (uint32_t)e->port == m.port && e->owner == sb->ctl[i]) {
				simnet_evtchn_gone(&sb->net, e);
				close(e->to_back);
				close(e->to_front);
				memset(e, 0, sizeof(*e));
				m.err = 0;
			}
		}
		break;
	case XSIM_QUERY:
		tlen = query_text(sb, text, sizeof(text));
		m.arg = (uint32_t)tlen;
		break;
	case XSIM_CTL:
		m.err = control(sb, m.arg, m.port);
		break;
	default:
		m.err = ENOSYS;
	}
	for (int k = 0; k < nfds; k++)
		close(fds[k]);
	if (fdpass_send(sb->ctl[i], &m, sizeof(m), out, nout) < 0 ||
	    (tlen && fdpass_send(sb->ctl[i], text, (size_t)tlen, NULL, 0) < 0))
		ctl_close(sb, i);
}

/* A new connection waits, without holding up the loop, until its first
 * four bytes say what it is. */
static void accept_conn(struct simback *sb)
{
	int fd = accept4(sb->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_PEND; i++) {
		if (sb->pend[i] < 0) {
			sb->pend[i] = fd;
			sb->pend_until[i] = now_ms() + PEND_MS;
			sb->pend_partial[i] = false;
			return;
		}
	}
	close(fd);   /* too many silent connections at once */
}

/* Control if it starts with XSIM_MAGIC, else XenStore; blocking from now on. */
static void classify(struct simback *sb, int i)
{
	int fd = sb->pend[i], slot = -1;
	uint32_t magic = 0;
	ssize_t n = recv(fd, &magic, sizeof(magic), MSG_PEEK | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR) && now_ms() < sb->pend_until[i])
		return;
	if (n > 0 && n < 4 && now_ms() < sb->pend_until[i]) {
		sb->pend_partial[i] = true;   /* part of the first message: wait for the rest */
		return;
	}
	sb->pend[i] = -1;
	/* blocking from now on, but a client that stalls mid-message is cut
	 * off after PEND_MS instead of hanging the simulator */
	int fl = fcntl(fd, F_GETFL);
	struct timeval tv = { .tv_sec = PEND_MS / 1000, .tv_usec = (PEND_MS % 1000) * 1000 };

	if (n != 4 || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		close(fd);
		return;
	}
	if (magic != XSIM_MAGIC) {
		xs_server_add_conn(sb->srv, fd);
		return;
	}
	for (int k = 0; k < MAX_CTL && slot < 0; k++)
		if (sb->ctl[k] < 0)
			slot = k;
	if (slot < 0) {
		close(fd);
		return;
	}
	sb->ctl[slot] = fd;
}

static int run(struct simback *sb)
{
	for (;;) {
		struct pollfd pfd[MAX_PFD];
		int n = 0, nxs, nctl_base, nnet_base, nnet, timeout = -1;

		simnet_handle_state(&sb->net);
		if (simnet_service(&sb->net))
			timeout = 0;    /* more may be waiting: do not sleep */
		else if (simnet_final_check(&sb->net))
			timeout = 0;
		else
			timeout = simnet_timeout_ms(&sb->net);
		/* while every pending slot is taken, new clients wait in the backlog */
		bool room = false;

		for (int i = 0; i < MAX_PEND; i++)
			room |= sb->pend[i] < 0;
		pfd[n++] = (struct pollfd){ .fd = room ? sb->lfd : -1, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sb->sigfd, .events = POLLIN };
		nctl_base = n;
		for (int i = 0; i < MAX_CTL; i++)
			pfd[n++] = (struct pollfd){ .fd = sb->ctl[i], .events = POLLIN };
		for (int i = 0; i < MAX_PEND; i++) {
			pfd[n++] = (struct pollfd){ .fd = sb->pend[i],
						    .events = sb->pend_partial[i] ? 0 : POLLIN };
			if (sb->pend[i] >= 0 && (timeout < 0 || timeout > 100))
				timeout = 100;   /* to drop it when it stays silent */
		}
		/* every queue's event channels, and its wire while it can take a frame */
		nnet_base = n;
		nnet = simnet_pollfds(&sb->net, pfd + n, MAX_PFD - n);
		n += nnet;
		nxs = xs_server_pollfds(sb->srv, pfd + n, MAX_PFD - n);
		if (poll(pfd, (nfds_t)(n + nxs), timeout) < 0 && errno != EINTR)
			return -1;
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sb->sigfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1) {
				simnet_restart(&sb->net);   /* the backend goes away and comes back */
				continue;
			}
			return 0;
		}
		/* (before a control request may close a channel polled here) */
		simnet_poll_done(&sb->net, pfd + nnet_base, nnet);
		for (int i = 0; i < MAX_PEND; i++)
			if (sb->pend[i] >= 0)
				classify(sb, i);   /* ready, or past its time */
		if (pfd[0].revents & POLLIN)
			accept_conn(sb);
		for (int i = 0; i < MAX_CTL; i++)
			if (sb->ctl[i] >= 0 && pfd[nctl_base + i].revents)
				ctl_handle(sb, i);
		xs_server_service(sb->srv, pfd + n, nxs);
	}
}

static const char *const ctl_actions[] = { "restart", "away", "back", "restore", "gen", NULL };

/* action: the index in ctl_actions; size: gen's, OPT_UNSET for none */
static int ctl(const char *path, int action, unsigned long size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xsim_msg m = { .magic = XSIM_MAGIC, .type = XSIM_CTL, .arg = (uint32_t)action + 1 };
	int fd, fds[FDPASS_MAX], nfds;

	if ((m.arg == XSIM_CTL_GEN) != (size != OPT_UNSET) || (size != OPT_UNSET && size && size < 60)) {
		fprintf(stderr, "xennet-simback: ctl: gen takes a SIZE, 0 or 60..MTU+14, and only gen does\n");
		return 2;
	}
	if (size != OPT_UNSET)
		m.port = (uint32_t)size;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fdpass_send(fd, &m, sizeof(m), NULL, 0) < 0 || fdpass_recv(fd, &m, sizeof(m), fds, &nfds) < 0) {
		fprintf(stderr, "xennet-simback: ctl %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	if (m.err) {
		fprintf(stderr, "xennet-simback: ctl %s: %s\n", ctl_actions[action], strerror(m.err));
		return 1;
	}
	return 0;
}

static int query(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xsim_msg m = { .magic = XSIM_MAGIC, .type = XSIM_QUERY };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fds[FDPASS_MAX], nfds;
	char text[QUERY_MAX];

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fdpass_send(fd, &m, sizeof(m), NULL, 0) < 0 ||
	    fdpass_recv(fd, &m, sizeof(m), fds, &nfds) < 0 || m.arg >= sizeof(text) ||
	    fdpass_recv(fd, text, m.arg, fds, &nfds) < 0) {
		fprintf(stderr, "xennet-simback: query %s: %s\n", path, strerror(errno));
		return 1;
	}
	fwrite(text, 1, m.arg, stdout);
	close(fd);
	return 0;
}

/* ---- the command line: option tables (common/opts.h) ---------------------- */

struct sim_args {
	const char *socket, *mac, *mtu, *tap, *gen_dst;
	unsigned long domid, be_domid, vif, max_queues, hostile_every, fail_commits, fail_connects, xs_delay,
		watch_delay, gen_size,
		ctl_size;
	int stall, hostile, ctl_action;
	bool no_rx_copy, verbose, stale_frontend;
};

static const char *const stalls[] = { "initwait", "connected", NULL };
/* enum sim_hostile from HOSTILE_BAD_ID on */
static const char *const hostiles[] = { "bad-id", "bad-size", "bad-offset", "runaway", "bad-extra-type",
					"gso-size-0", "gso-size-big", "long-chain", "missing-last",
					"bad-chain-id", NULL };
_Static_assert(sizeof(hostiles) / sizeof(hostiles[0]) == HOSTILE_KINDS, "a name for each hostile kind");

#define A(f) offsetof(struct sim_args, f)
#define SOCKET_OPT(what) OPT("socket", 0, OPT_STRING, A(socket), "PATH", what, .flags = OPT_REQUIRED, \
			     .comp = COMP_FILE)
static const struct opt serve_opts[] = {
	SOCKET_OPT("the unix socket for XenStore and the simulator's control"),
	OPT("domid", 0, OPT_UINT, A(domid), "N", "the guest's domain id", .dflt = "1", .max = 0x7fef),
	OPT("backend-domid", 0, OPT_UINT, A(be_domid), "N", "the backend's domain id", .dflt = "0", .max = 0x7fef),
	OPT("vif", 0, OPT_UINT, A(vif), "N", "the vif's handle", .dflt = "0", .max = 65535),
	OPT("mac", 0, OPT_STRING, A(mac), "MAC", "the MAC written to XenStore, unchecked; none: no key",
	    .dflt = "00:16:3e:00:00:01"),
	OPT("mtu", 0, OPT_STRING, A(mtu), "N", "the mtu key libxl writes, 68..65535; none: no key", .dflt = "1500"),
	OPT("max-queues", 0, OPT_UINT, A(max_queues), "N", "multi-queue-max-queues offered (netback "
	    "offers min(8, its CPUs))", .dflt = "2", .min = 1, .max = SIM_MAX_QUEUES),
	OPT("no-rx-copy", 0, OPT_FLAG, A(no_rx_copy), NULL, "advertise feature-rx-copy=0 (RX flip mode only)"),
	OPT("tap", 0, OPT_STRING, A(tap), "NAME", "bridge the rings to TAP device NAME (created here): one TAP "
	    "queue per ring queue, a virtio_net_hdr on every frame for the offloads"),
	OPT("stall", 0, OPT_CHOICE, A(stall), "STATE", "never reach STATE", .choices = stalls),
	OPT("hostile", 0, OPT_CHOICE, A(hostile), "KIND", "corrupt what goes to the frontend, every Nth packet: "
	    "bad-id, bad-size, bad-offset, runaway (its first slot); bad-extra-type, gso-size-0, gso-size-big "
	    "(an extra-info slot); long-chain (more than 18 slots), missing-last (more_data on the last slot "
	    "pushed, then nothing more on that queue until the frontend moves on), bad-chain-id (a chained "
	    "slot answering another request's id)", .choices = hostiles),
	OPT("hostile-every", 0, OPT_UINT, A(hostile_every), "N", "...every Nth one", .dflt = "10", .min = 1,
	    .max = 1000000),
	OPT("fail-connects", 0, OPT_UINT, A(fail_connects), "N", "fail the first N connects as netback fails "
	    "one (its error node, then Closing)", .dflt = "0", .max = 1000),
	OPT("fail-commits", 0, OPT_UINT, A(fail_commits), "N", "fail the next N transaction commits with "
	    "EAGAIN", .dflt = "0", .max = 1000),
	OPT("xs-write-delay", 0, OPT_UINT, A(xs_delay), "MS", "answer every XenStore write of the guest MS "
	    "late (a loaded dom0's xenstored; the whole simulator waits)", .dflt = "0", .max = 10000),
	OPT("watch-delay", 0, OPT_UINT, A(watch_delay), "MS", "act on the frontend's state MS after it "
	    "changes, as netback's watch does on a loaded dom0 (at once by default)", .dflt = "0",
	    .max = 60000),
	OPT("gen-size", 0, OPT_UINT, A(gen_size), "N", "no wire: fill every RX buffer of every queue with an "
	    "N-byte UDP frame, 60 up to MTU+14, in several slots past 4096 bytes (the load generator)",
	    .min = 60, .max = 65535),
	OPT("gen-dst", 0, OPT_STRING, A(gen_dst), "MAC,IP,PORT", "the generator's frames, on every queue, to "
	    "this MAC, IPv4 address and UDP port (by default to another host's MAC: the guest's stack drops "
	    "them)"),
	OPT("stale-frontend", 0, OPT_FLAG, A(stale_frontend), NULL, "start with the keys an unbound kernel "
	    "netfront leaves"),
	OPT("verbose", 0, OPT_FLAG, A(verbose), NULL, "log every XenStore access"),
	OPT_TABLE_END,
};
static const struct opt query_opts[] = { SOCKET_OPT("the simulator's socket"), OPT_TABLE_END };
static const struct opt ctl_opts[] = {
	SOCKET_OPT("the simulator's socket"),
	POSITIONAL("ACTION", OPT_CHOICE, A(ctl_action), "what the backend does", .choices = ctl_actions),
	POSITIONAL_OPTIONAL("SIZE", OPT_UINT, A(ctl_size), "gen's frame size, 60 up to the MTU's frame (MTU+14), "
			    "or 0: off", .max = 65535),
	OPT_TABLE_END,
};

static int run_serve(void *args);
static int run_query(void *args)
{
	return query(((struct sim_args *)args)->socket);
}
static int run_ctl(void *args)
{
	const struct sim_args *a = args;

	return ctl(a->socket, a->ctl_action, a->ctl_size);
}

static const struct opt_cmd serve_cmd = OPT_CMD("", "Run a simulated Xen backend: XenStore, grants, event "
	"channels and netback, serving one vif.",
	"The frontend's real libxenstore talks to it with XENSTORED_PATH=PATH (so xenstore-ls from "
	"xenstore-utils works too). It checks every access to the guest's pages against a grant table laid "
	"out as grant_entry_v1, passes event channels as eventfds, writes the nodes the Linux toolstack "
	"writes, plays the backend half of the handshake, and bridges the rings to a TAP device. It "
	"advertises what Linux xen-netback 6.12 advertises and implements what netback implements for a "
	"frontend: multi-queue-num-queues up to multi-queue-max-queues (queue-N/ keys; more is refused by "
	"name), split or single event channels per queue, feature-sg (several slots a packet both ways, "
	"jumbo frames up to the mtu key; without it the MTU is clamped to 1500), checksum offload both ways "
	"(csum_blank and data_validated, per family), GSO TCPv4/v6 both ways (the GSO extra-info slot) and "
	"multicast control; the TAP's offloads follow what the frontend negotiated. It refuses, naming the "
	"key, a control ring (ctrl-ring-ref) and a non-zero xdp-headroom. A bad TX packet is answered "
	"NETIF_RSP_ERROR; what netback takes for a rogue frontend (an unknown extra-info type, GSO size 0, "
	"more than 20 chained slots, a slot crossing its page, a missing slot, a runaway producer) disables "
	"the vif until the backend restarts. SIGUSR1 makes the backend go away and come back (Closing, "
	"Closed, then InitWait), as netback does when its device is unbound.",
	serve_opts, sizeof(struct sim_args), run_serve);
static const struct opt_cmd query_cmd = OPT_CMD("query", "Print the simulator's state.",
	"Both xenbus states, active and mapped grants, each queue's shared rings, the features in effect, "
	"whether the vif was disabled and why, and the counters in all and per queue (packets, bytes, slots, "
	"GSO, csum_blank, errors and drops each way), one key=value per line.", query_opts,
	sizeof(struct sim_args), run_query);
static const struct opt_cmd ctl_cmd = OPT_CMD("ctl", "Make the backend do something.",
	"restart: go away and come back (as on SIGUSR1); away: Closing, Closed, and deaf until back; back: "
	"InitWait; restore: as xl save and xl restore do (a new domain id, the old event channels and grants "
	"dead, the backend in a new directory); gen SIZE: the generator on, at SIZE bytes, or off with 0 "
	"(the TAP serves RX again).", ctl_opts, sizeof(struct sim_args), run_ctl);
static const struct opt_cmd *const cmds[] = { &serve_cmd, &query_cmd, &ctl_cmd };

static const struct opt sim_common[] = {
	OPT("help", 'h', OPT_HELP, 0, NULL, "print this help and exit"),
	OPT_TABLE_END,
};
static const struct opt_section sections[] = {
	{ "Exit status", "0 on success, 1 on failure, 2 for a command line that is not right." },
	{ "See also", "xennet-xdp(8), xenstore-ls(1), xl(1)" },
	{ NULL, NULL },
};

#ifndef XENNET_VERSION
#define XENNET_VERSION "unknown"
#endif
static const struct opt_prog prog = {
	.name = "xennet-simback", .section = 1, .version = XENNET_VERSION,
	.tagline = "a simulated Xen network backend, for xennet-xdp's tests and demo",
	.description = "xennet-simback is a netback in userspace that serves one vif to xennet-xdp up --sim "
	"PATH, without Xen. Options make it hostile, for tests: a missing MAC, no RX copy mode, a stall, "
	"corrupt responses (slots, extra-info, chains), failing transactions.",
	.common = sim_common, .cmds = cmds, .ncmds = sizeof(cmds) / sizeof(cmds[0]), .sections = sections,
};

int main(int argc, char **argv)
{
	const struct opt_cmd *cmd;
	void *args;
	int ret;

	/* for the build: the man page's source and the usage lines, from the tables */
	if (argc == 3 && !strcmp(argv[1], "--generate") && (!strcmp(argv[2], "man") || !strcmp(argv[2], "usage"))) {
		(!strcmp(argv[2], "man") ? opts_man : opts_usage)(&prog, stdout);
		return 0;
	}
	ret = opts_parse(&prog, argc, argv, NULL, &cmd, &args);
	if (ret >= 0)
		return ret;
	ret = cmd->run(args);
	free(args);
	return ret;
}

static int run_serve(void *args)
{
	const struct sim_args *a = args;
	struct simnet_cfg cfg = { .fe_domid = (uint16_t)a->domid, .be_domid = (uint16_t)a->be_domid,
				  .vif = (unsigned int)a->vif, .rx_copy = !a->no_rx_copy, .tap = a->tap,
				  .max_queues = (unsigned int)a->max_queues,
				  .hostile_every = (unsigned int)a->hostile_every,
				  .stale_frontend = a->stale_frontend,
				  .fail_connects = (unsigned int)a->fail_connects,
				  .watch_delay_ms = (unsigned int)a->watch_delay };
	struct simback sb = { .lfd = -1, .sigfd = -1, .next_port = 7, .guest_ctl = -1, .sock_path = a->socket,
			      .verbose = a->verbose };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned long v, fail_commits = a->fail_commits;
	sigset_t mask;
	int ret = 1;

	cfg.mac = strcmp(a->mac, "none") ? a->mac : NULL;
	if (!strcmp(a->mtu, "none")) {
		cfg.mtu = 0;
	} else {
		if (parse_num("--mtu", a->mtu, 65535, &v))
			return 2;
		if (v < 68) {
			fprintf(stderr, "xennet-simback: --mtu %lu is below 68\n", v);
			return 2;
		}
		cfg.mtu = (unsigned int)v;
	}
	cfg.stall = a->stall < 0 ? STALL_NONE : (enum sim_stall)(a->stall + 1);
	cfg.hostile = a->hostile < 0 ? HOSTILE_NONE : (enum sim_hostile)(a->hostile + 1);
	cfg.gen_size = a->gen_size == OPT_UNSET ? 0 : (unsigned int)a->gen_size;
	if (a->gen_dst && gen_dst_parse(a->gen_dst, &cfg.gen_dst) < 0) {
		fprintf(stderr, "xennet-simback: --gen-dst: '%s' is not MAC,IPV4,PORT\n", a->gen_dst);
		return 2;
	}
	if (cfg.gen_size && cfg.tap) {
		fprintf(stderr, "xennet-simback: --gen-size and --tap exclude each other\n");
		return 2;
	}
	if (strlen(sb.sock_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "xennet-simback: socket path too long: %s\n", sb.sock_path);
		return 2;
	}
	for (int i = 0; i < MAX_CTL; i++)
		sb.ctl[i] = -1;
	for (int i = 0; i < MAX_PEND; i++)
		sb.pend[i] = -1;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sb.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	strcpy(sa.sun_path, sb.sock_path);
	sb.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(sb.sock_path);
	if (sb.lfd < 0 || bind(sb.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(sb.lfd, 16) < 0) {
		fprintf(stderr, "xennet-simback: can't listen on %s: %s\n", sb.sock_path, strerror(errno));
		return 1;
	}
	sb.st = xs_store_new();
	sb.srv = sb.st ? xs_server_new(sb.st, cfg.fe_domid, sb.verbose) : NULL;
	if (!sb.srv || simnet_init(&sb.net, &cfg, sb.st, &sb.gt, sb.evt) < 0)
		goto out;
	xs_store_fail_next_commits(sb.st, (unsigned int)fail_commits);
	xs_server_set_write_delay(sb.srv, (unsigned int)a->xs_delay);
	fprintf(stderr, "xennet-simback: serving vif %u of domain %u on %s\n", cfg.vif, cfg.fe_domid, sb.sock_path);
	ret = run(&sb) < 0 ? 1 : 0;
out:
	simnet_fini(&sb.net);
	for (int i = 0; i < MAX_CTL; i++)
		if (sb.ctl[i] >= 0)
			ctl_close(&sb, i);
	for (int i = 0; i < MAX_PEND; i++)
		if (sb.pend[i] >= 0)
			close(sb.pend[i]);
	if (sb.srv)
		xs_server_free(sb.srv);
	if (sb.st)
		xs_store_free(sb.st);
	gnttab_back_detach(&sb.gt);
	close(sb.lfd);
	close(sb.sigfd);
	unlink(sb.sock_path);
	return ret;
}
