/* The boot protocol: bzImage header checks, the e820 map, where the kernel,
 * command line and initrd land, and the zero page the kernel reads. */
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "vmm/boot.h"
#include "vmm/elf.h"
#include "vmm/layout.h"
#include "vmm/memory.h"

#define IMAGE_SIZE (64 * 1024)
#define MiB	   (1ull << 20)

/* A synthetic bzImage: a setup header like a 6.1 kernel's, code bytes
 * counting up so that their placement can be checked. */
static uint8_t *fake_bzimage(uint16_t version, uint16_t xloadflags)
{
	uint8_t *img = calloc(1, IMAGE_SIZE);
	struct setup_header h = {0};
	assert_non_null(img);
	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.jump = 0x6aeb; /* jmp over a header ending at 0x202 + 0x6a */
	h.header = 0x53726448;
	h.version = version;
	h.loadflags = LOADED_HIGH;
	h.initrd_addr_max = 0x7fffffff;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = xloadflags;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = 8 << 20;
	memcpy(img + 0x1f1, &h, sizeof(h));
	for (size_t i = 5 * 512; i < IMAGE_SIZE; i++)
		img[i] = (uint8_t)i;
	return img;
}

static int parse(const uint8_t *img, size_t size, struct bzimage *k, const char *want_error)
{
	struct error *err = NULL;
	int ret = bzimage_parse(img, size, k, &err);
	if (want_error == NULL) {
		if (ret < 0)
			fail_msg("%s", err->msg);
		return ret;
	}
	assert_int_equal(ret, -1);
	assert_int_equal(err->errnum, ENOEXEC);
	if (strcmp(err->msg, want_error) != 0)
		fail_msg("got \"%s\", expected \"%s\"", err->msg, want_error);
	error_release(&err);
	return ret;
}

static void test_bzimage_valid(void **state)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct bzimage k;
	parse(img, IMAGE_SIZE, &k, NULL);
	assert_int_equal(k.version, 0x020f);
	assert_int_equal(k.setup_size, 5 * 512);
	assert_int_equal(k.header_end, 0x26c);
	assert_int_equal(k.cmdline_size, 2047);
	assert_int_equal(k.init_size, 8 << 20);
	assert_int_equal(k.load_addr, 0x1000000);
	/* setup_sects 0 means 4. */
	img[0x1f1] = 0;
	parse(img, IMAGE_SIZE, &k, NULL);
	assert_int_equal(k.setup_size, 5 * 512);
	free(img);
}

static void test_bzimage_bad(void **state)
{
	uint8_t *img = fake_bzimage(0x020f, XLF_KERNEL_64);
	struct bzimage k;

	parse(img, 0x200, &k, "kernel: truncated (512 bytes)");
	parse(img, 5 * 512, &k, "kernel: truncated (2560 bytes, setup takes 2560)");
	img[0x1f1] = 200;
	parse(img, 4096, &k, "kernel: truncated (4096 bytes, setup takes 102912)");
	img[0x1f1] = 4;
	img[0x202] = 'X';
	parse(img, IMAGE_SIZE, &k, "kernel: not a Linux bzImage (no HdrS header)");
	free(img);

	img = fake_bzimage(0x020f, XLF_KERNEL_64);
	img[0x1fe] = 0;
	parse(img, IMAGE_SIZE, &k, "kernel: not a Linux bzImage (no HdrS header)");
	free(img);

	img = fake_bzimage(0x020a, XLF_KERNEL_64);
	parse(img, IMAGE_SIZE, &k,
	      "kernel: boot protocol 2.10 is too old (vrun needs 2.12 or later for the 64-bit "
	      "entry)");
	free(img);

	img = fake_bzimage(0x020f, 0);
	parse(img, IMAGE_SIZE, &k, "kernel: has no 64-bit entry point");
	free(img);

	img = fake_bzimage(0x020f, XLF_KERNEL_64);
	img[0x1f1 + offsetof(struct setup_header, loadflags)] = 0;
	parse(img, IMAGE_SIZE, &k, "kernel: a zImage that loads low, not a bzImage");
	free(img);

	img = fake_bzimage(0x020f, XLF_KERNEL_64);
	memset(img + 0x1f1 + offsetof(struct setup_header, pref_address), 0xff, 8);
	parse(img, IMAGE_SIZE, &k, "kernel: unusable load address 0xffffffffffffffff");
	free(img);

	/* Random bytes are not a kernel. */
	uint8_t noise[4096];
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(i * 7 + 3);
	parse(noise, sizeof(noise), &k, "kernel: not a Linux bzImage (no HdrS header)");
}

