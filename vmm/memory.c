/* Guest RAM allocation and checked address translation. */
#include "vmm/memory.h"

#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/layout.h"

static void split(struct guest_memory *mem)
{
	mem->low_size = mem->size < LAYOUT_MMIO_HOLE ? mem->size : LAYOUT_MMIO_HOLE;
}

int guest_memory_create(struct guest_memory *mem, uint64_t size, struct error **err)
{
	*mem = (struct guest_memory){.memfd = -1};
	if (size < LAYOUT_MIN_MEMORY || size > LAYOUT_MAX_MEMORY)
		return error_set_kind(err, EINVAL,
				      "guest memory %llu MiB is outside %llu MiB to %llu GiB",
				      (unsigned long long)(size >> 20), LAYOUT_MIN_MEMORY >> 20,
				      LAYOUT_MAX_MEMORY >> 30);
	if (size % 4096 != 0)
		return error_set_kind(err, EINVAL, "guest memory must be whole pages");
	int fd = memfd_create("vrun-guest-ram", MFD_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "memfd_create for guest memory");
	if (ftruncate(fd, (off_t)size) < 0) {
		int saved = errno;
		close(fd);
		return error_set(err, saved, "size guest memory to %llu MiB",
				 (unsigned long long)(size >> 20));
	}
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (host == MAP_FAILED) {
		int saved = errno;
		close(fd);
		return error_set(err, saved, "map guest memory");
	}
	mem->host = host;
	mem->size = size;
	mem->memfd = fd;
	split(mem);
	return 0;
}

void guest_memory_wrap(struct guest_memory *mem, void *buf, uint64_t size)
{
	*mem = (struct guest_memory){.host = buf, .size = size, .memfd = -1};
	split(mem);
}

void guest_memory_destroy(struct guest_memory *mem)
{
	if (mem->memfd >= 0) {
		munmap(mem->host, mem->size);
		close(mem->memfd);
	}
	*mem = (struct guest_memory){.memfd = -1};
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
