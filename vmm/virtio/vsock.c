/* virtio-vsock device: packets on the tx queue come from the guest, the rx
 * queue takes packets to it; each connection is a host unix socket.  All
 * work happens with the transport lock held, on the event loop thread
 * (queue kicks and socket readiness) or a vCPU thread (reset). */
#include "vmm/virtio/vsock.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/virtio_vsock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/unix_socket.h"
#include "common/log.h"
#include "common/xalloc.h"

#define VSOCK_RX_QUEUE	  0
#define VSOCK_TX_QUEUE	  1
#define VSOCK_BUF_ALLOC	  (256u << 10) /* what each connection buffers toward the host */
#define VSOCK_MAX_PAYLOAD (64u << 10)
#define VSOCK_LINE_MAX	  32
/* The buffer toward the host also holds our own `OK <port>` line. */
#define VSOCK_BUF_SIZE (VSOCK_BUF_ALLOC + VSOCK_LINE_MAX)

enum conn_state {
	CONN_HANDSHAKE,	 /* reading the host's CONNECT line */
	CONN_CONNECTING, /* REQUEST sent, waiting for the guest's answer */
	CONN_OPEN,
};

/* Control packets a connection owes the guest. */
enum {
	OWE_REQUEST = 1 << 0,
	OWE_RESPONSE = 1 << 1,
	OWE_CREDIT = 1 << 2,
	OWE_SHUTDOWN = 1 << 3,
	OWE_RST = 1 << 4,
};

struct vsock_conn {
	struct vsock_device *dev;
	int fd;
	struct loop_watch *watch;
	uint32_t watched; /* the epoll events asked for */
	enum conn_state state;
	uint32_t host_port, guest_port;
	char line[VSOCK_LINE_MAX];
	size_t line_len;
	unsigned owed;
	uint32_t shutdown_flags; /* of the SHUTDOWN owed */
	/* Flow control (virtio 1.2 §5.10.6.3). */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	uint32_t fwd_cnt, fwd_cnt_reported;
	/* Guest bytes not yet written to the host socket (a ring). */
	uint8_t *buf;
	uint32_t buf_head, buf_len;
	uint32_t uncounted; /* bytes at the head that are ours, not the guest's */
	bool readable;	    /* the host socket has data we could not send yet */
	bool host_eof;	    /* the host socket will send no more */
	bool host_hup;	    /* the host socket is closed both ways */
	bool guest_done;    /* the guest will send no more */
	bool guest_no_recv; /* the guest will receive no more */
	bool closing;	    /* RST owed or sent: free once it is out */
	struct vsock_conn *next;
};

static struct virtq *rx_queue(struct vsock_device *dev)
{
	return &dev->transport->queues[VSOCK_RX_QUEUE];
}

static uint32_t peer_credit(const struct vsock_conn *c)
{
	uint32_t in_flight = c->tx_cnt - c->peer_fwd_cnt;
	return in_flight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - in_flight;
}

