/* SPDX-License-Identifier: MIT */
/*
 * The simulated netback driven as a frontend drives it: a fake frontend
 * with its grant table and pages in memory (handed to gnttab_back as the
 * real one hands them over), its rings and event channels, its keys in the
 * store; the host side is one socketpair per queue carrying what a TAP
 * with IFF_VNET_HDR carries (a virtio_net_hdr, then the frame).  Each test
 * checks that what the frontend sees on its rings is what netif.h says,
 * laid out as xen-netback lays it out, and what the host sees on the wire.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/virtio_net.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/uio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include "simproto.h"
#include "common/netns.h"
#include "simback/pkt.h"
#include "simback/simback.h"

#define FE "/local/domain/1/device/vif/0"
#define BE "/local/domain/0/backend/vif/1/0"
#define NPAGES 1100u
#define RXN NET_RX_RING_SIZE
#define TXN NET_TX_RING_SIZE
#define PAGE 4096u

struct fq {
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	uint32_t tx_ring_ref, rx_ring_ref;
	struct sim_evtchn *txe, *rxe;
	uint32_t rx_ref[RXN], rx_page[RXN];
	uint32_t tx_ref[TXN], tx_page[TXN];
};

struct fe {
	struct xs_store *st;
	struct gnttab_back gt;
	struct sim_evtchn evt[SIM_MAX_EVTCHN];
	int next_port;
	struct simnet n;
	struct simnet_cfg cfg;
	grant_entry_v1_t *gtab;
	uint8_t *pool;
	uint32_t next_page, next_ref;
	int host[SIM_MAX_QUEUES], wire[SIM_MAX_QUEUES];
	struct fq q[SIM_MAX_QUEUES];
	unsigned int nq;
};

/* ---- the fake frontend ------------------------------------------------ */

