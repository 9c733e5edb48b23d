/* FUSE server: request checks, the opcode table, INIT and DESTROY, and the
 * helpers the handlers share. */
#include "vmm/virtio/fs/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "vmm/virtio/fs/ops.h"

#define FUSE_MIN_MINOR	  31 /* what the guest kernel must speak, at least */
#define FUSE_ROOT_NODE	  1
#define FUSE_MAX_HANDLES  65536
#define FUSE_OUR_MINOR	  38
#define FUSE_MAX_PAGES_US (FUSE_SERVER_MAX_READ / 4096)

const void *fuse_req_args(const struct fuse_req *r, size_t size)
{
	return r->args_len >= size ? r->args : NULL;
}

const char *fuse_req_name(const struct fuse_req *r, size_t offset, size_t *next)
{
	if (offset >= r->args_len)
		return NULL;
	const char *name = (const char *)r->args + offset;
	size_t max = r->args_len - offset;
	size_t len = strnlen(name, max);
	if (len == max || len == 0 || len > NAME_MAX || memchr(name, '/', len) != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return NULL;
	if (next != NULL)
		*next = offset + len + 1;
	return name;
}

unsigned fuse_iov_slice(const struct iovec *src, unsigned n, uint64_t skip, uint64_t len,
			struct iovec *dst, unsigned max)
{
	unsigned out = 0;
	for (unsigned i = 0; i < n && out < max && len > 0; i++) {
		if (skip >= src[i].iov_len) {
			skip -= src[i].iov_len;
			continue;
		}
		size_t take = src[i].iov_len - (size_t)skip;
		if (take > len)
			take = (size_t)len;
		dst[out++] = (struct iovec){(uint8_t *)src[i].iov_base + skip, take};
		skip = 0;
		len -= take;
	}
	return out;
}

int fuse_reply(struct fuse_req *r, const void *data, size_t len)
{
	if (len > r->out_max - r->out_len)
		return -ERANGE;
	memcpy(r->out + r->out_len, data, len);
	r->out_len += len;
	return 0;
}

void fuse_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

void fuse_fill_attr(const struct fuse_server *s, struct fuse_attr *a, const struct stat *st)
{
	*a = (struct fuse_attr){
		.ino = st->st_ino,
		.size = (uint64_t)st->st_size,
		.blocks = (uint64_t)st->st_blocks,
		.atime = (uint64_t)st->st_atim.tv_sec,
		.mtime = (uint64_t)st->st_mtim.tv_sec,
		.ctime = (uint64_t)st->st_ctim.tv_sec,
		.atimensec = (uint32_t)st->st_atim.tv_nsec,
		.mtimensec = (uint32_t)st->st_mtim.tv_nsec,
		.ctimensec = (uint32_t)st->st_ctim.tv_nsec,
		.mode = st->st_mode,
		.nlink = (uint32_t)st->st_nlink,
		.uid = st->st_uid,
		.gid = st->st_gid,
		.rdev = (uint32_t)st->st_rdev,
		.blksize = (uint32_t)st->st_blksize,
	};
	/* Files on other file systems under the export (its submounts) may
	 * not map as the window needs. */
	if (s->inode_dax && s->export_mappable && S_ISREG(st->st_mode) &&
	    st->st_dev == s->export_dev)
		a->flags |= FUSE_ATTR_DAX;
}

int fuse_lookup_entry(struct fuse_server *s, struct fs_node *parent, const char *name,
		      struct fuse_entry_out *entry)
{
	struct stat st;
	int fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int saved = errno;
		close(fd);
		return -saved;
	}
	struct fs_node *n = fs_inode_find(&s->inodes, st.st_dev, st.st_ino);
	if (n != NULL) {
		close(fd);
		n->lookups++;
	} else {
		n = fs_inode_add(&s->inodes, fd, st.st_dev, st.st_ino, st.st_mode & S_IFMT);
	}
	*entry = (struct fuse_entry_out){
		.nodeid = n->id,
		.generation = 0,
		.entry_valid = s->timeout,
		.attr_valid = s->timeout,
	};
	fuse_fill_attr(s, &entry->attr, &st);
	return 0;
}

