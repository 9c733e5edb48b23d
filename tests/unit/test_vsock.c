/* The virtio-vsock device with a simulated guest driver (queues in
 * simulated guest memory) and real host unix sockets: the CONNECT/OK
 * handshake, data both ways, credit, shutdown, and what a hostile guest
 * sends (packets past its credit, short packets, another cid). */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/loop.h"
#include "tests/unit/sim_driver.h"
#include "vmm/virtio/vsock.h"

#define RAM	 (4u << 20)
#define RX_BUF	 (4096 + sizeof(struct virtio_vsock_hdr))
#define TX_BUF	 (65536 + sizeof(struct virtio_vsock_hdr))
#define HDR_SIZE sizeof(struct virtio_vsock_hdr)

struct fixture {
	struct sim_driver drv;
	struct guest_memory mem;
	struct virtio_mmio t;
	struct vsock_device dev;
	struct event_loop loop;
	char path[108];
	uint16_t rx_seen; /* used entries of rx consumed */
	uint16_t tx_next; /* next tx descriptor */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct error *err = NULL;
	f->drv.ram = calloc(1, RAM);
	guest_memory_wrap(&f->mem, f->drv.ram, RAM);
	snprintf(f->path, sizeof(f->path), "/tmp/vrun-vsock-test.%d.sock", (int)getpid());
	assert_int_equal(loop_init(&f->loop, &err), 0);
	assert_int_equal(vsock_init(&f->dev, f->path, &err), 0);
	virtio_mmio_init(&f->t, &virtio_vsock_ops, &f->dev, &f->mem, 0xd0000000, 5, sim_irq, NULL);
	f->t.irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		f->t.notify[q].fd = -1;
	assert_int_equal(vsock_attach(&f->dev, &f->t, &f->loop, &err), 0);
	f->drv.d = virtio_mmio_bus_device(&f->t);
	sim_start(&f->drv, 0, 3);
	for (uint16_t i = 0; i < SIM_QSIZE; i++) {
		sim_set_desc(&f->drv, 0, i, 0x100000 + i * 0x2000ull, RX_BUF, VRING_DESC_F_WRITE);
		sim_make_available(&f->drv, 0, i);
	}
	assert_int_equal(loop_start(&f->loop, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	loop_stop(&f->loop);
	vsock_destroy(&f->dev);
	loop_destroy(&f->loop);
	virtio_mmio_destroy(&f->t);
	free(f->drv.ram);
	free(f);
	return 0;
}

/* The guest sends one packet on the tx queue. */
static void guest_send(struct fixture *f, uint16_t op, uint32_t src_port, uint32_t dst_port,
		       const void *data, uint32_t len, uint64_t src_cid, uint32_t buf_alloc)
{
	uint16_t i = f->tx_next++ % SIM_QSIZE;
	uint64_t buf = 0x200000 + i * 0x20000ull;
	struct virtio_vsock_hdr h = {
		.src_cid = src_cid,
		.dst_cid = VSOCK_HOST_CID,
		.src_port = src_port,
		.dst_port = dst_port,
		.len = len,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = buf_alloc,
	};
	memcpy(f->drv.ram + buf, &h, sizeof(h));
	if (len > 0)
		memcpy(f->drv.ram + buf + sizeof(h), data, len);
	sim_set_desc(&f->drv, 1, i, buf, (uint32_t)(sizeof(h) + len), 0);
	sim_make_available(&f->drv, 1, i);
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

static void send_op(struct fixture *f, uint16_t op, uint32_t src, uint32_t dst)
{
	guest_send(f, op, src, dst, NULL, 0, VSOCK_GUEST_CID, 65536);
}

/* The next packet the device put on the rx queue (its buffer goes back to
 * the device); fails after 5 s. */
static struct virtio_vsock_hdr guest_receive(struct fixture *f, uint8_t *data)
{
	struct timespec ts = {0, 1000000};
	for (int waited = 0; *sim_used_idx(&f->drv, 0) == f->rx_seen; waited++) {
		assert_true(waited < 5000);
		nanosleep(&ts, NULL);
		sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 0); /* as a driver refilling would */
	}
	struct vring_used_elem e = sim_used_elem(&f->drv, 0, f->rx_seen);
	f->rx_seen++;
	struct virtio_vsock_hdr h;
	uint64_t buf = 0x100000 + e.id * 0x2000ull;
	memcpy(&h, f->drv.ram + buf, sizeof(h));
	assert_true(e.len == sizeof(h) + h.len);
	if (data != NULL)
		memcpy(data, f->drv.ram + buf + sizeof(h), h.len);
	sim_make_available(&f->drv, 0, (uint16_t)e.id);
	return h;
}

/* The same, past the credit updates the device sends as it forwards. */
static struct virtio_vsock_hdr guest_receive_data(struct fixture *f, uint8_t *data)
{
	struct virtio_vsock_hdr h;
	do
		h = guest_receive(f, data);
	while (h.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	return h;
}

static int host_connect(struct fixture *f, unsigned port)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	strcpy(addr.sun_path, f->path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	char line[32];
	int n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	assert_int_equal(write(fd, line, (size_t)n), n);
	return fd;
}

static void read_exact(int fd, char *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);
		assert_true(n > 0);
		done += (size_t)n;
	}
	buf[len] = '\0';
}

/* A host connection to guest port 1024, accepted by the guest. */
static int open_stream(struct fixture *f, uint32_t *host_port)
{
	int fd = host_connect(f, 1024);
	struct virtio_vsock_hdr req = guest_receive(f, NULL);
	assert_int_equal(req.op, VIRTIO_VSOCK_OP_REQUEST);
	assert_int_equal(req.dst_cid, VSOCK_GUEST_CID);
	assert_int_equal(req.dst_port, 1024);
	*host_port = req.src_port;
	send_op(f, VIRTIO_VSOCK_OP_RESPONSE, 1024, *host_port);
	char ok[64];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", *host_port);
	read_exact(fd, ok + 32, (size_t)n);
	assert_memory_equal(ok + 32, ok, (size_t)n);
	return fd;
}

static void test_connect_and_data(void **state)
{
	struct fixture *f = *state;
	uint8_t data[4096];
	char buf[64];
	uint32_t port;
	int fd = open_stream(f, &port);

	guest_send(f, VIRTIO_VSOCK_OP_RW, 1024, port, "hello", 5, VSOCK_GUEST_CID, 65536);
	read_exact(fd, buf, 5);
	assert_string_equal(buf, "hello");

	assert_int_equal(write(fd, "world!", 6), 6);
	struct virtio_vsock_hdr h = guest_receive_data(f, data);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RW);
	assert_int_equal(h.len, 6);
	assert_memory_equal(data, "world!", 6);
	/* Our credit says we forwarded the guest's 5 bytes, not the OK line. */
	assert_int_equal(h.fwd_cnt, 5);
	assert_int_equal(h.buf_alloc, 256u << 10);

