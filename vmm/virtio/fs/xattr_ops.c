/* FUSE extended attribute requests, through /proc/self/fd/N of the node.
 * Never on a symlink node: resolving its magic link would follow the link
 * on the host.  The guest may set only the attributes that mean the same
 * inside it as on the host (user.*, file capabilities, POSIX ACLs):
 * trusted.* and security labels steer the host's own overlayfs and LSMs. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "vmm/virtio/fs/ops.h"

#define XATTR_SIZE_MAX_US (64u << 10)

static bool settable(const char *name)
{
	return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0 ||
	       strcmp(name, "system.posix_acl_access") == 0 ||
	       strcmp(name, "system.posix_acl_default") == 0;
}

static const char *xattr_name(const struct fuse_req *r, size_t offset, size_t *next)
{
	if (offset >= r->args_len)
		return NULL;
	const char *name = (const char *)r->args + offset;
	size_t max = r->args_len - offset;
	size_t len = strnlen(name, max);
	if (len == max || len == 0 || len > 255)
		return NULL;
	if (next != NULL)
		*next = offset + len + 1;
	return name;
}

static int node_path(const struct fuse_req *r, char path[32])
{
	if (r->node->type == S_IFLNK)
		return -EOPNOTSUPP;
	fuse_fd_path(r->node->fd, path);
	return 0;
}

int fuse_op_setxattr(struct fuse_server *s, struct fuse_req *r)
{
	/* FUSE_SETXATTR_EXT is not negotiated: the short form. */
	const struct fuse_setxattr_in *in = fuse_req_args(r, FUSE_COMPAT_SETXATTR_IN_SIZE);
	size_t next;
	char path[32];
	const char *name = in != NULL ? xattr_name(r, FUSE_COMPAT_SETXATTR_IN_SIZE, &next) : NULL;
	if (name == NULL || in->size > XATTR_SIZE_MAX_US || in->size > r->args_len - next)
		return -EINVAL;
	if (s->read_only)
		return -EROFS;
	if (!settable(name))
		return -EPERM;
	int ret = node_path(r, path);
	if (ret < 0)
		return ret;
	if (setxattr(path, name, r->args + next, in->size, (int)in->flags) < 0)
		return -errno;
	return 0;
}

/* GETXATTR and LISTXATTR: size 0 asks how much room the answer needs. */
static int reply_sized(struct fuse_req *r, uint32_t size,
		       ssize_t (*get)(struct fuse_req *, char *, size_t, void *), void *opaque)
{
	char value[XATTR_SIZE_MAX_US];
	if (size == 0) {
		ssize_t n = get(r, NULL, 0, opaque);
		if (n < 0)
			return -errno;
		struct fuse_getxattr_out out = {.size = (uint32_t)n};
		return fuse_reply(r, &out, sizeof(out));
	}
	size_t room = size < sizeof(value) ? size : sizeof(value);
	ssize_t n = get(r, value, room, opaque);
	if (n < 0)
		return -errno;
	return fuse_reply(r, value, (size_t)n);
}

static ssize_t get_value(struct fuse_req *r, char *buf, size_t size, void *name)
{
	char path[32];
	fuse_fd_path(r->node->fd, path);
	return getxattr(path, name, buf, size);
}

static ssize_t get_list(struct fuse_req *r, char *buf, size_t size, void *unused)
{
	char path[32];
	fuse_fd_path(r->node->fd, path);
	return listxattr(path, buf, size);
}

int fuse_op_getxattr(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_getxattr_in *in = fuse_req_args(r, sizeof(*in));
	char path[32];
	const char *name = in != NULL ? xattr_name(r, sizeof(*in), NULL) : NULL;
	if (name == NULL)
		return -EINVAL;
	int ret = node_path(r, path);
	if (ret == 0)
		ret = reply_sized(r, in->size, get_value, (void *)name);
	/* An export without xattr support has none of them: the guest's
	 * exec asks for security.capability and fails on anything but
	 * "no such attribute". */
	return ret == -EOPNOTSUPP ? -ENODATA : ret;
}

int fuse_op_listxattr(struct fuse_server *s, struct fuse_req *r)
{
	const struct fuse_getxattr_in *in = fuse_req_args(r, sizeof(*in));
	char path[32];
	if (in == NULL)
		return -EINVAL;
	int ret = node_path(r, path);
	return ret < 0 ? ret : reply_sized(r, in->size, get_list, NULL);
}

int fuse_op_removexattr(struct fuse_server *s, struct fuse_req *r)
{
	char path[32];
	const char *name = xattr_name(r, 0, NULL);
	if (name == NULL)
		return -EINVAL;
	if (s->read_only)
		return -EROFS;
	if (!settable(name))
		return -EPERM;
	int ret = node_path(r, path);
	if (ret < 0)
		return ret;
	return removexattr(path, name) < 0 ? -errno : 0;
}
