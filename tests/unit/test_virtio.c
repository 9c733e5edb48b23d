/* Split virtqueues against simulated guest memory, including malformed
 * chains, and the virtio-mmio register semantics with a fake device. */
#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/virtio/mmio.h"
#include "vmm/virtio/queue.h"
#include "vmm/virtio/rng.h"

#define RAM   (1u << 20)
#define DESC  0x1000
#define AVAIL 0x4000
#define USED  0x6000

struct fixture {
	uint8_t *ram;
	struct guest_memory mem;
	struct virtq q;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->ram = calloc(1, RAM);
	guest_memory_wrap(&f->mem, f->ram, RAM);
	f->q = (struct virtq){.mem = &f->mem,
			      .size = 8,
			      .desc_addr = DESC,
			      .avail_addr = AVAIL,
			      .used_addr = USED,
			      .ready = true};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	free(f->ram);
	free(f);
	return 0;
}

static void set_desc(struct fixture *f, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct vring_desc d = {.addr = addr, .len = len, .flags = flags, .next = next};
	memcpy(f->ram + table + 16 * i, &d, 16);
}

static uint16_t *avail_idx(struct fixture *f)
{
	return (uint16_t *)(f->ram + AVAIL + 2);
}

static void make_available(struct fixture *f, uint16_t head)
{
	uint16_t *ring = (uint16_t *)(f->ram + AVAIL + 4);
	ring[*avail_idx(f) % f->q.size] = head;
	(*avail_idx(f))++;
}

static int pop(struct fixture *f, struct virtq_chain *c, const char *want_error)
{
	struct error *err = NULL;
	int ret = virtq_pop(&f->q, c, &err);
	if (want_error == NULL) {
		if (ret < 0)
			fail_msg("%s", err->msg);
		return ret;
	}
	assert_true(ret < 0);
	if (strstr(err->msg, want_error) == NULL)
		fail_msg("got \"%s\", expected \"%s\"", err->msg, want_error);
	error_release(&err);
	return ret;
}

