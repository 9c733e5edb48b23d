/* A simulated virtio-mmio driver for the device tests: guest RAM the test
 * owns, the device's registers through its bus_device, and split queues of
 * SIM_QSIZE entries, queue q's rings at 0x10000 * (q + 1) (descriptors,
 * the available ring at +0x1000, the used ring at +0x2000). */
#ifndef VRUN_TESTS_SIM_DRIVER_H
#define VRUN_TESTS_SIM_DRIVER_H

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdint.h>
#include <string.h>

#include "vmm/bus.h"

#define SIM_QSIZE 16

struct sim_driver {
	uint8_t *ram;
	struct bus_device d;
};

static inline uint64_t sim_ring_base(unsigned q)
{
	return 0x10000ull * (q + 1);
}

static inline void sim_wr(struct sim_driver *s, uint64_t offset, uint32_t v)
{
	s->d.write(s->d.opaque, offset, (uint8_t *)&v, 4);
}

static inline uint32_t sim_rd(struct sim_driver *s, uint64_t offset)
{
	uint32_t v;
	s->d.read(s->d.opaque, offset, (uint8_t *)&v, 4);
	return v;
}

/* The interrupt line: the tests poll the used rings instead. */
static inline void sim_irq(void *opaque, unsigned line)
{
}

static inline uint16_t *sim_avail_idx(struct sim_driver *s, unsigned q)
{
	return (uint16_t *)(s->ram + sim_ring_base(q) + 0x1000 + 2);
}

static inline void sim_make_available(struct sim_driver *s, unsigned q, uint16_t head)
{
	uint16_t *ring = (uint16_t *)(s->ram + sim_ring_base(q) + 0x1000 + 4);
	ring[*sim_avail_idx(s, q) % SIM_QSIZE] = head;
	__atomic_store_n(sim_avail_idx(s, q), (uint16_t)(*sim_avail_idx(s, q) + 1),
			 __ATOMIC_RELEASE);
}

static inline volatile uint16_t *sim_used_idx(struct sim_driver *s, unsigned q)
{
	return (volatile uint16_t *)(s->ram + sim_ring_base(q) + 0x2000 + 2);
}

/* The n-th entry the device put on queue q's used ring. */
static inline struct vring_used_elem sim_used_elem(struct sim_driver *s, unsigned q, uint16_t n)
{
	struct vring_used_elem e;
	memcpy(&e, s->ram + sim_ring_base(q) + 0x2000 + 4 + 8 * (n % SIM_QSIZE), sizeof(e));
	return e;
}

/* Descriptor i of queue q, chained to `next` when flags has NEXT. */
static inline void sim_set_desc_next(struct sim_driver *s, unsigned q, uint16_t i, uint64_t addr,
				     uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = {.addr = addr, .len = len, .flags = flags, .next = next};
	memcpy(s->ram + sim_ring_base(q) + 16 * i, &d, 16);
}

static inline void sim_set_desc(struct sim_driver *s, unsigned q, uint16_t i, uint64_t addr,
				uint32_t len, uint16_t flags)
{
	sim_set_desc_next(s, q, i, addr, len, flags, 0);
}

static inline void sim_setup_queue(struct sim_driver *s, unsigned q)
{
	sim_wr(s, VIRTIO_MMIO_QUEUE_SEL, q);
	sim_wr(s, VIRTIO_MMIO_QUEUE_NUM, SIM_QSIZE);
	sim_wr(s, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)sim_ring_base(q));
	sim_wr(s, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(sim_ring_base(q) + 0x1000));
	sim_wr(s, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(sim_ring_base(q) + 0x2000));
	sim_wr(s, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* ACKNOWLEDGE, DRIVER, the device features `low` (bits 0-31) and
 * VIRTIO_F_VERSION_1, FEATURES_OK; `nr_queues` queues set up; DRIVER_OK. */
static inline void sim_start(struct sim_driver *s, uint32_t low, unsigned nr_queues)
{
	sim_wr(s, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	sim_wr(s, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	sim_wr(s, VIRTIO_MMIO_DRIVER_FEATURES, low);
	sim_wr(s, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	sim_wr(s, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VIRTIO_F_VERSION_1 */
	sim_wr(s, VIRTIO_MMIO_STATUS,
	       VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
	for (unsigned q = 0; q < nr_queues; q++)
		sim_setup_queue(s, q);
	sim_wr(s, VIRTIO_MMIO_STATUS, sim_rd(s, VIRTIO_MMIO_STATUS) | VIRTIO_CONFIG_S_DRIVER_OK);
}

#endif