static void test_e820(void **state)
{
	struct guest_memory mem;
	struct boot_e820_entry e[8];

	guest_memory_wrap(&mem, NULL, 256 * MiB);
	assert_int_equal(boot_e820_fill(&mem, e, 8), 3);
	assert_true(e[0].addr == 0 && e[0].size == 0x9fc00 && e[0].type == 1);
	assert_true(e[1].addr == 0xe0000 && e[1].size == 0x20000 && e[1].type == 2);
	assert_true(e[2].addr == 0x100000 && e[2].size == 256 * MiB - 0x100000 && e[2].type == 1);

	/* 4 GiB: 3 GiB below the MMIO hole, the last GiB moved to 4 GiB. */
	guest_memory_wrap(&mem, NULL, 4096 * MiB);
	assert_int_equal(boot_e820_fill(&mem, e, 8), 4);
	assert_true(e[2].size == 3072 * MiB - 0x100000);
	assert_true(e[3].addr == 0x100000000ull && e[3].size == 1024 * MiB && e[3].type == 1);
	/* The table never overflows its capacity. */
	assert_int_equal(boot_e820_fill(&mem, e, 2), 2);
}

/* Offsets into a wrapped memory that is never dereferenced. */
static uintptr_t offset_of(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	void *p = guest_memory_ptr(mem, gpa, len);
	return p == NULL ? UINTPTR_MAX : (uintptr_t)p - (uintptr_t)mem->host;
}

static void test_memory_ptr(void **state)
{
	struct guest_memory mem;
	guest_memory_wrap(&mem, (void *)(uintptr_t)0x10000, 4096 * MiB);
	assert_int_equal(offset_of(&mem, 0, 16), 0);
	assert_int_equal(offset_of(&mem, 3072 * MiB - 16, 16), 3072 * MiB - 16);
	assert_int_equal(offset_of(&mem, 3072 * MiB - 16, 17), UINTPTR_MAX); /* into the hole */
	assert_int_equal(offset_of(&mem, 3072 * MiB, 1), UINTPTR_MAX);
	assert_int_equal(offset_of(&mem, 0x100000000ull, 8), 3072 * MiB);
	assert_int_equal(offset_of(&mem, 0x100000000ull + 1024 * MiB - 8, 8), 4096 * MiB - 8);
	assert_int_equal(offset_of(&mem, 0x100000000ull + 1024 * MiB - 4, 8), UINTPTR_MAX);
	assert_int_equal(offset_of(&mem, UINT64_MAX - 4, 8), UINTPTR_MAX); /* wraps */
}

struct loaded {
	struct guest_memory mem;
	uint8_t *ram;
	uint8_t *img;
	struct bzimage kernel;
	struct boot_result result;
};

static int load(struct loaded *l, uint64_t ram, size_t initrd_size, const char *cmdline,
		struct error **err)
{
	static uint8_t initrd[64 << 20];
	memset(initrd, 0xab, initrd_size < 16 ? initrd_size : 16);
	l->ram = calloc(1, ram);
	assert_non_null(l->ram);
	guest_memory_wrap(&l->mem, l->ram, ram);
	l->img = fake_bzimage(0x020f, XLF_KERNEL_64);
	parse(l->img, IMAGE_SIZE, &l->kernel, NULL);
	struct boot_setup setup = {
		.kernel = &l->kernel,
		.initrd = initrd_size > 0 ? initrd : NULL,
		.initrd_size = initrd_size,
		.cmdline = cmdline,
		.acpi_rsdp = 0xe0000,
	};
	return boot_load(&l->mem, &setup, &l->result, err);
}

