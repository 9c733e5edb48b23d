/* The virtio-fs device: queue kicks wake the worker, which takes each
 * request chain (the readable part is the FUSE request, the writable part
 * receives the reply) and answers it. */
#include "vmm/virtio/fs/device.h"

#include <errno.h>
#include <linux/fuse.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "vmm/lockdown.h"

#define FS_QUEUES 2 /* high priority, then one request queue */
/* Descriptors per queue: room for a whole READ of FUSE_SERVER_MAX_READ
 * when the guest does not use indirect descriptors. */
#define FS_QUEUE_SIZE 512

struct virtio_fs_config {
	uint8_t tag[VIRTIO_FS_TAG_MAX];
	uint32_t num_request_queues;
} __attribute__((packed));

_Static_assert(VIRTQ_MAX_CHAIN <= FUSE_SERVER_MAX_IOV, "a chain's buffers fit the server's");
_Static_assert(FUSE_SERVER_MAX_READ / 4096 + 4 <= VIRTQ_MAX_CHAIN,
	       "the largest READ the guest is told of fits one chain");
_Static_assert(FUSE_SERVER_MAX_READ / 4096 + 4 <= FS_QUEUE_SIZE, "and one queue");

/* Whether the head copied (`len` bytes of `request`) is a WRITE's:
 * the rest of it stays in the guest's buffers. */
static bool is_write_head(const uint8_t *request, uint64_t len)
{
	struct fuse_in_header h;
	if (len < FUSE_SERVER_WRITE_HEAD)
		return false;
	memcpy(&h, request, sizeof(h));
	return h.opcode == FUSE_WRITE;
}

/* Answers one chain; returns the bytes written into it.  A READ's data
 * goes from the file straight into the chain's buffers and a WRITE's
 * from them into the file: of a WRITE only its head is copied. */
static uint32_t serve_chain(struct virtio_fs *fs, struct virtq *q, const struct virtq_chain *c)
{
	struct iovec request[VIRTQ_MAX_CHAIN], writable[VIRTQ_MAX_CHAIN], reply[VIRTQ_MAX_CHAIN];
	unsigned writable_n = virtq_chain_iov(q, c, true, writable);
	struct fuse_guest_bufs bufs = {
		.request = request,
		.reply = reply,
		.reply_n = fuse_iov_slice(writable, writable_n, sizeof(struct fuse_out_header),
					  UINT64_MAX, reply, VIRTQ_MAX_CHAIN),
	};
	uint64_t in_len = virtq_chain_read(q, c, fs->request, FUSE_SERVER_WRITE_HEAD);
	if (is_write_head(fs->request, in_len)) {
		/* Only a WRITE reads from the request's buffers. */
		bufs.request_n = virtq_chain_iov(q, c, false, request);
		bufs.request_len = c->readable;
	} else {
		in_len = virtq_chain_read(q, c, fs->request, FUSE_SERVER_MAX_REQUEST);
	}
	size_t room =
		c->writable < FUSE_SERVER_MAX_REPLY ? (size_t)c->writable : FUSE_SERVER_MAX_REPLY;
	size_t out_len = fuse_server_handle_to(&fs->server, fs->request, (size_t)in_len, fs->reply,
					       room, &bufs);
	if (bufs.placed == 0)
		return (uint32_t)virtq_chain_write(q, c, fs->reply, out_len);
	/* Only the header to write: the data is in place after it. */
	virtq_chain_write(q, c, fs->reply, sizeof(struct fuse_out_header));
	return (uint32_t)out_len;
}

/* Takes every chain of one queue; the transport lock is held only to pop
 * and push. */
static void serve_queue(struct virtio_fs *fs, unsigned index)
{
	struct virtio_mmio *t = fs->transport;
	struct virtq *q = &t->queues[index];
	struct virtq_chain chain;
	struct error *err = NULL;
	for (;;) {
		pthread_mutex_lock(&t->lock);
		int ret = virtq_pop(q, &chain, &err);
		bool broken = false;
		if (ret == -2) {
			q->ready = false;
			broken = virtio_mmio_needs_reset_locked(t);
		}
		pthread_mutex_unlock(&t->lock);
		if (ret == 0)
			return;
		if (ret == -2) {
			log_guest("virtio-fs %s: %s; the device needs a reset", fs->tag, err->msg);
			error_release(&err);
			if (broken)
				virtio_mmio_raise(t);
			return;
		}
		uint32_t written = 0;
		if (ret < 0) {
			log_guest("virtio-fs %s: bad request: %s", fs->tag, err->msg);
			error_release(&err);
		} else {
			written = serve_chain(fs, q, &chain);
		}
		pthread_mutex_lock(&t->lock);
		virtq_push(q, chain.head, written);
		pthread_mutex_unlock(&t->lock);
		virtio_mmio_signal_used(t, index);
	}
}

