/* Applying an image layer (a tar stream, image-spec layer.md) to a root
 * filesystem directory: regular files (sparse ones too), directories,
 * symlinks, hardlinks, device nodes and FIFOs, with owners, modes, times
 * and xattrs (not trusted.*, which is the host's); whiteouts (.wh.NAME) remove NAME from the layers
 * below and an opaque marker (.wh..wh..opq) empties its directory of them.
 *
 * The layer is hostile.  Every path is cleaned lexically (a path that
 * climbs above the root with `..` is refused) and its parent opened
 * beneath the root with openat2(RESOLVE_IN_ROOT), so a symlink in the tree
 * (an absolute one, or ../../..) resolves inside the root, as it would in
 * the container; the last component is then made with *at calls that do
 * not follow it.  Hardlink targets are resolved the same way. */
#ifndef VRUN_ROOTFS_LAYER_H
#define VRUN_ROOTFS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "common/strset.h"

struct archive;

struct dir_time {
	char *path;
	struct timespec times[2];
};

struct layer_target {
	int root;    /* the root filesystem directory */
	bool owners; /* ownership can be set (false once EPERM said not) */
	uid_t uid;   /* ours: what a new node belongs to ... */
	gid_t gid;
	bool setgid_seen;      /* ... unless a set-group-id directory says otherwise */
	unsigned skipped;      /* entries not made (devices without privilege) */
	char *parent_path;     /* the parent directory opened last ... */
	int parent_fd;	       /* ... and its O_PATH fd, or -1 */
	struct strset made;    /* what this layer made: an opaque marker keeps it */
	struct dir_time *dirs; /* directory times, set once the layer is done */
	size_t ndirs, capdirs;
};

void layer_target_init(struct layer_target *t, int root);
void layer_target_release(struct layer_target *t);

/* Applies every entry of the tar stream `a`; -1 and `err` at the first
 * entry that cannot be applied or a stream that breaks off. */
int layer_apply(struct layer_target *t, struct archive *a, struct error **err);

#endif