int fuse_handle_new(struct fuse_server *s, int fd, bool dir, uint64_t *fh)
{
	uint32_t i;
	for (i = 0; i < s->nr_handles && s->handles[i].fd >= 0; i++)
		;
	if (i == s->nr_handles) {
		if (s->nr_handles == FUSE_MAX_HANDLES) {
			close(fd);
			return -EMFILE;
		}
		uint32_t grow = s->nr_handles == 0 ? 64 : s->nr_handles * 2;
		s->handles = xrealloc(s->handles, grow * sizeof(*s->handles));
		for (uint32_t j = s->nr_handles; j < grow; j++)
			s->handles[j] = (struct fuse_handle){.fd = -1};
		s->nr_handles = grow;
	}
	s->handles[i] = (struct fuse_handle){fd, dir};
	*fh = (uint64_t)i + 1;
	return 0;
}

struct fuse_handle *fuse_handle_get(struct fuse_server *s, uint64_t fh, bool dir)
{
	if (fh == 0 || fh > s->nr_handles)
		return NULL;
	struct fuse_handle *h = &s->handles[fh - 1];
	return h->fd >= 0 && h->dir == dir ? h : NULL;
}

void fuse_handle_close(struct fuse_server *s, uint64_t fh)
{
	struct fuse_handle *h = &s->handles[fh - 1];
	close(h->fd);
	h->fd = -1;
}

static void close_handles(struct fuse_server *s)
{
	for (uint32_t i = 0; i < s->nr_handles; i++)
		if (s->handles[i].fd >= 0)
			close(s->handles[i].fd);
	free(s->handles);
	s->handles = NULL;
	s->nr_handles = 0;
}

static int fuse_op_init(struct fuse_server *s, struct fuse_req *r)
{
	/* Older kernels send only the first four fields. */
	const struct fuse_init_in *in = fuse_req_args(r, 16);
	if (in == NULL)
		return -EINVAL;
	if (in->major != FUSE_KERNEL_VERSION || in->minor < FUSE_MIN_MINOR)
		return -EPROTO;
	uint32_t wanted = FUSE_ASYNC_READ | FUSE_PARALLEL_DIROPS | FUSE_BIG_WRITES |
			  FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | FUSE_MAX_PAGES |
			  FUSE_ATOMIC_O_TRUNC;
	if (s->dax.host != NULL)
		wanted |= FUSE_MAP_ALIGNMENT | FUSE_INIT_EXT;
	/* The rest of the flags, from 7.36 (FUSE_INIT_EXT). */
	uint64_t flags2 = 0;
	if ((in->flags & FUSE_INIT_EXT) && r->args_len >= sizeof(*in))
		flags2 = in->flags2;
	s->inode_dax = s->dax.host != NULL && (flags2 & (FUSE_HAS_INODE_DAX >> 32));
	/* (Here, on the worker, whose filter allows fstatfs: the export of a
	 * pool's VM comes on a thread whose does not.) */
	if (s->inode_dax)
		s->export_mappable = fuse_dax_fs_mappable(s->inodes.slots[0]->fd);
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = in->minor < FUSE_OUR_MINOR ? in->minor : FUSE_OUR_MINOR,
		.max_readahead = in->max_readahead,
		.flags = in->flags & wanted,
		.max_background = 64,
		.congestion_threshold = 48,
		.max_write = FUSE_SERVER_MAX_WRITE,
		.time_gran = 1,
		.max_pages = FUSE_MAX_PAGES_US,
		/* Of SETUPMAPPING's and REMOVEMAPPING's offsets (dax.h). */
		.map_alignment = FUSE_DAX_CHUNK_SHIFT,
		.flags2 = s->inode_dax ? (uint32_t)(FUSE_HAS_INODE_DAX >> 32) : 0,
	};
	s->proto_minor = out.minor;
	s->initialized = true;
	return fuse_reply(r, &out, sizeof(out));
}