	/* The host half-closes: the guest is told it will get no more. */
	shutdown(fd, SHUT_WR);
	h = guest_receive_data(f, NULL);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_SHUTDOWN);
	assert_true(h.flags & VIRTIO_VSOCK_SHUTDOWN_SEND);
	/* The guest resets: the host sees the end of the stream. */
	send_op(f, VIRTIO_VSOCK_OP_RST, 1024, port);
	assert_int_equal(read(fd, buf, sizeof(buf)), 0);
	close(fd);
}

static void test_guest_respects_no_credit(void **state)
{
	struct fixture *f = *state;
	uint32_t port;
	static uint8_t chunk[60000];
	int fd = open_stream(f, &port);
	/* The host never reads: once its socket buffer and our 256 KiB are
	 * full, the guest is over its credit, and the connection is reset
	 * rather than buffered without end. */
	for (int i = 0; i < 12; i++)
		guest_send(f, VIRTIO_VSOCK_OP_RW, 1024, port, chunk, sizeof(chunk), VSOCK_GUEST_CID,
			   65536);
	struct virtio_vsock_hdr h = guest_receive_data(f, NULL);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 1024);
	close(fd);
}

static void test_hostile_packets(void **state)
{
	struct fixture *f = *state;
	/* Data for a connection that does not exist: reset. */
	guest_send(f, VIRTIO_VSOCK_OP_RW, 5555, 77, "x", 1, VSOCK_GUEST_CID, 65536);
	struct virtio_vsock_hdr h = guest_receive(f, NULL);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 5555);
	assert_int_equal(h.src_port, 77);
	/* A connection to a host port nobody listens on: reset. */
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 6000, 4242);
	h = guest_receive(f, NULL);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST);
	assert_int_equal(h.dst_port, 6000);
	/* Packets claiming another cid, or more payload than they carry, or
	 * shorter than a header: dropped, and the device goes on. */
	guest_send(f, VIRTIO_VSOCK_OP_REQUEST, 6001, 4242, NULL, 0, 99, 65536);
	uint16_t i = f->tx_next++ % SIM_QSIZE;
	sim_set_desc(&f->drv, 1, i, 0x200000 + i * 0x20000ull, 10, 0);
	sim_make_available(&f->drv, 1, i);
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	struct virtio_vsock_hdr lie = {.src_cid = VSOCK_GUEST_CID,
				       .dst_cid = VSOCK_HOST_CID,
				       .src_port = 6002,
				       .dst_port = 4242,
				       .len = 1u << 30,
				       .type = VIRTIO_VSOCK_TYPE_STREAM,
				       .op = VIRTIO_VSOCK_OP_RW};
	i = f->tx_next++ % SIM_QSIZE;
	memcpy(f->drv.ram + 0x200000 + i * 0x20000ull, &lie, sizeof(lie));
	sim_set_desc(&f->drv, 1, i, 0x200000 + i * 0x20000ull, sizeof(lie), 0);
	sim_make_available(&f->drv, 1, i);
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	h = guest_receive(f, NULL);
	assert_int_equal(h.op, VIRTIO_VSOCK_OP_RST); /* for the lying RW */
	assert_int_equal(h.dst_port, 6002);
	assert_int_equal(*sim_used_idx(&f->drv, 1), f->tx_next); /* every tx chain returned */
	/* And a normal connection still works. */
	uint32_t port;
	int fd = open_stream(f, &port);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connect_and_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_respects_no_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_packets, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
