/* The tap's frames into the receive queue, the transmit queue's frames
 * into the tap. */
#include "vmm/virtio/net.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

#define RX_QUEUE 0
#define TX_QUEUE 1
#define HDR_LEN	 sizeof(struct virtio_net_hdr_v1) /* 12 */

#define FEATURE(bit) (1ull << (bit))
#define NET_FEATURES                                                                               \
	(FEATURE(VIRTIO_NET_F_CSUM) | FEATURE(VIRTIO_NET_F_GUEST_CSUM) |                           \
	 FEATURE(VIRTIO_NET_F_MTU) | FEATURE(VIRTIO_NET_F_MAC) |                                   \
	 FEATURE(VIRTIO_NET_F_GUEST_TSO4) | FEATURE(VIRTIO_NET_F_GUEST_TSO6) |                     \
	 FEATURE(VIRTIO_NET_F_HOST_TSO4) | FEATURE(VIRTIO_NET_F_HOST_TSO6) |                       \
	 FEATURE(VIRTIO_NET_F_MRG_RXBUF) | FEATURE(VIRTIO_NET_F_STATUS))

int net_device_init(struct net_device *dev, int tap, const uint8_t mac[6], uint16_t mtu,
		    struct error **err)
{
	int hdr = HDR_LEN;
	memset(dev, 0, sizeof(*dev));
	dev->tap = tap;
	memcpy(dev->mac, mac, 6);
	dev->mtu = mtu;
	if (ioctl(tap, TUNSETVNETHDRSZ, &hdr) < 0 || ioctl(tap, TUNSETOFFLOAD, 0) < 0)
		return error_set(err, errno, "virtio-net: tap vnet header");
	dev->frame = xcalloc(1, NET_FRAME_MAX + HDR_LEN);
	return 0;
}

/* What the guest accepts, the tap may send: from the negotiated features,
 * once the driver has said them. */
static void set_offloads(struct net_device *dev)
{
	uint64_t f = dev->transport->driver_features;
	unsigned offloads = 0;
	if (f & FEATURE(VIRTIO_NET_F_GUEST_CSUM)) {
		offloads |= TUN_F_CSUM;
		if (f & FEATURE(VIRTIO_NET_F_GUEST_TSO4))
			offloads |= TUN_F_TSO4;
		if (f & FEATURE(VIRTIO_NET_F_GUEST_TSO6))
			offloads |= TUN_F_TSO6;
	}
	if (ioctl(dev->tap, TUNSETOFFLOAD, offloads) < 0)
		log_guest("virtio-net: tap offloads 0x%x: %s", offloads, strerror(errno));
	dev->offloads_set = true;
}

/* Drops the waiting frame, giving back the chains it had taken (empty). */
static void drop_frame(struct net_device *dev, struct virtq *q, const uint16_t *heads,
		       unsigned used)
{
	for (unsigned i = 0; i < used; i++)
		virtq_push(q, heads[i], 0);
	dev->rx_dropped++;
	dev->frame_len = 0;
}

/* The waiting frame into the receive queue, over as many chains as it
 * takes (merged buffers) or one; false when the queue has too little for
 * it now (the chains taken go back untouched). */
static bool place_frame(struct net_device *dev, struct virtq *q, bool *pushed, bool *broken)
{
	struct virtq_chain *chain = &dev->rx_chain, *first = &dev->rx_first;
	struct error *err = NULL;
	bool merge = dev->transport->driver_features & FEATURE(VIRTIO_NET_F_MRG_RXBUF);
	uint16_t heads[VIRTQ_MAX_SIZE];
	uint32_t lens[VIRTQ_MAX_SIZE];
	unsigned used = 0;
	uint32_t done = 0;
	while (done < dev->frame_len) {
		int ret = virtq_pop(q, chain, &err);
		if (ret == 0) {
			for (unsigned i = 0; i < used; i++)
				virtq_unpop(q);
			return false;
		}
		if (ret == -2) {
			log_guest("virtio-net: receive queue: %s", err->msg);
			error_release(&err);
			q->ready = false;
			*broken = virtio_mmio_needs_reset_locked(dev->transport);
			dev->frame_len = 0;
			return false;
		}
		*pushed = true;
		if (ret < 0 || chain->writable == 0 ||
		    (!merge && chain->writable < dev->frame_len) || used == VIRTQ_MAX_SIZE) {
			/* A malformed or too small buffer: the frame is dropped. */
			error_release(&err);
			virtq_push(q, chain->head, 0);
			drop_frame(dev, q, heads, used);
			return true;
		}
		uint32_t take = dev->frame_len - done;
		if (take > chain->writable)
			take = (uint32_t)chain->writable;
		virtq_chain_write(q, chain, dev->frame + done, take);
		if (used == 0)
			*first = *chain;
		heads[used] = chain->head;
		lens[used] = take;
		used++;
		done += take;
	}
	/* num_buffers, in the first buffer's header (little endian). */
	struct virtio_net_hdr_v1 hdr;
	memcpy(&hdr, dev->frame, HDR_LEN);
	hdr.num_buffers = merge ? (uint16_t)used : 1;
	virtq_chain_write(q, first, &hdr, HDR_LEN);
	for (unsigned i = 0; i < used; i++)
		virtq_push(q, heads[i], lens[i]);
	dev->frame_len = 0;
	return true;
}

