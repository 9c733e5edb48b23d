/* FUSE requests on names and nodes: lookup and forget, attributes, and
 * the operations that make, link, rename and remove entries.  Every name
 * is one component under a directory node's O_PATH fd. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "vmm/virtio/fs/ops.h"

static int reply_entry(struct fuse_server *s, struct fuse_req *r, struct fs_node *parent,
		       const char *name)
{
	struct fuse_entry_out entry;
	int ret = fuse_lookup_entry(s, parent, name, &entry);
	if (ret < 0)
		return ret;
	ret = fuse_reply(r, &entry, sizeof(entry));
	if (ret < 0)
		fs_inode_forget(&s->inodes, entry.nodeid, 1);
	return ret;
}

static int reply_attr(struct fuse_server *s, struct fuse_req *r, int fd)
{
	struct stat st;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	struct fuse_attr_out out = {.attr_valid = s->timeout};
	fuse_fill_attr(s, &out.attr, &st);
	return fuse_reply(r, &out, sizeof(out));
}

/* The request's node as a directory to create or look up names in. */
static int parent_dir(const struct fuse_req *r)
{
	return r->node->type == S_IFDIR ? 0 : -ENOTDIR;
}

int fuse_op_lookup(struct fuse_server *s, struct fuse_req *r)
{
	const char *name = fuse_req_name(r, 0, NULL);
	if (name == NULL)
		return -EINVAL;
	int ret = parent_dir(r);
	return ret < 0 ? ret : reply_entry(s, r, r->node, name);
}

int fuse_op_forget(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_forget_in *in = fuse_req_args(r, sizeof(*in));
	if (in != NULL)
		fs_inode_forget(&s->inodes, r->hdr->nodeid, in->nlookup);
	return FUSE_NO_REPLY;
}

int fuse_op_batch_forget(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_batch_forget_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return FUSE_NO_REPLY;
	size_t room = (r->args_len - sizeof(*in)) / sizeof(struct fuse_forget_one);
	size_t count = in->count < room ? in->count : room;
	const struct fuse_forget_one *one = (const void *)(r->args + sizeof(*in));
	for (size_t i = 0; i < count; i++) {
		struct fuse_forget_one f;
		memcpy(&f, &one[i], sizeof(f));
		fs_inode_forget(&s->inodes, f.nodeid, f.nlookup);
	}
	return FUSE_NO_REPLY;
}

int fuse_op_getattr(struct fuse_server *s, struct fuse_req *r)
{
	return reply_attr(s, r, r->node->fd);
}