static uint32_t grant(struct fe *f, uint32_t page, bool ro)
{
	uint32_t ref = f->next_ref++;

	f->gtab[ref].frame = page;
	f->gtab[ref].domid = 0;
	__atomic_store_n(&f->gtab[ref].flags, (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return ref;
}

static uint8_t *page_of(struct fe *f, uint32_t page)
{
	return f->pool + (size_t)page * PAGE;
}

static struct sim_evtchn *evt_alloc(struct fe *f)
{
	for (int i = 0; i < SIM_MAX_EVTCHN; i++) {
		struct sim_evtchn *e = &f->evt[i];

		if (e->port)
			continue;
		e->port = f->next_port++;
		e->to_back = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		e->to_front = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		e->owner = -1;
		return e;
	}
	return NULL;
}

/* How many times the backend notified this channel since the last look. */
static unsigned int kicks(struct sim_evtchn *e)
{
	uint64_t v = 0;

	return read(e->to_front, &v, sizeof(v)) == sizeof(v) ? (unsigned int)v : 0;
}

static void put(struct fe *f, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(struct fe *f, const char *path, const char *fmt, ...)
{
	char v[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	assert_int_equal(xs_store_write(f->st, 0, path, v, (unsigned int)strlen(v)), 0);
}

static int be_state(struct fe *f)
{
	char *v = NULL;
	unsigned int len;
	int s;

	assert_int_equal(xs_store_read(f->st, 0, BE "/state", &v, &len), 0);
	s = atoi(v);
	free(v);
	return s;
}

static int fe_init(void *arg)
{
	struct fe *f = arg;

	return simnet_init(&f->n, &f->cfg, f->st, &f->gt, f->evt);
}

/* A fake frontend and a simulator; its host side a socketpair per queue,
 * or (tap) a TAP the simulator creates in namespace netns. */
static struct fe *fe_new_at(const struct simnet_cfg *over, const char *netns, const char *tap)
{
	struct fe *f = calloc(1, sizeof(*f));
	int g = memfd_create("gnttab", MFD_CLOEXEC | MFD_ALLOW_SEALING),
	    p = memfd_create("pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_non_null(f);
	assert_true(g >= 0 && p >= 0);
	assert_int_equal(ftruncate(g, XSIM_GNTTAB_ENTRIES * sizeof(grant_entry_v1_t)), 0);
	assert_int_equal(ftruncate(p, (off_t)NPAGES * PAGE), 0);
	/* the simulator takes only memfds that cannot shrink under it */
	assert_int_equal(fcntl(g, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
	assert_int_equal(fcntl(p, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
	f->gtab = mmap(NULL, XSIM_GNTTAB_ENTRIES * sizeof(grant_entry_v1_t), PROT_READ | PROT_WRITE,
		       MAP_SHARED, g, 0);
	f->pool = mmap(NULL, (size_t)NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, p, 0);
	assert_true(f->gtab != MAP_FAILED && f->pool != MAP_FAILED);
	assert_int_equal(gnttab_back_attach(&f->gt, g, p, NPAGES, 0), 0);   /* takes the fds */
	f->next_ref = XSIM_GNTTAB_RESERVED;
	f->next_port = 7;
	f->st = xs_store_new();
	assert_non_null(f->st);
	for (int i = 0; i < SIM_MAX_QUEUES; i++) {
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
		f->wire[i] = sv[0];
		f->host[i] = sv[1];
		for (int k = 0; k < 2; k++) {
			int sz = 1 << 22;

			setsockopt(sv[k], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
			setsockopt(sv[k], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		}
	}
	f->cfg = (struct simnet_cfg){ .fe_domid = 1, .rx_copy = true, .mtu = 1500, .mac = "00:16:3e:00:00:01",
				      .hostile_every = 1, .max_queues = 2, .wire_fds = f->wire };
	if (over) {
		f->cfg.mtu = over->mtu ? over->mtu : f->cfg.mtu;
		f->cfg.max_queues = over->max_queues ? over->max_queues : 2;
		f->cfg.hostile = over->hostile;
		f->cfg.hostile_every = over->hostile_every ? over->hostile_every : 1;
		f->cfg.gen_size = over->gen_size;
		f->cfg.gen_dst = over->gen_dst;
	}
	if (tap) {
		f->cfg.tap = tap;
		f->cfg.wire_fds = NULL;
	}
	assert_int_equal(netns_run(netns, fe_init, f), 0);
	assert_int_equal(be_state(f), XenbusStateInitWait);
	return f;
}

static struct fe *fe_new_cfg(const struct simnet_cfg *over)
{
	return fe_new_at(over, NULL, NULL);
}

static void fe_free(struct fe *f)
{
	simnet_fini(&f->n);
	assert_int_equal(gnttab_back_mapped(&f->gt), 0);   /* nothing left mapped */
	gnttab_back_detach(&f->gt);
	xs_store_free(f->st);
	for (int i = 0; i < SIM_MAX_EVTCHN; i++)
		if (f->evt[i].port) {
			close(f->evt[i].to_back);
			close(f->evt[i].to_front);
		}
	for (int i = 0; i < SIM_MAX_QUEUES; i++) {
		close(f->wire[i]);
		close(f->host[i]);
	}
	munmap(f->gtab, XSIM_GNTTAB_ENTRIES * sizeof(grant_entry_v1_t));
	munmap(f->pool, (size_t)NPAGES * PAGE);
	free(f);
}

/* Rings, buffers and channels for nq queues, keys written as a frontend
 * does (flat for one queue, queue-N/ for more). */
static void fe_rings(struct fe *f, unsigned int nq, bool split)
{
	f->nq = nq;
	if (nq > 1)
		put(f, FE "/multi-queue-num-queues", "%u", nq);
	for (unsigned int i = 0; i < nq; i++) {
		struct fq *q = &f->q[i];
		uint32_t tp = f->next_page++, rp = f->next_page++;
		char dir[128];

		SHARED_RING_INIT((netif_tx_sring_t *)page_of(f, tp));
		SHARED_RING_INIT((netif_rx_sring_t *)page_of(f, rp));
		FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)page_of(f, tp), PAGE);
		FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)page_of(f, rp), PAGE);
		q->tx_ring_ref = grant(f, tp, false);
		q->rx_ring_ref = grant(f, rp, false);
		for (unsigned int k = 0; k < RXN; k++) {
			q->rx_page[k] = f->next_page++;
			q->rx_ref[k] = grant(f, q->rx_page[k], false);
		}
		for (unsigned int k = 0; k < TXN; k++) {
			q->tx_page[k] = f->next_page++;
			q->tx_ref[k] = grant(f, q->tx_page[k], true);
		}
		assert_true(f->next_page <= NPAGES);
		q->txe = evt_alloc(f);
		q->rxe = split ? evt_alloc(f) : q->txe;
		if (nq == 1)
			snprintf(dir, sizeof(dir), "%s", FE);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", FE, i);
		char p[160];

		snprintf(p, sizeof(p), "%s/tx-ring-ref", dir);
		put(f, p, "%u", q->tx_ring_ref);
		snprintf(p, sizeof(p), "%s/rx-ring-ref", dir);
		put(f, p, "%u", q->rx_ring_ref);
		if (split) {
			snprintf(p, sizeof(p), "%s/event-channel-tx", dir);
			put(f, p, "%d", q->txe->port);
			snprintf(p, sizeof(p), "%s/event-channel-rx", dir);
			put(f, p, "%d", q->rxe->port);
		} else {
			snprintf(p, sizeof(p), "%s/event-channel", dir);
			put(f, p, "%d", q->txe->port);
		}
	}
	put(f, FE "/request-rx-copy", "1");
	put(f, FE "/feature-rx-notify", "1");
}

/* The frontend's features: sg, gso (v4 and v6), csum (v4 and v6). */
static void fe_features(struct fe *f, bool sg, bool gso, bool csum)
{
	put(f, FE "/feature-sg", "%d", sg);
	put(f, FE "/feature-gso-tcpv4", "%d", gso);
	put(f, FE "/feature-gso-tcpv6", "%d", gso);
	put(f, FE "/feature-no-csum-offload", "%d", !csum);
	put(f, FE "/feature-ipv6-csum-offload", "%d", csum);
}

static void drive(struct fe *f)
{
	for (int i = 0; i < 1000; i++) {
		simnet_handle_state(&f->n);
		if (!simnet_service(&f->n))
			return;
	}
	fail_msg("the simulator never settles");
}

/* Frontend Connected; the backend's answer. */
static int fe_go(struct fe *f)
{
	put(f, FE "/state", "%d", XenbusStateConnected);
	drive(f);
	return be_state(f);
}

static struct fe *fe_connected(unsigned int nq, bool split, bool sg, bool gso, bool csum,
			       const struct simnet_cfg *over)
{
	struct fe *f = fe_new_cfg(over);

	fe_rings(f, nq, split);
	fe_features(f, sg, gso, csum);
	assert_int_equal(fe_go(f), XenbusStateConnected);
	return f;
}

static void post_rx(struct fe *f, unsigned int qi, unsigned int count)
{
	struct fq *q = &f->q[qi];
	int notify;

	for (unsigned int k = 0; k < count; k++) {
		netif_rx_request_t *r = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);
		uint16_t id = (uint16_t)(q->rx.req_prod_pvt & (RXN - 1));

		r->id = id;
		r->gref = q->rx_ref[id];
		q->rx.req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	(void)notify;
}

/* ---- frames, with a checksum reference of the test's own ------------- */

enum csum { C_FULL, C_SEED, C_ZERO };

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t pseudo(const uint8_t *f, size_t len, bool v6, uint8_t proto, size_t l4)
{
	uint32_t s = proto + (uint32_t)(len - l4);

	return v6 ? sum16(f + 22, 32, s) : sum16(f + 26, 8, s);
}

/* Ethernet, IPv4 or IPv6, TCP or UDP, len bytes in all, payload a pattern
 * of seed; the L4 checksum full, a partial seed, or zero. */
static void mk_frame(uint8_t *f, size_t len, bool v6, uint8_t proto, enum csum c, uint8_t seed)
{
	size_t l4 = v6 ? 54 : 34, hl = proto == IPPROTO_TCP ? 20 : 8, ck = l4 + (proto == IPPROTO_TCP ? 16 : 6);

	memset(f, 0, l4 + hl);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (v6) {
		f[12] = 0x86, f[13] = 0xdd;
		f[14] = 0x60;
		f[18] = (uint8_t)((len - 54) >> 8), f[19] = (uint8_t)(len - 54);
		f[20] = proto, f[21] = 64;
		f[22] = 0xfd, f[37] = 1, f[38] = 0xfd, f[53] = 2;
	} else {
		f[12] = 0x08;
		f[14] = 0x45;
		f[16] = (uint8_t)((len - 14) >> 8), f[17] = (uint8_t)(len - 14);
		f[20] = 0x40, f[22] = 64, f[23] = proto;
		memcpy(f + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
		uint16_t h = (uint16_t)~fold(sum16(f + 14, 20, 0));

		f[24] = (uint8_t)(h >> 8), f[25] = (uint8_t)h;
	}
	f[l4] = 0x30, f[l4 + 1] = 0x39, f[l4 + 2] = 0x00, f[l4 + 3] = 0x50;
	if (proto == IPPROTO_TCP) {
		f[l4 + 7] = 1;
		f[l4 + 12] = 0x50, f[l4 + 13] = 0x10, f[l4 + 14] = 0xff;
	} else {
		f[l4 + 4] = (uint8_t)((len - l4) >> 8), f[l4 + 5] = (uint8_t)(len - l4);
	}
	for (size_t i = l4 + hl; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seed);
	uint16_t v = 0;

	if (c == C_SEED)
		v = fold(pseudo(f, len, v6, proto, l4));
	else if (c == C_FULL)
		v = (uint16_t)~fold(sum16(f + l4, len - l4, pseudo(f, len, v6, proto, l4)));
	f[ck] = (uint8_t)(v >> 8), f[ck + 1] = (uint8_t)v;
}

static bool csum_ok(const uint8_t *f, size_t len)
{
	bool v6 = f[12] == 0x86;
	size_t l4 = v6 ? 54 : 34;
	uint8_t proto = v6 ? f[20] : f[23];

	return fold(sum16(f + l4, len - l4, pseudo(f, len, v6, proto, l4))) == 0xffff;
}

/* ---- the host's side of the wire ------------------------------------- */

static void host_send(struct fe *f, unsigned int qi, const struct virtio_net_hdr *vh, const uint8_t *frame,
		      size_t len)
{
	static uint8_t buf[SIM_FRAME_MAX + 64];

	memcpy(buf, vh, sizeof(*vh));
	memcpy(buf + sizeof(*vh), frame, len);
	assert_int_equal(send(f->host[qi], buf, sizeof(*vh) + len, 0), (ssize_t)(sizeof(*vh) + len));
}

static void host_send_plain(struct fe *f, unsigned int qi, const uint8_t *frame, size_t len)
{
	struct virtio_net_hdr vh = { 0 };

	host_send(f, qi, &vh, frame, len);
}

/* A frame the simulator wrote to queue qi's wire; -1 if none. */
static ssize_t host_recv(struct fe *f, unsigned int qi, struct virtio_net_hdr *vh, uint8_t *frame)
{
	static uint8_t buf[SIM_FRAME_MAX + 64];
	ssize_t r = recv(f->host[qi], buf, sizeof(buf), 0);

	if (r < 0)
		return -1;
	assert_true(r >= (ssize_t)sizeof(*vh));
	memcpy(vh, buf, sizeof(*vh));
	memcpy(frame, buf + sizeof(*vh), (size_t)r - sizeof(*vh));
	return r - (ssize_t)sizeof(*vh);
}

/* ---- reading the RX ring as netif.h describes it ---------------------- */

struct rxpkt {
	uint8_t data[SIM_FRAME_MAX];
	uint32_t len;
	uint16_t flags;           /* the first slot's */
	unsigned int nslots, nextra;
	struct netif_extra_info extra[4];
	uint16_t slot_len[32];
	uint16_t slot_flags[32];
	bool ids_ok;              /* every data slot answered the request in its ring slot */
	bool truncated;           /* more_data on the last response pushed */
};

static int rx_take(struct fe *f, unsigned int qi, struct rxpkt *p)
{
	struct fq *q = &f->q[qi];
	RING_IDX i = q->rx.rsp_cons, prod = q->rx.sring->rsp_prod;
	bool more;
	unsigned int d = 0;

	p->len = 0;
	p->nslots = p->nextra = 0;
	p->ids_ok = true;
	p->truncated = false;
	if (i == prod)
		return 0;
	for (bool first = true;; first = false) {
		netif_rx_response_t r;

		if (i == prod) {
			p->truncated = true;
			break;
		}
		RING_COPY_RESPONSE(&q->rx, i, &r);
		p->ids_ok &= r.id == (uint16_t)(i & (RXN - 1));
		assert_true(r.status >= 0 && r.offset + r.status <= (int)PAGE);
		memcpy(p->data + p->len, page_of(f, q->rx_page[i & (RXN - 1)]) + r.offset, (size_t)r.status);
		p->len += (uint32_t)r.status;
		p->slot_len[d] = (uint16_t)r.status;
		p->slot_flags[d++] = r.flags;
		i++;
		if (first) {
			p->flags = r.flags;
			if (r.flags & NETRXF_extra_info) {
				struct netif_extra_info e;

				do {
					assert_true(i != prod);
					memcpy(&e, RING_GET_RESPONSE(&q->rx, i), sizeof(e));
					p->extra[p->nextra++] = e;
					i++;
				} while ((e.flags & XEN_NETIF_EXTRA_FLAG_MORE) && p->nextra < 4);
			}
		}
		more = r.flags & NETRXF_more_data;
		if (!more)
			break;
	}
	p->nslots = i - q->rx.rsp_cons;
	q->rx.rsp_cons = i;
	return 1;
}

/* ---- TX requests as a frontend writes them ---------------------------- */

static uint16_t tx_slot(struct fe *f, unsigned int qi, const uint8_t *data, uint16_t len, uint16_t off,
			uint16_t flags, uint16_t size)
{
	struct fq *q = &f->q[qi];
	uint16_t id = (uint16_t)(q->tx.req_prod_pvt & (TXN - 1));
	netif_tx_request_t *r = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);

	if (data)
		memcpy(page_of(f, q->tx_page[id]) + off, data, len);
	r->gref = q->tx_ref[id];
	r->offset = off;
	r->flags = flags;
	r->id = id;
	r->size = size;
	q->tx.req_prod_pvt++;
	return id;
}

static void tx_extra(struct fe *f, unsigned int qi, const struct netif_extra_info *e)
{
	struct fq *q = &f->q[qi];

	memset(RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt), 0, sizeof(netif_tx_request_t));
	memcpy(RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt), e, sizeof(*e));
	q->tx.req_prod_pvt++;
}

static void tx_push(struct fe *f, unsigned int qi)
{
	int notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&f->q[qi].tx, notify);
	(void)notify;
}

/* A packet in slots of at most chunk bytes: the first's size the whole. */
static void tx_packet(struct fe *f, unsigned int qi, const uint8_t *frame, uint16_t len, uint16_t chunk,
		      uint16_t flags, const struct netif_extra_info *gso)
{
	uint16_t first = len < chunk ? len : chunk;

	tx_slot(f, qi, frame, first, 0, (uint16_t)(flags | (first < len ? NETTXF_more_data : 0) |
						    (gso ? NETTXF_extra_info : 0)), len);
	if (gso)
		tx_extra(f, qi, gso);
	for (uint16_t off = first; off < len;) {
		uint16_t c = (uint16_t)(len - off < chunk ? len - off : chunk);

		tx_slot(f, qi, frame + off, c, 0, off + c < len ? NETTXF_more_data : 0, c);
		off = (uint16_t)(off + c);
	}
	tx_push(f, qi);
}

static netif_tx_response_t tx_rsp(struct fe *f, unsigned int qi, RING_IDX i)
{
	netif_tx_response_t r;

	RING_COPY_RESPONSE(&f->q[qi].tx, i, &r);
	return r;
}

static uint64_t qstat(struct fe *f, unsigned int qi, size_t off)
{
	return *(const uint64_t *)((const char *)&f->n.q[qi].stats + off);
}
#define QSTAT(f, qi, field) qstat(f, qi, offsetof(struct simnet_qstats, field))

static uint8_t frame[SIM_FRAME_MAX], got[SIM_FRAME_MAX];
static struct rxpkt rp;

/* ---- the handshake ---------------------------------------------------- */

static void one_queue_flat_keys(void **state)
{
	struct fe *f = fe_connected(1, false, false, false, false, NULL);

	(void)state;
	assert_int_equal(f->n.nqueues, 1);
	assert_ptr_equal(f->n.q[0].tx_chan, f->n.q[0].rx_chan);
	assert_int_equal(f->n.q[0].tx_chan->port, f->q[0].txe->port);
	assert_false(f->n.fe.sg);
	assert_false(f->n.fe.ip_csum);
	fe_free(f);
}

static void two_queues_split_channels(void **state)
{
	struct fe *f = fe_connected(2, true, true, true, true, NULL);

	(void)state;
	assert_int_equal(f->n.nqueues, 2);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(f->n.q[i].tx_chan->port, f->q[i].txe->port);
		assert_int_equal(f->n.q[i].rx_chan->port, f->q[i].rxe->port);
		assert_ptr_not_equal(f->n.q[i].tx_chan, f->n.q[i].rx_chan);
	}
	/* each queue's frames from the host reach that queue's ring, on its
	 * RX channel; what the frontend sends on a queue leaves on its wire */
	for (unsigned int i = 0; i < 2; i++) {
		post_rx(f, i, 8);
		mk_frame(frame, 100 + i, false, IPPROTO_UDP, C_FULL, (uint8_t)i);
		host_send_plain(f, i, frame, 100 + i);
	}
	drive(f);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(rx_take(f, i, &rp), 1);
		assert_int_equal(rp.len, 100 + i);
		assert_true(rp.ids_ok);
		assert_int_equal(kicks(f->q[i].rxe), 1);
		assert_int_equal(kicks(f->q[i].txe), 0);
		assert_int_equal(rx_take(f, i, &rp), 0);
	}
	for (unsigned int i = 0; i < 2; i++) {
		struct virtio_net_hdr vh;

		mk_frame(frame, 200 + i, false, IPPROTO_UDP, C_FULL, (uint8_t)(9 + i));
		tx_packet(f, i, frame, (uint16_t)(200 + i), PAGE, 0, NULL);
		drive(f);
		assert_int_equal(host_recv(f, i, &vh, got), 200 + i);
		assert_memory_equal(got, frame, 200 + i);
		assert_int_equal(host_recv(f, 1 - i, &vh, got), -1);
		assert_int_equal(tx_rsp(f, i, 0).status, NETIF_RSP_OKAY);
		assert_int_equal(kicks(f->q[i].txe), 1);
		assert_int_equal(kicks(f->q[i].rxe), 0);
	}
	assert_int_equal(QSTAT(f, 0, tx_packets), 1);
	assert_int_equal(QSTAT(f, 1, tx_packets), 1);
	assert_int_equal(QSTAT(f, 1, rx_packets), 1);
	fe_free(f);
}

/* What netback refuses at connect, each by its key; the backend goes
 * Closing and the simulator lives on. */
static void refusals(void **state)
{
	static const struct { const char *key, *val; unsigned int nq; } cases[] = {
		{ FE "/multi-queue-num-queues", "3", 2 },   /* more than offered */
		{ FE "/multi-queue-num-queues", "0", 2 },
		{ FE "/multi-queue-num-queues", "two", 2 },
		{ FE "/ctrl-ring-ref", "9", 1 },
		{ FE "/xdp-headroom", "256", 1 },
		{ FE "/request-rx-copy", "0", 1 },
		{ FE "/feature-sg", "yes", 1 },
		{ FE "/queue-1/tx-ring-ref", NULL, 2 },     /* one queue's keys missing */
		{ FE "/event-channel", "99", 1 },           /* not a bound channel */
		{ FE "/queue-1/event-channel", "7", 2 },    /* queue 0's channel again */
		{ FE "/tx-ring-ref", "4095", 1 },           /* not granted */
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fe *f = fe_new_cfg(NULL);

		fe_rings(f, cases[c].nq, false);
		if (cases[c].val)
			put(f, cases[c].key, "%s", cases[c].val);
		else
			assert_int_equal(xs_store_rm(f->st, 0, cases[c].key), 0);
		assert_int_equal(fe_go(f), XenbusStateClosing);
		assert_false(f->n.connected);
		assert_int_equal(gnttab_back_mapped(&f->gt), 0);
		fe_free(f);
	}
}

/* A queue-N/ directory past the queues asked for: read by nobody (as in
 * netback), counted; one queue reads only the flat keys. */
static void stray_queue_dirs(void **state)
{
	struct fe *f = fe_new_cfg(NULL);

	(void)state;
	fe_rings(f, 1, true);
	put(f, FE "/queue-7/tx-ring-ref", "1");
	put(f, FE "/queue-0/tx-ring-ref", "1");
	assert_int_equal(fe_go(f), XenbusStateConnected);
	assert_int_equal(f->n.stats.stray_queue_dirs, 2);
	fe_free(f);
	/* and with --max-queues 1, two queues are one too many */
	struct simnet_cfg over = { .max_queues = 1 };

	f = fe_new_cfg(&over);
	fe_rings(f, 2, false);
	assert_int_equal(fe_go(f), XenbusStateClosing);
	fe_free(f);
}

/* ---- receive: slots, checksums, GSO ----------------------------------- */

/* Jumbo frames with SG: one page per slot, more_data on all but the last,
 * each response in the slot of the request it consumed; a packet waits
 * until its slots are all posted. */
static void rx_jumbo_sg(void **state)
{
	struct simnet_cfg over = { .mtu = 9000 };
	struct fe *f = fe_connected(1, false, true, false, false, &over);

	(void)state;
	assert_int_equal(f->n.mtu, 9000);
	mk_frame(frame, 9014, false, IPPROTO_UDP, C_FULL, 3);
	host_send_plain(f, 0, frame, 9014);
	post_rx(f, 0, 2);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 0);          /* 3 slots needed, 2 posted */
	assert_int_equal(f->q[0].rx.sring->req_event, 3);  /* wake me at the next request */
	post_rx(f, 0, 1);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_int_equal(rp.nslots, 3);
	assert_int_equal(rp.slot_len[0], 4096);
	assert_int_equal(rp.slot_len[1], 4096);
	assert_int_equal(rp.slot_len[2], 9014 - 8192);
	assert_int_equal(rp.slot_flags[0], NETRXF_more_data);
	assert_int_equal(rp.slot_flags[1], NETRXF_more_data);
	assert_int_equal(rp.slot_flags[2], 0);
	assert_true(rp.ids_ok);
	assert_int_equal(rp.len, 9014);
	assert_memory_equal(rp.data, frame, 9014);
	assert_int_equal(QSTAT(f, 0, rx_slots), 3);
	/* every size from one slot to two, at the page edges */
	static const uint32_t sizes[] = { 60, 4095, 4096, 4097, 8192, 8193 };

	post_rx(f, 0, 20);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		mk_frame(frame, sizes[k], true, IPPROTO_TCP, C_FULL, (uint8_t)k);
		host_send_plain(f, 0, frame, sizes[k]);
		drive(f);
		assert_int_equal(rx_take(f, 0, &rp), 1);
		assert_int_equal(rp.len, sizes[k]);
		assert_int_equal(rp.nslots, (sizes[k] + 4095) / 4096);
		assert_memory_equal(rp.data, frame, sizes[k]);
		assert_false(rp.truncated);
	}
	fe_free(f);
}