/* With no receive queue (the guest's driver is not up yet, or reset it),
 * what the tap has is dropped, as a NIC with no driver drops it: left
 * there, it would wake the loop again at once, and the loop would spin
 * on it through the guest's boot (the host's IPv6 neighbour discovery
 * arrives as soon as the tap is up). */
static void drop_unreceivable(struct net_device *dev)
{
	ssize_t n;
	dev->frame_len = 0;
	while ((n = read(dev->tap, dev->frame, NET_FRAME_MAX + HDR_LEN)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			dev->rx_dropped++;
}

/* Frames from the tap while the guest has room for them. */
static void receive(struct net_device *dev)
{
	struct virtio_mmio *t = dev->transport;
	struct virtq *q = &t->queues[RX_QUEUE];
	bool pushed = false, broken = false;
	pthread_mutex_lock(&t->lock);
	if (!dev->offloads_set && (t->status & VIRTIO_CONFIG_S_DRIVER_OK))
		set_offloads(dev);
	if (!q->ready)
		drop_unreceivable(dev);
	while (q->ready) {
		if (dev->frame_len == 0) {
			ssize_t n = read(dev->tap, dev->frame, NET_FRAME_MAX + HDR_LEN);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= (ssize_t)HDR_LEN)
				break; /* EAGAIN: no more for now */
			dev->frame_len = (uint32_t)n;
		}
		if (!place_frame(dev, q, &pushed, &broken))
			break;
	}
	/* A frame waiting: stop watching the tap until the guest adds
	 * receive buffers (its notify resumes us). */
	bool starved = dev->frame_len > 0;
	if (starved != dev->rx_starved && dev->watch != NULL)
		loop_modify(dev->loop, dev->watch, starved ? 0 : EPOLLIN);
	dev->rx_starved = starved;
	pthread_mutex_unlock(&t->lock);
	if (broken)
		virtio_mmio_raise(t);
	if (pushed)
		virtio_mmio_signal_used(t, RX_QUEUE);
}

static void on_tap(void *opaque, uint32_t events)
{
	receive(opaque);
}

/* The guest's frames, header and all, into the tap (VERSION_1: the
 * header is always the 12-byte one, the tap's too). */
static void transmit(struct net_device *dev)
{
	struct virtio_mmio *t = dev->transport;
	struct virtq *q = &t->queues[TX_QUEUE];
	struct virtq_chain *chain = &dev->tx_chain;
	struct error *err = NULL;
	bool pushed = false, broken = false;
	int ret;
	pthread_mutex_lock(&t->lock);
	while ((ret = virtq_pop(q, chain, &err)) != 0) {
		if (ret == -2) {
			log_guest("virtio-net: transmit queue: %s", err->msg);
			error_release(&err);
			q->ready = false;
			broken = virtio_mmio_needs_reset_locked(t);
			break;
		}
		if (ret < 0 || chain->readable <= HDR_LEN ||
		    chain->readable > NET_FRAME_MAX + HDR_LEN) {
			error_release(&err);
			dev->tx_dropped++;
		} else {
			/* Straight from guest memory: the tap copies it once. */
			unsigned n = virtq_chain_iov(q, chain, false, dev->tx_iov);
			if (writev(dev->tap, dev->tx_iov, (int)n) < 0)
				dev->tx_dropped++;
		}
		virtq_push(q, chain->head, 0);
		pushed = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (broken)
		virtio_mmio_raise(t);
	if (pushed)
		virtio_mmio_signal_used(t, TX_QUEUE);
}

static void net_notify(struct virtio_mmio *t, unsigned queue)
{
	struct net_device *dev = t->device;
	if (queue == TX_QUEUE)
		transmit(dev);
	else if (queue == RX_QUEUE)
		receive(dev); /* new buffers: a waiting frame can go */
}

static void net_read_config(struct virtio_mmio *t, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct net_device *dev = t->device;
	struct virtio_net_config c = {0};
	memcpy(c.mac, dev->mac, 6);
	c.status = VIRTIO_NET_S_LINK_UP;
	c.max_virtqueue_pairs = 1;
	c.mtu = dev->mtu;
	memset(data, 0, len);
	if (offset < sizeof(c))
		memcpy(data, (uint8_t *)&c + offset,
		       len < sizeof(c) - offset ? len : sizeof(c) - offset);
}

static void net_reset(struct virtio_mmio *t)
{
	struct net_device *dev = t->device;
	dev->offloads_set = false;
	dev->frame_len = 0;
	if (dev->rx_starved && dev->watch != NULL)
		loop_modify(dev->loop, dev->watch, EPOLLIN);
	dev->rx_starved = false;
}

const struct virtio_device_ops virtio_net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = NET_FEATURES,
	.nr_queues = 2,
	.queue_max = 256,
	.config_size = sizeof(struct virtio_net_config),
	.read_config = net_read_config,
	.notify = net_notify,
	.reset = net_reset,
};

int net_device_attach(struct net_device *dev, struct virtio_mmio *transport,
		      struct event_loop *loop, struct error **err)
{
	dev->transport = transport;
	dev->loop = loop;
	return loop_watch_handle(loop, dev->tap, EPOLLIN, on_tap, dev, &dev->watch, err);
}

void net_device_destroy(struct net_device *dev)
{
	if (dev->watch != NULL)
		loop_unwatch(dev->loop, dev->watch);
	if (dev->tap >= 0)
		close(dev->tap);
	free(dev->frame);
	dev->frame = NULL;
	dev->tap = -1;
}
