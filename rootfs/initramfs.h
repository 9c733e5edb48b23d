/* The guest's initramfs: the agent as /init, the kernel modules the guest
 * needs with their dependencies (resolved with libkmod) and the load order
 * in /modules/order (at boot) and /modules/later (on demand), written as a
 * newc cpio with libarchive.  Cached by
 * kernel version, agent build and module list, so it is built once. */
#ifndef VRUN_ROOTFS_INITRAMFS_H
#define VRUN_ROOTFS_INITRAMFS_H

#include <stddef.h>

#include "common/error.h"

struct initramfs_spec {
	const char *kernel_version;
	const char *modules_dir;    /* NULL: the kernel has what it needs built in */
	const char *const *modules; /* module names wanted, dependencies added */
	size_t nr_modules;
	/* Modules the agent loads only when it needs them (virtio_net, for a
	 * container with a network), listed in /modules/later, dependencies
	 * first, without what /modules/order loads already. */
	const char *const *later;
	size_t nr_later;
	const void *agent;
	size_t agent_size;
};

/* The .ko paths to load, dependencies first; builtin modules are left
 * out.  A wanted module that does not exist is an error. */
int initramfs_module_order(const char *modules_dir, const char *const *wanted, size_t n,
			   char ***paths, size_t *count, struct error **err);
void initramfs_free_paths(char **paths, size_t count);

int initramfs_write(const struct initramfs_spec *spec, const char *path, struct error **err);

/* The cached image for spec under cache_dir, built when missing. */
int initramfs_get(const char *cache_dir, const struct initramfs_spec *spec, char **path,
		  struct error **err);

/* The embedded agent (rootfs/agent_blob.S). */
const void *initramfs_agent(size_t *size);

#endif
