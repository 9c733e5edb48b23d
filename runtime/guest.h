/* The guest a container boots: kernel (rootfs/kernel.h), unpacked once
 * into the cache, and the cached initramfs with the agent and the modules
 * containers need (virtio-mmio, virtio-fs, vsock). */
#ifndef VRUN_RUNTIME_GUEST_H
#define VRUN_RUNTIME_GUEST_H

#include <stdbool.h>

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
	/* This host's KVM is paravirtual (guest_kvm_flavour): the kernel was
	 * let through only because it may be built for it. */
	bool paravirtual_kvm;
};

/* `kernel` may be NULL (the default search); the initramfs is cached under
 * <root>/cache. */
int guest_image_prepare(const char *root, const char *kernel, struct guest_image *g,
			struct error **err);
void guest_image_release(struct guest_image *g);

/* What this host's CPU offers a KVM: VT-x or AMD-V (any kernel boots), or
 * neither (a /dev/kvm there is a paravirtual one, such as PVM, which boots
 * only kernels built for it). */
enum guest_kvm_flavour {
	GUEST_KVM_UNKNOWN, /* /proc/cpuinfo unreadable */
	GUEST_KVM_VMX,
	GUEST_KVM_SVM,
	GUEST_KVM_PARAVIRTUAL,
};
enum guest_kvm_flavour guest_kvm_flavour(void);
/* Why a stock kernel does not boot there, and what to do. */
#define GUEST_KVM_PARAVIRTUAL_HINT                                                                 \
	"neither VT-x nor AMD-V: this /dev/kvm is a paravirtual KVM, which boots only kernels "    \
	"built for it; use such a kernel (--kernel, io.vrun.kernel), or run vrun on a host with "  \
	"VT-x/AMD-V (tests/vmhost/run gives one under emulation)"

#endif