/* Without feature-sg: no more_data ever, the MTU clamped to 1500 as
 * xenvif_carrier_on does, a frame past one page dropped and counted. */
static void rx_no_sg(void **state)
{
	struct simnet_cfg over = { .mtu = 9000 };
	struct fe *f = fe_connected(1, false, false, false, false, &over);

	(void)state;
	assert_int_equal(f->n.mtu, 1500);
	post_rx(f, 0, 8);
	mk_frame(frame, 6000, false, IPPROTO_UDP, C_FULL, 1);
	host_send_plain(f, 0, frame, 6000);
	mk_frame(frame, 1514, false, IPPROTO_UDP, C_FULL, 2);
	host_send_plain(f, 0, frame, 1514);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_int_equal(rp.nslots, 1);
	assert_int_equal(rp.flags, 0);
	assert_int_equal(rp.len, 1514);
	assert_int_equal(rx_take(f, 0, &rp), 0);
	assert_int_equal(QSTAT(f, 0, rx_dropped), 1);
	/* the generator likewise: past the clamped MTU it idles */
	assert_int_equal(simnet_set_gen(&f->n, 9014), 0);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 0);
	assert_true(f->n.gen_idle);
	assert_int_equal(simnet_set_gen(&f->n, 9015), -1);   /* past --mtu 9000 */
	fe_free(f);
}

