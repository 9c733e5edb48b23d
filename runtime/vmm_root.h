/* The VMM's root made small (issue 8): once its devices are open and the
 * container is created, its threads reach by path only what they still
 * need — the state dir (the agent's and vsock's sockets, the volumes'
 * share), the container's rootfs (procview's root) and a /proc of
 * processes only (virtio-fs's /proc/self/fd/N) — each at its host path,
 * in a read-only tmpfs root.  The host's other files, /dev and /sys are
 * gone for every thread at once (pivot_root); fds taken before (/dev/kvm,
 * taps, the exports' dirfds) stay good. */
#ifndef VRUN_RUNTIME_VMM_ROOT_H
#define VRUN_RUNTIME_VMM_ROOT_H

#include <stddef.h>

#include "common/error.h"

/* Call in a mount namespace of the caller's own whose / is not shared
 * (every thread of the process in it, so that all move).  `top`, the
 * first of `keep`, is where the new root is built (a tmpfs mounted over
 * it, a copy of it held first).  `keep`: absolute paths; one beneath
 * another comes with it (recursively, submounts too). */
int vmm_root_enter(const char *const *keep, size_t n, struct error **err);

#endif