static void test_empty_and_simple(void **state)
{
	struct fixture *f = *state;
	static struct virtq_chain c;
	assert_int_equal(pop(f, &c, NULL), 0);

	set_desc(f, DESC, 0, 0x10000, 100, VRING_DESC_F_NEXT, 3);
	set_desc(f, DESC, 3, 0x11000, 200, VRING_DESC_F_WRITE, 0);
	memcpy(f->ram + 0x10000, "request", 7);
	make_available(f, 0);
	assert_int_equal(pop(f, &c, NULL), 1);
	assert_int_equal(c.head, 0);
	assert_int_equal(c.count, 2);
	assert_int_equal(c.readable, 100);
	assert_int_equal(c.writable, 200);
	char in[8] = {0};
	assert_int_equal(virtq_chain_read(&f->q, &c, in, 7), 7);
	assert_string_equal(in, "request");
	assert_int_equal(virtq_chain_write(&f->q, &c, "reply", 6), 6);
	assert_string_equal((char *)f->ram + 0x11000, "reply");
	/* Writing more than the buffers hold stops at their end. */
	static uint8_t big[300];
	assert_int_equal(virtq_chain_write(&f->q, &c, big, sizeof(big)), 200);

	virtq_push(&f->q, c.head, 6);
	struct vring_used_elem *elem = (struct vring_used_elem *)(f->ram + USED + 4);
	assert_int_equal(*(uint16_t *)(f->ram + USED + 2), 1);
	assert_int_equal(elem[0].id, 0);
	assert_int_equal(elem[0].len, 6);
	assert_int_equal(pop(f, &c, NULL), 0);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	static struct virtq_chain c;
	set_desc(f, 0x20000, 0, 0x30000, 10, VRING_DESC_F_NEXT, 2);
	set_desc(f, 0x20000, 2, 0x31000, 20, VRING_DESC_F_NEXT, 1);
	set_desc(f, 0x20000, 1, 0x32000, 30, VRING_DESC_F_WRITE, 0);
	set_desc(f, DESC, 5, 0x20000, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	make_available(f, 5);
	pop(f, &c, "indirect descriptor not allowed here");
	f->q.indirect = true;
	make_available(f, 5);
	assert_int_equal(pop(f, &c, NULL), 1);
	assert_int_equal(c.head, 5);
	assert_int_equal(c.count, 3);
	assert_int_equal(c.readable, 30);
	assert_int_equal(c.writable, 30);

	/* An indirect table inside an indirect table. */
	set_desc(f, 0x20000, 1, 0x20000, 48, VRING_DESC_F_INDIRECT, 0);
	make_available(f, 5);
	pop(f, &c, "nested indirect table");
	/* A table whose length is not whole descriptors. */
	set_desc(f, DESC, 5, 0x20000, 40, VRING_DESC_F_INDIRECT, 0);
	make_available(f, 5);
	pop(f, &c, "bad indirect table");
	/* A loop inside the table. */
	set_desc(f, 0x20000, 0, 0x30000, 10, VRING_DESC_F_NEXT, 1);
	set_desc(f, 0x20000, 1, 0x30000, 10, VRING_DESC_F_NEXT, 0);
	set_desc(f, DESC, 5, 0x20000, 32, VRING_DESC_F_INDIRECT, 0);
	make_available(f, 5);
	pop(f, &c, "indirect table loops");
}

static void test_malformed_chains(void **state)
{
	struct fixture *f = *state;
	static struct virtq_chain c;

	set_desc(f, DESC, 0, 0x10000, 8, VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, 0x10000, 8, VRING_DESC_F_NEXT, 0);
	make_available(f, 0);
	pop(f, &c, "descriptors loop");
	assert_int_equal(c.head, 0); /* the caller can give it back */

	set_desc(f, DESC, 0, 0xfff00, 0x200, 0, 0);
	make_available(f, 0);
	pop(f, &c, "outside guest memory");

	set_desc(f, DESC, 0, 0x10000, 8, VRING_DESC_F_NEXT, 9);
	make_available(f, 0);
	pop(f, &c, "next 9 out of 8");

	set_desc(f, DESC, 0, 0x10000, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, 0x11000, 8, 0, 0);
	make_available(f, 0);
	pop(f, &c, "readable buffer after a writable one");

	/* After each bad chain the queue goes on. */
	set_desc(f, DESC, 0, 0x10000, 8, 0, 0);
	make_available(f, 0);
	assert_int_equal(pop(f, &c, NULL), 1);

	/* The driver claims more entries than the ring has: the ring is broken. */
	*avail_idx(f) = (uint16_t)(f->q.last_avail + 9);
	assert_int_equal(pop(f, &c, "avail index jumped"), -2);

	/* A head outside the table breaks the ring too: there is no chain to
	 * give back. */
	*avail_idx(f) = f->q.last_avail;
	make_available(f, 8);
	assert_int_equal(pop(f, &c, "chain head 8 out of 8"), -2);
}

static void test_length_overflow(void **state)
{
	struct fixture *f = *state;
	static struct virtq_chain c;
	/* 3 GiB of pretend guest memory (only the rings are touched). */
	guest_memory_wrap(&f->mem, f->ram, 3ull << 30);
	for (uint16_t i = 0; i < 3; i++)
		set_desc(f, DESC, i, 0x100000, 0x60000000, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(f, DESC, 3, 0x100000, 8, 0, 0);
	make_available(f, 0);
	pop(f, &c, "longer than 4 GiB");
}

static void test_too_many_descriptors(void **state)
{
	struct fixture *f = *state;
	static struct virtq_chain c;
	const uint16_t last = VIRTQ_MAX_CHAIN + 44;
	f->q.size = VIRTQ_MAX_SIZE;
	f->q.avail_addr = 0x8000; /* room for VIRTQ_MAX_SIZE descriptors below */
	f->q.used_addr = 0xa000;
	for (uint16_t i = 0; i < last; i++)
		set_desc(f, DESC, i, 0x10000, 1, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	set_desc(f, DESC, last, 0x10000, 1, 0, 0);
	uint16_t *ring = (uint16_t *)(f->ram + 0x8000 + 4);
	ring[0] = 0;
	*(uint16_t *)(f->ram + 0x8000 + 2) = 1;
	char want[48];
	snprintf(want, sizeof(want), "more than %d descriptors", VIRTQ_MAX_CHAIN);
	pop(f, &c, want);
}

static void test_interrupt_suppression(void **state)
{
	struct fixture *f = *state;
	uint16_t *avail_flags = (uint16_t *)(f->ram + AVAIL);
	uint16_t *used_event = (uint16_t *)(f->ram + AVAIL + 4 + 2 * 8);

	virtq_push(&f->q, 0, 0);
	assert_true(virtq_needs_interrupt(&f->q));
	*avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(virtq_needs_interrupt(&f->q));

	/* Event idx: interrupt only when used_event falls in (last, now]. */
	f->q.event_idx = true;
	*used_event = 5;
	assert_true(virtq_needs_interrupt(&f->q)); /* the first always */
	virtq_push(&f->q, 0, 0);		   /* used idx 2 */
	assert_false(virtq_needs_interrupt(&f->q));
	for (int i = 0; i < 4; i++)
		virtq_push(&f->q, 0, 0); /* used idx 6: passes 5 */
	assert_true(virtq_needs_interrupt(&f->q));
	virtq_push(&f->q, 0, 0);
	assert_false(virtq_needs_interrupt(&f->q));

	/* With an empty ring the device asks to be kicked for the next entry. */
	static struct virtq_chain c;
	f->q.last_avail = 3;
	*avail_idx(f) = 3;
	assert_int_equal(pop(f, &c, NULL), 0);
	assert_int_equal(*(uint16_t *)(f->ram + USED + 4 + 8 * 8), 3);
}

static void test_validate(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	assert_int_equal(virtq_validate(&f->q, &err), 0);
	f->q.size = 6;
	assert_int_equal(virtq_validate(&f->q, &err), -1);
	error_release(&err);
	f->q.size = 8;
	f->q.desc_addr = DESC + 8;
	assert_int_equal(virtq_validate(&f->q, &err), -1);
	assert_string_equal(err->msg, "misaligned ring addresses");
	error_release(&err);
	f->q.desc_addr = RAM - 64;
	assert_int_equal(virtq_validate(&f->q, &err), -1);
	assert_string_equal(err->msg, "ring outside guest memory");
	error_release(&err);
}

/* The transport, with a fake two-queue device. */

static unsigned notified = 99, resets, irqs;

static void fake_notify(struct virtio_mmio *t, unsigned queue)
{
	notified = queue;
}

static void fake_reset(struct virtio_mmio *t)
{
	resets++;
}

static void fake_config(struct virtio_mmio *t, uint32_t offset, uint8_t *data, uint32_t len)
{
	static const uint8_t config[4] = {0xa1, 0xa2, 0xa3, 0xa4};
	memcpy(data, config + offset, len);
}

static void fake_irq(void *opaque, unsigned irq)
{
	irqs++;
}

static const struct virtio_device_ops fake_ops = {
	.name = "fake",
	.device_id = 42,
	.features = 1ull << 0,
	.nr_queues = 2,
	.queue_max = 64,
	.config_size = 4,
	.read_config = fake_config,
	.notify = fake_notify,
	.reset = fake_reset,
};

static uint32_t rd(struct bus_device *d, uint64_t offset)
{
	uint32_t v;
	d->read(d->opaque, offset, (uint8_t *)&v, 4);
	return v;
}

static void wr(struct bus_device *d, uint64_t offset, uint32_t v)
{
	d->write(d->opaque, offset, (uint8_t *)&v, 4);
}

static void setup_queue(struct bus_device *d, uint32_t sel, uint32_t num)
{
	wr(d, VIRTIO_MMIO_QUEUE_SEL, sel);
	wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void test_mmio_registers(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio t;
	virtio_mmio_init(&t, &fake_ops, NULL, &f->mem, 0xd0000000, 5, fake_irq, NULL);
	struct bus_device d = virtio_mmio_bus_device(&t);
	assert_int_equal(d.base, 0xd0000000);
	assert_int_equal(d.size, 0x1000);

	assert_int_equal(rd(&d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(&d, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(&d, VIRTIO_MMIO_DEVICE_ID), 42);
	wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), 1u | 1u << 28 | 1u << 29);
	wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	wr(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(&d, VIRTIO_MMIO_DEVICE_FEATURES), 0);

	/* Config space, any width; out of range reads as zero. */
	uint8_t b[2];
	d.read(d.opaque, 0x101, b, 2);
	assert_int_equal(b[0], 0xa2);
	assert_int_equal(b[1], 0xa3);
	d.read(d.opaque, 0x103, b, 2);
	assert_int_equal(b[0], 0);
	/* Registers only answer 32-bit accesses. */
	uint16_t half = 0xffff;
	d.read(d.opaque, VIRTIO_MMIO_MAGIC_VALUE, (uint8_t *)&half, 2);
	assert_int_equal(half, 0);

	/* No shared memory region: length all ones (virtio 1.2 §4.2.2). */
	wr(&d, VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffffu);
	virtio_mmio_destroy(&t);
}

/* Region 0 (a virtio-fs DAX window) and only it; a reset selects 0. */
static void test_mmio_shared_memory(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio t;
	virtio_mmio_init(&t, &fake_ops, NULL, &f->mem, 0xd0000000, 5, fake_irq, NULL);
	virtio_mmio_set_shm(&t, 0x140000000ull, 0x84000000ull);
	struct bus_device d = virtio_mmio_bus_device(&t);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_LOW), 0x84000000u);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_HIGH), 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_BASE_LOW), 0x40000000u);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_BASE_HIGH), 1);
	wr(&d, VIRTIO_MMIO_SHM_SEL, 1);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffffu);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffffu);
	wr(&d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_SHM_BASE_LOW), 0x40000000u);
	virtio_mmio_destroy(&t);
}

