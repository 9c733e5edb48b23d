/* Split virtqueue processing.  Ring layout (virtio 1.2 §2.7):
 *   desc:  size x {u64 addr, u32 len, u16 flags, u16 next}
 *   avail: u16 flags, u16 idx, u16 ring[size], u16 used_event
 *   used:  u16 flags, u16 idx, {u32 id, u32 len}[size], u16 avail_event */
#include "vmm/virtio/queue.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

static uint64_t avail_size(uint16_t size)
{
	return 6 + 2ull * size;
}

static uint64_t used_size(uint16_t size)
{
	return 6 + 8ull * size;
}

int virtq_validate(const struct virtq *q, struct error **err)
{
	if (q->size == 0 || q->size > VIRTQ_MAX_SIZE || (q->size & (q->size - 1)) != 0)
		return error_set_kind(err, EINVAL, "queue size %u is not a power of two up to %u",
				      q->size, VIRTQ_MAX_SIZE);
	if (q->desc_addr % 16 || q->avail_addr % 2 || q->used_addr % 4)
		return error_set_kind(err, EINVAL, "misaligned ring addresses");
	if (guest_memory_ptr(q->mem, q->desc_addr, 16ull * q->size) == NULL ||
	    guest_memory_ptr(q->mem, q->avail_addr, avail_size(q->size)) == NULL ||
	    guest_memory_ptr(q->mem, q->used_addr, used_size(q->size)) == NULL)
		return error_set_kind(err, EFAULT, "ring outside guest memory");
	return 0;
}

void virtq_reset(struct virtq *q)
{
	struct guest_memory *mem = q->mem;
	*q = (struct virtq){.mem = mem};
}

static uint16_t *avail_idx(const struct virtq *q)
{
	return guest_memory_ptr(q->mem, q->avail_addr + 2, 2);
}

static uint16_t avail_entry(const struct virtq *q, uint16_t i)
{
	uint16_t *ring = guest_memory_ptr(q->mem, q->avail_addr + 4, 2ull * q->size);
	return __atomic_load_n(&ring[i % q->size], __ATOMIC_RELAXED);
}

/* Reads descriptor i of a table of n at table_addr (already checked). */
static struct vring_desc read_desc(const struct virtq *q, uint64_t table_addr, uint16_t i)
{
	struct vring_desc d;
	memcpy(&d, guest_memory_ptr(q->mem, table_addr + 16ull * i, 16), 16);
	return d;
}

static int add_buf(const struct virtq *q, struct virtq_chain *c, const struct vring_desc *d,
		   struct error **err)
{
	bool writable = d->flags & VRING_DESC_F_WRITE;
	if (c->count == VIRTQ_MAX_CHAIN)
		return error_set_kind(err, E2BIG, "chain %u: more than %d descriptors", c->head,
				      VIRTQ_MAX_CHAIN);
	if (guest_memory_ptr(q->mem, d->addr, d->len) == NULL)
		return error_set_kind(err, EFAULT,
				      "chain %u: buffer 0x%llx+%u outside guest memory", c->head,
				      (unsigned long long)d->addr, d->len);
	/* §2.7.4.2: device-readable buffers come before device-writable ones. */
	if (!writable && c->writable > 0)
		return error_set_kind(err, EINVAL, "chain %u: readable buffer after a writable one",
				      c->head);
	c->bufs[c->count++] = (struct virtq_buf){d->addr, d->len, writable};
	if (writable)
		c->writable += d->len;
	else
		c->readable += d->len;
	if (c->readable + c->writable > UINT32_MAX)
		return error_set_kind(err, EOVERFLOW, "chain %u: longer than 4 GiB", c->head);
	return 0;
}

static int walk_indirect(const struct virtq *q, struct virtq_chain *c, const struct vring_desc *d,
			 struct error **err)
{
	if (!q->indirect || (d->flags & VRING_DESC_F_NEXT))
		return error_set_kind(err, EINVAL, "chain %u: indirect descriptor not allowed here",
				      c->head);
	if (d->len == 0 || d->len % 16 != 0 || d->len / 16 > VIRTQ_MAX_CHAIN ||
	    guest_memory_ptr(q->mem, d->addr, d->len) == NULL)
		return error_set_kind(err, EFAULT, "chain %u: bad indirect table 0x%llx+%u",
				      c->head, (unsigned long long)d->addr, d->len);
	uint16_t n = (uint16_t)(d->len / 16);
	uint16_t i = 0;
	for (unsigned steps = 0;; steps++) {
		if (steps >= n)
			return error_set_kind(err, ELOOP, "chain %u: indirect table loops",
					      c->head);
		struct vring_desc in = read_desc(q, d->addr, i);
		if (in.flags & VRING_DESC_F_INDIRECT)
			return error_set_kind(err, EINVAL, "chain %u: nested indirect table",
					      c->head);
		if (add_buf(q, c, &in, err) < 0)
			return -1;
		if (!(in.flags & VRING_DESC_F_NEXT))
			return 0;
		if (in.next >= n)
			return error_set_kind(err, EINVAL, "chain %u: indirect next %u out of %u",
					      c->head, in.next, n);
		i = in.next;
	}
}

