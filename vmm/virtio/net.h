/* virtio-net (virtio 1.2 §5.1) over a tap: one receive and one transmit
 * queue, the 12-byte virtio_net_hdr_v1 passed between the guest and the
 * tap as it is (IFF_VNET_HDR, TUNSETVNETHDRSZ 12), so checksum and TSO
 * offloads cross without work here: the tap is told (TUNSETOFFLOAD) what
 * the guest accepts.  Merged receive buffers: a frame spreads over as many
 * of the guest's buffers as it needs.  The MAC and MTU are the container
 * interface's. */
#ifndef VRUN_VMM_VIRTIO_NET_H
#define VRUN_VMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "vmm/loop.h"
#include "vmm/virtio/mmio.h"

#define NET_FRAME_MAX (65536 + 14 + 4) /* a GSO frame and its ethernet header */

struct net_device {
	struct virtio_mmio *transport;
	struct event_loop *loop;
	struct loop_watch *watch;
	int tap;
	uint8_t mac[6];
	uint16_t mtu;
	bool offloads_set; /* the tap knows the negotiated offloads */
	bool rx_starved;   /* a frame waits for receive buffers */
	uint8_t *frame;	   /* the frame read from the tap, header first */
	uint32_t frame_len;
	struct iovec tx_iov[VIRTQ_MAX_CHAIN]; /* a guest frame's buffers, for the tap */
	/* Scratch for the queues (guarded by the transport's lock). */
	struct virtq_chain rx_chain, rx_first, tx_chain;
	uint64_t tx_dropped, rx_dropped;
};

extern const struct virtio_device_ops virtio_net_ops;

/* Takes `tap` (opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR,
 * non-blocking); the device closes it. */
int net_device_init(struct net_device *dev, int tap, const uint8_t mac[6], uint16_t mtu,
		    struct error **err);
int net_device_attach(struct net_device *dev, struct virtio_mmio *transport,
		      struct event_loop *loop, struct error **err);
void net_device_destroy(struct net_device *dev);

#endif
