/* Split virtqueues (virtio 1.2 §2.7) as the device sees them: pop the
 * next descriptor chain the driver made available, push it back used.
 * The guest is hostile: every index, address and length is checked, and a
 * malformed chain fails that request only. */
#ifndef VRUN_VMM_VIRTIO_QUEUE_H
#define VRUN_VMM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/error.h"
#include "vmm/memory.h"

#define VIRTQ_MAX_SIZE	1024
#define VIRTQ_MAX_CHAIN 512 /* descriptors in one chain, indirect ones included */

struct virtq {
	struct guest_memory *mem;
	uint16_t size; /* QueueNum: a power of two, at most VIRTQ_MAX_SIZE */
	bool ready;
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
	uint64_t desc_addr, avail_addr, used_addr;
	uint16_t last_avail; /* next available entry to take */
	uint16_t used_idx;   /* what we last published in used->idx */
	uint16_t signalled;  /* used_idx at the last interrupt (event idx) */
	bool signalled_valid;
};

struct virtq_buf {
	uint64_t addr;
	uint32_t len;
	bool writable; /* device writes into it */
};

struct virtq_chain {
	uint16_t head;
	unsigned count;
	struct virtq_buf bufs[VIRTQ_MAX_CHAIN];
	uint64_t readable; /* total bytes the device may read */
	uint64_t writable; /* total bytes the device may write */
};

/* Checks the ring addresses and size (when the driver sets QueueReady). */
int virtq_validate(const struct virtq *q, struct error **err);
void virtq_reset(struct virtq *q);

/* 1 and a chain when one was available, 0 when none was.  -1 when the
 * chain is malformed: the error says why, chain->head holds its head (push
 * it back with 0 bytes).  -2 when the ring itself is broken (the avail
 * index jumped by more than the queue size, or a head outside the table):
 * stop using the queue. */
int virtq_pop(struct virtq *q, struct virtq_chain *chain, struct error **err);

/* Puts back the chain just popped, untouched (the device found it had
 * nothing to put in it after all). */
void virtq_unpop(struct virtq *q);

/* Returns the chain to the driver with `written` bytes written. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/* Whether the driver wants an interrupt for what was pushed since the
 * last one (VRING_AVAIL_F_NO_INTERRUPT, or used_event with event idx). */
bool virtq_needs_interrupt(struct virtq *q);

/* Copies from / into the chain's buffers, from the start; returns bytes
 * copied (at most what the buffers hold). */
uint64_t virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, void *dst,
			  uint64_t len);
uint64_t virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, const void *src,
			   uint64_t len);

/* The chain's buffers the device reads (writable false) or writes
 * (writable true) as host iovecs, for readv/writev straight to or from
 * guest memory; returns how many (at most VIRTQ_MAX_CHAIN). */
unsigned virtq_chain_iov(const struct virtq *q, const struct virtq_chain *c, bool writable,
			 struct iovec *iov);

#endif
