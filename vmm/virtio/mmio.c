/* virtio-mmio register semantics.  Registers below 0x100 are 32-bit;
 * other widths are ignored (reads give 0), as the spec requires drivers
 * to use 32-bit accesses there. */
#include "vmm/virtio/mmio.h"

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

#define MAGIC  0x74726976 /* "virt" */
#define VENDOR 0x4e555256 /* "VRUN" */

uint64_t virtio_mmio_device_features(const struct virtio_mmio *t)
{
	return t->ops->features | VIRTIO_FEATURE_VERSION_1 | VIRTIO_FEATURE_EVENT_IDX |
	       VIRTIO_FEATURE_INDIRECT_DESC;
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_device_ops *ops, void *device,
		      struct guest_memory *mem, uint64_t base, uint32_t irq,
		      void (*raise_irq)(void *, unsigned), void *irq_opaque)
{
	*t = (struct virtio_mmio){.ops = ops,
				  .device = device,
				  .mem = mem,
				  .base = base,
				  .irq = irq,
				  .raise_irq = raise_irq,
				  .irq_opaque = irq_opaque};
	t->irq_fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		t->queues[i].mem = mem;
		t->notify[i] = (struct virtio_notify){t, i, -1};
	}
}

void virtio_mmio_set_shm(struct virtio_mmio *t, uint64_t base, uint64_t size)
{
	t->shm_base = base;
	t->shm_size = size;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	pthread_mutex_destroy(&t->lock);
}

static struct virtq *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->queues[t->queue_sel] : NULL;
}

static void reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->device_features_sel = t->driver_features_sel = 0;
	t->driver_features = 0;
	t->queue_sel = 0;
	t->shm_sel = 0;
	t->interrupt_status = 0;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&t->queues[i]);
	if (t->ops->reset != NULL)
		t->ops->reset(t);
}

/* Only region 0 may exist; a length of all ones says the selected region
 * does not (virtio 1.2 §4.2.2). */
static uint32_t read_shm_register(const struct virtio_mmio *t, uint64_t offset)
{
	bool exists = t->shm_sel == 0 && t->shm_size > 0;
	uint64_t value = ~0ull;
	if (exists)
		value = offset == VIRTIO_MMIO_SHM_LEN_LOW || offset == VIRTIO_MMIO_SHM_LEN_HIGH
				? t->shm_size
				: t->shm_base;
	bool high = offset == VIRTIO_MMIO_SHM_LEN_HIGH || offset == VIRTIO_MMIO_SHM_BASE_HIGH;
	return (uint32_t)(high ? value >> 32 : value);
}

static uint32_t read_register(struct virtio_mmio *t, uint64_t offset)
{
	struct virtq *q = selected(t);
	uint64_t features = virtio_mmio_device_features(t);
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->device_features_sel > 1
			       ? 0
			       : (uint32_t)(features >> (32 * t->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q != NULL ? t->ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q != NULL && q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return t->interrupt_status;
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return t->config_generation;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return read_shm_register(t, offset);
	default:
		return 0;
	}
}

/* §3.1.1: FEATURES_OK sticks only for a subset of what we offer that
 * includes VERSION_1 (no legacy drivers). */
static void write_status(struct virtio_mmio *t, uint32_t value)
{
	if (value == 0) {
		reset(t);
		return;
	}
	if ((value & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
		uint64_t offered = virtio_mmio_device_features(t);
		if ((t->driver_features & ~offered) ||
		    !(t->driver_features & VIRTIO_FEATURE_VERSION_1)) {
			log_debug("virtio %s: refused driver features 0x%llx", t->ops->name,
				  (unsigned long long)t->driver_features);
			value &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
		}
		for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
			t->queues[i].event_idx = t->driver_features & VIRTIO_FEATURE_EVENT_IDX;
			t->queues[i].indirect = t->driver_features & VIRTIO_FEATURE_INDIRECT_DESC;
		}
	}
	t->status = value;
}

static void set_address_half(uint64_t *addr, bool high, uint32_t value)
{
	if (high)
		*addr = (*addr & 0xffffffffull) | ((uint64_t)value << 32);
	else
		*addr = (*addr & ~0xffffffffull) | value;
}

static void write_queue_ready(struct virtio_mmio *t, struct virtq *q, uint32_t value)
{
	struct error *err = NULL;
	if (value == 0) {
		q->ready = false;
		return;
	}
	if (virtq_validate(q, &err) < 0) {
		log_guest("virtio %s: queue %u not enabled: %s", t->ops->name, t->queue_sel,
			  err->msg);
		error_release(&err);
		return;
	}
	q->ready = true;
}

/* Queue registers may change only while the queue is not ready. */
static void write_queue_register(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	struct virtq *q = selected(t);
	if (q == NULL || (q->ready && offset != VIRTIO_MMIO_QUEUE_READY))
		return;
	switch (offset) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->size = value <= t->ops->queue_max ? (uint16_t)value : 0;
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(t, q, value);
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_address_half(&q->desc_addr, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, value);
		return;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_address_half(&q->avail_addr, offset == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, value);
		return;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_address_half(&q->used_addr, offset == VIRTIO_MMIO_QUEUE_USED_HIGH, value);
		return;
	}
}