static void *fs_worker(void *arg)
{
	struct virtio_fs *fs = arg;
	struct error *err = NULL;
	if (lockdown_thread(LOCKDOWN_FS, &err) < 0) {
		log_warning("virtio-fs %s: %s", fs->tag, err->msg);
		error_release(&err);
		return NULL;
	}
	pthread_mutex_lock(&fs->lock);
	for (;;) {
		while (fs->pending == 0 && !fs->stopping)
			pthread_cond_wait(&fs->wake, &fs->lock);
		if (fs->stopping)
			break;
		unsigned pending = fs->pending;
		fs->pending = 0;
		pthread_mutex_unlock(&fs->lock);
		for (unsigned i = 0; i < FS_QUEUES; i++)
			if (pending & (1u << i))
				serve_queue(fs, i);
		pthread_mutex_lock(&fs->lock);
	}
	pthread_mutex_unlock(&fs->lock);
	return NULL;
}

static void fs_notify(struct virtio_mmio *t, unsigned queue)
{
	struct virtio_fs *fs = t->device;
	pthread_mutex_lock(&fs->lock);
	fs->pending |= 1u << queue;
	pthread_cond_signal(&fs->wake);
	pthread_mutex_unlock(&fs->lock);
}

static void fs_read_config(struct virtio_mmio *t, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct virtio_fs *fs = t->device;
	struct virtio_fs_config config = {.num_request_queues = FS_QUEUES - 1};
	memcpy(config.tag, fs->tag, sizeof(config.tag));
	if (offset <= sizeof(config) && len <= sizeof(config) - offset)
		memcpy(data, (uint8_t *)&config + offset, len);
}

const struct virtio_device_ops virtio_fs_ops = {
	.name = "virtio-fs",
	.device_id = VIRTIO_ID_FS_DEVICE,
	.nr_queues = FS_QUEUES,
	.queue_max = FS_QUEUE_SIZE,
	.config_size = sizeof(struct virtio_fs_config),
	.read_config = fs_read_config,
	.notify = fs_notify,
};

int virtio_fs_init(struct virtio_fs *fs, const char *tag, const char *path, bool read_only,
		   uint64_t dax_window, struct error **err)
{
	memset(fs, 0, sizeof(*fs));
	if (strlen(tag) == 0 || strlen(tag) > VIRTIO_FS_TAG_MAX)
		return error_set_kind(err, EINVAL, "virtio-fs tag `%s`: 1 to %d bytes", tag,
				      VIRTIO_FS_TAG_MAX);
	memcpy(fs->tag, tag, strlen(tag));
	if (path == NULL)
		fuse_server_init_unexported(&fs->server);
	else if (fuse_server_init(&fs->server, path, read_only, err) < 0)
		return -1;
	if (dax_window > 0 && fuse_dax_init(&fs->server.dax, dax_window, err) < 0) {
		fuse_server_release(&fs->server);
		return -1;
	}
	pthread_mutex_init(&fs->lock, NULL);
	pthread_cond_init(&fs->wake, NULL);
	fs->request = xcalloc(1, FUSE_SERVER_MAX_REQUEST);
	fs->reply = xcalloc(1, FUSE_SERVER_MAX_REPLY);
	return 0;
}

int virtio_fs_start(struct virtio_fs *fs, struct virtio_mmio *transport, struct error **err)
{
	fs->transport = transport;
	int ret = pthread_create(&fs->worker, NULL, fs_worker, fs);
	if (ret != 0)
		return error_set(err, ret, "virtio-fs %s: worker thread", fs->tag);
	fs->worker_started = true;
	return 0;
}

void virtio_fs_destroy(struct virtio_fs *fs)
{
	if (fs->request == NULL)
		return;
	if (fs->worker_started) {
		pthread_mutex_lock(&fs->lock);
		fs->stopping = true;
		pthread_cond_signal(&fs->wake);
		pthread_mutex_unlock(&fs->lock);
		pthread_join(fs->worker, NULL);
	}
	fuse_server_release(&fs->server);
	pthread_mutex_destroy(&fs->lock);
	pthread_cond_destroy(&fs->wake);
	free(fs->request);
	free(fs->reply);
	memset(fs, 0, sizeof(*fs));
}
