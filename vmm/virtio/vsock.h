/* virtio-vsock (virtio 1.2 §5.10), stream sockets only, with the host side
 * on unix sockets as Firecracker and Cloud Hypervisor do it:
 *  - a host program connects to `<path>` and writes `CONNECT <port>\n`;
 *    once the guest accepts, it reads `OK <hostport>\n` and the socket is
 *    the stream;
 *  - a guest connection to host port P is connected to `<path>_P`.
 * Credit-based flow control both ways: the guest never has more in flight
 * than a connection's buffer holds, and the device reads a host socket only
 * as far as the guest has room. */
#ifndef VRUN_VMM_VIRTIO_VSOCK_H
#define VRUN_VMM_VIRTIO_VSOCK_H

#include <stdint.h>

#include "common/error.h"
#include "vmm/loop.h"
#include "vmm/virtio/mmio.h"

#define VIRTIO_ID_VSOCK_DEVICE 19
#define VSOCK_GUEST_CID	       3
#define VSOCK_HOST_CID	       2

struct vsock_conn;

struct vsock_device {
	struct virtio_mmio *transport;
	struct event_loop *loop;
	uint64_t guest_cid;
	char *path;	  /* the host unix socket */
	bool keep_socket; /* vsock_destroy leaves it: the caller's thread does not see it */
	int listen_fd;
	struct vsock_conn *conns;
	uint32_t next_port; /* host ports handed out to host-initiated connections */
	/* Resets for packets that match no connection, waiting for room in
	 * the receive queue. */
	struct vsock_orphan {
		uint32_t src_port, dst_port;
	} orphans[64];
	unsigned nr_orphans;
	/* The receive queue ran dry with packets still to send. */
	bool rx_starved;
	bool trace; /* log every packet (VRUN_TRACE_VSOCK set, with --debug) */
};

extern const struct virtio_device_ops virtio_vsock_ops;

/* Listens on `path` (replacing a stale socket).  Nothing is served until
 * vsock_attach. */
int vsock_init(struct vsock_device *dev, const char *path, struct error **err);
/* Connects the device to its transport and the loop that watches its
 * sockets. */
int vsock_attach(struct vsock_device *dev, struct virtio_mmio *transport, struct event_loop *loop,
		 struct error **err);
/* Closes every connection and the listening socket, and removes it. */
void vsock_destroy(struct vsock_device *dev);

#endif