static void conn_free(struct vsock_conn *c)
{
	struct vsock_device *dev = c->dev;
	for (struct vsock_conn **p = &dev->conns; *p != NULL; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->watch != NULL)
		loop_unwatch(dev->loop, c->watch);
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Ends a connection: the guest gets a reset, the host socket is closed. */
static void conn_reset(struct vsock_conn *c)
{
	if (c->state == CONN_HANDSHAKE) {
		conn_free(c);
		return;
	}
	c->closing = true;
	c->owed = OWE_RST;
	c->dev->rx_starved = true;
}

/* What the socket must be watched for, from the connection's state. */
static void conn_update_watch(struct vsock_conn *c)
{
	uint32_t events = 0;
	if (c->state == CONN_HANDSHAKE)
		events = EPOLLIN;
	else if (c->state == CONN_OPEN && !c->closing && !c->host_eof && !c->guest_no_recv &&
		 !c->readable && peer_credit(c) > 0)
		events = EPOLLIN;
	if (c->buf_len > 0 && !c->closing)
		events |= EPOLLOUT;
	if (events != c->watched && c->watch != NULL && !c->host_hup) {
		loop_modify(c->dev->loop, c->watch, events);
		c->watched = events;
	}
}

static void fill_header(struct vsock_device *dev, struct virtio_vsock_hdr *h, uint32_t host_port,
			uint32_t guest_port, uint16_t op)
{
	*h = (struct virtio_vsock_hdr){
		.src_cid = VSOCK_HOST_CID,
		.dst_cid = dev->guest_cid,
		.src_port = host_port,
		.dst_port = guest_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = VSOCK_BUF_ALLOC,
	};
}

static void conn_header(struct vsock_conn *c, struct virtio_vsock_hdr *h, uint16_t op)
{
	fill_header(c->dev, h, c->host_port, c->guest_port, op);
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_cnt_reported = c->fwd_cnt;
}

/* The next control packet a connection owes, if any. */
static bool conn_next_control(struct vsock_conn *c, struct virtio_vsock_hdr *h)
{
	static const struct {
		unsigned owe;
		uint16_t op;
	} order[] = {
		{OWE_RST, VIRTIO_VSOCK_OP_RST},
		{OWE_REQUEST, VIRTIO_VSOCK_OP_REQUEST},
		{OWE_RESPONSE, VIRTIO_VSOCK_OP_RESPONSE},
		{OWE_CREDIT, VIRTIO_VSOCK_OP_CREDIT_UPDATE},
		{OWE_SHUTDOWN, VIRTIO_VSOCK_OP_SHUTDOWN},
	};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(c->owed & order[i].owe))
			continue;
		c->owed &= ~order[i].owe;
		conn_header(c, h, order[i].op);
		if (order[i].op == VIRTIO_VSOCK_OP_SHUTDOWN)
			h->flags = c->shutdown_flags;
		return true;
	}
	return false;
}

/* Reads host bytes into a data packet; false when there is nothing to send
 * now (no data, or the socket ended: then a shutdown is owed). */
static bool conn_next_data(struct vsock_conn *c, const struct virtq_chain *chain,
			   struct virtio_vsock_hdr *h, uint8_t *data, uint32_t *len)
{
	if (c->state != CONN_OPEN || c->closing || !c->readable || c->host_eof || c->guest_no_recv)
		return false;
	uint64_t room = chain->writable - sizeof(*h);
	uint32_t want = peer_credit(c);
	if (want > room)
		want = (uint32_t)room;
	if (want > VSOCK_MAX_PAYLOAD)
		want = VSOCK_MAX_PAYLOAD;
	if (want == 0)
		return false;
	ssize_t n = recv(c->fd, data, want, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		c->readable = false;
		return false;
	}
	if (c->dev->trace)
		log_debug("vsock: port %u fd %d: recv %zd (%s)", c->host_port, c->fd, n,
			  n < 0 ? strerror(errno) : "ok");
	if (n <= 0) {
		/* A full close asks the guest to reset once it has read all
		 * (a reset now would drop what it has not read yet). */
		c->readable = false;
		c->host_eof = true;
		c->shutdown_flags = VIRTIO_VSOCK_SHUTDOWN_SEND;
		if (c->host_hup)
			c->shutdown_flags |= VIRTIO_VSOCK_SHUTDOWN_RCV;
		c->owed |= OWE_SHUTDOWN;
		return false;
	}
	conn_header(c, h, VIRTIO_VSOCK_OP_RW);
	h->len = (uint32_t)n;
	c->tx_cnt += (uint32_t)n;
	*len = (uint32_t)n;
	return true;
}

/* Fills one rx chain with the next packet anyone owes the guest. */
static bool next_packet(struct vsock_device *dev, const struct virtq_chain *chain,
			struct virtio_vsock_hdr *h, uint8_t *data, uint32_t *len)
{
	*len = 0;
	if (dev->nr_orphans > 0) {
		struct vsock_orphan *o = &dev->orphans[--dev->nr_orphans];
		fill_header(dev, h, o->src_port, o->dst_port, VIRTIO_VSOCK_OP_RST);
		return true;
	}
	for (struct vsock_conn *c = dev->conns, *next; c != NULL; c = next) {
		next = c->next;
		if (conn_next_control(c, h)) {
			if (h->op == VIRTIO_VSOCK_OP_RST)
				conn_free(c);
			return true;
		}
		if (conn_next_data(c, chain, h, data, len))
			return true;
		if (c->owed != 0 && conn_next_control(c, h))
			return true;
		conn_update_watch(c);
	}
	return false;
}

