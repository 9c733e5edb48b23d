/* libFuzzer target: a hostile guest's virtio-vsock packets
 * (vmm/virtio/vsock.c), through the device's real transmit path: the
 * input is a list of packets (a 16-bit length, then header and payload as
 * the guest wrote them), each put on the tx queue of a simulated driver
 * (tests/unit/sim_driver.h) and notified; the receive queue has buffers
 * for the device's answers.  A unix socket listens where a guest
 * connection to port 1024 leads, so connections get made too.  Nothing
 * may crash, leak or touch memory outside the guest's. */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/unix_socket.h"
#include "tests/unit/sim_driver.h"
#include "vmm/loop.h"
#include "vmm/virtio/vsock.h"

#define RAM    (4u << 20)
#define RX_BUF (4096 + sizeof(struct virtio_vsock_hdr))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char path[108], port_path[120];
static int listener = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/vrun-fuzz-vsock.%d.sock", (int)getpid());
	snprintf(port_path, sizeof(port_path), "%s_1024", path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(port_path);
	if (listener < 0 || unix_bind(listener, port_path) < 0 || listen(listener, 128) < 0)
		abort();
	return 0;
}

/* Connections the device made to port 1024 since the last input. */
static void drop_accepted(void)
{
	int fd;
	while ((fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (write(fd, "x", 1) < 0) { /* something for the guest to read */
		}
		close(fd);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_driver drv;
	static struct guest_memory mem;
	static struct virtio_mmio t;
	static struct vsock_device dev;
	static struct event_loop loop;
	struct error *err = NULL;

	if (drv.ram == NULL)
		drv.ram = malloc(RAM);
	memset(drv.ram, 0, RAM);
	guest_memory_wrap(&mem, drv.ram, RAM);
	if (loop_init(&loop, &err) < 0 || vsock_init(&dev, path, &err) < 0)
		abort();
	virtio_mmio_init(&t, &virtio_vsock_ops, &dev, &mem, 0xd0000000, 5, sim_irq, NULL);
	t.irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		t.notify[q].fd = -1;
	if (vsock_attach(&dev, &t, &loop, &err) < 0)
		abort();
	drv.d = virtio_mmio_bus_device(&t);
	sim_start(&drv, 0, 3);
	for (uint16_t i = 0; i < SIM_QSIZE; i++) {
		sim_set_desc(&drv, 0, i, 0x100000 + i * 0x2000ull, RX_BUF, VRING_DESC_F_WRITE);
		sim_make_available(&drv, 0, i);
	}
	size_t at = 0;
	for (uint16_t i = 0; i < SIM_QSIZE && at + 2 <= size; i++) {
		size_t len = (size_t)data[at] | (size_t)data[at + 1] << 8;
		at += 2;
		if (len > size - at)
			len = size - at;
		uint64_t buf = 0x200000 + i * 0x10000ull;
		memcpy(drv.ram + buf, data + at, len < 0x10000 ? len : 0x10000);
		at += len;
		sim_set_desc(&drv, 1, i, buf, (uint32_t)len, 0);
		sim_make_available(&drv, 1, i);
		sim_wr(&drv, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
		drop_accepted();
	}
	sim_wr(&drv, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	vsock_destroy(&dev);
	loop_destroy(&loop);
	virtio_mmio_destroy(&t);
	drop_accepted();
	return 0;
}
