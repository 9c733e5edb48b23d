/* The DAX window (dax.h) and the FUSE requests that map into it. */
#include "vmm/virtio/fs/dax.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "vmm/memory.h"
#include "vmm/virtio/fs/ops.h"

#define PAGE 4096ull

static int map_prot(bool writable)
{
	return PROT_READ | (writable ? PROT_WRITE : 0);
}

/* The node's file, opened as a mapping of it needs (a shared writable
 * mapping needs a read-write fd). */
static int open_to_map(int node_fd, bool writable)
{
	char path[32];
	fuse_fd_path(node_fd, path);
	return open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
}

/* Puts reserved, inaccessible memory over [offset, offset + len).  Failing
 * would leave a hole the VMM's own allocations could fill, in the guest's
 * reach: the VMM ends instead. */
static void reserve(struct fuse_dax *d, uint64_t offset, uint64_t len)
{
	if (mmap(d->host + offset, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED)
		return;
	log_msg(LOG_ERROR, "virtio-fs DAX: cannot reserve the window again: %s", strerror(errno));
	abort();
}

int fuse_dax_init(struct fuse_dax *d, uint64_t size, struct error **err)
{
	*d = (struct fuse_dax){0};
	if (size == 0 || size % FUSE_DAX_CHUNK != 0 || size > FUSE_DAX_MAX_WINDOW)
		return error_set_kind(err, EINVAL,
				      "virtio-fs DAX window of %llu bytes: a multiple of 2 MiB, "
				      "at most 1 GiB",
				      (unsigned long long)size);
	/* Aligned, so that a file's pages the host holds as 2 MiB folios
	 * (tmpfs with huge pages, large-folio file systems) can reach the
	 * guest as 2 MiB mappings: one fault per chunk instead of 512. */
	void *host = map_huge_aligned(size, PROT_NONE);
	if (host == MAP_FAILED)
		return error_set(err, errno, "virtio-fs DAX window of %llu MiB",
				 (unsigned long long)(size >> 20));
	d->host = host;
	d->size = size;
	pthread_mutex_init(&d->lock, NULL);
	uint64_t n = size / FUSE_DAX_CHUNK;
	d->chunks = xcalloc(n, sizeof(*d->chunks));
	for (uint64_t i = 0; i < n; i++)
		d->chunks[i] = (struct fuse_dax_chunk){.fd = -1};
	return 0;
}

static void forget_chunks(struct fuse_dax *d, uint64_t moffset, uint64_t len)
{
	for (uint64_t i = moffset / FUSE_DAX_CHUNK; i < (moffset + len) / FUSE_DAX_CHUNK; i++) {
		if (d->chunks[i].fd >= 0)
			close(d->chunks[i].fd);
		d->chunks[i] = (struct fuse_dax_chunk){.fd = -1};
	}
}

void fuse_dax_release(struct fuse_dax *d)
{
	if (d->host == NULL)
		return;
	forget_chunks(d, 0, d->size);
	munmap(d->host, d->size);
	pthread_mutex_destroy(&d->lock);
	free(d->chunks);
	*d = (struct fuse_dax){0};
}

/* Where a file of `size` bytes ends in chunk `c`, in whole pages. */
static uint64_t end_in_chunk(const struct fuse_dax_chunk *c, uint64_t size)
{
	if (size >= c->foffset + FUSE_DAX_CHUNK)
		return FUSE_DAX_CHUNK;
	uint64_t end = (size + PAGE - 1) & ~(PAGE - 1);
	return end > c->foffset ? end - c->foffset : 0;
}

static bool valid_window_range(const struct fuse_dax *d, uint64_t moffset, uint64_t len)
{
	return d->host != NULL && len > 0 && moffset % FUSE_DAX_CHUNK == 0 &&
	       len % FUSE_DAX_CHUNK == 0 && moffset <= d->size && len <= d->size - moffset;
}

int fuse_dax_map(struct fuse_dax *d, int fd, uint64_t node, uint64_t foffset, uint64_t moffset,
		 uint64_t len, bool writable)
{
	if (!valid_window_range(d, moffset, len) || foffset % PAGE != 0 ||
	    foffset > (uint64_t)INT64_MAX - len) {
		close(fd);
		return -EINVAL;
	}
	pthread_mutex_lock(&d->lock);
	forget_chunks(d, moffset, len);
	if (mmap(d->host + moffset, len, map_prot(writable), MAP_SHARED | MAP_FIXED | MAP_POPULATE,
		 fd, (off_t)foffset) == MAP_FAILED) {
		int saved = errno;
		reserve(d, moffset, len); /* the old mapping may be gone */
		pthread_mutex_unlock(&d->lock);
		close(fd);
		return -saved;
	}
	/* Kept for fuse_dax_repair, which must know where each file ends; a
	 * chunk without one is only not repaired.  The first chunk keeps fd
	 * (Linux maps one chunk per request), the others a copy. */
	struct stat st;
	uint64_t size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
	for (uint64_t i = 0; i < len / FUSE_DAX_CHUNK; i++) {
		struct fuse_dax_chunk *c = &d->chunks[moffset / FUSE_DAX_CHUNK + i];
		c->fd = i == 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 0);
		c->node = node;
		c->writable = writable;
		c->foffset = foffset + i * FUSE_DAX_CHUNK;
		c->end = end_in_chunk(c, size);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int fuse_dax_unmap(struct fuse_dax *d, uint64_t moffset, uint64_t len)
{
	if (!valid_window_range(d, moffset, len))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	reserve(d, moffset, len);
	forget_chunks(d, moffset, len);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void fuse_dax_refresh(struct fuse_dax *d, uint64_t node, int node_fd)
{
	if (d->host == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	for (uint64_t i = 0; i < d->size / FUSE_DAX_CHUNK; i++) {
		struct fuse_dax_chunk *c = &d->chunks[i];
		if (c->fd < 0 || c->node != node)
			continue;
		int fd = open_to_map(node_fd, c->writable);
		uint8_t *at = d->host + i * FUSE_DAX_CHUNK;
		if (fd < 0 || mmap(at, FUSE_DAX_CHUNK, map_prot(c->writable),
				   MAP_SHARED | MAP_FIXED, fd, (off_t)c->foffset) == MAP_FAILED) {
			log_guest("virtio-fs DAX: cannot map a file again: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			continue; /* the old mapping stays */
		}
		close(c->fd);
		c->fd = fd;
	}
	pthread_mutex_unlock(&d->lock);
}

bool fuse_dax_fs_mappable(int fd)
{
	static const unsigned long types[] = {
		0xef53,	    /* ext2, ext3, ext4 */
		0x58465342, /* xfs */
		0x9123683e, /* btrfs */
		0x01021994, /* tmpfs */
		0x794c7630, /* overlayfs */
		0xf2f52010, /* f2fs */
	};
	struct statfs st;
	if (fstatfs(fd, &st) < 0)
		return false;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((unsigned long)st.f_type == types[i])
			return true;
	return false;
}

bool fuse_dax_repair(struct fuse_dax *d)
{
	bool repaired = false;
	if (d->host == NULL)
		return false;
	pthread_mutex_lock(&d->lock);
	for (uint64_t i = 0; i < d->size / FUSE_DAX_CHUNK; i++) {
		struct fuse_dax_chunk *c = &d->chunks[i];
		struct stat st;
		if (c->fd < 0 || fstat(c->fd, &st) < 0)
			continue;
		uint64_t end = end_in_chunk(c, (uint64_t)st.st_size);
		if (end >= c->end) {
			c->end = end; /* the same, or grown: still the file's pages */
			continue;
		}
		if (mmap(d->host + i * FUSE_DAX_CHUNK + end, FUSE_DAX_CHUNK - end,
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
			 0) == MAP_FAILED)
			reserve(d, i * FUSE_DAX_CHUNK + end, FUSE_DAX_CHUNK - end);
		c->end = end;
		repaired = true;
		log_guest("virtio-fs DAX: a mapped file shrank under the guest (now %llu bytes): "
			  "zeroes past its end",
			  (unsigned long long)st.st_size);
	}
	pthread_mutex_unlock(&d->lock);
	return repaired;
}

int fuse_op_setupmapping(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_setupmapping_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL ||
	    (in->flags & ~(FUSE_SETUPMAPPING_FLAG_READ | FUSE_SETUPMAPPING_FLAG_WRITE)) != 0)
		return -EINVAL;
	if (s->dax.host == NULL)
		return -ENOSYS;
	if (r->node->type != S_IFREG)
		return -EINVAL;
	bool writable = in->flags & FUSE_SETUPMAPPING_FLAG_WRITE;
	if (writable && s->read_only)
		return -EROFS;
	/* Linux names the node, not an open handle (fh is -1). */
	int fd = open_to_map(r->node->fd, writable);
	if (fd < 0)
		return -errno;
	return fuse_dax_map(&s->dax, fd, r->node->id, in->foffset, in->moffset, in->len, writable);
}

int fuse_op_removemapping(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_removemapping_in *in = fuse_req_args(r, sizeof(*in));
	struct fuse_removemapping_one one;
	if (in == NULL || in->count == 0 || in->count > (r->args_len - sizeof(*in)) / sizeof(one))
		return -EINVAL;
	if (s->dax.host == NULL)
		return -ENOSYS;
	int first = 0;
	for (uint32_t i = 0; i < in->count; i++) {
		memcpy(&one, r->args + sizeof(*in) + i * sizeof(one), sizeof(one));
		int ret = fuse_dax_unmap(&s->dax, one.moffset, one.len);
		if (ret < 0 && first == 0)
			first = ret;
	}
	return first;
}