/* Sends what is owed while the guest has receive buffers. */
static bool fill_rx(struct vsock_device *dev)
{
	struct virtq *q = rx_queue(dev);
	static uint8_t data[VSOCK_MAX_PAYLOAD];
	struct virtq_chain chain;
	struct error *err = NULL;
	bool pushed = false;
	int ret;

	dev->rx_starved = false;
	while ((ret = virtq_pop(q, &chain, &err)) != 0) {
		if (ret < 0) {
			log_guest("virtio-vsock: rx: %s", err->msg);
			error_release(&err);
			if (ret == -2)
				break;
			virtq_push(q, chain.head, 0);
			pushed = true;
			continue;
		}
		struct virtio_vsock_hdr h;
		uint32_t len;
		if (chain.writable < sizeof(h) || !next_packet(dev, &chain, &h, data, &len)) {
			virtq_unpop(q);
			break;
		}
		static uint8_t packet[sizeof(h) + VSOCK_MAX_PAYLOAD];
		if (dev->trace)
			log_debug("vsock: host %u -> guest %u op %u len %u", h.src_port, h.dst_port,
				  h.op, h.len);
		memcpy(packet, &h, sizeof(h));
		memcpy(packet + sizeof(h), data, len);
		virtq_push(q, chain.head,
			   (uint32_t)virtq_chain_write(q, &chain, packet, sizeof(h) + len));
		pushed = true;
	}
	if (ret == 0)
		dev->rx_starved = true;
	for (struct vsock_conn *c = dev->conns; c != NULL; c = c->next)
		conn_update_watch(c);
	return pushed;
}

/* Writes buffered guest bytes to the host socket. */
static void conn_flush(struct vsock_conn *c)
{
	while (c->buf_len > 0 && !c->closing) {
		uint32_t chunk = c->buf_len;
		if (chunk > VSOCK_BUF_SIZE - c->buf_head)
			chunk = VSOCK_BUF_SIZE - c->buf_head;
		ssize_t n = send(c->fd, c->buf + c->buf_head, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			conn_reset(c); /* the host side stopped reading */
			return;
		}
		/* fwd_cnt counts only the guest's bytes: it is the guest's
		 * credit (virtio 1.2 §5.10.6.3). */
		uint32_t ours = (uint32_t)n < c->uncounted ? (uint32_t)n : c->uncounted;
		c->uncounted -= ours;
		c->buf_head = (c->buf_head + (uint32_t)n) % VSOCK_BUF_SIZE;
		c->buf_len -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n - ours;
	}
	if (c->fwd_cnt - c->fwd_cnt_reported >= VSOCK_BUF_ALLOC / 4 ||
	    (c->buf_len == 0 && c->fwd_cnt != c->fwd_cnt_reported))
		c->owed |= OWE_CREDIT;
	if (c->buf_len == 0 && c->guest_done) {
		shutdown(c->fd, SHUT_WR);
		if (c->host_eof || c->guest_no_recv)
			conn_reset(c);
	}
	conn_update_watch(c);
}

static void conn_receive(struct vsock_conn *c, const uint8_t *data, uint32_t len)
{
	if (len > VSOCK_BUF_SIZE - c->buf_len) {
		/* More than the credit we gave: a broken or hostile driver. */
		log_guest("virtio-vsock: port %u sent past its credit; reset", c->guest_port);
		conn_reset(c);
		return;
	}
	uint32_t tail = (c->buf_head + c->buf_len) % VSOCK_BUF_SIZE;
	uint32_t first = len < VSOCK_BUF_SIZE - tail ? len : VSOCK_BUF_SIZE - tail;
	memcpy(c->buf + tail, data, first);
	memcpy(c->buf, data + first, len - first);
	c->buf_len += len;
	conn_flush(c);
}

