/* Kernel lookup and initramfs cache for container VMs. */
#include "runtime/guest.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "common/log.h"
#include "rootfs/initramfs.h"
#include "rootfs/vmlinux.h"

static const char *const container_modules[] = {"virtio_mmio", "virtiofs",
						"vmw_vsock_virtio_transport"};
/* Loaded by the agent only for a container with a network. */
static const char *const network_modules[] = {"virtio_net"};

/* Whether the kernel's config (config-VERSION beside it, as in /boot)
 * says it was built as a PVM guest; true when there is none to read. */
static bool built_for_pvm(const struct guest_kernel *k)
{
	cleanup_free char *dir = xstrdup(k->path), *path = NULL, *config = NULL;
	struct error *err = NULL;
	if (asprintf(&path, "%s/config-%s", dirname(dir), k->version) < 0)
		abort();
	if (fs_read_file_at(AT_FDCWD, path, path, 4 << 20, &config, NULL, &err) < 0) {
		error_release(&err);
		return true;
	}
	return strstr(config, "\nCONFIG_PVM_GUEST=y") != NULL;
}

int guest_image_prepare(const char *root, const char *kernel, struct guest_image *g,
			struct error **err)
{
	cleanup_free char *cache = NULL;
	*g = (struct guest_image){0};
	if (guest_kernel_find(kernel, &g->kernel, err) < 0)
		return -1;
	/* Said now, not after the guest's crash (which a paravirtual KVM
	 * takes most of a minute to report). */
	g->paravirtual_kvm = guest_kvm_flavour() == GUEST_KVM_PARAVIRTUAL;
	if (g->paravirtual_kvm && !built_for_pvm(&g->kernel)) {
		error_set_kind(err, ENODEV, "kernel `%s`: %s", g->kernel.path,
			       GUEST_KVM_PARAVIRTUAL_HINT);
		guest_image_release(g);
		return -1;
	}
	struct initramfs_spec spec = {
		.kernel_version = g->kernel.version,
		.modules_dir = g->kernel.modules_dir,
		.modules = container_modules,
		.nr_modules = sizeof(container_modules) / sizeof(container_modules[0]),
		.later = network_modules,
		.nr_later = sizeof(network_modules) / sizeof(network_modules[0]),
	};
	spec.agent = initramfs_agent(&spec.agent_size);
	if (asprintf(&cache, "%s/.cache", root) < 0)
		abort();
	if (initramfs_get(cache, &spec, &g->initramfs, err) < 0) {
		guest_image_release(g);
		return -1;
	}
	/* Not fatal: the bzImage boots too, only slower. */
	struct error *unpack_err = NULL;
	if (vmlinux_get(cache, g->kernel.path, g->kernel.version, &g->unpacked, &unpack_err) < 0) {
		log_debug("kernel: booting the bzImage itself: %s", unpack_err->msg);
		error_release(&unpack_err);
	}
	g->boot = g->unpacked != NULL ? g->unpacked : g->kernel.path;
	return 0;
}

void guest_image_release(struct guest_image *g)
{
	guest_kernel_release(&g->kernel);
	free(g->initramfs);
	free(g->unpacked);
	g->initramfs = g->unpacked = NULL;
	g->boot = NULL;
}

enum guest_kvm_flavour guest_kvm_flavour(void)
{
	cleanup_free char *cpuinfo = NULL;
	struct error *err = NULL;
	if (fs_read_file_at(AT_FDCWD, "/proc/cpuinfo", "/proc/cpuinfo", 8 << 20, &cpuinfo, NULL,
			    &err) < 0) {
		error_release(&err);
		return GUEST_KVM_UNKNOWN;
	}
	if (strstr(cpuinfo, " vmx") != NULL)
		return GUEST_KVM_VMX;
	if (strstr(cpuinfo, " svm") != NULL)
		return GUEST_KVM_SVM;
	return GUEST_KVM_PARAVIRTUAL;
}
