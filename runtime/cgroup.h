/* The host cgroup of a container's VMM (README.md "Resources"): the whole
 * microVM (vCPU threads, devices, guest memory) is one process, so placing
 * it in linux.cgroupsPath makes the host account and limit the container
 * as it would a runc container.  cgroup v2 only.
 *
 * cgroupsPath: "/a/b" from the cgroup root; "a/b" from the caller's own
 * cgroup; with --systemd-cgroup "slice:prefix:name", the scope
 * "prefix-name.scope" under the slice ("machine-libpod.slice" expands to
 * "machine.slice/machine-libpod.slice", an empty slice is system.slice).
 * vrun makes those directories itself; it does not ask systemd for a unit.
 *
 * Limits written there: memory.max (memory.limit: the VM's whole memory),
 * memory.swap.max (memory.swap less memory.limit), cpu.max (quota,
 * period), cpu.weight (from shares, as runc converts them), cpuset.cpus
 * and cpuset.mems. */
#ifndef VRUN_RUNTIME_CGROUP_H
#define VRUN_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "oci-spec/config.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP_FILE "cgroup" /* in the state dir: the VMM's cgroup, for delete */

/* The cgroup `cgroups_path` names, from the cgroup root ("/a/b"), in out;
 * "" when cgroups_path is NULL or empty (the VMM stays where it was
 * started).  `self` is the caller's cgroup (from /proc/self/cgroup), for
 * relative paths. */
int cgroup_resolve(const char *cgroups_path, bool systemd, const char *self, char *out, size_t size,
		   struct error **err);

/* The caller's cgroup v2 path ("/user.slice/..."), "/" when unknown. */
void cgroup_self(char *out, size_t size);

/* Whether CGROUP_ROOT is a cgroup v2 hierarchy. */
bool cgroup_v2_available(void);

/* Makes `path` under the hierarchy at rootfd (enabling the controllers
 * the limits need in each ancestor, as far as the parents allow), writes
 * the limits of `r` (may be NULL), then moves process `pid` (0: the
 * caller) in. */
int cgroup_enter_at(int rootfd, const char *path, const struct oci_resources *r, int pid,
		    struct error **err);

/* Removes `path` (empty by now: the VMM is gone), waiting up to 2 s for
 * what is still leaving it; a warning if it stays. */
void cgroup_remove_at(int rootfd, const char *path);

/* Places the caller (the VMM) in `path` with the limits of `r`, and
 * records the path in the state directory for cgroup_release; a warning
 * and nothing else where the host has no cgroup v2. */
int cgroup_place_self(const char *path, const struct oci_resources *r, int state_dirfd,
		      struct error **err);

/* Writes the limits of `r` to the cgroup recorded in the state directory
 * (`update`); fails when there is none. */
int cgroup_update(int state_dirfd, const char *id, const struct oci_resources *r,
		  struct error **err);

/* Removes the cgroup recorded in the state directory, if any. */
void cgroup_release(int state_dirfd);

#endif