static struct virtio_net_hdr partial(size_t l4, uint8_t proto)
{
	return (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = htole16((uint16_t)l4),
					.csum_offset = htole16(proto == IPPROTO_TCP ? 16 : 6) };
}

/* Partial checksums from the host: csum_blank|data_validated with the seed
 * left in place where the frontend negotiated the offload for that family;
 * completed here where it did not. */
static void rx_checksums(void **state)
{
	(void)state;
	for (int csum = 0; csum < 2; csum++) {
		struct fe *f = fe_connected(1, false, false, false, csum, NULL);

		if (csum) {   /* IPv4 only: no feature-ipv6-csum-offload */
			put(f, FE "/state", "%d", XenbusStateInitialising);
			drive(f);
			put(f, FE "/feature-ipv6-csum-offload", "0");
			assert_int_equal(fe_go(f), XenbusStateConnected);
			assert_true(f->n.fe.ip_csum && !f->n.fe.ipv6_csum);
		}
		post_rx(f, 0, 16);
		for (int v6 = 0; v6 < 2; v6++)
			for (int tcp = 0; tcp < 2; tcp++) {
				uint8_t proto = tcp ? IPPROTO_TCP : IPPROTO_UDP;
				struct virtio_net_hdr vh = partial(v6 ? 54 : 34, proto);
				bool blank = csum && !v6;

				mk_frame(frame, 700, v6, proto, C_SEED, 5);
				host_send(f, 0, &vh, frame, 700);
				drive(f);
				assert_int_equal(rx_take(f, 0, &rp), 1);
				assert_int_equal(rp.len, 700);
				if (blank) {
					assert_int_equal(rp.flags, NETRXF_csum_blank | NETRXF_data_validated);
					assert_memory_equal(rp.data, frame, 700);   /* the seed, untouched */
					assert_false(csum_ok(rp.data, 700));
				} else {
					assert_int_equal(rp.flags, 0);
					assert_true(csum_ok(rp.data, 700));
				}
			}
		/* the host validated it: data_validated alone */
		struct virtio_net_hdr dv = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };

		mk_frame(frame, 300, false, IPPROTO_TCP, C_FULL, 6);
		host_send(f, 0, &dv, frame, 300);
		drive(f);
		assert_int_equal(rx_take(f, 0, &rp), 1);
		assert_int_equal(rp.flags, NETRXF_data_validated);
		/* a checksum field past the frame: dropped */
		struct virtio_net_hdr bad = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = htole16(290),
					      .csum_offset = htole16(16) };

		host_send(f, 0, &bad, frame, 300);
		drive(f);
		assert_int_equal(rx_take(f, 0, &rp), 0);
		assert_int_equal(QSTAT(f, 0, rx_dropped), 1);
		assert_int_equal(QSTAT(f, 0, rx_csum_blank), csum ? 2 : 0);
		assert_int_equal(QSTAT(f, 0, rx_csum_done), csum ? 2 : 4);
		fe_free(f);
	}
}

/* GSO from the host: the first data slot (more_data, extra_info,
 * csum_blank|data_validated), then the GSO extra slot, then the rest of
 * the data, as xenvif_rx_skb orders them. */
static void rx_gso(void **state)
{
	struct fe *f = fe_connected(1, false, true, true, true, NULL);

	(void)state;
	post_rx(f, 0, RXN);
	for (int v6 = 0; v6 < 2; v6++) {
		size_t l4 = v6 ? 54 : 34, len = 60000 + (size_t)v6;
		struct virtio_net_hdr vh = partial(l4, IPPROTO_TCP);

		vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		vh.gso_size = htole16(1448);
		vh.hdr_len = htole16((uint16_t)(l4 + 20));
		mk_frame(frame, len, v6, IPPROTO_TCP, C_SEED, 7);
		host_send(f, 0, &vh, frame, len);
		drive(f);
		RING_IDX start = f->q[0].rx.rsp_cons;

		assert_int_equal(rx_take(f, 0, &rp), 1);
		assert_int_equal(rp.flags, NETRXF_more_data | NETRXF_extra_info | NETRXF_csum_blank |
					   NETRXF_data_validated);
		assert_int_equal(rp.nextra, 1);
		assert_int_equal(rp.extra[0].type, XEN_NETIF_EXTRA_TYPE_GSO);
		assert_int_equal(rp.extra[0].flags, 0);
		assert_int_equal(rp.extra[0].u.gso.size, 1448);
		assert_int_equal(rp.extra[0].u.gso.type, v6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4);
		assert_int_equal(rp.extra[0].u.gso.pad, 0);
		assert_int_equal(rp.extra[0].u.gso.features, 0);
		assert_int_equal(rp.nslots, (len + 4095) / 4096 + 1);
		assert_int_equal(rp.len, len);
		assert_memory_equal(rp.data, frame, len);
		/* the slot after the extra is the second data slot: its own request's id */
		netif_rx_response_t second;

		RING_COPY_RESPONSE(&f->q[0].rx, start + 2, &second);
		assert_int_equal(second.id, (start + 2) & (RXN - 1));
		assert_int_equal(second.status, 4096);
		post_rx(f, 0, rp.nslots);
	}
	assert_int_equal(QSTAT(f, 0, rx_gso), 2);
	fe_free(f);
	/* a frontend without GSO never gets a GSO packet */
	f = fe_connected(1, false, true, false, true, NULL);
	post_rx(f, 0, 32);
	struct virtio_net_hdr vh = partial(34, IPPROTO_TCP);

	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = htole16(1448);
	mk_frame(frame, 20000, false, IPPROTO_TCP, C_SEED, 7);
	host_send(f, 0, &vh, frame, 20000);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 0);
	assert_int_equal(QSTAT(f, 0, rx_dropped), 1);
	fe_free(f);
}

/* request-multicast-control: only the multicast addresses the frontend
 * added (XEN_NETIF_EXTRA_TYPE_MCAST_ADD) come through; broadcast always. */
static void rx_multicast_control(void **state)
{
	struct fe *f = fe_connected(1, false, false, false, false, NULL);
	struct netif_extra_info add = { .type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
					.u.mcast.addr = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };

	(void)state;
	put(f, FE "/request-multicast-control", "1");
	drive(f);
	assert_true(f->n.fe.mcast_ctrl);
	tx_slot(f, 0, NULL, 0, 0, NETTXF_extra_info, 0);
	tx_extra(f, 0, &add);
	tx_push(f, 0);
	drive(f);
	assert_int_equal(tx_rsp(f, 0, 0).status, NETIF_RSP_OKAY);
	assert_int_equal(tx_rsp(f, 0, 1).status, NETIF_RSP_NULL);
	assert_int_equal(f->n.nmcast, 1);
	post_rx(f, 0, 8);
	static const uint8_t dst[3][6] = { { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x02 },
					   { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
					   { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	for (int k = 0; k < 3; k++) {
		mk_frame(frame, 100, false, IPPROTO_UDP, C_FULL, 1);
		memcpy(frame, dst[k], 6);
		host_send_plain(f, 0, frame, 100);
	}
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_memory_equal(rp.data, dst[1], 6);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_memory_equal(rp.data, dst[2], 6);
	assert_int_equal(rx_take(f, 0, &rp), 0);
	assert_int_equal(QSTAT(f, 0, rx_dropped), 1);
	fe_free(f);
}

/* ---- transmit: chains, checksums, GSO, and what netback refuses -------- */

static void tx_chains(void **state)
{
	struct fe *f = fe_connected(1, false, true, false, false, NULL);
	struct virtio_net_hdr vh;

	(void)state;
	/* 9014 bytes in slots of 1000: 10 slots, each answered OKAY, in order */
	mk_frame(frame, 9014, false, IPPROTO_UDP, C_FULL, 4);
	tx_packet(f, 0, frame, 9014, 1000, 0, NULL);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), 9014);
	assert_memory_equal(got, frame, 9014);
	assert_int_equal(vh.flags, 0);
	assert_int_equal(f->q[0].tx.sring->rsp_prod, 10);
	for (RING_IDX i = 0; i < 10; i++) {
		assert_int_equal(tx_rsp(f, 0, i).id, i);
		assert_int_equal(tx_rsp(f, 0, i).status, NETIF_RSP_OKAY);
	}
	assert_int_equal(QSTAT(f, 0, tx_slots), 10);
	/* 19 slots (18 chained): the most netback takes */
	mk_frame(frame, 1900, false, IPPROTO_UDP, C_FULL, 5);
	tx_packet(f, 0, frame, 1900, 100, 0, NULL);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), 1900);
	assert_memory_equal(got, frame, 1900);
	/* 20 slots: every one answered ERROR, nothing sent, the vif lives */
	RING_IDX base = f->q[0].tx.req_prod_pvt;

	tx_packet(f, 0, frame, 2000, 100, 0, NULL);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), -1);
	for (RING_IDX i = 0; i < 20; i++)
		assert_int_equal(tx_rsp(f, 0, base + i).status, NETIF_RSP_ERROR);
	assert_int_equal(tx_rsp(f, 0, base + 19).id, (base + 19) & (TXN - 1));
	/* sizes that do not add up: a chained slot larger than what remains */
	base += 20;
	tx_slot(f, 0, frame, 100, 0, NETTXF_more_data, 150);
	tx_slot(f, 0, frame + 100, 200, 0, 0, 200);
	/* a first slot left with less than an Ethernet header */
	tx_slot(f, 0, frame, 10, 0, NETTXF_more_data, 110);
	tx_slot(f, 0, frame + 10, 100, 0, 0, 100);
	tx_push(f, 0);
	drive(f);
	for (RING_IDX i = 0; i < 4; i++)
		assert_int_equal(tx_rsp(f, 0, base + i).status, NETIF_RSP_ERROR);
	assert_int_equal(host_recv(f, 0, &vh, got), -1);
	assert_int_equal(QSTAT(f, 0, tx_err), 3);
	assert_false(f->n.disabled);
	/* and the vif still carries traffic */
	tx_packet(f, 0, frame, 1900, 1900, 0, NULL);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), 1900);
	assert_int_equal(QSTAT(f, 0, tx_packets), 3);
	fe_free(f);
}