static void unload(struct loaded *l)
{
	free(l->ram);
	free(l->img);
}

static void test_load(void **state)
{
	struct loaded l;
	struct error *err = NULL;
	assert_int_equal(load(&l, 128 * MiB, 5 * MiB + 123, "console=ttyS0 quiet", &err), 0);

	assert_int_equal(l.result.entry, 0x1000200);
	assert_int_equal(l.result.zero_page, LAYOUT_ZERO_PAGE);
	/* The code after the setup sectors, at the preferred address. */
	assert_memory_equal(l.ram + 0x1000000, l.img + 5 * 512, IMAGE_SIZE - 5 * 512);
	/* The initrd at the top of RAM, page aligned. */
	assert_int_equal(l.result.initrd_addr, (128 * MiB - (5 * MiB + 123)) & ~4095ull);
	assert_int_equal(l.ram[l.result.initrd_addr], 0xab);
	assert_string_equal((char *)l.ram + LAYOUT_CMDLINE, "console=ttyS0 quiet");

	struct boot_params *zp = (struct boot_params *)(l.ram + LAYOUT_ZERO_PAGE);
	assert_int_equal(zp->hdr.boot_flag, 0xaa55);
	assert_int_equal(zp->hdr.version, 0x020f);
	assert_int_equal(zp->hdr.type_of_loader, 0xff);
	assert_int_equal(zp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	assert_int_equal(zp->hdr.ramdisk_image, l.result.initrd_addr);
	assert_int_equal(zp->hdr.ramdisk_size, 5 * MiB + 123);
	assert_int_equal(zp->acpi_rsdp_addr, 0xe0000);
	assert_int_equal(zp->e820_entries, 3);
	assert_true(zp->e820_table[2].size == 127 * MiB);

	/* Page tables: identity map of 4 GiB in 2 MiB pages. */
	uint64_t *pml4 = (uint64_t *)(l.ram + LAYOUT_PML4);
	uint64_t *pd = (uint64_t *)(l.ram + LAYOUT_PD);
	assert_true(pml4[0] == (LAYOUT_PDPT | 3));
	assert_true(pd[0] == 0x83);
	assert_true(pd[8] == ((8ull << 21) | 0x83));
	assert_true(pd[2047] == ((2047ull << 21) | 0x83));
	unload(&l);
}

static void test_load_errors(void **state)
{
	struct loaded l;
	struct error *err = NULL;

	/* The initrd cannot overlap the kernel's 8 MiB working area at 16 MiB. */
	assert_int_equal(load(&l, 64 * MiB, 41 * MiB, "", &err), -1);
	assert_int_equal(err->errnum, ENOMEM);
	assert_string_equal(err->msg, "initrd: 41 MiB does not fit in guest memory (64 MiB) next "
				      "to the kernel; give the VM more memory");
	error_release(&err);
	unload(&l);

	assert_int_equal(load(&l, 20 * MiB, 0, "", &err), -1);
	assert_string_equal(err->msg, "kernel: needs 24 MiB of guest memory; the VM has 20 MiB");
	error_release(&err);
	unload(&l);

	static char long_cmdline[4096];
	memset(long_cmdline, 'x', 2048);
	assert_int_equal(load(&l, 64 * MiB, 0, long_cmdline, &err), -1);
	assert_int_equal(err->errnum, E2BIG);
	assert_string_equal(err->msg,
			    "kernel command line: 2048 bytes, this kernel takes at most 2047");
	error_release(&err);
	unload(&l);
}

static void test_memory_limits(void **state)
{
	struct guest_memory mem;
	struct error *err = NULL;
	assert_int_equal(guest_memory_create(&mem, 16 * MiB, &err), -1);
	assert_string_equal(err->msg, "guest memory 16 MiB is outside 64 MiB to 64 GiB");
	error_release(&err);
	assert_int_equal(guest_memory_create(&mem, 128 * MiB, &err), 0);
	/* Untouched guest memory costs nothing; it reads as zeros. */
	uint8_t *p = guest_memory_ptr(&mem, 100 * MiB, 4096);
	assert_non_null(p);
	assert_int_equal(p[0], 0);
	p[0] = 1;
	/* 2 MiB aligned, so that KVM can map the host's huge pages whole. */
	assert_int_equal((uintptr_t)mem.host % (2 * MiB), 0);
	guest_memory_destroy(&mem);
}

/* map_huge_aligned: the start 2 MiB aligned, the whole size usable, and
 * the rest of the larger mapping it was carved from unmapped after it
 * (the page before it may belong to another mapping). */
static void test_map_huge_aligned(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++) {
		size_t size = 6 * MiB + (size_t)i * 4096;
		uint8_t *p = map_huge_aligned(size, PROT_READ | PROT_WRITE);
		assert_ptr_not_equal(p, MAP_FAILED);
		assert_int_equal((uintptr_t)p % (2 * MiB), 0);
		p[0] = 1;
		p[size - 1] = 2;
		unsigned char vec;
		/* mincore fails with ENOMEM on an unmapped page. */
		assert_int_equal(mincore(p + size, 4096, &vec), -1);
		assert_int_equal(errno, ENOMEM);
		assert_int_equal(mincore(p, 4096, &vec), 0);
		munmap(p, size);
	}
}