static int fuse_op_destroy(struct fuse_server *s, struct fuse_req *r)
{
	/* Forget everything but the root; the guest may INIT again. */
	for (uint32_t i = 1; i < s->inodes.nr_slots; i++)
		if (s->inodes.slots[i] != NULL)
			fs_inode_forget(&s->inodes, s->inodes.slots[i]->id, UINT64_MAX);
	close_handles(s);
	if (s->dax.host != NULL)
		fuse_dax_unmap(&s->dax, 0, s->dax.size);
	s->initialized = false;
	return 0;
}

/* Indexed by opcode; a hole is ENOSYS. */
static const fuse_op ops[] = {
	[FUSE_LOOKUP] = fuse_op_lookup,
	[FUSE_FORGET] = fuse_op_forget,
	[FUSE_GETATTR] = fuse_op_getattr,
	[FUSE_SETATTR] = fuse_op_setattr,
	[FUSE_READLINK] = fuse_op_readlink,
	[FUSE_SYMLINK] = fuse_op_symlink,
	[FUSE_MKNOD] = fuse_op_mknod,
	[FUSE_MKDIR] = fuse_op_mkdir,
	[FUSE_UNLINK] = fuse_op_unlink,
	[FUSE_RMDIR] = fuse_op_rmdir,
	[FUSE_RENAME] = fuse_op_rename,
	[FUSE_LINK] = fuse_op_link,
	[FUSE_OPEN] = fuse_op_open,
	[FUSE_READ] = fuse_op_read,
	[FUSE_WRITE] = fuse_op_write,
	[FUSE_STATFS] = fuse_op_statfs,
	[FUSE_RELEASE] = fuse_op_release,
	[FUSE_FSYNC] = fuse_op_fsync,
	[FUSE_SETXATTR] = fuse_op_setxattr,
	[FUSE_GETXATTR] = fuse_op_getxattr,
	[FUSE_LISTXATTR] = fuse_op_listxattr,
	[FUSE_REMOVEXATTR] = fuse_op_removexattr,
	[FUSE_FLUSH] = fuse_op_flush,
	[FUSE_INIT] = fuse_op_init,
	[FUSE_OPENDIR] = fuse_op_opendir,
	[FUSE_READDIR] = fuse_op_readdir,
	[FUSE_RELEASEDIR] = fuse_op_releasedir,
	[FUSE_FSYNCDIR] = fuse_op_fsyncdir,
	[FUSE_ACCESS] = fuse_op_access,
	[FUSE_CREATE] = fuse_op_create,
	[FUSE_DESTROY] = fuse_op_destroy,
	[FUSE_BATCH_FORGET] = fuse_op_batch_forget,
	[FUSE_FALLOCATE] = fuse_op_fallocate,
	[FUSE_READDIRPLUS] = fuse_op_readdirplus,
	[FUSE_RENAME2] = fuse_op_rename2,
	[FUSE_LSEEK] = fuse_op_lseek,
	[FUSE_COPY_FILE_RANGE] = fuse_op_copy_file_range,
	[FUSE_SETUPMAPPING] = fuse_op_setupmapping,
	[FUSE_REMOVEMAPPING] = fuse_op_removemapping,
};

/* Requests that need no node, or handle their node themselves. */
static bool needs_node(uint32_t opcode)
{
	return opcode != FUSE_INIT && opcode != FUSE_DESTROY && opcode != FUSE_BATCH_FORGET &&
	       opcode != FUSE_FORGET && opcode != FUSE_REMOVEMAPPING;
}

static int dispatch(struct fuse_server *s, struct fuse_req *r)
{
	uint32_t opcode = r->hdr->opcode;
	if (opcode >= sizeof(ops) / sizeof(ops[0]) || ops[opcode] == NULL)
		return -ENOSYS;
	if (!s->initialized && opcode != FUSE_INIT)
		return -EIO;
	if (needs_node(opcode)) {
		r->node = fs_inode_get(&s->inodes, r->hdr->nodeid);
		if (r->node == NULL)
			return -ESTALE;
	}
	return ops[opcode](s, r);
}

size_t fuse_server_handle(struct fuse_server *s, const uint8_t *in, size_t in_len, uint8_t *out,
			  size_t out_size)
{
	return fuse_server_handle_to(s, in, in_len, out, out_size, NULL);
}