static struct vsock_conn *conn_new(struct vsock_device *dev, int fd, enum conn_state state)
{
	struct vsock_conn *c = xcalloc(1, sizeof(*c));
	c->dev = dev;
	c->fd = fd;
	c->state = state;
	c->buf = xcalloc(1, VSOCK_BUF_SIZE);
	c->next = dev->conns;
	dev->conns = c;
	return c;
}

static struct vsock_conn *conn_find(struct vsock_device *dev, uint32_t host_port,
				    uint32_t guest_port)
{
	for (struct vsock_conn *c = dev->conns; c != NULL; c = c->next)
		if (c->state != CONN_HANDSHAKE && c->host_port == host_port &&
		    c->guest_port == guest_port)
			return c;
	return NULL;
}

static void owe_orphan_reset(struct vsock_device *dev, uint32_t host_port, uint32_t guest_port)
{
	if (dev->nr_orphans < sizeof(dev->orphans) / sizeof(dev->orphans[0]))
		dev->orphans[dev->nr_orphans++] = (struct vsock_orphan){host_port, guest_port};
	dev->rx_starved = true;
}

static void on_conn_event(void *opaque, uint32_t events);

static int conn_watch(struct vsock_conn *c)
{
	struct error *err = NULL;
	c->watched = EPOLLIN;
	if (loop_watch_handle(c->dev->loop, c->fd, EPOLLIN, on_conn_event, c, &c->watch, &err) <
	    0) {
		log_warning("virtio-vsock: %s", err->msg);
		error_release(&err);
		return -1;
	}
	return 0;
}

/* The guest connects to host port P: connect to `<path>_P`. */
static void guest_request(struct vsock_device *dev, const struct virtio_vsock_hdr *h)
{
	char path[PATH_MAX];
	int len = snprintf(path, sizeof(path), "%s_%u", dev->path, h->dst_port);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || len >= (int)sizeof(path) || unix_connect(fd, path) < 0) {
		log_debug("virtio-vsock: guest port %u to host port %u: no listener at %s",
			  h->src_port, h->dst_port, path);
		if (fd >= 0)
			close(fd);
		owe_orphan_reset(dev, h->dst_port, h->src_port);
		return;
	}
	struct vsock_conn *c = conn_new(dev, fd, CONN_OPEN);
	c->host_port = h->dst_port;
	c->guest_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->owed = OWE_RESPONSE;
	if (conn_watch(c) < 0)
		conn_reset(c);
}

static void guest_response(struct vsock_conn *c)
{
	char ok[VSOCK_LINE_MAX];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->host_port);
	c->state = CONN_OPEN;
	/* Through the buffer, so the line goes out before any data; it is
	 * not the guest's, so it takes none of its credit. */
	c->uncounted = (uint32_t)n;
	conn_receive(c, (const uint8_t *)ok, (uint32_t)n);
}

