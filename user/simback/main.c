/* SPDX-License-Identifier: MIT */
/*
 * xennet-simback: a simulated Xen backend.  One unix socket carries both
 * the XenStore wire protocol (for the frontend's libxenstore) and the
 * simulator's control protocol (grant table hand-over, event channels).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include "common/fdpass.h"
#include "common/mac.h"
#include "simback.h"
#include "simproto.h"
#include "xs_server.h"

#define MAX_CTL 8
#define MAX_PEND 4               /* accepted, not classified yet */
#define PEND_MS 2000             /* how long one may stay silent */
#define MAX_PFD 64

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

static void usage(FILE *f)
{
	fprintf(f,
"usage: xennet-simback --socket PATH [options]      run a simulated backend\n"
"       xennet-simback query --socket PATH           print the simulator's state\n"
"       xennet-simback ctl --socket PATH ACTION      restart | away | back | restore | gen SIZE\n"
"options:\n"
"  --socket PATH        unix socket for XenStore and the simulator (required)\n"
"  --domid N            the guest's domain id (default 1)\n"
"  --backend-domid N    the backend's domain id (default 0)\n"
"  --vif N              the vif's handle (default 0)\n"
"  --mac MAC|none       MAC written to XenStore, unchecked (default 00:16:3e:00:00:01)\n"
"  --mtu N|none         the mtu key libxl writes (default 1500; none: no key)\n"
"  --no-rx-copy         advertise feature-rx-copy=0 (RX flip mode only)\n"
"  --tap NAME           bridge the rings to TAP device NAME (created here)\n"
"  --stall STATE        never reach STATE: initwait or connected\n"
"  --hostile KIND       corrupt RX responses: bad-id, bad-size, bad-offset, runaway\n"
"  --hostile-every N    ...every Nth one (default 10)\n"
"  --fail-commits N     fail the next N transaction commits with EAGAIN\n"
"  --gen-size N         no wire: fill every RX buffer with an N-byte UDP frame (load generator)\n"
"  --gen-dst MAC,IP,PORT  the generator's frames to this MAC, IPv4 address and UDP port\n"
"                       (default: another host's MAC, dropped by the guest's stack)\n"
"  --stale-frontend     start with the keys an unbound kernel netfront leaves\n"
"  --verbose            log every XenStore access\n"
"SIGUSR1 makes the backend go away and come back (Closing, Closed, InitWait).\n"
"ctl: restart (the same), away (Closing, Closed, and deaf until back), back\n"
"(InitWait), restore (xl save + restore: a new domain id, the old event\n"
"channels and grants dead, the backend in a new directory), gen SIZE (the\n"
"generator on, at SIZE bytes, or off with 0: the TAP serves RX again).\n");
}

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
			if (sb->net.chan == e)
				sb->net.chan = NULL;
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