static int walk_chain(const struct virtq *q, struct virtq_chain *c, struct error **err)
{
	uint16_t i = c->head;
	for (unsigned steps = 0;; steps++) {
		if (steps >= q->size)
			return error_set_kind(err, ELOOP, "chain %u: descriptors loop", c->head);
		struct vring_desc d = read_desc(q, q->desc_addr, i);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (c->count > 0)
				return error_set_kind(err, EINVAL,
						      "chain %u: indirect descriptor after others",
						      c->head);
			return walk_indirect(q, c, &d, err);
		}
		if (add_buf(q, c, &d, err) < 0)
			return -1;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= q->size)
			return error_set_kind(err, EINVAL, "chain %u: next %u out of %u", c->head,
					      d.next, q->size);
		i = d.next;
	}
}

/* With event idx the driver kicks only when it makes entry avail_event
 * available: ask for the next one we have not seen, then look again so a
 * kick that raced with the update is not lost. */
static uint16_t pending_entries(struct virtq *q)
{
	uint16_t idx = __atomic_load_n(avail_idx(q), __ATOMIC_ACQUIRE);
	if (idx != q->last_avail || !q->event_idx)
		return (uint16_t)(idx - q->last_avail);
	uint8_t *used = guest_memory_ptr(q->mem, q->used_addr, used_size(q->size));
	__atomic_store_n((uint16_t *)(used + 4 + 8ull * q->size), q->last_avail, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	idx = __atomic_load_n(avail_idx(q), __ATOMIC_ACQUIRE);
	return (uint16_t)(idx - q->last_avail);
}

int virtq_pop(struct virtq *q, struct virtq_chain *c, struct error **err)
{
	if (!q->ready)
		return 0;
	uint16_t pending = pending_entries(q);
	uint16_t idx = (uint16_t)(q->last_avail + pending);
	if (pending == 0)
		return 0;
	if (pending > q->size) {
		error_set_kind(err, EIO, "avail index jumped from %u to %u (queue size %u)",
			       q->last_avail, idx, q->size);
		return -2;
	}
	c->head = avail_entry(q, q->last_avail);
	c->count = 0;
	c->readable = c->writable = 0;
	q->last_avail++;
	if (c->head >= q->size) {
		/* Nothing to give back: the driver never offered such a chain. */
		error_set_kind(err, EINVAL, "chain head %u out of %u", c->head, q->size);
		return -2;
	}
	return walk_chain(q, c, err) < 0 ? -1 : 1;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	struct vring_used_elem elem = {.id = head, .len = written};
	uint8_t *used = guest_memory_ptr(q->mem, q->used_addr, used_size(q->size));
	memcpy(used + 4 + 8ull * (q->used_idx % q->size), &elem, sizeof(elem));
	q->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
}

bool virtq_needs_interrupt(struct virtq *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint8_t *avail = guest_memory_ptr(q->mem, q->avail_addr, avail_size(q->size));
	if (!q->event_idx) {
		uint16_t flags = __atomic_load_n((uint16_t *)avail, __ATOMIC_RELAXED);
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	uint16_t event =
		__atomic_load_n((uint16_t *)(avail + 4 + 2ull * q->size), __ATOMIC_RELAXED);
	uint16_t old = q->signalled, now = q->used_idx;
	bool valid = q->signalled_valid;
	q->signalled = now;
	q->signalled_valid = true;
	/* §2.7.10: interrupt when used_event lies in (old, now]. */
	return !valid || (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static uint64_t chain_copy(const struct virtq *q, const struct virtq_chain *c, bool to_guest,
			   uint8_t *host, uint64_t len)
{
	uint64_t done = 0;
	for (unsigned i = 0; i < c->count && done < len; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable != to_guest)
			continue;
		uint64_t n = b->len < len - done ? b->len : len - done;
		uint8_t *guest = guest_memory_ptr(q->mem, b->addr, n);
		if (to_guest)
			memcpy(guest, host + done, n);
		else
			memcpy(host + done, guest, n);
		done += n;
	}
	return done;
}

uint64_t virtq_chain_read(const struct virtq *q, const struct virtq_chain *c, void *dst,
			  uint64_t len)
{
	return chain_copy(q, c, false, dst, len);
}

uint64_t virtq_chain_write(const struct virtq *q, const struct virtq_chain *c, const void *src,
			   uint64_t len)
{
	return chain_copy(q, c, true, (uint8_t *)src, len);
}

unsigned virtq_chain_iov(const struct virtq *q, const struct virtq_chain *c, bool writable,
			 struct iovec *iov)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->count; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable != writable || b->len == 0)
			continue;
		iov[n].iov_base = guest_memory_ptr(q->mem, b->addr, b->len);
		iov[n].iov_len = b->len;
		n++;
	}
	return n;
}
