/* The virtio-mmio transport, version 2 (virtio 1.2 §4.2.2): registers,
 * feature negotiation, device status, queue setup and interrupts.  The
 * device behind it (rng, fs, vsock, net) only sees its queues and config
 * space through struct virtio_device_ops. */
#ifndef VRUN_VMM_VIRTIO_MMIO_H
#define VRUN_VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/virtio/queue.h"

#define VIRTIO_MMIO_SIZE		0x1000
#define VIRTIO_MMIO_MAX_QUEUES		8
#define VIRTIO_MMIO_QUEUE_NOTIFY_OFFSET 0x050

/* Feature bits of the transport and ring (virtio 1.2 §6). */
#define VIRTIO_FEATURE_INDIRECT_DESC (1ull << 28)
#define VIRTIO_FEATURE_EVENT_IDX     (1ull << 29)
#define VIRTIO_FEATURE_VERSION_1     (1ull << 32)

struct virtio_mmio;

struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features; /* device-specific bits; the transport adds its own */
	unsigned nr_queues;
	uint16_t queue_max;
	uint32_t config_size;
	void (*read_config)(struct virtio_mmio *t, uint32_t offset, uint8_t *data, uint32_t len);
	/* The driver kicked queue `queue`. */
	void (*notify)(struct virtio_mmio *t, unsigned queue);
	/* The driver reset the device (status 0). */
	void (*reset)(struct virtio_mmio *t);
};

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *device; /* the device's own state */
	struct guest_memory *mem;
	uint64_t base;
	uint32_t irq;
	void (*raise_irq)(void *opaque, unsigned irq);
	void *irq_opaque;

	int irq_fd; /* KVM irqfd for the interrupt, or -1 to call raise_irq */
	struct virtio_notify {
		struct virtio_mmio *transport;
		unsigned queue;
		int fd; /* KVM ioeventfd on QueueNotify for this queue, or -1 */
	} notify[VIRTIO_MMIO_MAX_QUEUES];

	pthread_mutex_t lock;
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	uint32_t config_generation;
	uint32_t shm_sel;
	/* Shared memory region 0 (virtio 1.2 §2.10), set by the device's
	 * maker (virtio_mmio_set_shm); size 0: none. */
	uint64_t shm_base, shm_size;
	struct virtq queues[VIRTIO_MMIO_MAX_QUEUES];
};

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *device,
		      struct guest_memory *mem, uint64_t base, uint32_t irq,
		      void (*raise_irq)(void *, unsigned), void *irq_opaque);
void virtio_mmio_destroy(struct virtio_mmio *t);
/* Gives the device shared memory region 0 at guest-physical [base, base +
 * size): virtio-fs's DAX window (VIRTIO_FS_SHMCAP_ID_CACHE). */
void virtio_mmio_set_shm(struct virtio_mmio *t, uint64_t base, uint64_t size);
struct bus_device virtio_mmio_bus_device(struct virtio_mmio *t);

uint64_t virtio_mmio_device_features(const struct virtio_mmio *t);

/* The driver kicked `queue` (by MMIO write or ioeventfd): hands it to the
 * device once the driver is ready (DRIVER_OK). */
void virtio_mmio_queue_notified(struct virtio_mmio *t, unsigned queue);

/* For devices, with t->lock held: the device hit an error it cannot
 * recover from (a broken ring); sets DEVICE_NEEDS_RESET and a config
 * change interrupt (virtio 1.2 §2.1.2).  Returns true when the caller
 * must call virtio_mmio_raise() after unlocking. */
bool virtio_mmio_needs_reset_locked(struct virtio_mmio *t);
void virtio_mmio_raise(struct virtio_mmio *t);

/* For devices: tell the driver that used buffers are waiting on `queue`
 * (if it wants to know). */
void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned queue);

#endif
