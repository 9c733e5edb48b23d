/* virtio-rng (virtio 1.2 §5.4): one queue of buffers the device fills with
 * random bytes from the host's getrandom(). */
#ifndef VRUN_VMM_VIRTIO_RNG_H
#define VRUN_VMM_VIRTIO_RNG_H

#include "vmm/virtio/mmio.h"

#define VIRTIO_ID_RNG_DEVICE 4

extern const struct virtio_device_ops virtio_rng_ops;

#endif
