/* virtio-fs (virtio 1.2 §5.11): a high-priority queue and one request
 * queue carrying FUSE requests to the server (vmm/virtio/fs/server.h),
 * answered on a worker thread of its own so that slow host file system
 * calls never hold up the event loop or other devices.  The config space
 * holds the tag the guest mounts (`mount -t virtiofs TAG DIR`). */
#ifndef VRUN_VMM_VIRTIO_FS_DEVICE_H
#define VRUN_VMM_VIRTIO_FS_DEVICE_H

#include <pthread.h>
#include <stdbool.h>

#include "vmm/virtio/fs/server.h"
#include "vmm/virtio/mmio.h"

#define VIRTIO_ID_FS_DEVICE 26
#define VIRTIO_FS_TAG_MAX   36

struct virtio_fs {
	struct fuse_server server;
	char tag[VIRTIO_FS_TAG_MAX];
	struct virtio_mmio *transport;
	pthread_t worker;
	bool worker_started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	unsigned pending; /* bit per queue kicked */
	bool stopping;
	uint8_t *request, *reply;
};

extern const struct virtio_device_ops virtio_fs_ops;

/* Exports `path` under `tag`; with `path` NULL, nothing until
 * fuse_server_export(&fs->server, ...) (server.h).  A `dax_window` of more
 * than 0 bytes reserves a DAX window that size (dax.h), which the VM
 * places in guest memory (its shared memory region 0). */
int virtio_fs_init(struct virtio_fs *fs, const char *tag, const char *path, bool read_only,
		   uint64_t dax_window, struct error **err);
/* Starts the worker once the transport exists. */
int virtio_fs_start(struct virtio_fs *fs, struct virtio_mmio *transport, struct error **err);
void virtio_fs_destroy(struct virtio_fs *fs);

#endif