/* A synthetic vmlinux: two PT_LOAD segments (the second with .bss past
 * its file bytes) and a note, entry in the first. */
#define ELF_SIZE 8192
static uint8_t *fake_vmlinux(void)
{
	uint8_t *img = calloc(1, ELF_SIZE);
	Elf64_Ehdr eh = {.e_type = ET_EXEC,
			 .e_machine = EM_X86_64,
			 .e_version = EV_CURRENT,
			 .e_entry = 0x1000100,
			 .e_phoff = sizeof(Elf64_Ehdr),
			 .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr),
			 .e_phnum = 3};
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	Elf64_Phdr ph[3] = {
		{.p_type = PT_LOAD,
		 .p_offset = 0x1000,
		 .p_paddr = 0x1000000,
		 .p_filesz = 0x800,
		 .p_memsz = 0x800},
		{.p_type = PT_NOTE, .p_offset = 0x100, .p_filesz = 16, .p_memsz = 16},
		{.p_type = PT_LOAD,
		 .p_offset = 0x1800,
		 .p_paddr = 0x1200000,
		 .p_filesz = 0x100,
		 .p_memsz = 0x3000},
	};
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	memset(img + 0x1000, 0xc3, 0x800);
	memset(img + 0x1800, 0x5a, 0x100);
	return img;
}

static Elf64_Phdr *elf_phdr(uint8_t *img, unsigned i)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

static void elf_bad(uint8_t *img, size_t size, const char *want)
{
	struct elf_kernel k;
	struct error *err = NULL;
	assert_int_equal(elf_kernel_parse(img, size, &k, &err), -1);
	if (strcmp(err->msg, want) != 0)
		fail_msg("got \"%s\", expected \"%s\"", err->msg, want);
	error_release(&err);
}

