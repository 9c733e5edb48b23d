/* Loading Linux: the x86 boot protocol (Documentation/arch/x86/boot.rst)
 * for bzImage, the zero page with its e820 map, the command line and the
 * initrd, and the page tables and registers for the 64-bit entry. */
#ifndef VRUN_VMM_BOOT_H
#define VRUN_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "vmm/memory.h"

/* The oldest boot protocol with a 64-bit entry point (xloadflags). */
#define BOOT_PROTOCOL_MIN 0x020c

struct bzimage {
	const uint8_t *image; /* the whole file */
	size_t image_size;
	size_t setup_size;	  /* real-mode part: (setup_sects + 1) * 512 */
	size_t header_end;	  /* end of the setup header in the file */
	uint16_t version;	  /* boot protocol, 0x020f = 2.15 */
	uint32_t initrd_addr_max; /* highest byte an initrd may occupy */
	uint32_t cmdline_size;	  /* longest command line, without the NUL */
	uint32_t init_size;	  /* memory the kernel needs from its load address */
	uint64_t load_addr;	  /* where the protected-mode code goes (pref_address) */
};

/* Checks the setup header: size, magic, protocol version, 64-bit entry. */
int bzimage_parse(const uint8_t *image, size_t size, struct bzimage *out, struct error **err);

struct elf_kernel;

struct boot_setup {
	const struct bzimage *kernel; /* a bzImage, or */
	const struct elf_kernel *elf; /* an ELF vmlinux */
	const uint8_t *initrd;	      /* NULL for none */
	size_t initrd_size;
	const char *cmdline;
	uint64_t acpi_rsdp; /* 0 when there are no ACPI tables */
};

/* Where the loader put things, for the vCPU registers and the log. */
struct boot_result {
	uint64_t entry;	    /* 64-bit entry point */
	uint64_t zero_page; /* passed in rsi */
	uint64_t initrd_addr;
};

/* Copies the kernel, initrd and command line into guest memory and writes
 * the zero page (with the e820 map) and identity page tables.  For an ELF
 * kernel, which has no setup header, the zero page gets a minimal one. */
int boot_load(struct guest_memory *mem, const struct boot_setup *setup, struct boot_result *out,
	      struct error **err);

/* The e820 map for this memory size; returns the number of entries. */
struct boot_e820_entry;
unsigned boot_e820_fill(const struct guest_memory *mem, struct boot_e820_entry *table,
			unsigned capacity);

#endif