static void guest_shutdown(struct vsock_conn *c, uint32_t flags)
{
	if (flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
		c->guest_no_recv = true;
	if (flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
		c->guest_done = true;
	if (c->guest_done && c->guest_no_recv && c->buf_len == 0) {
		conn_reset(c); /* both ways closed: the receiver resets (as Linux does) */
		return;
	}
	conn_flush(c);
}

static void guest_packet(struct vsock_device *dev, const struct virtio_vsock_hdr *h,
			 const uint8_t *data)
{
	if (dev->trace)
		log_debug("vsock: guest %u -> host %u op %u len %u flags %u credit %u/%u",
			  h->src_port, h->dst_port, h->op, h->len, h->flags, h->buf_alloc,
			  h->fwd_cnt);
	if (h->op == VIRTIO_VSOCK_OP_REQUEST) {
		guest_request(dev, h);
		return;
	}
	struct vsock_conn *c = conn_find(dev, h->dst_port, h->src_port);
	if (c == NULL || c->closing) {
		if (h->op != VIRTIO_VSOCK_OP_RST && c == NULL)
			owe_orphan_reset(dev, h->dst_port, h->src_port);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state == CONN_CONNECTING)
			guest_response(c);
		else
			conn_reset(c);
		break;
	case VIRTIO_VSOCK_OP_RST:
		conn_free(c);
		return;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		guest_shutdown(c, h->flags);
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (c->state == CONN_OPEN && !c->guest_done)
			conn_receive(c, data, h->len);
		else
			conn_reset(c);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->owed |= OWE_CREDIT;
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	default:
		conn_reset(c);
		return;
	}
	if (c->owed != 0)
		dev->rx_starved = true;
	conn_update_watch(c);
}

/* One packet from the tx queue: a header, then `len` bytes of payload. */
static void take_tx_chain(struct vsock_device *dev, struct virtq *q,
			  const struct virtq_chain *chain)
{
	static uint8_t packet[sizeof(struct virtio_vsock_hdr) + VSOCK_MAX_PAYLOAD];
	struct virtio_vsock_hdr h;
	uint64_t got = virtq_chain_read(q, chain, packet, sizeof(packet));
	if (got < sizeof(h)) {
		log_guest("virtio-vsock: tx packet of %llu bytes", (unsigned long long)got);
		return;
	}
	memcpy(&h, packet, sizeof(h));
	if (h.src_cid != dev->guest_cid || h.dst_cid != VSOCK_HOST_CID) {
		log_debug("virtio-vsock: dropped a packet from cid %llu to cid %llu",
			  (unsigned long long)h.src_cid, (unsigned long long)h.dst_cid);
		return;
	}
	if (h.type != VIRTIO_VSOCK_TYPE_STREAM || h.len > got - sizeof(h)) {
		if (h.op != VIRTIO_VSOCK_OP_RST)
			owe_orphan_reset(dev, h.dst_port, h.src_port);
		return;
	}
	guest_packet(dev, &h, packet + sizeof(h));
}

static void drain_tx(struct vsock_device *dev)
{
	struct virtq *q = &dev->transport->queues[VSOCK_TX_QUEUE];
	struct virtq_chain chain;
	struct error *err = NULL;
	int ret;
	while ((ret = virtq_pop(q, &chain, &err)) != 0) {
		if (ret == -2) {
			log_guest("virtio-vsock: tx: %s", err->msg);
			error_release(&err);
			break;
		}
		if (ret < 0) {
			log_guest("virtio-vsock: tx: %s", err->msg);
			error_release(&err);
		} else {
			take_tx_chain(dev, q, &chain);
		}
		virtq_push(q, chain.head, 0);
	}
}

/* Sends what is owed and raises the interrupts that are due; called with
 * the lock held, releases it. */
static void finish_locked(struct vsock_device *dev, bool tx_pushed)
{
	struct virtio_mmio *t = dev->transport;
	bool rx_pushed = dev->rx_starved && fill_rx(dev);
	pthread_mutex_unlock(&t->lock);
	if (tx_pushed)
		virtio_mmio_signal_used(t, VSOCK_TX_QUEUE);
	if (rx_pushed)
		virtio_mmio_signal_used(t, VSOCK_RX_QUEUE);
}

static void vsock_notify(struct virtio_mmio *t, unsigned queue)
{
	struct vsock_device *dev = t->device;
	pthread_mutex_lock(&t->lock);
	bool tx = queue == VSOCK_TX_QUEUE;
	if (tx)
		drain_tx(dev);
	dev->rx_starved = true;
	finish_locked(dev, tx);
}

/* The CONNECT line, read a byte at a time so no stream data is taken. */
static void conn_handshake(struct vsock_conn *c)
{
	char ch;
	ssize_t n;
	while ((n = recv(c->fd, &ch, 1, MSG_DONTWAIT)) == 1) {
		if (ch != '\n') {
			if (c->line_len + 1 >= sizeof(c->line))
				break;
			c->line[c->line_len++] = ch;
			continue;
		}
		c->line[c->line_len] = '\0';
		unsigned port;
		char extra;
		if (sscanf(c->line, "CONNECT %u%c", &port, &extra) != 1)
			break;
		c->state = CONN_CONNECTING;
		c->guest_port = port;
		c->host_port = c->dev->next_port++;
		c->owed = OWE_REQUEST;
		c->dev->rx_starved = true;
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	conn_free(c); /* closed, or not a CONNECT line */
}

/* epoll reports a hang-up whatever it was asked for: stop watching, read
 * what is left as the guest takes it, and write nothing more. */
static void conn_hung_up(struct vsock_conn *c)
{
	if (c->watch != NULL)
		loop_unwatch(c->dev->loop, c->watch);
	c->watch = NULL;
	c->host_hup = true;
	c->buf_len = 0;
}

static void on_conn_event(void *opaque, uint32_t events)
{
	struct vsock_conn *c = opaque;
	struct vsock_device *dev = c->dev;
	pthread_mutex_lock(&dev->transport->lock);
	if (c->state == CONN_HANDSHAKE) {
		conn_handshake(c);
	} else {
		if (events & (EPOLLHUP | EPOLLERR))
			conn_hung_up(c);
		else if (events & EPOLLOUT)
			conn_flush(c);
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
			c->readable = true;
			dev->rx_starved = true;
		}
	}
	finish_locked(dev, false);
}

static void on_accept(void *opaque, uint32_t events)
{
	struct vsock_device *dev = opaque;
	int fd = accept4(dev->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	pthread_mutex_lock(&dev->transport->lock);
	struct vsock_conn *c = conn_new(dev, fd, CONN_HANDSHAKE);
	if (conn_watch(c) < 0)
		conn_free(c);
	pthread_mutex_unlock(&dev->transport->lock);
}

static void vsock_reset(struct virtio_mmio *t)
{
	struct vsock_device *dev = t->device;
	while (dev->conns != NULL)
		conn_free(dev->conns);
	dev->nr_orphans = 0;
	dev->rx_starved = false;
}

static void vsock_read_config(struct virtio_mmio *t, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct vsock_device *dev = t->device;
	struct virtio_vsock_config config = {.guest_cid = dev->guest_cid};
	if (offset <= sizeof(config) && len <= sizeof(config) - offset)
		memcpy(data, (uint8_t *)&config + offset, len);
}

const struct virtio_device_ops virtio_vsock_ops = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK_DEVICE,
	.nr_queues = 3,
	.queue_max = 256,
	.config_size = sizeof(struct virtio_vsock_config),
	.read_config = vsock_read_config,
	.notify = vsock_notify,
	.reset = vsock_reset,
};

int vsock_init(struct vsock_device *dev, const char *path, struct error **err)
{
	*dev = (struct vsock_device){.guest_cid = VSOCK_GUEST_CID,
				     .listen_fd = -1,
				     .next_port = 1u << 30,
				     .trace = getenv("VRUN_TRACE_VSOCK") != NULL};
	if (strlen(path) + 12 >= PATH_MAX) /* and "_PORT" */
		return error_set_kind(err, ENAMETOOLONG, "vsock socket `%s`: path too long", path);
	dev->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (dev->listen_fd < 0)
		return error_set(err, errno, "vsock socket");
	unlink(path);
	if (unix_bind(dev->listen_fd, path) < 0 || listen(dev->listen_fd, 64) < 0) {
		error_set(err, errno, "vsock socket `%s`", path);
		close(dev->listen_fd);
		dev->listen_fd = -1;
		return -1;
	}
	dev->path = xstrdup(path);
	return 0;
}

int vsock_attach(struct vsock_device *dev, struct virtio_mmio *transport, struct event_loop *loop,
		 struct error **err)
{
	dev->transport = transport;
	dev->loop = loop;
	return loop_watch(loop, dev->listen_fd, EPOLLIN, on_accept, dev, err);
}

void vsock_destroy(struct vsock_device *dev)
{
	while (dev->conns != NULL) {
		struct vsock_conn *c = dev->conns;
		dev->conns = c->next;
		close(c->fd);
		free(c->buf);
		free(c);
	}
	if (dev->listen_fd >= 0) {
		close(dev->listen_fd);
		if (!dev->keep_socket)
			unlink(dev->path);
	}
	free(dev->path);
	*dev = (struct vsock_device){.listen_fd = -1};
}