/* What netback takes for a rogue frontend: the vif is disabled (no more
 * responses, nothing to the wire), the simulator lives on, and a restart
 * of the backend brings a new vif. */
static void tx_fatal(void **state)
{
	enum { F_EXTRA0, F_EXTRA6, F_GSO0, F_GSOTYPE, F_LONG, F_MISSING, F_CROSS, F_FIRSTCROSS, F_NOEXTRA,
	       F_RUNAWAY, F_N };
	static const char *const why[F_N] = {
		"invalid extra type: 0", "invalid extra type: 6", "GSO size must not be zero", "bad GSO type 3",
		"malicious frontend using 20 slots", "asked for", "cross page boundary", "crosses the page",
		"missing extra info", "impossible number of requests",
	};

	(void)state;
	mk_frame(frame, 3000, false, IPPROTO_TCP, C_SEED, 1);
	for (int k = 0; k < F_N; k++) {
		struct fe *f = fe_connected(1, false, true, true, true, NULL);
		struct netif_extra_info e = { .type = XEN_NETIF_EXTRA_TYPE_GSO,
					      .u.gso = { .size = 1000, .type = XEN_NETIF_GSO_TYPE_TCPV4 } };
		struct virtio_net_hdr vh;

		switch (k) {
		case F_EXTRA0:
		case F_EXTRA6:
			e.type = k == F_EXTRA0 ? 0 : 6;
			tx_packet(f, 0, frame, 3000, PAGE, NETTXF_csum_blank, &e);
			break;
		case F_GSO0:
			e.u.gso.size = 0;
			tx_packet(f, 0, frame, 3000, PAGE, NETTXF_csum_blank, &e);
			break;
		case F_GSOTYPE:
			e.u.gso.type = 3;
			tx_packet(f, 0, frame, 3000, PAGE, NETTXF_csum_blank, &e);
			break;
		case F_LONG:
			tx_packet(f, 0, frame, 2200, 100, 0, NULL);   /* 22 slots: 21 chained */
			break;
		case F_MISSING:   /* more_data on the last slot pushed */
			tx_slot(f, 0, frame, 100, 0, NETTXF_more_data, 200);
			tx_slot(f, 0, frame + 100, 100, 0, NETTXF_more_data, 100);
			tx_push(f, 0);
			break;
		case F_CROSS:
			tx_slot(f, 0, frame, 100, 0, NETTXF_more_data, 200);
			tx_slot(f, 0, NULL, 0, 4000, 0, 100);
			tx_push(f, 0);
			break;
		case F_FIRSTCROSS:
			tx_slot(f, 0, NULL, 0, 4000, 0, 100);
			tx_push(f, 0);
			break;
		case F_NOEXTRA:
			tx_slot(f, 0, frame, 100, 0, NETTXF_extra_info, 100);
			tx_push(f, 0);
			break;
		case F_RUNAWAY:
			f->q[0].tx.sring->req_prod += TXN + 1;
			break;
		}
		drive(f);
		assert_true(f->n.disabled);
		assert_non_null(strstr(f->n.fatal_reason, why[k]));
		assert_int_equal(f->q[0].tx.sring->rsp_prod, 0);      /* no response at all */
		assert_int_equal(host_recv(f, 0, &vh, got), -1);
		/* dead: nothing served, nothing polled */
		if (k != F_RUNAWAY) {
			tx_packet(f, 0, frame, 100, PAGE, 0, NULL);
			post_rx(f, 0, 4);
			host_send_plain(f, 0, frame, 100);
			drive(f);
			assert_int_equal(f->q[0].tx.sring->rsp_prod, 0);
			assert_int_equal(f->q[0].rx.sring->rsp_prod, 0);
			struct pollfd pfd[8];

			assert_int_equal(simnet_pollfds(&f->n, pfd, 8), 0);
		}
		assert_int_equal(f->n.stats.fatal, 1);
		/* the frontend's reconnect does not revive it (netback keeps
		 * vif->disabled); a restart of the backend does */
		put(f, FE "/state", "%d", XenbusStateInitialising);
		drive(f);
		assert_true(f->n.disabled);
		simnet_restart(&f->n);
		assert_false(f->n.disabled);
		fe_free(f);
	}
}

/* Checksums from the frontend: csum_blank completed before the wire (so
 * that the host checks it), data_validated passed on; a blank checksum on
 * what is not TCP/UDP is dropped after an OKAY, as netback's
 * checksum_setup() drops it. */
static void tx_checksums(void **state)
{
	struct fe *f = fe_connected(1, false, true, false, true, NULL);
	struct virtio_net_hdr vh;
	RING_IDX i = 0;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++)
		for (int tcp = 0; tcp < 2; tcp++) {
			mk_frame(frame, 5000, v6, tcp ? IPPROTO_TCP : IPPROTO_UDP, C_SEED, 3);
			tx_packet(f, 0, frame, 5000, 1500, NETTXF_csum_blank | NETTXF_data_validated, NULL);
			drive(f);
			assert_int_equal(host_recv(f, 0, &vh, got), 5000);
			assert_int_equal(vh.flags, 0);
			assert_true(csum_ok(got, 5000));
			i += 4;
		}
	mk_frame(frame, 400, false, IPPROTO_UDP, C_FULL, 3);
	tx_packet(f, 0, frame, 400, PAGE, NETTXF_data_validated, NULL);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), 400);
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	i++;
	frame[23] = IPPROTO_ICMP;
	tx_packet(f, 0, frame, 400, PAGE, NETTXF_csum_blank, NULL);
	drive(f);
	assert_int_equal(tx_rsp(f, 0, i).status, NETIF_RSP_OKAY);
	assert_int_equal(host_recv(f, 0, &vh, got), -1);
	assert_int_equal(QSTAT(f, 0, tx_dropped), 1);
	assert_int_equal(QSTAT(f, 0, tx_csum_blank), 4);
	assert_int_equal(QSTAT(f, 0, tx_data_validated), 1);
	fe_free(f);
}

/* GSO from the frontend: to the host with the matching virtio_net_hdr;
 * the extra slot answered NETIF_RSP_NULL (its id field left as the extra's
 * request wrote it, as netback leaves it). */
