/* The Linux x86 boot protocol for a 64-bit entry.  Every size and offset
 * in the image is checked before use: the kernel file is input too. */
#include "vmm/boot.h"

#include <asm/bootparam.h>
#include <errno.h>
#include <string.h>

#include "vmm/elf.h"
#include "vmm/layout.h"

#define SETUP_HEADER_OFFSET 0x1f1
#define BOOT_FLAG	    0xaa55
#define HDRS_MAGIC	    0x53726448 /* "HdrS" */
#define LOADER_UNDEFINED    0xff
#define PAGE_SIZE	    4096ull
#define E820_RAM	    1
#define E820_RESERVED	    2

static uint16_t read16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t read32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define HDR(field) (SETUP_HEADER_OFFSET + offsetof(struct setup_header, field))

int bzimage_parse(const uint8_t *image, size_t size, struct bzimage *out, struct error **err)
{
	memset(out, 0, sizeof(*out));
	if (size < SETUP_HEADER_OFFSET + sizeof(struct setup_header))
		return error_set_kind(err, ENOEXEC, "kernel: truncated (%zu bytes)", size);
	if (read16(image + HDR(boot_flag)) != BOOT_FLAG ||
	    read32(image + HDR(header)) != HDRS_MAGIC)
		return error_set_kind(err, ENOEXEC, "kernel: not a Linux bzImage (no HdrS header)");
	out->version = read16(image + HDR(version));
	if (out->version < BOOT_PROTOCOL_MIN)
		return error_set_kind(
			err, ENOEXEC,
			"kernel: boot protocol %u.%02u is too old (vrun needs 2.12 or "
			"later for the 64-bit entry)",
			out->version >> 8, out->version & 0xff);
	if (!(image[HDR(loadflags)] & LOADED_HIGH))
		return error_set_kind(err, ENOEXEC,
				      "kernel: a zImage that loads low, not a bzImage");
	if (!(read16(image + HDR(xloadflags)) & XLF_KERNEL_64))
		return error_set_kind(err, ENOEXEC, "kernel: has no 64-bit entry point");
	unsigned setup_sects = image[HDR(setup_sects)] != 0 ? image[HDR(setup_sects)] : 4;
	out->setup_size = (setup_sects + 1) * 512u;
	if (out->setup_size >= size)
		return error_set_kind(err, ENOEXEC,
				      "kernel: truncated (%zu bytes, setup takes %zu)", size,
				      out->setup_size);
	/* The byte at 0x201 is the jump over the header: its end. */
	out->header_end = 0x202 + image[0x201];
	if (out->header_end > SETUP_HEADER_OFFSET + sizeof(struct setup_header))
		out->header_end = SETUP_HEADER_OFFSET + sizeof(struct setup_header);
	out->image = image;
	out->image_size = size;
	out->initrd_addr_max = read32(image + HDR(initrd_addr_max));
	out->cmdline_size = read32(image + HDR(cmdline_size));
	out->init_size = read32(image + HDR(init_size));
	/* Load where the kernel prefers (2.10+): a relocatable kernel loaded
	 * lower would move itself there anyway. */
	memcpy(&out->load_addr, image + HDR(pref_address), sizeof(out->load_addr));
	if (out->load_addr < LAYOUT_KERNEL || out->load_addr >= LAYOUT_MMIO_HOLE ||
	    out->load_addr % PAGE_SIZE != 0)
		return error_set_kind(err, ENOEXEC, "kernel: unusable load address 0x%llx",
				      (unsigned long long)out->load_addr);
	return 0;
}

static void e820_add(struct boot_e820_entry *table, unsigned *n, unsigned capacity, uint64_t addr,
		     uint64_t size, uint32_t type)
{
	if (*n < capacity && size > 0)
		table[(*n)++] = (struct boot_e820_entry){.addr = addr, .size = size, .type = type};
}

unsigned boot_e820_fill(const struct guest_memory *mem, struct boot_e820_entry *table,
			unsigned capacity)
{
	unsigned n = 0;
	e820_add(table, &n, capacity, 0, LAYOUT_EBDA, E820_RAM);
	e820_add(table, &n, capacity, LAYOUT_ACPI, LAYOUT_ACPI_END - LAYOUT_ACPI, E820_RESERVED);
	e820_add(table, &n, capacity, LAYOUT_KERNEL, mem->low_size - LAYOUT_KERNEL, E820_RAM);
	e820_add(table, &n, capacity, LAYOUT_HIGH_RAM, mem->size - mem->low_size, E820_RAM);
	return n;
}

/* Identity map of the first 4 GiB in 2 MiB pages: the boot protocol wants
 * the kernel, zero page and command line mapped 1:1. */