static int query_text(struct simback *sb, char *buf, size_t size)
{
	struct simnet *n = &sb->net;
	unsigned long fe = 0;
	char path[128], *v = NULL;
	unsigned int len;
	int bound = 0;

	snprintf(path, sizeof(path), "%s/state", n->fe_dir);
	if (xs_store_read(sb->st, 0, path, &v, &len) == 0)
		fe = strtoul(v, NULL, 10);
	free(v);
	int ring = 0;

	for (int k = 0; k < SIM_MAX_EVTCHN; k++)
		bound += sb->evt[k].port != 0;
	/* the shared rings' indices: what each side has produced, consumed and
	 * asked to be woken for (a stalled pair shows here) */
	if (n->connected)
		ring = snprintf(buf, size,
			"rx-ring=req_prod %u req_cons %u req_event %u rsp_prod %u rsp_event %u\n"
			"tx-ring=req_prod %u req_cons %u req_event %u rsp_prod %u rsp_event %u\n",
			n->rx.sring->req_prod, n->rx.req_cons, n->rx.sring->req_event,
			n->rx.sring->rsp_prod, n->rx.sring->rsp_event, n->tx.sring->req_prod,
			n->tx.req_cons, n->tx.sring->req_event, n->tx.sring->rsp_prod,
			n->tx.sring->rsp_event);
	if (ring < 0 || (size_t)ring >= size)
		ring = 0;
	buf += ring;
	size -= (size_t)ring;
	return ring + snprintf(buf, size,
		"frontend-state=%lu\nbackend-state=%d\nconnected=%d\ngrants-active=%u\n"
		"grants-mapped=%u\ngrants-denied=%llu\ngrants-reclaimed=%llu\nevtchn-bound=%d\n"
		"tx-packets=%llu\ntx-bytes=%llu\ntx-bad=%llu\nrx-packets=%llu\nrx-bytes=%llu\n"
		"rx-bad-copy=%llu\nhostile-sent=%llu\nconnects=%llu\ndisconnects=%llu\nrestarts=%llu\n"
		"restores=%llu\ndomid=%u\n",
		fe, n->be_state, n->connected, gnttab_back_active(&sb->gt), gnttab_back_mapped(&sb->gt),
		(unsigned long long)sb->gt.denied, (unsigned long long)sb->gt.reclaimed, bound,
		(unsigned long long)n->stats.tx_packets, (unsigned long long)n->stats.tx_bytes,
		(unsigned long long)n->stats.tx_bad, (unsigned long long)n->stats.rx_packets,
		(unsigned long long)n->stats.rx_bytes, (unsigned long long)n->stats.rx_bad_copy,
		(unsigned long long)n->stats.hostile_sent, (unsigned long long)n->stats.connects,
		(unsigned long long)n->stats.disconnects, (unsigned long long)n->stats.restarts,
		(unsigned long long)n->stats.restores, n->cfg.fe_domid);
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
	char text[2048];
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
				if (sb->net.chan == e)
					sb->net.chan = NULL;
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

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
		int n = 0, nxs, nctl_base, nevt_base, nevt = 0, wire = -1, timeout = -1;

		simnet_handle_state(&sb->net);
		if (simnet_service(&sb->net))
			timeout = 0;    /* more may be waiting: do not sleep */
		else if (simnet_final_check(&sb->net))
			timeout = 0;
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
			if (sb->pend[i] >= 0 && timeout < 0)
				timeout = 100;   /* to drop it when it stays silent */
		}
		nevt_base = n;
		if (sb->net.chan) {
			pfd[n++] = (struct pollfd){ .fd = sb->net.chan->to_back, .events = POLLIN };
			nevt = 1;
		}
		wire = simnet_wire_fd(&sb->net);
		if (wire >= 0)
			pfd[n++] = (struct pollfd){ .fd = wire, .events = POLLIN };
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
		for (int i = 0; i < MAX_PEND; i++)
			if (sb->pend[i] >= 0)
				classify(sb, i);   /* ready, or past its time */
		if (pfd[0].revents & POLLIN)
			accept_conn(sb);
		for (int i = 0; i < MAX_CTL; i++)
			if (sb->ctl[i] >= 0 && pfd[nctl_base + i].revents)
				ctl_handle(sb, i);
		if (nevt && pfd[nevt_base].revents & POLLIN && sb->net.chan) {
			uint64_t v;

			if (read(sb->net.chan->to_back, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -1;
		}
		xs_server_service(sb->srv, pfd + n, nxs);
	}
}