static void test_elf_parse(void **state)
{
	struct elf_kernel k;
	struct error *err = NULL;
	uint8_t *img = fake_vmlinux();
	assert_int_equal(elf_kernel_parse(img, ELF_SIZE, &k, &err), 0);
	assert_int_equal(k.entry, 0x1000100);
	assert_int_equal(k.start, 0x1000000);
	assert_int_equal(k.end, 0x1203000);

	elf_bad(img, 40, "kernel: not an ELF file");
	img[EI_CLASS] = ELFCLASS32;
	elf_bad(img, ELF_SIZE, "kernel: not an x86-64 ELF executable");
	img[EI_CLASS] = ELFCLASS64;
	((Elf64_Ehdr *)img)->e_phoff = ELF_SIZE - 8;
	elf_bad(img, ELF_SIZE, "kernel: ELF program headers outside the file");
	((Elf64_Ehdr *)img)->e_phoff = sizeof(Elf64_Ehdr);
	elf_phdr(img, 2)->p_offset = ELF_SIZE - 0x10;
	elf_bad(img, ELF_SIZE, "kernel: ELF segment 2 outside the file");
	elf_phdr(img, 2)->p_offset = 0x1800;
	elf_phdr(img, 2)->p_filesz = 0x4000;
	elf_bad(img, ELF_SIZE, "kernel: ELF segment 2 outside the file");
	elf_phdr(img, 2)->p_filesz = 0x100;
	elf_phdr(img, 0)->p_paddr = 0x1000;
	elf_bad(img, ELF_SIZE, "kernel: ELF segment 0 at 0x1000 is not loadable");
	elf_phdr(img, 0)->p_paddr = 0x1000000;
	((Elf64_Ehdr *)img)->e_entry = 0xffffffff81000000ull;
	elf_bad(img, ELF_SIZE, "kernel: ELF entry 0xffffffff81000000 is outside its segments");
	free(img);
}

static void test_elf_boot(void **state)
{
	struct guest_memory mem;
	struct elf_kernel k;
	struct boot_result r;
	struct error *err = NULL;
	static uint8_t initrd[4096] = {0x77};
	uint8_t *img = fake_vmlinux();
	uint8_t *ram = calloc(1, 64 * MiB);
	memset(ram + 0x1200000, 0xee, 0x3000); /* must be zeroed past the file bytes */
	guest_memory_wrap(&mem, ram, 64 * MiB);
	assert_int_equal(elf_kernel_parse(img, ELF_SIZE, &k, &err), 0);
	struct boot_setup setup = {.elf = &k,
				   .initrd = initrd,
				   .initrd_size = sizeof(initrd),
				   .cmdline = "console=ttyS0"};
	if (boot_load(&mem, &setup, &r, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(r.entry, 0x1000100);
	assert_int_equal(ram[0x1000000], 0xc3);
	assert_int_equal(ram[0x1200000], 0x5a);
	assert_int_equal(ram[0x1200100], 0);
	assert_int_equal(ram[0x1202fff], 0);
	assert_int_equal(r.initrd_addr, 64 * MiB - 4096);
	struct boot_params *zp = (struct boot_params *)(ram + LAYOUT_ZERO_PAGE);
	assert_int_equal(zp->hdr.boot_flag, 0xaa55);
	assert_int_equal(zp->hdr.header, 0x53726448);
	assert_int_equal(zp->hdr.type_of_loader, 0xff);
	assert_int_equal(zp->hdr.kernel_alignment, 0x1000000);
	assert_int_equal(zp->hdr.cmd_line_ptr, LAYOUT_CMDLINE);
	assert_int_equal(zp->hdr.ramdisk_size, 4096);
	free(ram);

	/* Too little memory for the segments. */
	ram = calloc(1, 64 * MiB);
	guest_memory_wrap(&mem, ram, 18 * MiB);
	assert_int_equal(boot_load(&mem, &setup, &r, &err), -1);
	assert_string_equal(err->msg, "kernel: needs 19 MiB of guest memory; the VM has 18 MiB");
	error_release(&err);
	free(ram);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bzimage_valid), cmocka_unit_test(test_bzimage_bad),
		cmocka_unit_test(test_e820),	      cmocka_unit_test(test_memory_ptr),
		cmocka_unit_test(test_load),	      cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_memory_limits), cmocka_unit_test(test_map_huge_aligned),
		cmocka_unit_test(test_elf_parse),     cmocka_unit_test(test_elf_boot),
	};
	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