/* Returns the queue to notify, or -1. */
static int write_register(struct virtio_mmio *t, uint64_t offset, uint32_t value)
{
	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->device_features_sel = value;
		return -1;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->driver_features_sel = value;
		return -1;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->driver_features_sel <= 1 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_address_half(&t->driver_features, t->driver_features_sel == 1, value);
		return -1;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = value;
		return -1;
	case VIRTIO_MMIO_SHM_SEL:
		t->shm_sel = value;
		return -1;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return value < t->ops->nr_queues ? (int)value : -1;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->interrupt_status &= ~value;
		return -1;
	case VIRTIO_MMIO_STATUS:
		write_status(t, value);
		return -1;
	default:
		write_queue_register(t, offset, value);
		return -1;
	}
}

static void mmio_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_mmio *t = opaque;
	memset(data, 0, len);
	pthread_mutex_lock(&t->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		uint64_t at = offset - VIRTIO_MMIO_CONFIG;
		if (t->ops->read_config != NULL && at + len <= t->ops->config_size)
			t->ops->read_config(t, (uint32_t)at, data, len);
	} else if (len == 4 && offset % 4 == 0) {
		uint32_t value = read_register(t, offset);
		memcpy(data, &value, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

static void mmio_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct virtio_mmio *t = opaque;
	int notify = -1;
	if (offset >= VIRTIO_MMIO_CONFIG || len != 4 || offset % 4 != 0)
		return; /* no device has writable config yet */
	uint32_t value;
	memcpy(&value, data, 4);
	pthread_mutex_lock(&t->lock);
	notify = write_register(t, offset, value);
	pthread_mutex_unlock(&t->lock);
	if (notify >= 0)
		virtio_mmio_queue_notified(t, (unsigned)notify);
}

void virtio_mmio_queue_notified(struct virtio_mmio *t, unsigned queue)
{
	pthread_mutex_lock(&t->lock);
	bool ready = queue < t->ops->nr_queues && (t->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		     t->queues[queue].ready;
	pthread_mutex_unlock(&t->lock);
	if (ready && t->ops->notify != NULL)
		t->ops->notify(t, queue);
}

bool virtio_mmio_needs_reset_locked(struct virtio_mmio *t)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return false;
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	t->interrupt_status |= VIRTIO_MMIO_INT_CONFIG;
	return true;
}

void virtio_mmio_signal_used(struct virtio_mmio *t, unsigned queue)
{
	pthread_mutex_lock(&t->lock);
	bool wanted = virtq_needs_interrupt(&t->queues[queue]);
	if (wanted)
		t->interrupt_status |= VIRTIO_MMIO_INT_VRING;
	pthread_mutex_unlock(&t->lock);
	if (wanted)
		virtio_mmio_raise(t);
}

void virtio_mmio_raise(struct virtio_mmio *t)
{
	uint64_t one = 1;
	if (t->irq_fd >= 0) {
		if (write(t->irq_fd, &one, sizeof(one)) < 0)
			log_warning("virtio %s: irqfd: %s", t->ops->name, strerror(errno));
	} else if (t->raise_irq != NULL) {
		t->raise_irq(t->irq_opaque, t->irq);
	}
}

struct bus_device virtio_mmio_bus_device(struct virtio_mmio *t)
{
	return (struct bus_device){
		.name = t->ops->name,
		.base = t->base,
		.size = VIRTIO_MMIO_SIZE,
		.read = mmio_read,
		.write = mmio_write,
		.opaque = t,
	};
}