static void tx_gso(void **state)
{
	struct fe *f = fe_connected(1, false, true, true, true, NULL);
	struct virtio_net_hdr vh;

	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		struct netif_extra_info e = { .type = XEN_NETIF_EXTRA_TYPE_GSO,
					      .u.gso = { .size = 1448, .type = v6 ? XEN_NETIF_GSO_TYPE_TCPV6
										 : XEN_NETIF_GSO_TYPE_TCPV4 } };
		RING_IDX base = f->q[0].tx.req_prod_pvt;
		size_t l4 = v6 ? 54 : 34;

		mk_frame(frame, 30000, v6, IPPROTO_TCP, C_SEED, 8);
		tx_packet(f, 0, frame, 30000, PAGE, NETTXF_csum_blank, &e);
		drive(f);
		assert_int_equal(host_recv(f, 0, &vh, got), 30000);
		assert_memory_equal(got, frame, 30000);
		assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(vh.gso_type, v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4);
		assert_int_equal(le16toh(vh.gso_size), 1448);
		assert_int_equal(le16toh(vh.hdr_len), l4 + 20);
		assert_int_equal(le16toh(vh.csum_start), l4);
		assert_int_equal(le16toh(vh.csum_offset), 16);
		assert_int_equal(tx_rsp(f, 0, base).status, NETIF_RSP_OKAY);
		assert_int_equal(tx_rsp(f, 0, base).id, base & (TXN - 1));
		assert_int_equal(tx_rsp(f, 0, base + 1).status, NETIF_RSP_NULL);
		assert_int_equal(tx_rsp(f, 0, base + 1).id, XEN_NETIF_EXTRA_TYPE_GSO);
		for (RING_IDX k = 2; k < 2 + 7; k++)
			assert_int_equal(tx_rsp(f, 0, base + k).status, NETIF_RSP_OKAY);
	}
	/* GSO without csum_blank: netback makes it partial itself */
	struct netif_extra_info e = { .type = XEN_NETIF_EXTRA_TYPE_GSO,
				      .u.gso = { .size = 1000, .type = XEN_NETIF_GSO_TYPE_TCPV4 } };

	mk_frame(frame, 8000, false, IPPROTO_TCP, C_ZERO, 9);
	tx_packet(f, 0, frame, 8000, PAGE, 0, &e);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), 8000);
	mk_frame(frame, 8000, false, IPPROTO_TCP, C_SEED, 9);
	assert_memory_equal(got, frame, 8000);
	assert_int_equal(QSTAT(f, 0, tx_gso_fixup), 1);
	/* a TCPv6 GSO on an IPv4 packet: answered, then dropped */
	e.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV6;
	tx_packet(f, 0, frame, 8000, PAGE, NETTXF_csum_blank, &e);
	drive(f);
	assert_int_equal(host_recv(f, 0, &vh, got), -1);
	assert_int_equal(QSTAT(f, 0, tx_dropped), 1);
	assert_int_equal(QSTAT(f, 0, tx_gso), 3);
	assert_false(f->n.disabled);
	fe_free(f);
}

/* A TX page the frontend stopped granting: that slot answered ERROR, the
 * others OKAY, nothing sent. */
static void tx_bad_grant(void **state)
{
	struct fe *f = fe_connected(1, false, true, false, false, NULL);
	struct virtio_net_hdr vh;

	(void)state;
	f->gtab[f->q[0].tx_ref[1]].flags = 0;
	mk_frame(frame, 3000, false, IPPROTO_UDP, C_FULL, 1);
	tx_packet(f, 0, frame, 3000, 1000, 0, NULL);
	drive(f);
	assert_int_equal(tx_rsp(f, 0, 0).status, NETIF_RSP_OKAY);
	assert_int_equal(tx_rsp(f, 0, 1).status, NETIF_RSP_ERROR);
	assert_int_equal(tx_rsp(f, 0, 2).status, NETIF_RSP_OKAY);
	assert_int_equal(host_recv(f, 0, &vh, got), -1);
	assert_int_equal(QSTAT(f, 0, tx_err), 1);
	fe_free(f);
}

/* ---- the hostile backend, each kind exactly ---------------------------- */

static struct fe *hostile(enum sim_hostile h, bool sg)
{
	struct simnet_cfg over = { .hostile = h, .hostile_every = 1, .mtu = 9000 };
	struct fe *f = fe_connected(1, false, sg, sg, sg, &over);

	post_rx(f, 0, 64);
	return f;
}

static void hostile_first_slot(void **state)
{
	(void)state;
	for (enum sim_hostile h = HOSTILE_BAD_ID; h <= HOSTILE_RUNAWAY; h++) {
		struct fe *f = hostile(h, false);
		netif_rx_response_t r;

		mk_frame(frame, 200, false, IPPROTO_UDP, C_FULL, 1);
		host_send_plain(f, 0, frame, 200);
		drive(f);
		RING_COPY_RESPONSE(&f->q[0].rx, 0, &r);
		switch (h) {
		case HOSTILE_BAD_ID:
			assert_int_equal(r.id, 0xbad);
			break;
		case HOSTILE_BAD_SIZE:
			assert_int_equal(r.status, PAGE + 100);
			break;
		case HOSTILE_BAD_OFFSET:
			assert_int_equal(r.offset, PAGE - 10);
			break;
		default:
			assert_int_equal(f->q[0].rx.sring->rsp_prod, 1001);
			break;
		}
		assert_int_equal(f->n.stats.hostile_sent, 1);
		fe_free(f);
	}
}

static void hostile_extras(void **state)
{
	(void)state;
	for (enum sim_hostile h = HOSTILE_BAD_EXTRA_TYPE; h <= HOSTILE_GSO_SIZE_BIG; h++)
		for (int gso = 0; gso < 2; gso++) {
			struct fe *f = hostile(h, true);
			struct virtio_net_hdr vh = partial(34, IPPROTO_TCP);
			size_t len = gso ? 20000 : 600;

			if (gso) {
				vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
				vh.gso_size = htole16(1448);
			}
			mk_frame(frame, len, false, IPPROTO_TCP, C_SEED, 2);
			host_send(f, 0, &vh, frame, len);
			drive(f);
			assert_int_equal(rx_take(f, 0, &rp), 1);
			assert_true(rp.flags & NETRXF_extra_info);
			assert_int_equal(rp.nextra, 1);
			assert_int_equal(rp.len, len);
			switch (h) {
			case HOSTILE_BAD_EXTRA_TYPE:
				assert_int_equal(rp.extra[0].type, 0xff);
				break;
			case HOSTILE_GSO_SIZE_0:
				assert_int_equal(rp.extra[0].type, XEN_NETIF_EXTRA_TYPE_GSO);
				assert_int_equal(rp.extra[0].u.gso.size, 0);
				break;
			default:
				assert_int_equal(rp.extra[0].type, XEN_NETIF_EXTRA_TYPE_GSO);
				assert_int_equal(rp.extra[0].u.gso.size, len + 1);
				break;
			}
			fe_free(f);
		}
}

static void hostile_chains(void **state)
{
	(void)state;
	/* long-chain: 20 slots, all but the last with more_data, the data whole */
	struct fe *f = hostile(HOSTILE_LONG_CHAIN, true);

	mk_frame(frame, 1400, false, IPPROTO_UDP, C_FULL, 3);
	host_send_plain(f, 0, frame, 1400);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_int_equal(rp.nslots, XEN_NETIF_NR_SLOTS_MIN + 2);
	assert_int_equal(rp.len, 1400);
	assert_memory_equal(rp.data, frame, 1400);
	assert_true(rp.ids_ok);
	fe_free(f);

	/* bad-chain-id: the chained slot answers the next request's id */
	f = hostile(HOSTILE_BAD_CHAIN_ID, true);
	host_send_plain(f, 0, frame, 1400);
	drive(f);
	netif_rx_response_t r0, r1;

	RING_COPY_RESPONSE(&f->q[0].rx, 0, &r0);
	RING_COPY_RESPONSE(&f->q[0].rx, 1, &r1);
	assert_int_equal(r0.id, 0);
	assert_int_equal(r0.flags, NETRXF_more_data);
	assert_int_equal(r1.id, 2);
	assert_int_equal(r0.status + r1.status, 1400);
	fe_free(f);

	/* missing-last: more_data on the last slot pushed, and nothing more
	 * on that queue until the frontend has moved past it */
	f = hostile(HOSTILE_MISSING_LAST, false);
	host_send_plain(f, 0, frame, 1400);
	host_send_plain(f, 0, frame, 1400);
	drive(f);
	assert_int_equal(rx_take(f, 0, &rp), 1);
	assert_true(rp.truncated);
	assert_int_equal(rp.nslots, 1);
	assert_int_equal(f->q[0].rx.sring->rsp_prod, 1);
	drive(f);
	assert_int_equal(f->q[0].rx.sring->rsp_prod, 1);       /* held */
	assert_false(simnet_final_check(&f->n));
	int more;

	RING_FINAL_CHECK_FOR_RESPONSES(&f->q[0].rx, more);     /* consumed: rsp_event 2 */
	assert_int_equal(more, 0);
	post_rx(f, 0, 1);
	assert_true(simnet_final_check(&f->n));
	drive(f);
	assert_int_equal(f->q[0].rx.sring->rsp_prod, 2);       /* the next one, itself hostile */
	assert_int_equal(f->n.stats.hostile_sent, 2);
	fe_free(f);
}

/* ---- the generator, per queue, jumbo with SG, addressed ---------------- */

static void generator(void **state)
{
	struct simnet_cfg over = { .mtu = 9000, .gen_size = 9014 };
	struct fe *f;

	(void)state;
	/* --gen-dst: every queue's frames for the guest's MAC, IP and port */
	assert_int_equal(gen_dst_parse("00:16:3e:00:00:01,198.18.0.2,5001", &over.gen_dst), 0);
	f = fe_connected(2, true, true, false, false, &over);
	for (unsigned int i = 0; i < 2; i++)
		post_rx(f, i, 30);
	drive(f);
	for (unsigned int i = 0; i < 2; i++) {
		int n = 0;

		while (rx_take(f, i, &rp)) {
			assert_int_equal(rp.nslots, 3);
			assert_int_equal(rp.len, 9014);
			assert_memory_equal(rp.data, f->n.gen_frame, 9014);
			assert_memory_equal(rp.data, "\x00\x16\x3e\x00\x00\x01", 6);
			assert_memory_equal(rp.data + 30, "\xc6\x12\x00\x02", 4);   /* 198.18.0.2 */
			assert_int_equal(rp.data[36] << 8 | rp.data[37], 5001);
			n++;
		}
		assert_int_equal(n, 10);           /* every posted buffer filled */
		assert_int_equal(kicks(f->q[i].rxe), 1);
	}
	/* the wire's frames wait while the generator runs */
	struct pollfd pfd[16];
	int np = simnet_pollfds(&f->n, pfd, 16);

	assert_int_equal(np, 4);                   /* 2 queues x 2 channels */
	assert_int_equal(simnet_set_gen(&f->n, 0), 0);
	post_rx(f, 0, 3);
	np = simnet_pollfds(&f->n, pfd, 16);
	assert_int_equal(np, 5);                   /* and queue 0's wire */
	assert_int_equal(pfd[2].fd, f->wire[0]);
	fe_free(f);
}

