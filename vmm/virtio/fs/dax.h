/* virtio-fs DAX (virtio 1.2 §5.11.6.2, FUSE SETUPMAPPING/REMOVEMAPPING):
 * the guest maps ranges of files into a window of its physical address
 * space (the device's shared memory region) and reads and writes the
 * host's page cache there, with no request per read and no copy of its
 * own.  On the host the window is one range of the VMM's address space,
 * reserved (PROT_NONE, no memory behind it) and given to KVM as a memory
 * slot; a mapping puts a file's pages over part of it (MAP_SHARED |
 * MAP_FIXED) and a removal reserves that part again.  The range never has
 * a hole: anything else the VMM mapped there would be the guest's.
 *
 * Linux maps FUSE_DAX_CHUNK-sized, -aligned ranges (its FUSE_DAX_SZ), and
 * so must every guest: the window holds at most size / FUSE_DAX_CHUNK
 * mappings (bounded VMAs, one fd each).
 *
 * A chunk maps the file whole, past its end too (a file that grows shows
 * in the mapping), but a guest touching a page past the end (the host
 * truncated the file under the mapping) faults in KVM, as does one that
 * touches a reserved part.  fuse_dax_repair, after KVM_RUN's EFAULT and
 * each second (the test host's KVM, 6.1, kept the vCPU in KVM_RUN rather
 * than return EFAULT), puts zeroed memory under the pages a file lost
 * since the last look, and the vCPU goes on; a fault it cannot explain
 * ends the VM (or stalls the vCPU that made it: the guest's own harm). */
#ifndef VRUN_VMM_VIRTIO_FS_DAX_H
#define VRUN_VMM_VIRTIO_FS_DAX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

#define FUSE_DAX_CHUNK_SHIFT 21
#define FUSE_DAX_CHUNK	     (1ull << FUSE_DAX_CHUNK_SHIFT)
#define FUSE_DAX_MAX_WINDOW  (1ull << 30)

struct fuse_dax_chunk {
	int fd;	       /* the mapped file, or -1 */
	uint64_t node; /* the FUSE node it was mapped for (fuse_dax_refresh) */
	bool writable;
	uint64_t foffset;
	uint64_t end; /* bytes of the file in the chunk, in pages, when last seen */
};

struct fuse_dax {
	uint8_t *host; /* NULL: no window */
	uint64_t size;
	pthread_mutex_t lock; /* the worker maps, a vCPU repairs */
	struct fuse_dax_chunk *chunks;
};

/* Reserves a window of `size` bytes (a multiple of FUSE_DAX_CHUNK, at
 * most FUSE_DAX_MAX_WINDOW). */
int fuse_dax_init(struct fuse_dax *d, uint64_t size, struct error **err);
void fuse_dax_release(struct fuse_dax *d);

/* Maps `len` bytes of the regular file `fd` (opened from FUSE node
 * `node`; taken, closed on failure) at `foffset` to window offset
 * `moffset`, writable or not; 0 or a negative errno. */
int fuse_dax_map(struct fuse_dax *d, int fd, uint64_t node, uint64_t foffset, uint64_t moffset,
		 uint64_t len, bool writable);
/* Node `node` (O_PATH fd `node_fd`) was opened for writing or resized: its chunks are
 * mapped again from the file it is now.  On overlayfs a mapping holds the
 * file of the layer it was made from, and a write copies the file up: the
 * guest would go on seeing the lower file's pages (and fault past its end
 * after an append). */
void fuse_dax_refresh(struct fuse_dax *d, uint64_t node, int node_fd);
/* Whether files of the file system holding `fd` may be mapped shared and
 * writable (its type is one known to allow it: 9p and others refuse). */
bool fuse_dax_fs_mappable(int fd);
/* Reserves [moffset, moffset + len) again; 0 or a negative errno. */
int fuse_dax_unmap(struct fuse_dax *d, uint64_t moffset, uint64_t len);

/* True when some mapped file had shrunk and the chunk now has zeroed
 * memory past its new end (a vCPU stuck there may run again). */
bool fuse_dax_repair(struct fuse_dax *d);

#endif
