/* The virtio-net device with a simulated guest driver (queues in
 * simulated guest memory) and a real tap, in a network namespace of the
 * test's own: frames from the host's stack reach the guest's receive
 * buffers (one buffer, or merged over several with num_buffers), frames
 * the guest transmits reach a host socket, broken chains are dropped
 * without harm, and so are frames that come before the guest's driver. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <net/if.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/loop.h"
#include "tests/unit/sim_driver.h"
#include "vmm/virtio/net.h"

#define RAM (8u << 20)
#define HDR 12

static const uint8_t guest_mac[6] = {0x02, 0x00, 0x0a, 0x63, 0x00, 0x02};

struct fixture {
	struct sim_driver drv;
	struct guest_memory mem;
	struct virtio_mmio t;
	struct net_device dev;
	struct event_loop loop;
	uint16_t rx_seen, tx_next, rx_next;
	uint8_t tap_mac[6];
};

static bool ready;

/* Receive buffers of `size` bytes at 0x100000 + i * 0x10000. */
static void post_rx(struct fixture *f, unsigned n, uint32_t size)
{
	for (unsigned k = 0; k < n; k++) {
		uint16_t i = f->rx_next++ % SIM_QSIZE;
		sim_set_desc(&f->drv, 0, i, 0x100000 + i * 0x10000ull, size, VRING_DESC_F_WRITE);
		sim_make_available(&f->drv, 0, i);
	}
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* The driver takes every feature the device offers. */
static void start_driver(struct fixture *f)
{
	sim_wr(&f->drv, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	sim_start(&f->drv, sim_rd(&f->drv, VIRTIO_MMIO_DEVICE_FEATURES), 2);
}

static int open_tap(struct fixture *f)
{
	/* No IPv6 here: its router solicitations would come first. */
	system("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 "
	       "2>/dev/null");
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vtest0");
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -1;
	if (system("ip link set lo up && ip link set vtest0 mtu 9000 up && "
		   "ip addr add 10.99.0.1/24 dev vtest0 && "
		   "ip neigh add 10.99.0.2 lladdr 02:00:0a:63:00:02 dev vtest0") != 0)
		return -1;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq hw = {0};
	snprintf(hw.ifr_name, sizeof(hw.ifr_name), "vtest0");
	ioctl(s, SIOCGIFHWADDR, &hw);
	memcpy(f->tap_mac, hw.ifr_hwaddr.sa_data, 6);
	close(s);
	return fd;
}

static int setup_device(void **state, bool driver_up)
{
	static bool unshared;
	struct fixture *f = calloc(1, sizeof(*f));
	struct error *err = NULL;
	*state = f;
	if (!unshared && (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)) {
		fprintf(stderr, "# test_virtio_net: needs root (a network namespace of its own)\n");
		return 0;
	}
	unshared = true;
	system("ip link del vtest0 2>/dev/null");
	int tap = open_tap(f);
	if (tap < 0) {
		fprintf(stderr, "# test_virtio_net: no tap here\n");
		return 0;
	}
	ready = true;
	f->drv.ram = calloc(1, RAM);
	guest_memory_wrap(&f->mem, f->drv.ram, RAM);
	assert_int_equal(loop_init(&f->loop, &err), 0);
	assert_int_equal(net_device_init(&f->dev, tap, guest_mac, 9000, &err), 0);
	virtio_mmio_init(&f->t, &virtio_net_ops, &f->dev, &f->mem, 0xd0000000, 5, sim_irq, NULL);
	f->t.irq_fd = -1;
	for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++)
		f->t.notify[q].fd = -1;
	assert_int_equal(net_device_attach(&f->dev, &f->t, &f->loop, &err), 0);
	f->drv.d = virtio_mmio_bus_device(&f->t);
	if (driver_up)
		start_driver(f);
	assert_int_equal(loop_start(&f->loop, &err), 0);
	return 0;
}

static int setup(void **state)
{
	return setup_device(state, true);
}

/* The guest's driver not loaded yet, as through the guest's boot. */
static int setup_no_driver(void **state)
{
	return setup_device(state, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (ready) {
		loop_stop(&f->loop);
		net_device_destroy(&f->dev);
		loop_destroy(&f->loop);
		virtio_mmio_destroy(&f->t);
		free(f->drv.ram);
	}
	ready = false;
	free(f);
	return 0;
}

static bool wait_used(struct fixture *f, unsigned q, uint16_t want)
{
	for (int i = 0; i < 3000; i++) {
		if (*sim_used_idx(&f->drv, q) >= want)
			return true;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return false;
}

/* A UDP datagram from the host's stack to the guest's address. */
static void host_send(size_t len, char fill)
{
	char *buf = malloc(len);
	memset(buf, fill, len);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = {.sin_family = AF_INET,
				 .sin_port = htons(7777),
				 .sin_addr.s_addr = htonl(0x0a630002)};
	assert_int_equal(sendto(s, buf, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	close(s);
	free(buf);
}

static void test_config(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	uint8_t mac[6];
	for (int i = 0; i < 6; i++) {
		uint8_t b;
		f->drv.d.read(f->drv.d.opaque, VIRTIO_MMIO_CONFIG + i, &b, 1);
		mac[i] = b;
	}
	assert_memory_equal(mac, guest_mac, 6);
	uint16_t status, mtu;
	f->drv.d.read(f->drv.d.opaque, VIRTIO_MMIO_CONFIG + 6, (uint8_t *)&status, 2);
	f->drv.d.read(f->drv.d.opaque, VIRTIO_MMIO_CONFIG + 10, (uint8_t *)&mtu, 2);
	assert_int_equal(status, VIRTIO_NET_S_LINK_UP);
	assert_int_equal(mtu, 9000);
	assert_int_equal(sim_rd(&f->drv, VIRTIO_MMIO_DEVICE_ID), 1);
}

static void test_receive_one_buffer(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	post_rx(f, 4, 4096);
	host_send(100, 'a');
	assert_true(wait_used(f, 0, 1));
	struct vring_used_elem e = sim_used_elem(&f->drv, 0, 0);
	/* header + ethernet (14) + IPv4 (20) + UDP (8) + 100 */
	assert_int_equal(e.len, HDR + 14 + 20 + 8 + 100);
	const uint8_t *buf = f->drv.ram + 0x100000 + e.id * 0x10000ull;
	struct virtio_net_hdr_v1 h;
	memcpy(&h, buf, HDR);
	assert_int_equal(h.num_buffers, 1);
	assert_memory_equal(buf + HDR, guest_mac, 6);
	assert_memory_equal(buf + HDR + 6, f->tap_mac, 6);
	assert_int_equal(buf[HDR + 14 + 20 + 8], 'a');
}

/* A 6000-byte datagram (MTU 9000: one frame) over 2 KiB buffers. */
static void test_receive_merged(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	post_rx(f, 8, 2048);
	host_send(6000, 'm');
	assert_true(wait_used(f, 0, 3));
	struct vring_used_elem e0 = sim_used_elem(&f->drv, 0, 0);
	const uint8_t *first = f->drv.ram + 0x100000 + e0.id * 0x10000ull;
	struct virtio_net_hdr_v1 h;
	memcpy(&h, first, HDR);
	uint32_t total = 0;
	for (uint16_t k = 0; k < h.num_buffers; k++)
		total += sim_used_elem(&f->drv, 0, k).len;
	assert_int_equal(h.num_buffers, (HDR + 14 + 20 + 8 + 6000 + 2047) / 2048);
	assert_int_equal(total, HDR + 14 + 20 + 8 + 6000);
	/* The last byte of the datagram is in the last buffer. */
	struct vring_used_elem last = sim_used_elem(&f->drv, 0, (uint16_t)(h.num_buffers - 1));
	assert_int_equal(f->drv.ram[0x100000 + last.id * 0x10000ull + last.len - 1], 'm');
}

/* A frame that comes while the guest has no buffers waits for them. */
static void test_receive_waits_for_buffers(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	host_send(300, 'w');
	struct timespec ts = {0, 200 * 1000000};
	nanosleep(&ts, NULL);
	assert_int_equal(*sim_used_idx(&f->drv, 0), 0);
	assert_true(f->dev.rx_starved);
	post_rx(f, 2, 4096);
	assert_true(wait_used(f, 0, 1));
	struct vring_used_elem e = sim_used_elem(&f->drv, 0, 0);
	assert_int_equal(e.len, HDR + 14 + 20 + 8 + 300);
	assert_false(f->dev.rx_starved);
	/* And the tap is watched again: the next one comes straight in. */
	host_send(10, 'x');
	assert_true(wait_used(f, 0, 2));
}

/* Frames that come before the guest's driver is up are dropped (a NIC
 * with no driver drops them), not left in the tap, where they kept the
 * loop thread spinning through the guest's boot; once the driver is up,
 * frames come in. */
static void test_receive_before_the_driver(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	clockid_t loop_clock;
	assert_int_equal(pthread_getcpuclockid(f->loop.thread, &loop_clock), 0);
	struct timespec before, after;
	clock_gettime(loop_clock, &before);
	host_send(100, 'e');
	struct timespec ts = {0, 300 * 1000000};
	nanosleep(&ts, NULL);
	clock_gettime(loop_clock, &after);
	long busy_ms =
		(after.tv_sec - before.tv_sec) * 1000 + (after.tv_nsec - before.tv_nsec) / 1000000;
	assert_in_range(busy_ms, 0, 50);
	assert_int_equal(f->dev.rx_dropped, 1);
	start_driver(f);
	post_rx(f, 2, 4096);
	host_send(20, 'n');
	assert_true(wait_used(f, 0, 1));
	struct vring_used_elem e = sim_used_elem(&f->drv, 0, 0);
	assert_int_equal(e.len, HDR + 14 + 20 + 8 + 20);
	assert_int_equal(f->drv.ram[0x100000 + e.id * 0x10000ull + e.len - 1], 'n');
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The guest sends a UDP datagram to the host (10.99.0.1:7778). */
static void guest_send(struct fixture *f, const char *payload, uint32_t chain_len)
{
	uint16_t i = f->tx_next++ % SIM_QSIZE;
	uint64_t at = 0x400000 + i * 0x10000ull;
	uint8_t *p = f->drv.ram + at;
	size_t n = strlen(payload);
	memset(p, 0, HDR);
	uint8_t *eth = p + HDR, *ip = eth + 14, *udp = ip + 20;
	memcpy(eth, f->tap_mac, 6);
	memcpy(eth + 6, guest_mac, 6);
	eth[12] = 0x08, eth[13] = 0x00;
	uint16_t ip_len = (uint16_t)(20 + 8 + n);
	const uint8_t iph[20] = {0x45, 0,  ip_len >> 8, ip_len & 0xff,
				 0,    1,  0x40,	0,
				 64,   17, 0,		0,
				 10,   99, 0,		2,
				 10,   99, 0,		1};
	memcpy(ip, iph, 20);
	uint16_t c = ip_checksum(ip, 20);
	ip[10] = c >> 8, ip[11] = c & 0xff;
	const uint8_t udph[8] = {0x1e, 0x61, 0x1e, 0x62, (8 + n) >> 8, (8 + n) & 0xff, 0, 0};
	memcpy(udp, udph, 8);
	memcpy(udp + 8, payload, n);
	sim_set_desc(&f->drv, 1, i, at, chain_len ? chain_len : (uint32_t)(HDR + 14 + 20 + 8 + n),
		     0);
	sim_make_available(&f->drv, 1, i);
	sim_wr(&f->drv, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
}

static void test_transmit(void **state)
{
	struct fixture *f = *state;
	if (!ready)
		skip();
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = {.sin_family = AF_INET,
				 .sin_port = htons(7778),
				 .sin_addr.s_addr = htonl(0x0a630001)};
	assert_int_equal(bind(s, (struct sockaddr *)&me, sizeof(me)), 0);
	struct timeval tv = {3, 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A chain too short for a header, then a good frame: the first is
	 * dropped, the second arrives. */
	guest_send(f, "ignored", 6);
	guest_send(f, "hello from the guest", 0);
	char buf[128] = "";
	ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
	assert_int_equal(n, 20);
	assert_string_equal(buf, "hello from the guest");
	assert_true(wait_used(f, 1, 2));
	assert_int_equal(f->dev.tx_dropped, 1);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_one_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_waits_for_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receive_before_the_driver, setup_no_driver,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