/* ---- query: every counter, per queue and in all ------------------------ */

static void query_text(void **state)
{
	struct fe *f = fe_connected(2, false, true, true, true, NULL);
	static char text[16384];

	(void)state;
	post_rx(f, 1, 4);
	mk_frame(frame, 100, false, IPPROTO_UDP, C_FULL, 1);
	host_send_plain(f, 1, frame, 100);
	drive(f);
	int len = simnet_query(&f->n, text, sizeof(text));

	assert_true(len > 0 && len < (int)sizeof(text) - 1);
	assert_non_null(strstr(text, "\nqueues=2\n"));
	assert_non_null(strstr(text, "features=sg gso-tcpv4 gso-tcpv6 csum ipv6-csum rx-notify\n"));
	assert_non_null(strstr(text, "\nrx-packets=1\n"));
	assert_non_null(strstr(text, "\nqueue-0-rx-packets=0\n"));
	assert_non_null(strstr(text, "\nqueue-1-rx-packets=1\n"));
	assert_non_null(strstr(text, "\nqueue-1-rx-slots=1\n"));
	assert_non_null(strstr(text, "queue-1-rx-ring=req_prod 4 req_cons 1"));
	assert_non_null(strstr(text, "\ndisabled=0\n"));
	fe_free(f);
}


/* ---- end to end: the host's kernel on both sides of real TAPs ---------
 * Host A (namespace xsa<pid>) talks TCP through the simulator's TAP; the
 * fake frontend bridges its rings to a TAP in namespace xsb<pid>, whose
 * kernel is host B: offloads both ways are the kernels' own (TSO, partial
 * checksums), carried over the rings as netif.h says. */

#define FLOWS 32
#define FLOW_BYTES (192 * 1024)

struct e2e {
	struct fe *f;
	char nsa[24], nsb[24], tapa[16], tapb[16];
	struct sim_tap tb;
	unsigned int nq;
	bool sg, gso, csum;
	uint64_t rx_frames, rx_gso, rx_blank, rx_bad_csum, tx_frames, tx_gso, tx_blank;
	uint32_t rx_max_len, rx_max_slots;
};

struct flow {
	int a, b;                 /* A's and B's socket */
	size_t sent[2], got[2];   /* [0]: B to A, [1]: A to B */
	bool bad;
};

static struct e2e E;
static struct flow flows[FLOWS];
static int lfd4, lfd6;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int open_tapb(void *arg)
{
	struct e2e *e = arg;

	if (tap_open(&e->tb, e->tapb, e->sg ? 9000 : 1500, e->nq) < 0)
		return -1;
	return tap_set_offload(&e->tb, e->csum, e->gso, e->gso);
}

struct sockarg {
	int family;
	const char *addr;
	bool listen;
	int fd;
};

static int mk_socket(void *arg)
{
	struct sockarg *a = arg;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int one = 1;

	a->fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0)
		return -1;
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (void *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(5555);
		inet_pton(AF_INET, a->addr, &in->sin_addr);
		sl = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(5555);
		inet_pton(AF_INET6, a->addr, &in6->sin6_addr);
		sl = sizeof(*in6);
	}
	setsockopt(a->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->listen)
		return bind(a->fd, (void *)&ss, sl) || listen(a->fd, FLOWS) ? -1 : 0;
	return connect(a->fd, (void *)&ss, sl) < 0 && errno != EINPROGRESS ? -1 : 0;
}

static int e2e_setup(struct e2e *e, unsigned int nq, bool split, bool sg, bool gso, bool csum)
{
	struct simnet_cfg over = { .mtu = 9000, .max_queues = 2 };

	memset(e, 0, sizeof(*e));
	e->nq = nq, e->sg = sg, e->gso = gso, e->csum = csum;
	snprintf(e->nsa, sizeof(e->nsa), "xsa%d", (int)getpid());
	snprintf(e->nsb, sizeof(e->nsb), "xsb%d", (int)getpid());
	snprintf(e->tapa, sizeof(e->tapa), "xta%d", (int)getpid());
	snprintf(e->tapb, sizeof(e->tapb), "xtb%d", (int)getpid());
	for (int k = 0; k < SIM_MAX_QUEUES; k++)
		e->tb.fd[k] = -1;
	assert_int_equal(sh("ip netns add %s && ip netns add %s && ip -n %s link set lo up && "
			    "ip -n %s link set lo up", e->nsa, e->nsb, e->nsa, e->nsb), 0);
	e->f = fe_new_at(&over, e->nsa, e->tapa);
	assert_int_equal(netns_run(e->nsb, open_tapb, e), 0);
	/* B's segments must fit a TX request's 16-bit size, as netfront's do */
	assert_int_equal(sh("ip -n %s link set %s gso_max_size 60000 && "
			    "ip -n %s addr add 198.18.5.1/24 dev %s && ip -n %s addr add fd00:18:5::1/64 dev %s nodad && "
			    "ip -n %s addr add 198.18.5.2/24 dev %s && ip -n %s addr add fd00:18:5::2/64 dev %s nodad",
			    e->nsb, e->tapb, e->nsa, e->tapa, e->nsa, e->tapa, e->nsb, e->tapb, e->nsb, e->tapb), 0);
	fe_rings(e->f, nq, split);
	fe_features(e->f, sg, gso, csum);
	assert_int_equal(fe_go(e->f), XenbusStateConnected);
	for (unsigned int i = 0; i < nq; i++)
		post_rx(e->f, i, RXN);
	return 0;
}

static int e2e_teardown(void **state)
{
	struct e2e *e = &E;

	(void)state;
	for (int i = 0; i < FLOWS; i++) {
		if (flows[i].a > 0)
			close(flows[i].a);
		if (flows[i].b > 0)
			close(flows[i].b);
	}
	memset(flows, 0, sizeof(flows));
	if (lfd4 > 0)
		close(lfd4);
	if (lfd6 > 0)
		close(lfd6);
	lfd4 = lfd6 = 0;
	tap_close(&e->tb);
	if (e->f)
		fe_free(e->f);
	e->f = NULL;
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", e->nsa, e->nsb);
	return 0;
}

/* Frontend receive: each packet to B's TAP, with what the flags and the
 * GSO extra say, as a virtio_net_hdr. */
static void bridge_rx(struct e2e *e, unsigned int qi)
{
	while (rx_take(e->f, qi, &rp)) {
		struct virtio_net_hdr vh = { 0 };
		struct pkt_l4 l;
		bool l4 = pkt_parse_l4(rp.data, rp.len, &l) == 0;

		assert_false(rp.truncated);
		assert_true(rp.ids_ok);
		if (rp.flags & NETRXF_csum_blank) {
			assert_true(l4);
			vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
			vh.csum_start = htole16(l.l4_off);
			vh.csum_offset = htole16((uint16_t)(l.csum_off - l.l4_off));
			e->rx_blank++;
		} else {
			if (rp.flags & NETRXF_data_validated)
				vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
			if (l4 && l.proto == IPPROTO_TCP && !csum_ok(rp.data, rp.len))
				e->rx_bad_csum++;
		}
		for (unsigned int k = 0; k < rp.nextra; k++) {
			assert_int_equal(rp.extra[k].type, XEN_NETIF_EXTRA_TYPE_GSO);
			assert_true(l4 && (rp.flags & NETRXF_csum_blank));
			vh.gso_type = rp.extra[k].u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
											  : VIRTIO_NET_HDR_GSO_TCPV4;
			vh.gso_size = htole16(rp.extra[k].u.gso.size);
			vh.hdr_len = htole16(l.hdr_len);
			e->rx_gso++;
		}
		e->rx_frames++;
		if (!rp.nextra && rp.len > e->rx_max_len)
			e->rx_max_len = rp.len;
		if (rp.nslots > e->rx_max_slots)
			e->rx_max_slots = rp.nslots;
		struct iovec iov[2] = { { &vh, sizeof(vh) }, { rp.data, rp.len } };

		assert_int_equal(writev(e->tb.fd[qi], iov, 2), (ssize_t)(sizeof(vh) + rp.len));
		post_rx(e->f, qi, rp.nslots);
	}
}

