/* Inside the FUSE server: one request as the opcode handlers see it, and
 * the helpers they share.  Each handler returns 0 or a negative errno (the
 * reply's error); FUSE_NO_REPLY for requests that take none. */
#ifndef VRUN_VMM_VIRTIO_FS_OPS_H
#define VRUN_VMM_VIRTIO_FS_OPS_H

#include <linux/fuse.h>
#include <sys/uio.h>
#include <sys/stat.h>

#include "vmm/virtio/fs/server.h"

#define FUSE_NO_REPLY 1

struct fuse_req {
	const struct fuse_in_header *hdr;
	const uint8_t *args;
	size_t args_len;
	uint8_t *out; /* after the reply header */
	size_t out_max, out_len;
	struct fs_node *node; /* hdr->nodeid, when it names a known node */
	/* The guest's buffers, or NULL: a READ's data goes straight from the
	 * file into bufs->reply (`placed` counts the bytes put there), and a
	 * WRITE's comes from bufs->request (`args` may then hold its head only:
	 * `write_len` is the whole request's length, already checked to be
	 * within bufs->request, 0 when `args` holds all of it). */
	const struct fuse_guest_bufs *bufs;
	size_t placed;
	uint64_t write_len;
};

typedef int (*fuse_op)(struct fuse_server *s, struct fuse_req *r);

/* The fixed argument struct at the start of the arguments, or NULL when
 * the request is too short for it. */
const void *fuse_req_args(const struct fuse_req *r, size_t size);
/* The NUL-terminated name at `offset` of the arguments, checked to be one
 * path component (not empty, no `/`, not `.` or `..`, at most NAME_MAX);
 * NULL when it is not.  `next` (may be NULL) gets the offset after it. */
const char *fuse_req_name(const struct fuse_req *r, size_t offset, size_t *next);
/* Appends to the reply; -ERANGE when it does not fit. */
int fuse_reply(struct fuse_req *r, const void *data, size_t len);

/* /proc/self/fd/N for a node's O_PATH fd: how a node is opened, chmod'ed
 * or has its times set without a path that could leave the export. */
void fuse_fd_path(int fd, char buf[32]);
/* The attributes of `st`, with FUSE_ATTR_DAX for files the guest maps
 * through the DAX window. */
void fuse_fill_attr(const struct fuse_server *s, struct fuse_attr *attr, const struct stat *st);
/* Looks up `name` in `parent` and fills an entry reply (one more lookup
 * for the guest to forget). */
int fuse_lookup_entry(struct fuse_server *s, struct fs_node *parent, const char *name,
		      struct fuse_entry_out *entry);
int fuse_handle_new(struct fuse_server *s, int fd, bool dir, uint64_t *fh);
struct fuse_handle *fuse_handle_get(struct fuse_server *s, uint64_t fh, bool dir);
void fuse_handle_close(struct fuse_server *s, uint64_t fh);

/* The handlers, by file. */
int fuse_op_lookup(struct fuse_server *s, struct fuse_req *r);
int fuse_op_forget(struct fuse_server *s, struct fuse_req *r);
int fuse_op_batch_forget(struct fuse_server *s, struct fuse_req *r);
int fuse_op_getattr(struct fuse_server *s, struct fuse_req *r);
int fuse_op_setattr(struct fuse_server *s, struct fuse_req *r);
int fuse_op_readlink(struct fuse_server *s, struct fuse_req *r);
int fuse_op_symlink(struct fuse_server *s, struct fuse_req *r);
int fuse_op_mknod(struct fuse_server *s, struct fuse_req *r);
int fuse_op_mkdir(struct fuse_server *s, struct fuse_req *r);
int fuse_op_unlink(struct fuse_server *s, struct fuse_req *r);
int fuse_op_rmdir(struct fuse_server *s, struct fuse_req *r);
int fuse_op_rename(struct fuse_server *s, struct fuse_req *r);
int fuse_op_rename2(struct fuse_server *s, struct fuse_req *r);
int fuse_op_link(struct fuse_server *s, struct fuse_req *r);
int fuse_op_statfs(struct fuse_server *s, struct fuse_req *r);
int fuse_op_access(struct fuse_server *s, struct fuse_req *r);

int fuse_op_open(struct fuse_server *s, struct fuse_req *r);
int fuse_op_create(struct fuse_server *s, struct fuse_req *r);
int fuse_op_read(struct fuse_server *s, struct fuse_req *r);
int fuse_op_write(struct fuse_server *s, struct fuse_req *r);
int fuse_op_release(struct fuse_server *s, struct fuse_req *r);
int fuse_op_fsync(struct fuse_server *s, struct fuse_req *r);
int fuse_op_flush(struct fuse_server *s, struct fuse_req *r);
int fuse_op_fallocate(struct fuse_server *s, struct fuse_req *r);
int fuse_op_lseek(struct fuse_server *s, struct fuse_req *r);
int fuse_op_copy_file_range(struct fuse_server *s, struct fuse_req *r);

int fuse_op_opendir(struct fuse_server *s, struct fuse_req *r);
int fuse_op_readdir(struct fuse_server *s, struct fuse_req *r);
int fuse_op_readdirplus(struct fuse_server *s, struct fuse_req *r);
int fuse_op_releasedir(struct fuse_server *s, struct fuse_req *r);
int fuse_op_fsyncdir(struct fuse_server *s, struct fuse_req *r);

int fuse_op_setupmapping(struct fuse_server *s, struct fuse_req *r);
int fuse_op_removemapping(struct fuse_server *s, struct fuse_req *r);

int fuse_op_setxattr(struct fuse_server *s, struct fuse_req *r);
int fuse_op_getxattr(struct fuse_server *s, struct fuse_req *r);
int fuse_op_listxattr(struct fuse_server *s, struct fuse_req *r);
int fuse_op_removexattr(struct fuse_server *s, struct fuse_req *r);

#endif
