/* libFuzzer target: a hostile guest's virtqueue.  The input becomes the
 * first 64 KiB of guest memory (descriptor table, avail ring and buffers)
 * and the queue's settings; the device pops every chain, copies data both
 * ways and pushes it back.  Nothing may read or write outside guest memory,
 * loop forever or crash (ASan, UBSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/virtio/queue.h"

#define RAM (64u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM];
	static struct virtq_chain chain;
	static uint8_t scratch[8192];
	struct guest_memory mem;
	struct error *err = NULL;

	if (size < 4)
		return 0;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 4, size - 4 < RAM ? size - 4 : RAM);
	guest_memory_wrap(&mem, ram, RAM);
	struct virtq q = {
		.mem = &mem,
		.size = (uint16_t)(1u << (data[0] % 9)), /* 1 to 256 */
		.event_idx = data[1] & 1,
		.indirect = data[1] & 2,
		.desc_addr = 0,
		.avail_addr = (uint64_t)data[2] << 8,
		.used_addr = (uint64_t)data[3] << 8,
		.last_avail = (uint16_t)(data[1] >> 2),
	};
	if (virtq_validate(&q, &err) < 0) {
		error_release(&err);
		return 0;
	}
	q.ready = true;
	for (int rounds = 0; rounds < 512; rounds++) {
		int ret = virtq_pop(&q, &chain, &err);
		error_release(&err);
		if (ret == 0 || ret == -2)
			break;
		uint32_t written = 0;
		if (ret == 1) {
			virtq_chain_read(&q, &chain, scratch, sizeof(scratch));
			written = (uint32_t)virtq_chain_write(&q, &chain, scratch, sizeof(scratch));
		}
		virtq_push(&q, chain.head, written);
		virtq_needs_interrupt(&q);
	}
	return 0;
}