static void negotiate(struct bus_device *d, uint64_t features)
{
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(d, VIRTIO_MMIO_STATUS,
	   VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
}

static void test_mmio_negotiation(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio t;
	virtio_mmio_init(&t, &fake_ops, NULL, &f->mem, 0xd0000000, 5, fake_irq, NULL);
	struct bus_device d = virtio_mmio_bus_device(&t);

	negotiate(&d, 1); /* a legacy driver: no VERSION_1 */
	assert_false(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(&d, VIRTIO_MMIO_STATUS, 0);
	negotiate(&d, VIRTIO_FEATURE_VERSION_1 | (1ull << 7)); /* a bit we never offered */
	assert_false(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	wr(&d, VIRTIO_MMIO_STATUS, 0);
	negotiate(&d, VIRTIO_FEATURE_VERSION_1 | VIRTIO_FEATURE_EVENT_IDX | 1);
	assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK);
	assert_true(t.queues[0].event_idx);
	assert_false(t.queues[0].indirect);
	/* Features are fixed once accepted. */
	wr(&d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(&d, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_true(t.driver_features & 1);
	virtio_mmio_destroy(&t);
}

static void test_mmio_queues_notify_reset(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio t;
	virtio_mmio_init(&t, &fake_ops, NULL, &f->mem, 0xd0000000, 5, fake_irq, NULL);
	struct bus_device d = virtio_mmio_bus_device(&t);
	resets = irqs = 0;

	negotiate(&d, VIRTIO_FEATURE_VERSION_1);
	wr(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	wr(&d, VIRTIO_MMIO_QUEUE_SEL, 7);
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0); /* no such queue */

	setup_queue(&d, 1, 12); /* not a power of two: stays off */
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	setup_queue(&d, 1, 128); /* above QueueNumMax */
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	setup_queue(&d, 1, 16);
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_int_equal(t.queues[1].size, 16);
	assert_int_equal(t.queues[1].used_addr, USED);
	/* A ready queue's registers are frozen. */
	wr(&d, VIRTIO_MMIO_QUEUE_NUM, 32);
	assert_int_equal(t.queues[1].size, 16);

	notified = 99;
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(notified, 99); /* not before DRIVER_OK */
	wr(&d, VIRTIO_MMIO_STATUS, rd(&d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(notified, 1);
	notified = 99;
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 2); /* no such queue */
	assert_int_equal(notified, 99);

	virtq_push(&t.queues[1], 0, 0);
	virtio_mmio_signal_used(&t, 1);
	assert_int_equal(irqs, 1);
	assert_int_equal(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	wr(&d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(resets, 1);
	assert_int_equal(rd(&d, VIRTIO_MMIO_STATUS), 0);
	wr(&d, VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(rd(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(t.queues[1].size, 0);
	assert_int_equal(t.driver_features, 0);
	virtio_mmio_destroy(&t);
}

static void test_rng_device(void **state)
{
	struct fixture *f = *state;
	struct virtio_mmio t;
	virtio_mmio_init(&t, &virtio_rng_ops, NULL, &f->mem, 0xd0000000, 5, fake_irq, NULL);
	struct bus_device d = virtio_mmio_bus_device(&t);
	irqs = 0;
	assert_int_equal(rd(&d, VIRTIO_MMIO_DEVICE_ID), 4);
	negotiate(&d, VIRTIO_FEATURE_VERSION_1);
	setup_queue(&d, 0, 8);
	wr(&d, VIRTIO_MMIO_STATUS, rd(&d, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);

	/* One writable buffer of 64 bytes: filled, returned, interrupt. */
	set_desc(f, DESC, 2, 0x10000, 64, VRING_DESC_F_WRITE, 0);
	make_available(f, 2);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	struct vring_used_elem *elem = (struct vring_used_elem *)(f->ram + USED + 4);
	assert_int_equal(*(uint16_t *)(f->ram + USED + 2), 1);
	assert_int_equal(elem[0].id, 2);
	assert_int_equal(elem[0].len, 64);
	static const uint8_t zeros[64];
	assert_memory_not_equal(f->ram + 0x10000, zeros, 64);
	assert_int_equal(irqs, 1);

	/* A broken ring: the device asks for a reset with a config interrupt. */
	*avail_idx(f) = (uint16_t)(*avail_idx(f) + 100);
	wr(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(rd(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(rd(&d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(irqs, 2);
	wr(&d, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(&d, VIRTIO_MMIO_STATUS), 0);
	virtio_mmio_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_and_simple, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_chains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_suppression, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_shared_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio_queues_notify_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rng_device, setup, teardown),
	};
	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}