/* A WRITE whose data is in the guest's buffers only: `in` holds its head
 * (at least), and the whole of it is within the buffers. */
static bool write_in_place(const struct fuse_in_header *hdr, size_t in_len,
			   const struct fuse_guest_bufs *bufs)
{
	return bufs != NULL && hdr->opcode == FUSE_WRITE && hdr->total_extlen == 0 &&
	       hdr->len > in_len && in_len >= FUSE_SERVER_WRITE_HEAD &&
	       hdr->len <= bufs->request_len;
}

size_t fuse_server_handle_to(struct fuse_server *s, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t out_size, struct fuse_guest_bufs *bufs)
{
	if (bufs != NULL)
		bufs->placed = 0;
	struct fuse_in_header hdr;
	struct fuse_out_header reply = {.error = -EINVAL};
	if (in_len < sizeof(hdr) || out_size < sizeof(reply))
		return 0; /* nothing to answer to, or no room to answer */
	memcpy(&hdr, in, sizeof(hdr));
	reply.unique = hdr.unique;
	struct fuse_req r = {.hdr = &hdr,
			     .out = out + sizeof(reply),
			     .out_max = out_size - sizeof(reply),
			     .bufs = bufs};
	size_t extensions = (size_t)hdr.total_extlen * 8;
	bool whole = hdr.len >= sizeof(hdr) + extensions && hdr.len <= in_len;
	if (whole || write_in_place(&hdr, in_len, bufs)) {
		r.args = in + sizeof(hdr);
		r.args_len = whole ? hdr.len - sizeof(hdr) - extensions
				   : FUSE_SERVER_WRITE_HEAD - sizeof(hdr);
		r.write_len = whole ? 0 : hdr.len;
		/* Nothing to serve yet: a pool's VM before its container. */
		reply.error =
			__atomic_load_n(&s->exported, __ATOMIC_ACQUIRE) ? dispatch(s, &r) : -EIO;
	}
	if (s->trace)
		log_debug("fuse: op %u node %llu len %u -> %d (%zu bytes)", hdr.opcode,
			  (unsigned long long)hdr.nodeid, hdr.len, reply.error,
			  r.out_len + r.placed);
	if (reply.error == FUSE_NO_REPLY)
		return 0;
	if (reply.error != 0)
		r.out_len = r.placed = 0;
	if (bufs != NULL)
		bufs->placed = r.placed;
	reply.len = (uint32_t)(sizeof(reply) + r.out_len + r.placed);
	memcpy(out, &reply, sizeof(reply));
	return reply.len;
}

void fuse_server_init_unexported(struct fuse_server *s)
{
	*s = (struct fuse_server){.timeout = 1, .trace = getenv("VRUN_TRACE_FUSE") != NULL};
	fs_inodes_init(&s->inodes);
}

int fuse_server_export(struct fuse_server *s, const char *path, bool read_only, struct error **err)
{
	struct stat st;
	if (__atomic_load_n(&s->exported, __ATOMIC_ACQUIRE))
		return error_set_kind(err, EBUSY, "export `%s`: the server exports already", path);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "export `%s`", path);
	if (fstat(fd, &st) < 0) {
		error_set(err, errno, "export `%s`", path);
		close(fd);
		return -1;
	}
	s->read_only = read_only;
	s->export_dev = st.st_dev;
	struct fs_node *root = fs_inode_add(&s->inodes, fd, st.st_dev, st.st_ino, S_IFDIR);
	if (root->id != FUSE_ROOT_NODE)
		abort();
	/* What the worker reads once it sees the export (release/acquire). */
	__atomic_store_n(&s->exported, true, __ATOMIC_RELEASE);
	return 0;
}

int fuse_server_init(struct fuse_server *s, const char *path, bool read_only, struct error **err)
{
	fuse_server_init_unexported(s);
	if (fuse_server_export(s, path, read_only, err) == 0)
		return 0;
	fs_inodes_release(&s->inodes);
	return -1;
}

void fuse_server_release(struct fuse_server *s)
{
	fuse_dax_release(&s->dax);
	close_handles(s);
	fs_inodes_release(&s->inodes);
}
