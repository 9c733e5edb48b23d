/* virtio-rng: each request is a chain of writable buffers; fill them. */
#include "vmm/virtio/rng.h"

#include <sys/random.h>

#include "common/log.h"

/* Entropy per request is capped: the guest asks again for more. */
#define RNG_MAX_REQUEST 4096

static void rng_notify(struct virtio_mmio *t, unsigned queue)
{
	struct virtq *q = &t->queues[queue];
	struct virtq_chain chain;
	struct error *err = NULL;
	uint8_t random[RNG_MAX_REQUEST];
	bool pushed = false, broken = false;
	int ret;

	pthread_mutex_lock(&t->lock);
	while ((ret = virtq_pop(q, &chain, &err)) != 0) {
		uint32_t written = 0;
		if (ret == -2) {
			log_guest("virtio-rng: %s; the device needs a reset", err->msg);
			q->ready = false;
			broken = virtio_mmio_needs_reset_locked(t);
			error_release(&err);
			break;
		}
		if (ret < 0) {
			log_guest("virtio-rng: bad request: %s", err->msg);
			error_release(&err);
		} else {
			uint64_t want =
				chain.writable < sizeof(random) ? chain.writable : sizeof(random);
			ssize_t got = getrandom(random, want, 0);
			if (got > 0)
				written = (uint32_t)virtq_chain_write(q, &chain, random,
								      (uint64_t)got);
		}
		virtq_push(q, chain.head, written);
		pushed = true;
	}
	pthread_mutex_unlock(&t->lock);
	if (broken)
		virtio_mmio_raise(t);
	if (pushed)
		virtio_mmio_signal_used(t, queue);
}

const struct virtio_device_ops virtio_rng_ops = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG_DEVICE,
	.nr_queues = 1,
	.queue_max = 256,
	.notify = rng_notify,
};
