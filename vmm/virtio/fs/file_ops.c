/* FUSE requests on open files: open and create, read and write, and the
 * rest that act on a file handle.  Only regular files are opened: device
 * nodes and FIFOs in an export are the guest kernel's business (it never
 * asks to open them), and opening them on the host would reach host
 * devices or block. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmm/virtio/fs/ops.h"

#define OPEN_FLAGS_ALLOWED                                                                         \
	(O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_DIRECT | O_LARGEFILE | O_TRUNC | \
	 O_NOATIME)

static bool writes(uint32_t flags)
{
	return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
}

int fuse_op_open(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_open_in *in = fuse_req_args(r, sizeof(*in));
	char path[32];
	if (in == NULL)
		return -EINVAL;
	if (r->node->type == S_IFDIR)
		return -EISDIR;
	if (r->node->type != S_IFREG)
		return -EACCES;
	if (writes(in->flags) && s->read_only)
		return -EROFS;
	fuse_fd_path(r->node->fd, path);
	int fd = open(path, (int)(in->flags & OPEN_FLAGS_ALLOWED) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (writes(in->flags))
		fuse_dax_refresh(&s->dax, r->node->id, r->node->fd);
	/* FLUSH does nothing here (no writeback cache, no POSIX locks): the
	 * guest need not send one at each close of a file it only reads
	 * (and a close of one opened for writing still writes back its
	 * dirty pages first). */
	struct fuse_open_out out = {
		.open_flags = !writes(in->flags) && s->proto_minor >= 35 ? FOPEN_NOFLUSH : 0,
	};
	int ret = fuse_handle_new(s, fd, false, &out.fh);
	if (ret < 0)
		return ret;
	return fuse_reply(r, &out, sizeof(out));
}

/* Makes and opens a regular file: owner and mode as finish_new does for
 * other new entries, through the open file. */
int fuse_op_create(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_create_in *in = fuse_req_args(r, sizeof(*in));
	const char *name = in != NULL ? fuse_req_name(r, sizeof(*in), NULL) : NULL;
	struct stat dir;
	if (name == NULL)
		return -EINVAL;
	if (s->read_only)
		return -EROFS;
	if (r->node->type != S_IFDIR)
		return -ENOTDIR;
	if (fstat(r->node->fd, &dir) < 0)
		return -errno;
	int flags = (int)(in->flags & OPEN_FLAGS_ALLOWED) | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		    (int)(in->flags & O_EXCL);
	int fd = openat(r->node->fd, name, flags, in->mode & 07777);
	if (fd < 0)
		return -errno;
	gid_t gid = (dir.st_mode & S_ISGID) ? dir.st_gid : r->hdr->gid;
	if (fchown(fd, r->hdr->uid, gid) < 0 || fchmod(fd, in->mode & 07777) < 0) {
		int saved = errno;
		close(fd);
		return -saved;
	}
	struct fuse_entry_out entry;
	int ret = fuse_lookup_entry(s, r->node, name, &entry);
	if (ret < 0) {
		close(fd);
		return ret;
	}
	struct fuse_open_out open_out = {0};
	ret = fuse_handle_new(s, fd, false, &open_out.fh);
	if (ret == 0 && (ret = fuse_reply(r, &entry, sizeof(entry))) == 0 &&
	    (ret = fuse_reply(r, &open_out, sizeof(open_out))) == 0)
		return 0;
	fs_inode_forget(&s->inodes, entry.nodeid, 1);
	if (open_out.fh != 0)
		fuse_handle_close(s, open_out.fh);
	return ret;
}

static bool valid_range(uint64_t offset, uint64_t size)
{
	return offset <= INT64_MAX && size <= INT64_MAX - offset;
}

/* A READ straight into the guest's buffers (r->bufs->reply): `size` bytes
 * at most, and no more than they and FUSE_SERVER_MAX_READ hold. */
static int read_to_guest(int fd, struct fuse_req *r, uint64_t offset, uint64_t size)
{
	struct iovec iov[FUSE_SERVER_MAX_IOV];
	uint64_t want = size < FUSE_SERVER_MAX_READ ? size : FUSE_SERVER_MAX_READ;
	unsigned n =
		fuse_iov_slice(r->bufs->reply, r->bufs->reply_n, 0, want, iov, FUSE_SERVER_MAX_IOV);
	ssize_t got = preadv(fd, iov, (int)n, (off_t)offset);
	if (got < 0)
		return -errno;
	r->placed = (size_t)got;
	return 0;
}