/* Frontend transmit: what B's kernel hands its TAP, as requests. */
static void bridge_tx(struct e2e *e, unsigned int qi)
{
	struct fq *q = &e->f->q[qi];
	static uint8_t buf[SIM_FRAME_MAX + 64];

	for (; q->tx.rsp_cons != q->tx.sring->rsp_prod; q->tx.rsp_cons++) {
		netif_tx_response_t r = tx_rsp(e->f, qi, q->tx.rsp_cons);

		assert_true(r.status == NETIF_RSP_OKAY || r.status == NETIF_RSP_NULL);
	}
	while (RING_FREE_REQUESTS(&q->tx) >= 20) {
		ssize_t r = read(e->tb.fd[qi], buf, sizeof(buf));
		struct virtio_net_hdr vh;
		struct netif_extra_info gso = { .type = XEN_NETIF_EXTRA_TYPE_GSO };
		uint16_t flags = 0;

		if (r < 0)
			break;
		assert_true(r > (ssize_t)sizeof(vh) + 14 && r <= (ssize_t)sizeof(vh) + 0xffff);
		memcpy(&vh, buf, sizeof(vh));
		if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			flags = NETTXF_csum_blank | NETTXF_data_validated;
			e->tx_blank++;
		}
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			gso.u.gso.type = (vh.gso_type & 0x7f) == VIRTIO_NET_HDR_GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6
											 : XEN_NETIF_GSO_TYPE_TCPV4;
			gso.u.gso.size = le16toh(vh.gso_size);
			e->tx_gso++;
		}
		tx_packet(e->f, qi, buf + sizeof(vh), (uint16_t)(r - (ssize_t)sizeof(vh)), PAGE, flags,
			  vh.gso_type != VIRTIO_NET_HDR_GSO_NONE ? &gso : NULL);
		e->tx_frames++;
	}
}

/* Every flow carries the same bytes each way (A's accepted sockets come in
 * any order): a stream's every byte is checked where it arrives. */
static uint8_t pattern(size_t i, int dir)
{
	return (uint8_t)(i * 13 + (i >> 12) + (size_t)dir * 101);
}

/* Move each flow's bytes; true when every flow is done both ways. */
static bool flows_step(void)
{
	static uint8_t chunk[65536];
	bool done = true;

	for (int k = 0; k < 2; k++) {
		int l = k ? lfd6 : lfd4, c;

		while (l > 0 && (c = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
			int i = 0;

			while (i < FLOWS && flows[i].a)
				i++;
			assert_true(i < FLOWS);
			flows[i].a = c;
		}
	}
	for (int i = 0; i < FLOWS; i++) {
		struct flow *fl = &flows[i];

		for (int dir = 0; dir < 2; dir++) {
			int tx = dir ? fl->a : fl->b, rx = dir ? fl->b : fl->a;
			size_t left = FLOW_BYTES - fl->sent[dir];

			if (tx > 0 && left) {
				size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

				for (size_t j = 0; j < n; j++)
					chunk[j] = pattern(fl->sent[dir] + j, dir);
				ssize_t w = send(tx, chunk, n, MSG_NOSIGNAL | MSG_DONTWAIT);

				if (w > 0)
					fl->sent[dir] += (size_t)w;
			}
			if (rx > 0 && fl->got[dir] < FLOW_BYTES) {
				ssize_t r = recv(rx, chunk, sizeof(chunk), MSG_DONTWAIT);

				for (ssize_t j = 0; j < r; j++)
					fl->bad |= chunk[j] != pattern(fl->got[dir] + (size_t)j, dir);
				if (r > 0)
					fl->got[dir] += (size_t)r;
			}
			done &= fl->got[dir] == FLOW_BYTES;
		}
	}
	return done;
}

static void e2e_run(struct e2e *e)
{
	struct sockarg la4 = { AF_INET, "198.18.5.1", true, -1 }, la6 = { AF_INET6, "fd00:18:5::1", true, -1 };
	bool done = false;
	long iter;

	assert_int_equal(netns_run(e->nsa, mk_socket, &la4), 0);
	assert_int_equal(netns_run(e->nsa, mk_socket, &la6), 0);
	lfd4 = la4.fd, lfd6 = la6.fd;
	for (int i = 0; i < FLOWS; i++) {
		struct sockarg c = { i & 1 ? AF_INET6 : AF_INET, i & 1 ? "fd00:18:5::1" : "198.18.5.1", false, -1 };

		assert_int_equal(netns_run(e->nsb, mk_socket, &c), 0);
		flows[i].b = c.fd;
	}
	/* a transfer takes about a hundred rounds; a stuck one fails in seconds */
	for (iter = 0; iter < 20000 && !done; iter++) {
		struct pollfd pfd[64];
		int np, nsim;

		simnet_handle_state(&e->f->n);
		simnet_service(&e->f->n);
		for (unsigned int i = 0; i < e->nq; i++) {
			bridge_rx(e, i);
			bridge_tx(e, i);
		}
		simnet_service(&e->f->n);
		done = flows_step();
		np = nsim = simnet_pollfds(&e->f->n, pfd, 32);
		for (unsigned int i = 0; i < e->nq; i++)
			pfd[np++] = (struct pollfd){ .fd = e->tb.fd[i], .events = POLLIN };
		if (!done)
			poll(pfd, (nfds_t)np, 1);
		simnet_poll_done(&e->f->n, pfd, nsim);
	}
	printf("# e2e: %ld rounds; RX %llu frames (%llu GSO, %llu csum_blank, largest plain %u, at most %u slots); "
	       "TX %llu frames (%llu GSO, %llu csum_blank)\n", iter, (unsigned long long)e->rx_frames,
	       (unsigned long long)e->rx_gso, (unsigned long long)e->rx_blank, e->rx_max_len, e->rx_max_slots,
	       (unsigned long long)e->tx_frames, (unsigned long long)e->tx_gso, (unsigned long long)e->tx_blank);
	assert_true(done);
	for (int i = 0; i < FLOWS; i++)
		assert_false(flows[i].bad);
	assert_int_equal(e->rx_bad_csum, 0);
	assert_false(e->f->n.disabled);
}


static uint64_t qsum(struct fe *f, size_t off)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++)
		t += qstat(f, i, off);
	return t;
}

/* Two queues with split channels, SG, GSO and checksum offload both ways,
 * MTU 9000: both kernels' TSO and partial checksums cross the rings, and
 * both queues carry traffic (32 flows: the chance that the host's flow
 * hash puts them all on one queue is 2^-31). */
static void e2e_offloads(void **state)
{
	struct e2e *e = &E;

	(void)state;
	e2e_setup(e, 2, true, true, true, true);
	e2e_run(e);
	assert_true(e->rx_gso > 0 && e->tx_gso > 0 && e->rx_blank > 0 && e->tx_blank > 0);
	assert_true(e->rx_max_slots > 2);
	assert_int_equal(qsum(e->f, offsetof(struct simnet_qstats, rx_gso)), e->rx_gso);
	assert_int_equal(qsum(e->f, offsetof(struct simnet_qstats, tx_gso)), e->tx_gso);
	assert_int_equal(qsum(e->f, offsetof(struct simnet_qstats, tx_dropped)), 0);
	for (unsigned int i = 0; i < 2; i++) {
		printf("# queue %u: rx %llu packets, tx %llu packets\n", i,
		       (unsigned long long)QSTAT(e->f, i, rx_packets), (unsigned long long)QSTAT(e->f, i, tx_packets));
		assert_true(QSTAT(e->f, i, rx_packets) > 0 && QSTAT(e->f, i, tx_packets) > 0);
	}
}

/* Checksum offload without SG: partial checksums, no GSO, the MTU clamped. */
static void e2e_csum_only(void **state)
{
	struct e2e *e = &E;

	(void)state;
	e2e_setup(e, 1, false, false, false, true);
	e2e_run(e);
	assert_true(e->rx_blank > 0 && e->tx_blank > 0);
	assert_int_equal(e->rx_gso + e->tx_gso, 0);
	assert_true(e->rx_max_len <= 1514);
	assert_int_equal(e->rx_max_slots, 1);
}

/* Nothing negotiated: the host computes every checksum and segments every
 * packet itself; one slot per packet. */
static void e2e_plain(void **state)
{
	struct e2e *e = &E;

	(void)state;
	e2e_setup(e, 1, false, false, false, false);
	e2e_run(e);
	assert_int_equal(e->rx_gso + e->tx_gso + e->rx_blank + e->tx_blank, 0);
	assert_true(e->rx_max_len <= 1514);
	assert_int_equal(e->rx_max_slots, 1);
	assert_int_equal(e->f->n.tap.mtu, 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_queue_flat_keys),
		cmocka_unit_test(two_queues_split_channels),
		cmocka_unit_test(refusals),
		cmocka_unit_test(stray_queue_dirs),
		cmocka_unit_test(rx_jumbo_sg),
		cmocka_unit_test(rx_no_sg),
		cmocka_unit_test(rx_checksums),
		cmocka_unit_test(rx_gso),
		cmocka_unit_test(rx_multicast_control),
		cmocka_unit_test(tx_chains),
		cmocka_unit_test(tx_fatal),
		cmocka_unit_test(tx_checksums),
		cmocka_unit_test(tx_gso),
		cmocka_unit_test(tx_bad_grant),
		cmocka_unit_test(hostile_first_slot),
		cmocka_unit_test(hostile_extras),
		cmocka_unit_test(hostile_chains),
		cmocka_unit_test(generator),
		cmocka_unit_test(query_text),
		cmocka_unit_test_setup_teardown(e2e_offloads, NULL, e2e_teardown),
		cmocka_unit_test_setup_teardown(e2e_csum_only, NULL, e2e_teardown),
		cmocka_unit_test_setup_teardown(e2e_plain, NULL, e2e_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
