/* The VMM's root made small (issue 8): once it has taken what it needs
 * from the host's paths (/dev/kvm, the taps, the guest's kernel), and
 * before it makes the VM, the VMM's root becomes one that holds only what
 * it still reaches by path — the state dir (the agent's and vsock's
 * sockets, the volumes' share), the container's rootfs (virtio-fs's
 * export, procview's root) and a /proc of processes only (virtio-fs's
 * /proc/self/fd/N) — each at its host path, in a read-only tmpfs.  The
 * exports are opened there, so that `..` from one leads into that tmpfs,
 * not into the host's file system (a directory opened before would keep
 * its way up). */
#ifndef VRUN_RUNTIME_VMM_ROOT_H
#define VRUN_RUNTIME_VMM_ROOT_H

#include <stddef.h>

#include "common/error.h"

/* Call in a mount namespace of the caller's own whose / is not shared
 * (every thread of the process in it, so that all move; the VMM calls it
 * while it has one).  `top`, the
 * first of `keep`, is where the new root is built (a tmpfs mounted over
 * it, a copy of it held first).  `keep`: absolute paths; one beneath
 * another comes with it (recursively, submounts too). */
int vmm_root_enter(const char *const *keep, size_t n, struct error **err);

#endif