int fuse_op_read(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_read_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, false);
	if (h == NULL)
		return -EBADF;
	if (!valid_range(in->offset, in->size))
		return -EINVAL;
	if (r->bufs != NULL && r->bufs->reply != NULL && r->out_len == 0)
		return read_to_guest(h->fd, r, in->offset, in->size);
	size_t want = in->size < r->out_max - r->out_len ? in->size : r->out_max - r->out_len;
	ssize_t n = pread(h->fd, r->out + r->out_len, want, (off_t)in->offset);
	if (n < 0)
		return -errno;
	r->out_len += (size_t)n;
	return 0;
}

int fuse_op_write(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_write_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, false);
	if (h == NULL)
		return -EBADF;
	if (s->read_only)
		return -EROFS;
	if (!valid_range(in->offset, in->size))
		return -EINVAL;
	ssize_t n;
	if (r->write_len > 0) {
		/* The data from the guest's buffers, after the head. */
		struct iovec iov[FUSE_SERVER_MAX_IOV];
		if (in->size > r->write_len - FUSE_SERVER_WRITE_HEAD ||
		    in->size > FUSE_SERVER_MAX_WRITE)
			return -EINVAL;
		unsigned iov_n =
			fuse_iov_slice(r->bufs->request, r->bufs->request_n, FUSE_SERVER_WRITE_HEAD,
				       in->size, iov, FUSE_SERVER_MAX_IOV);
		n = pwritev(h->fd, iov, (int)iov_n, (off_t)in->offset);
	} else {
		if (in->size > r->args_len - sizeof(*in))
			return -EINVAL;
		n = pwrite(h->fd, r->args + sizeof(*in), in->size, (off_t)in->offset);
	}
	if (n < 0)
		return -errno;
	struct fuse_write_out out = {.size = (uint32_t)n};
	return fuse_reply(r, &out, sizeof(out));
}

int fuse_op_release(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_release_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	if (fuse_handle_get(s, in->fh, false) == NULL)
		return -EBADF;
	fuse_handle_close(s, in->fh);
	return 0;
}

int fuse_op_fsync(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_fsync_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, false);
	if (h == NULL)
		return -EBADF;
	int ret = (in->fsync_flags & FUSE_FSYNC_FDATASYNC) ? fdatasync(h->fd) : fsync(h->fd);
	return ret < 0 ? -errno : 0;
}

int fuse_op_flush(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_flush_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	return fuse_handle_get(s, in->fh, false) != NULL ? 0 : -EBADF;
}

int fuse_op_fallocate(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_fallocate_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, false);
	if (h == NULL)
		return -EBADF;
	if (s->read_only)
		return -EROFS;
	if (!valid_range(in->offset, in->length))
		return -EINVAL;
	if (fallocate(h->fd, (int)in->mode, (off_t)in->offset, (off_t)in->length) < 0)
		return -errno;
	return 0;
}

int fuse_op_lseek(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_lseek_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, false);
	if (h == NULL)
		return -EBADF;
	if (in->offset > INT64_MAX ||
	    (in->whence != SEEK_DATA && in->whence != SEEK_HOLE && in->whence != SEEK_SET &&
	     in->whence != SEEK_CUR && in->whence != SEEK_END))
		return -EINVAL;
	off_t off = lseek(h->fd, (off_t)in->offset, (int)in->whence);
	if (off < 0)
		return -errno;
	struct fuse_lseek_out out = {.offset = (uint64_t)off};
	return fuse_reply(r, &out, sizeof(out));
}

int fuse_op_copy_file_range(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_copy_file_range_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *from = fuse_handle_get(s, in->fh_in, false);
	struct fuse_handle *to = fuse_handle_get(s, in->fh_out, false);
	if (from == NULL || to == NULL)
		return -EBADF;
	if (s->read_only)
		return -EROFS;
	if (!valid_range(in->off_in, in->len) || !valid_range(in->off_out, in->len) ||
	    in->flags != 0)
		return -EINVAL;
	loff_t off_in = (loff_t)in->off_in, off_out = (loff_t)in->off_out;
	size_t len = in->len > UINT32_MAX ? UINT32_MAX : (size_t)in->len;
	ssize_t n = copy_file_range(from->fd, &off_in, to->fd, &off_out, len, 0);
	if (n < 0)
		return -errno;
	struct fuse_write_out out = {.size = (uint32_t)n};
	return fuse_reply(r, &out, sizeof(out));
}
