/* The guest a container boots: kernel (rootfs/kernel.h) and the cached
 * initramfs with the agent and the modules containers need (virtio-mmio,
 * virtio-fs, vsock). */
#ifndef VRUN_RUNTIME_GUEST_H
#define VRUN_RUNTIME_GUEST_H

#include "common/error.h"
#include "rootfs/kernel.h"

struct guest_image {
	struct guest_kernel kernel;
	char *initramfs;
};

/* `kernel` may be NULL (the default search); the initramfs is cached under
 * <root>/cache. */
int guest_image_prepare(const char *root, const char *kernel, struct guest_image *g,
			struct error **err);
void guest_image_release(struct guest_image *g);

#endif
