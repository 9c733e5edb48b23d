/* Guest RAM: one private anonymous mapping with MAP_NORESERVE (untouched
 * pages cost nothing; huge pages where the host allows), named
 * GUEST_MEMORY_NAME in /proc/PID/smaps, seen by the guest as [0, 3 GiB)
 * plus, for larger VMs, the rest at 4 GiB.  guest_memory_ptr() is the only
 * way to reach guest memory from the host, and it checks every range. */
#ifndef VRUN_VMM_MEMORY_H
#define VRUN_VMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* smaps: "[anon:vrun-guest-ram]" */
#define GUEST_MEMORY_NAME "vrun-guest-ram"

struct guest_memory {
	uint8_t *host;	   /* all RAM, contiguous on the host side */
	uint64_t size;	   /* bytes of RAM */
	uint64_t low_size; /* RAM at [0, low_size); the rest at LAYOUT_HIGH_RAM */
	bool owned;	   /* false for wrapped buffers */
};

/* An anonymous private MAP_NORESERVE mapping of SIZE bytes whose start is
 * 2 MiB aligned, or MAP_FAILED (errno set).  KVM maps a guest's 2 MiB
 * page with one second-level entry only when the host address and the
 * guest address agree modulo 2 MiB; Linux before 6.7 aligns no anonymous
 * mapping that way by itself. */
void *map_huge_aligned(size_t size, int prot);

int guest_memory_create(struct guest_memory *mem, uint64_t size, struct error **err);
/* Wraps an existing buffer (tests): not unmapped by destroy. */
void guest_memory_wrap(struct guest_memory *mem, void *buf, uint64_t size);
void guest_memory_destroy(struct guest_memory *mem);

/* Host address of guest range [gpa, gpa + len), or NULL when any byte of
 * it is not RAM (or the range wraps around). */
void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* The end of RAM below the MMIO hole. */
static inline uint64_t guest_memory_low_end(const struct guest_memory *mem)
{
	return mem->low_size;
}

#endif