static int ctl(const char *path, const char *action, const char *value)
{
	static const char *const names[] = { "", "restart", "away", "back", "restore", "gen" };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xsim_msg m = { .magic = XSIM_MAGIC, .type = XSIM_CTL };
	int fd, fds[FDPASS_MAX], nfds;

	for (unsigned int i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (action && !strcmp(action, names[i]))
			m.arg = i;
	if (!m.arg || (m.arg == XSIM_CTL_GEN) != (value != NULL)) {
		fprintf(stderr, "xennet-simback: ctl: '%s' is not restart, away, back, restore or gen SIZE\n",
			action ? action : "");
		return 2;
	}
	if (value) {
		unsigned long v;

		if (parse_num("gen", value, 1514, &v) || (v && v < 60))
			return 2;
		m.port = (uint32_t)v;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fdpass_send(fd, &m, sizeof(m), NULL, 0) < 0 || fdpass_recv(fd, &m, sizeof(m), fds, &nfds) < 0) {
		fprintf(stderr, "xennet-simback: ctl %s: %s\n", path, strerror(errno));
		return 1;
	}
	close(fd);
	if (m.err) {
		fprintf(stderr, "xennet-simback: ctl %s: %s\n", action, strerror(m.err));
		return 1;
	}
	return 0;
}

static int query(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct xsim_msg m = { .magic = XSIM_MAGIC, .type = XSIM_QUERY };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fds[FDPASS_MAX], nfds;
	char text[2048];

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "domid", required_argument, NULL, 'd' },
		{ "backend-domid", required_argument, NULL, 'b' },
		{ "vif", required_argument, NULL, 'v' },
		{ "mac", required_argument, NULL, 'm' },
		{ "mtu", required_argument, NULL, 'M' },
		{ "no-rx-copy", no_argument, NULL, 'R' },
		{ "tap", required_argument, NULL, 't' },
		{ "stall", required_argument, NULL, 'S' },
		{ "hostile", required_argument, NULL, 'H' },
		{ "hostile-every", required_argument, NULL, 'E' },
		{ "fail-commits", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "gen-size", required_argument, NULL, 'G' },
		{ "gen-dst", required_argument, NULL, 'D' },
		{ "stale-frontend", no_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct simnet_cfg cfg = { .fe_domid = 1, .rx_copy = true, .mtu = 1500, .mac = "00:16:3e:00:00:01",
				  .hostile_every = 10 };
	struct simback sb = { .lfd = -1, .sigfd = -1, .next_port = 7, .guest_ctl = -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned long v, fail_commits = 0;
	bool is_query = false, is_ctl = false;
	sigset_t mask;
	int c, ret = 1;

	if (argc > 1 && (!strcmp(argv[1], "query") || !strcmp(argv[1], "ctl"))) {
		is_query = !strcmp(argv[1], "query");
		is_ctl = !is_query;
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': sb.sock_path = optarg; break;
		case 'd': if (parse_num("--domid", optarg, 0x7fef, &v)) return 2; cfg.fe_domid = (uint16_t)v; break;
		case 'b': if (parse_num("--backend-domid", optarg, 0x7fef, &v)) return 2; cfg.be_domid = (uint16_t)v; break;
		case 'v': if (parse_num("--vif", optarg, 65535, &v)) return 2; cfg.vif = (unsigned int)v; break;
		case 'm': cfg.mac = strcmp(optarg, "none") ? optarg : NULL; break;
		case 'M':
			if (!strcmp(optarg, "none")) { cfg.mtu = 0; break; }
			if (parse_num("--mtu", optarg, 65535, &v)) return 2;
			if (v < 68) { fprintf(stderr, "xennet-simback: --mtu %lu is below 68\n", v); return 2; }
			cfg.mtu = (unsigned int)v;
			break;
		case 'R': cfg.rx_copy = false; break;
		case 't': cfg.tap = optarg; break;
		case 'S':
			if (!strcmp(optarg, "initwait"))
				cfg.stall = STALL_INITWAIT;
			else if (!strcmp(optarg, "connected"))
				cfg.stall = STALL_CONNECTED;
			else {
				fprintf(stderr, "xennet-simback: --stall: '%s' is not initwait or connected\n", optarg);
				return 2;
			}
			break;
		case 'H': {
			static const char *const kinds[] = { "", "bad-id", "bad-size", "bad-offset", "runaway" };

			cfg.hostile = HOSTILE_NONE;
			for (unsigned int k = 1; k < sizeof(kinds) / sizeof(kinds[0]); k++)
				if (!strcmp(optarg, kinds[k]))
					cfg.hostile = (enum sim_hostile)k;
			if (cfg.hostile == HOSTILE_NONE) {
				fprintf(stderr, "xennet-simback: --hostile: unknown kind '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'E': if (parse_num("--hostile-every", optarg, 1000000, &v) || !v) return 2; cfg.hostile_every = (unsigned int)v; break;
		case 'F': if (parse_num("--fail-commits", optarg, 1000, &fail_commits)) return 2; break;
		case 'V': sb.verbose = true; break;
		case 'X': cfg.stale_frontend = true; break;
		case 'G':
			if (parse_num("--gen-size", optarg, 1514, &v) || v < 60) {
				fprintf(stderr, "xennet-simback: --gen-size must be 60..1514\n");
				return 2;
			}
			cfg.gen_size = (unsigned int)v;
			break;
		case 'D':
			if (gen_dst_parse(optarg, &cfg.gen_dst) < 0) {
				fprintf(stderr, "xennet-simback: --gen-dst: '%s' is not MAC,IPV4,PORT\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (is_ctl && sb.sock_path && (optind == argc - 1 || optind == argc - 2))
		return ctl(sb.sock_path, argv[optind], optind == argc - 2 ? argv[optind + 1] : NULL);
	if (!sb.sock_path || optind != argc) {
		fprintf(stderr, "xennet-simback: %s\n", sb.sock_path ? "unexpected argument" : "--socket PATH is required");
		return 2;
	}
	if (is_query)
		return query(sb.sock_path);
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
