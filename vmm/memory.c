/* Guest RAM allocation and checked address translation. */
#include "vmm/memory.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vmm/layout.h"

static void split(struct guest_memory *mem)
{
	mem->low_size = mem->size < LAYOUT_MMIO_HOLE ? mem->size : LAYOUT_MMIO_HOLE;
}

#define HUGE_PAGE (2ull << 20)

void *map_huge_aligned(size_t size, int prot)
{
	size_t span = size + HUGE_PAGE;
	if (span < size) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	uint8_t *p = mmap(NULL, span, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	size_t head = start - (uintptr_t)p;
	if (head > 0)
		munmap(p, head);
	munmap((uint8_t *)start + size, span - head - size);
	return (void *)start;
}

int guest_memory_create(struct guest_memory *mem, uint64_t size, struct error **err)
{
	*mem = (struct guest_memory){0};
	if (size < LAYOUT_MIN_MEMORY || size > LAYOUT_MAX_MEMORY)
		return error_set_kind(err, EINVAL,
				      "guest memory %llu MiB is outside %llu MiB to %llu GiB",
				      (unsigned long long)(size >> 20), LAYOUT_MIN_MEMORY >> 20,
				      LAYOUT_MAX_MEMORY >> 30);
	if (size % 4096 != 0)
		return error_set_kind(err, EINVAL, "guest memory must be whole pages");
	void *host = map_huge_aligned(size, PROT_READ | PROT_WRITE);
	if (host == MAP_FAILED)
		return error_set(err, errno, "map %llu MiB of guest memory",
				 (unsigned long long)(size >> 20));
	/* Huge pages where the host allows them: a 2 MiB page is one fault
	 * and, the mapping being aligned, one second-level mapping instead
	 * of 512 (the guest's boot touches some 80 MiB).  Not in a child: a
	 * fork would make every page copy-on-write under KVM's feet.  Both
	 * are hints, and so is the name, which /proc/PID/smaps shows (Linux
	 * 5.17 and later). */
	madvise(host, size, MADV_HUGEPAGE);
	madvise(host, size, MADV_DONTFORK);
	prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, host, size, GUEST_MEMORY_NAME);
	mem->host = host;
	mem->size = size;
	mem->owned = true;
	split(mem);
	return 0;
}

void guest_memory_wrap(struct guest_memory *mem, void *buf, uint64_t size)
{
	*mem = (struct guest_memory){.host = buf, .size = size};
	split(mem);
}

void guest_memory_destroy(struct guest_memory *mem)
{
	if (mem->owned)
		munmap(mem->host, mem->size);
	*mem = (struct guest_memory){0};
}

void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	if (end < gpa)
		return NULL;
	if (end <= mem->low_size)
		return mem->host + gpa;
	uint64_t high_size = mem->size - mem->low_size;
	if (gpa >= LAYOUT_HIGH_RAM && end - LAYOUT_HIGH_RAM <= high_size)
		return mem->host + mem->low_size + (gpa - LAYOUT_HIGH_RAM);
	return NULL;
}
