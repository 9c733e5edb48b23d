/* ELF vmlinux kernels (the uncompressed kernel of a build tree): PT_LOAD
 * segments placed at their physical addresses, entered at e_entry, which
 * for x86-64 vmlinux is the physical address of startup_64. */
#ifndef VRUN_VMM_ELF_H
#define VRUN_VMM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "vmm/memory.h"

struct elf_kernel {
	const uint8_t *image;
	size_t size;
	uint64_t entry;
	uint64_t start; /* lowest physical address loaded */
	uint64_t end;	/* one past the highest */
};

bool elf_is_elf(const uint8_t *image, size_t size);

/* Checks the header and every PT_LOAD segment against the file. */
int elf_kernel_parse(const uint8_t *image, size_t size, struct elf_kernel *out, struct error **err);

/* Copies the segments into guest memory (zero-filling past p_filesz). */
int elf_kernel_load(struct guest_memory *mem, const struct elf_kernel *k, struct error **err);

#endif
