/* The FUSE passthrough server behind virtio-fs: it exports one host
 * directory and answers the guest kernel's FUSE requests (the FUSE
 * protocol, linux/fuse.h, 7.31 and later) with system calls relative to
 * O_PATH descriptors inside the export.  No request reaches a path outside
 * it: names are single components (no `/`, no `..`), every lookup opens
 * with O_NOFOLLOW (a symlink is a node of its own, never followed on the
 * host), and only regular files and directories are ever opened.  The
 * guest is hostile: every length, count and offset is checked and a bad
 * request fails alone.
 *
 * Requests and replies are plain buffers: the device gathers a request
 * from the virtqueue and scatters the reply back. */
#ifndef VRUN_VMM_VIRTIO_FS_SERVER_H
#define VRUN_VMM_VIRTIO_FS_SERVER_H

#include <linux/fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/uio.h>

#include "common/error.h"
#include "vmm/virtio/fs/dax.h"
#include "vmm/virtio/fs/inode.h"

/* The largest WRITE (max_write): as many pages as the largest READ.  Its
 * data is read straight from the guest's buffers (fuse_guest_bufs). */
#define FUSE_SERVER_MAX_WRITE (1024u << 10)
/* The largest READ, when its data goes straight into the guest's buffers
 * (fuse_server_handle_to); the guest reads ahead as much (agent/agent.h).
 * 1 MiB is the most Linux asks for (FUSE_MAX_MAX_PAGES, 256 pages).  Its
 * pages and the request's and reply's headers must fit one chain
 * (VIRTQ_MAX_CHAIN descriptors) and the queue: Linux 6.1 asks for
 * max_pages pages in a READ whatever the queue holds. */
#define FUSE_SERVER_MAX_READ (1024u << 10)
#define FUSE_SERVER_MAX_IOV  512 /* buffers of such a READ that are used */
/* The largest request copied whole into the server's buffer, and the
 * largest reply built there: all but a WRITE's and a READ's data, which
 * stay in the guest's buffers.  Or the data too, when there are no guest
 * buffers (fuse_server_handle), up to this much. */
#define FUSE_SERVER_MAX_REQUEST ((128u << 10) + 4096)
#define FUSE_SERVER_MAX_REPLY	((128u << 10) + 4096)
/* The start of a WRITE, all of it the server copies: its headers. */
#define FUSE_SERVER_WRITE_HEAD (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

struct fuse_handle {
	int fd; /* -1 when the slot is free */
	bool dir;
};

struct fuse_server {
	struct fs_inode_table inodes;
	bool read_only;
	bool exported; /* set once (fuse_server_export), read by the worker */
	bool initialized;
	uint32_t proto_minor;	     /* the guest's FUSE minor version */
	uint32_t timeout;	     /* seconds the guest may cache entries and attributes */
	bool trace;		     /* log every request (VRUN_TRACE_FUSE set, with --debug) */
	struct fuse_handle *handles; /* by fh - 1 */
	uint32_t nr_handles;
	struct fuse_dax dax; /* host NULL: no DAX window (fuse_dax_init) */
	/* DAX per file (the guest mounted dax=inode): the export's regular
	 * files, when its file system maps them shared and writable. */
	bool inode_dax, export_mappable;
	dev_t export_dev;
};

/* Exports the directory `path`. */
int fuse_server_init(struct fuse_server *s, const char *path, bool read_only, struct error **err);
/* A server with no export yet: every request fails with EIO until
 * fuse_server_export gives it one, which another thread may do while
 * requests arrive (a pool's VM gets its container's rootfs at its claim,
 * runtime/pool.h).  Only one export, ever. */
void fuse_server_init_unexported(struct fuse_server *s);
int fuse_server_export(struct fuse_server *s, const char *path, bool read_only, struct error **err);
/* Releases the server and its DAX window. */
void fuse_server_release(struct fuse_server *s);

/* Answers one request (`in`: the FUSE header and its arguments).  Returns
 * the reply's length in `out` (at most `out_size`), 0 when the request
 * takes no reply (FORGET). */
size_t fuse_server_handle(struct fuse_server *s, const uint8_t *in, size_t in_len, uint8_t *out,
			  size_t out_size);

/* A request chain's own buffers in guest memory, the request's and the
 * reply's, so that a READ's and a WRITE's data need no copy. */
struct fuse_guest_bufs {
	const struct iovec *request; /* the whole request, its header first */
	unsigned request_n;
	uint64_t request_len;	   /* the bytes they hold */
	const struct iovec *reply; /* the reply's buffers after its header */
	unsigned reply_n;
	size_t placed; /* set: how many bytes of the reply are in `reply` already */
};

/* The same, with the guest's buffers: a READ's data goes straight into
 * bufs->reply (up to FUSE_SERVER_MAX_READ; then only the reply's header is
 * in `out`, and bufs->placed bytes follow it there), and a WRITE's comes
 * straight from bufs->request, where `in` may hold just its head
 * (FUSE_SERVER_WRITE_HEAD).  The guest may change its buffers meanwhile:
 * only a WRITE's data is ever read from them. */
size_t fuse_server_handle_to(struct fuse_server *s, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t out_size, struct fuse_guest_bufs *bufs);

/* The bytes [skip, skip + len) of the buffers `src` (n of them) as at most
 * `max` iovecs in `dst`; returns how many.  Fewer bytes when the buffers
 * (or `max` iovecs) hold fewer. */
unsigned fuse_iov_slice(const struct iovec *src, unsigned n, uint64_t skip, uint64_t len,
			struct iovec *dst, unsigned max);

#endif
