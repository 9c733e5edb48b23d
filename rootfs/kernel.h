/* Finding the guest kernel and its modules: the configured path, then
 * /usr/share/vrun/vmlinuz, then build/guest/vmlinuz beside the vrun
 * binary (`make guest-kernel`), then the newest /boot/vmlinuz-*. */
#ifndef VRUN_ROOTFS_KERNEL_H
#define VRUN_ROOTFS_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct guest_kernel {
	char *path;
	char *version;	   /* from the bzImage header: "6.1.0-56-cloud-amd64" */
	char *modules_dir; /* .../lib/modules/VERSION, NULL when none was found */
};

int guest_kernel_find(const char *configured, struct guest_kernel *k, struct error **err);
void guest_kernel_release(struct guest_kernel *k);

/* The version string a bzImage carries (setup header kernel_version);
 * copies its leading run of [A-Za-z0-9._+-], which must start with a
 * letter or digit, into out.  -1 when there is none. */
int guest_kernel_version(const uint8_t *image, size_t size, char *out, size_t out_size);

#endif
