/* The VMM's small root (vmm_root.h). */
#include "runtime/vmm_root.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/beneath.h"
#include "common/fs.h"

#define MAX_KEEP 8

static bool kept_by_another(const char *const *keep, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && path_within(keep[i], keep[j]) &&
		    (!path_within(keep[j], keep[i]) || j < i))
			return true;
	return false;
}

int vmm_root_enter(const char *const *keep, size_t n, struct error **err)
{
	int trees[MAX_KEEP];
	int ret = -1;
	if (n == 0 || n > MAX_KEEP)
		return error_set_kind(err, EINVAL, "the VMM's root: %zu paths", n);
	const char *top = keep[0];
	for (size_t i = 0; i < n; i++)
		trees[i] = -1;
	for (size_t i = 0; i < n; i++) {
		if (keep[i][0] != '/') {
			error_set_kind(err, EINVAL, "the VMM's root: %s is not absolute", keep[i]);
			goto out;
		}
		if (kept_by_another(keep, n, i))
			continue;
		trees[i] = open_tree(AT_FDCWD, keep[i],
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (trees[i] < 0) {
			error_set(err, errno, "the VMM's root: a copy of %s", keep[i]);
			goto out;
		}
	}
	/* Built on `top`, whose copy is held: a directory that surely
	 * exists, hidden in our namespace only. */
	if (mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") <
	    0) {
		error_set(err, errno, "the VMM's root: tmpfs on %s", top);
		goto out;
	}
	char target[8192];
	for (size_t i = 0; i < n; i++) {
		if (trees[i] < 0)
			continue;
		snprintf(target, sizeof(target), "%s%s", top, keep[i]);
		if (fs_mkdir_all(target, 0755, err) < 0)
			goto out;
		if (move_mount(trees[i], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			error_set(err, errno, "the VMM's root: mount %s", keep[i]);
			goto out;
		}
	}
	/* Processes only (subset=pid, Linux 5.8): no /proc/sys, no kcore;
	 * before it, all of /proc, read-only. */
	const unsigned long proc_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;
	snprintf(target, sizeof(target), "%s/proc", top);
	if ((mkdir(target, 0555) < 0 && errno != EEXIST) ||
	    (mount("proc", target, "proc", proc_flags, "subset=pid") < 0 &&
	     (errno != EINVAL || mount("proc", target, "proc", proc_flags, NULL) < 0))) {
		error_set(err, errno, "the VMM's root: %s", target);
		goto out;
	}
	if (chdir(top) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		error_set(err, errno, "the VMM's root: pivot_root to %s", top);
		goto out;
	}
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		error_set(err, errno, "the VMM's root: read-only");
		goto out;
	}
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (trees[i] >= 0)
			close(trees[i]);
	return ret;
}