static void write_page_tables(struct guest_memory *mem)
{
	uint64_t *pml4 = guest_memory_ptr(mem, LAYOUT_PML4, PAGE_SIZE);
	uint64_t *pdpt = guest_memory_ptr(mem, LAYOUT_PDPT, PAGE_SIZE);
	uint64_t *pd = guest_memory_ptr(mem, LAYOUT_PD, 4 * PAGE_SIZE);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = LAYOUT_PDPT | 0x3; /* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (LAYOUT_PD + i * PAGE_SIZE) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
}

/* What the loader needs to know of either kind of kernel. */
struct kernel_facts {
	uint64_t entry;
	uint64_t end; /* end of the kernel's working area */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
};

/* The highest page-aligned spot for the initrd below both the end of low
 * RAM and the kernel's limit, above the kernel's working area. */
static int place_initrd(const struct guest_memory *mem, const struct boot_setup *s,
			const struct kernel_facts *k, uint64_t *addr, struct error **err)
{
	uint64_t limit = (uint64_t)k->initrd_addr_max + 1;
	if (limit > mem->low_size)
		limit = mem->low_size;
	if (s->initrd_size > limit || ((limit - s->initrd_size) & ~(PAGE_SIZE - 1)) < k->end)
		return error_set_kind(err, ENOMEM,
				      "initrd: %zu MiB does not fit in guest memory (%llu MiB) "
				      "next to the kernel; give the VM more memory",
				      s->initrd_size >> 20, (unsigned long long)(mem->size >> 20));
	*addr = (limit - s->initrd_size) & ~(PAGE_SIZE - 1);
	return 0;
}

static int write_cmdline(struct guest_memory *mem, const struct boot_setup *s,
			 const struct kernel_facts *k, struct error **err)
{
	size_t len = strlen(s->cmdline);
	size_t max = k->cmdline_size;
	if (max > LAYOUT_CMDLINE_MAX - 1)
		max = LAYOUT_CMDLINE_MAX - 1;
	if (len > max)
		return error_set_kind(
			err, E2BIG, "kernel command line: %zu bytes, this kernel takes at most %zu",
			len, max);
	memcpy(guest_memory_ptr(mem, LAYOUT_CMDLINE, len + 1), s->cmdline, len + 1);
	return 0;
}

/* An ELF kernel has no setup header: give it the fields it reads. */
static void synthesize_header(struct setup_header *h, const struct kernel_facts *k)
{
	h->boot_flag = BOOT_FLAG;
	h->header = HDRS_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->kernel_alignment = 0x1000000;
	h->initrd_addr_max = k->initrd_addr_max;
	h->cmdline_size = k->cmdline_size;
}

static void write_zero_page(struct guest_memory *mem, const struct boot_setup *s,
			    const struct kernel_facts *k, uint64_t initrd_addr)
{
	struct boot_params *zp = guest_memory_ptr(mem, LAYOUT_ZERO_PAGE, sizeof(*zp));

	memset(zp, 0, sizeof(*zp));
	if (s->kernel != NULL)
		memcpy(&zp->hdr, s->kernel->image + SETUP_HEADER_OFFSET,
		       s->kernel->header_end - SETUP_HEADER_OFFSET);
	else
		synthesize_header(&zp->hdr, k);
	zp->hdr.type_of_loader = LOADER_UNDEFINED;
	zp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE;
	zp->hdr.ramdisk_image = (uint32_t)initrd_addr;
	zp->hdr.ramdisk_size = (uint32_t)s->initrd_size;
	zp->acpi_rsdp_addr = s->acpi_rsdp;
	zp->e820_entries = (uint8_t)boot_e820_fill(mem, zp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
}

static int load_kernel(struct guest_memory *mem, const struct boot_setup *s, struct kernel_facts *k,
		       struct error **err)
{
	if (s->elf != NULL) {
		*k = (struct kernel_facts){s->elf->entry, s->elf->end, 0x7fffffff, 2047};
		return elf_kernel_load(mem, s->elf, err);
	}
	const struct bzimage *b = s->kernel;
	size_t code_size = b->image_size - b->setup_size;
	uint64_t need = code_size > b->init_size ? code_size : b->init_size;
	*k = (struct kernel_facts){b->load_addr + 0x200, /* startup_64 */
				   b->load_addr + need, b->initrd_addr_max, b->cmdline_size};
	if (k->end > mem->low_size)
		return error_set_kind(err, ENOMEM,
				      "kernel: needs %llu MiB of guest memory; the VM has %llu MiB",
				      (unsigned long long)((k->end + (1 << 20) - 1) >> 20),
				      (unsigned long long)(mem->size >> 20));
	memcpy(guest_memory_ptr(mem, b->load_addr, code_size), b->image + b->setup_size, code_size);
	return 0;
}

int boot_load(struct guest_memory *mem, const struct boot_setup *s, struct boot_result *out,
	      struct error **err)
{
	struct kernel_facts k;
	if (load_kernel(mem, s, &k, err) < 0)
		return -1;
	out->initrd_addr = 0;
	if (s->initrd != NULL && s->initrd_size > 0) {
		if (place_initrd(mem, s, &k, &out->initrd_addr, err) < 0)
			return -1;
		memcpy(guest_memory_ptr(mem, out->initrd_addr, s->initrd_size), s->initrd,
		       s->initrd_size);
	}
	if (write_cmdline(mem, s, &k, err) < 0)
		return -1;
	write_zero_page(mem, s, &k, out->initrd_addr);
	write_page_tables(mem);
	out->entry = k.entry;
	out->zero_page = LAYOUT_ZERO_PAGE;
	return 0;
}
