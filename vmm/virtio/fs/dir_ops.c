/* FUSE directory requests.  A directory handle is a real directory fd;
 * each READDIR seeks to the guest's offset (the d_off cookie of the last
 * entry it got) and reads on with getdents64, so the guest may come back
 * in any order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vmm/virtio/fs/ops.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int fuse_op_opendir(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_open_in *in = fuse_req_args(r, sizeof(*in));
	char path[32];
	if (in == NULL)
		return -EINVAL;
	if (r->node->type != S_IFDIR)
		return -ENOTDIR;
	fuse_fd_path(r->node->fd, path);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct fuse_open_out out = {0};
	int ret = fuse_handle_new(s, fd, true, &out.fh);
	return ret < 0 ? ret : fuse_reply(r, &out, sizeof(out));
}

/* Appends one entry; false when it does not fit (the guest asks again
 * from its offset). */
static bool add_dirent(struct fuse_req *r, size_t limit, const struct linux_dirent64 *d,
		       const struct fuse_entry_out *entry)
{
	size_t namelen = strlen(d->d_name);
	size_t size = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
	size_t extra = entry != NULL ? sizeof(*entry) : 0;
	if (size + extra > limit - r->out_len)
		return false;
	uint8_t *p = r->out + r->out_len;
	memset(p, 0, size + extra);
	if (entry != NULL)
		memcpy(p, entry, sizeof(*entry));
	struct fuse_dirent dirent = {
		.ino = d->d_ino,
		.off = (uint64_t)d->d_off,
		.namelen = (uint32_t)namelen,
		.type = d->d_type,
	};
	memcpy(p + extra, &dirent, FUSE_NAME_OFFSET);
	memcpy(p + extra + FUSE_NAME_OFFSET, d->d_name, namelen);
	r->out_len += size + extra;
	return true;
}

/* The entry with its lookup, for READDIRPLUS.  `.` and `..` get node id
 * 0: the guest then takes only the name. */
static int plus_entry(struct fuse_server *s, struct fuse_req *r, const char *name,
		      struct fuse_entry_out *entry)
{
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		*entry = (struct fuse_entry_out){0};
		return 0;
	}
	return fuse_lookup_entry(s, r->node, name, entry);
}

static int read_dir(struct fuse_server *s, struct fuse_req *r, bool plus)
{
	const struct fuse_read_in *in = fuse_req_args(r, sizeof(*in));
	uint8_t buf[8192];
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, true);
	if (h == NULL)
		return -EBADF;
	size_t limit = in->size < r->out_max ? in->size : r->out_max;
	if (in->offset > INT64_MAX || lseek(h->fd, (off_t)in->offset, SEEK_SET) < 0)
		return -EINVAL;
	for (;;) {
		long n = syscall(SYS_getdents64, h->fd, buf, sizeof(buf));
		if (n < 0)
			return r->out_len > 0 ? 0 : -errno;
		if (n == 0)
			return 0;
		for (long pos = 0; pos < n;) {
			const struct linux_dirent64 *d = (const void *)(buf + pos);
			pos += d->d_reclen;
			struct fuse_entry_out entry, *e = NULL;
			size_t need = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + strlen(d->d_name)) +
				      (plus ? sizeof(entry) : 0);
			if (need > limit - r->out_len)
				return 0;
			if (plus) {
				if (plus_entry(s, r, d->d_name, &entry) < 0)
					continue; /* gone since getdents */
				e = &entry;
			}
			add_dirent(r, limit, d, e);
		}
	}
}

int fuse_op_readdir(struct fuse_server *s, struct fuse_req *r)
{
	return read_dir(s, r, false);
}

int fuse_op_readdirplus(struct fuse_server *s, struct fuse_req *r)
{
	return read_dir(s, r, true);
}

int fuse_op_releasedir(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_release_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	if (fuse_handle_get(s, in->fh, true) == NULL)
		return -EBADF;
	fuse_handle_close(s, in->fh);
	return 0;
}

int fuse_op_fsyncdir(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_fsync_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	struct fuse_handle *h = fuse_handle_get(s, in->fh, true);
	if (h == NULL)
		return -EBADF;
	return fsync(h->fd) < 0 ? -errno : 0;
}