static int set_times(const struct fuse_req *r, const struct fuse_setattr_in *in, const char *path)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	if (in->valid & FATTR_ATIME)
		ts[0] = (struct timespec){(time_t)in->atime, in->atimensec};
	if (in->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	if (in->valid & FATTR_MTIME)
		ts[1] = (struct timespec){(time_t)in->mtime, in->mtimensec};
	if (in->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 0;
	if (r->node->type == S_IFLNK)
		return -EOPNOTSUPP; /* no way to reach a symlink's times through its O_PATH fd */
	if (ts[0].tv_nsec != UTIME_NOW && ts[0].tv_nsec != UTIME_OMIT &&
	    (uint64_t)ts[0].tv_nsec >= 1000000000)
		return -EINVAL;
	if (ts[1].tv_nsec != UTIME_NOW && ts[1].tv_nsec != UTIME_OMIT &&
	    (uint64_t)ts[1].tv_nsec >= 1000000000)
		return -EINVAL;
	return utimensat(AT_FDCWD, path, ts, 0) < 0 ? -errno : 0;
}

static int set_size(struct fuse_server *s, const struct fuse_req *r,
		    const struct fuse_setattr_in *in, const char *path)
{
	if (r->node->type == S_IFDIR)
		return -EISDIR;
	if (r->node->type != S_IFREG)
		return -EINVAL;
	if (in->size > INT64_MAX)
		return -EFBIG;
	struct fuse_handle *h = (in->valid & FATTR_FH) ? fuse_handle_get(s, in->fh, false) : NULL;
	int ret = h != NULL ? ftruncate(h->fd, (off_t)in->size) : truncate(path, (off_t)in->size);
	return ret < 0 ? -errno : 0;
}

int fuse_op_setattr(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_setattr_in *in = fuse_req_args(r, sizeof(*in));
	char path[32];
	int ret = 0;
	if (in == NULL)
		return -EINVAL;
	if (s->read_only)
		return -EROFS;
	fuse_fd_path(r->node->fd, path);
	if (in->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = (in->valid & FATTR_UID) ? in->uid : (uid_t)-1;
		gid_t gid = (in->valid & FATTR_GID) ? in->gid : (gid_t)-1;
		if (fchownat(r->node->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (in->valid & FATTR_MODE) {
		if (r->node->type == S_IFLNK)
			return -EOPNOTSUPP;
		if (chmod(path, in->mode & 07777) < 0)
			return -errno;
	}
	if (in->valid & FATTR_SIZE) {
		ret = set_size(s, r, in, path);
		if (ret == 0)
			fuse_dax_refresh(&s->dax, r->node->id, r->node->fd);
	}
	if (ret == 0)
		ret = set_times(r, in, path);
	return ret < 0 ? ret : reply_attr(s, r, r->node->fd);
}

int fuse_op_readlink(struct fuse_server *s, struct fuse_req *r)
{
	char target[PATH_MAX];
	if (r->node->type != S_IFLNK)
		return -EINVAL;
	ssize_t n = readlinkat(r->node->fd, "", target, sizeof(target));
	if (n < 0)
		return -errno;
	return fuse_reply(r, target, (size_t)n);
}

/* A new entry gets the caller's owner (the group of a set-group-ID
 * directory instead) and exactly the mode asked for (the guest applied
 * its umask already), then is looked up for the reply. */
static int finish_new(struct fuse_server *s, struct fuse_req *r, const char *name, mode_t mode)
{
	struct stat dir;
	if (fstat(r->node->fd, &dir) < 0)
		return -errno;
	gid_t gid = (dir.st_mode & S_ISGID) ? dir.st_gid : r->hdr->gid;
	if (fchownat(r->node->fd, name, r->hdr->uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!S_ISLNK(mode)) {
		int fd = openat(r->node->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		char path[32];
		if (fd < 0)
			return -errno;
		fuse_fd_path(fd, path);
		int ret = chmod(path, mode & 07777);
		int saved = errno;
		close(fd);
		if (ret < 0)
			return -saved;
	}
	return reply_entry(s, r, r->node, name);
}

/* What every request that makes an entry checks first. */
static int may_create(struct fuse_server *s, const struct fuse_req *r, const char *name)
{
	if (name == NULL)
		return -EINVAL;
	if (s->read_only)
		return -EROFS;
	return parent_dir(r);
}

int fuse_op_symlink(struct fuse_server *s, struct fuse_req *r)
{
	size_t next;
	const char *name = fuse_req_name(r, 0, &next);
	int ret = may_create(s, r, name);
	if (ret < 0)
		return ret;
	const char *target = (const char *)r->args + next;
	size_t max = r->args_len - next;
	size_t len = strnlen(target, max);
	if (len == max || len == 0 || len >= PATH_MAX)
		return -EINVAL;
	if (symlinkat(target, r->node->fd, name) < 0)
		return -errno;
	return finish_new(s, r, name, S_IFLNK | 0777);
}

int fuse_op_mknod(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_mknod_in *in = fuse_req_args(r, sizeof(*in));
	const char *name = in != NULL ? fuse_req_name(r, sizeof(*in), NULL) : NULL;
	int ret = may_create(s, r, name);
	if (ret < 0)
		return ret;
	mode_t type = in->mode & S_IFMT;
	/* A device node made here would be a device node on the host: only
	 * the 0/0 character device (an overlay whiteout) is harmless. */
	bool whiteout = type == S_IFCHR && in->rdev == 0;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && !whiteout)
		return -EPERM;
	if (mknodat(r->node->fd, name, type | (in->mode & 07777), 0) < 0)
		return -errno;
	return finish_new(s, r, name, in->mode);
}

int fuse_op_mkdir(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_mkdir_in *in = fuse_req_args(r, sizeof(*in));
	const char *name = in != NULL ? fuse_req_name(r, sizeof(*in), NULL) : NULL;
	int ret = may_create(s, r, name);
	if (ret < 0)
		return ret;
	if (mkdirat(r->node->fd, name, in->mode & 07777) < 0)
		return -errno;
	return finish_new(s, r, name, S_IFDIR | (in->mode & 07777));
}

static int remove_entry(struct fuse_server *s, struct fuse_req *r, int flags)
{
	const char *name = fuse_req_name(r, 0, NULL);
	int ret = may_create(s, r, name);
	if (ret < 0)
		return ret;
	return unlinkat(r->node->fd, name, flags) < 0 ? -errno : 0;
}

int fuse_op_unlink(struct fuse_server *s, struct fuse_req *r)
{
	return remove_entry(s, r, 0);
}

int fuse_op_rmdir(struct fuse_server *s, struct fuse_req *r)
{
	return remove_entry(s, r, AT_REMOVEDIR);
}

static int do_rename(struct fuse_server *s, struct fuse_req *r, uint64_t newdir, size_t names,
		     unsigned flags)
{
	size_t next;
	const char *old = fuse_req_name(r, names, &next);
	int ret = may_create(s, r, old);
	if (ret < 0)
		return ret;
	const char *new = fuse_req_name(r, next, NULL);
	struct fs_node *to = fs_inode_get(&s->inodes, newdir);
	if (new == NULL)
		return -EINVAL;
	if (to == NULL)
		return -ESTALE;
	if (to->type != S_IFDIR)
		return -ENOTDIR;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	return renameat2(r->node->fd, old, to->fd, new, flags) < 0 ? -errno : 0;
}

int fuse_op_rename(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_rename_in *in = fuse_req_args(r, sizeof(*in));
	return in == NULL ? -EINVAL : do_rename(s, r, in->newdir, sizeof(*in), 0);
}

int fuse_op_rename2(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_rename2_in *in = fuse_req_args(r, sizeof(*in));
	return in == NULL ? -EINVAL : do_rename(s, r, in->newdir, sizeof(*in), in->flags);
}

int fuse_op_link(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_link_in *in = fuse_req_args(r, sizeof(*in));
	const char *name = in != NULL ? fuse_req_name(r, sizeof(*in), NULL) : NULL;
	int ret = may_create(s, r, name);
	if (ret < 0)
		return ret;
	struct fs_node *target = fs_inode_get(&s->inodes, in->oldnodeid);
	if (target == NULL)
		return -ESTALE;
	if (target->type == S_IFDIR)
		return -EPERM;
	if (linkat(target->fd, "", r->node->fd, name, AT_EMPTY_PATH) < 0)
		return -errno;
	return reply_entry(s, r, r->node, name);
}

int fuse_op_statfs(struct fuse_server *s, struct fuse_req *r)
{
	struct statfs st;
	if (fstatfs(r->node->fd, &st) < 0)
		return -errno;
	struct fuse_statfs_out out = {.st = {
					      .blocks = st.f_blocks,
					      .bfree = st.f_bfree,
					      .bavail = st.f_bavail,
					      .files = st.f_files,
					      .ffree = st.f_ffree,
					      .bsize = (uint32_t)st.f_bsize,
					      .namelen = (uint32_t)st.f_namelen,
					      .frsize = (uint32_t)st.f_frsize,
				      }};
	return fuse_reply(r, &out, sizeof(out));
}

/* The guest checks permissions itself (virtio-fs mounts with
 * default_permissions); what it cannot know is a read-only export. */
int fuse_op_access(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_access_in *in = fuse_req_args(r, sizeof(*in));
	if (in == NULL)
		return -EINVAL;
	if ((in->mask & W_OK) && s->read_only)
		return -EROFS;
	return 0;
}
