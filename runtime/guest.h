/* The guest a container boots: kernel (rootfs/kernel.h), unpacked once
 * into the cache, and the cached initramfs with the agent and the modules
 * containers need (virtio-mmio, virtio-fs, vsock). */
#ifndef VRUN_RUNTIME_GUEST_H
#define VRUN_RUNTIME_GUEST_H

#include "common/error.h"
#include "rootfs/kernel.h"

struct guest_image {
	struct guest_kernel kernel;
	char *initramfs;
	/* What the VM boots: the ELF kernel unpacked from kernel.path into
	 * the cache (rootfs/vmlinux.h), or kernel.path itself when it could
	 * not be unpacked.  Points to one or the other. */
	const char *boot;
	char *unpacked;
};

/* `kernel` may be NULL (the default search); the initramfs is cached under
 * <root>/cache. */
int guest_image_prepare(const char *root, const char *kernel, struct guest_image *g,
			struct error **err);
void guest_image_release(struct guest_image *g);

#endif
