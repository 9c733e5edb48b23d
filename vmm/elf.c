/* ELF64 vmlinux loading; every offset and size from the file is checked. */
#include "vmm/elf.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "vmm/layout.h"

bool elf_is_elf(const uint8_t *image, size_t size)
{
	return size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0;
}

static const Elf64_Phdr *phdr(const struct elf_kernel *k, const Elf64_Ehdr *eh, unsigned i)
{
	return (const Elf64_Phdr *)(k->image + eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr));
}

int elf_kernel_parse(const uint8_t *image, size_t size, struct elf_kernel *k, struct error **err)
{
	Elf64_Ehdr eh;
	*k = (struct elf_kernel){.image = image, .size = size, .start = UINT64_MAX};
	if (size < sizeof(eh) || !elf_is_elf(image, size))
		return error_set_kind(err, ENOEXEC, "kernel: not an ELF file");
	memcpy(&eh, image, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC)
		return error_set_kind(err, ENOEXEC, "kernel: not an x86-64 ELF executable");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > size ||
	    (size - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		return error_set_kind(err, ENOEXEC, "kernel: ELF program headers outside the file");
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, phdr(k, &eh, i), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset ||
		    ph.p_filesz > ph.p_memsz)
			return error_set_kind(err, ENOEXEC,
					      "kernel: ELF segment %u outside the file", i);
		if (ph.p_paddr < LAYOUT_KERNEL || ph.p_memsz > LAYOUT_MMIO_HOLE ||
		    ph.p_paddr > LAYOUT_MMIO_HOLE - ph.p_memsz)
			return error_set_kind(err, ENOEXEC,
					      "kernel: ELF segment %u at 0x%llx is not loadable", i,
					      (unsigned long long)ph.p_paddr);
		if (ph.p_paddr < k->start)
			k->start = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > k->end)
			k->end = ph.p_paddr + ph.p_memsz;
	}
	if (k->end == 0)
		return error_set_kind(err, ENOEXEC, "kernel: ELF file has nothing to load");
	if (eh.e_entry < k->start || eh.e_entry >= k->end)
		return error_set_kind(err, ENOEXEC,
				      "kernel: ELF entry 0x%llx is outside its segments",
				      (unsigned long long)eh.e_entry);
	k->entry = eh.e_entry;
	return 0;
}

int elf_kernel_load(struct guest_memory *mem, const struct elf_kernel *k, struct error **err)
{
	Elf64_Ehdr eh;
	memcpy(&eh, k->image, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, phdr(k, &eh, i), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		uint8_t *dst = guest_memory_ptr(mem, ph.p_paddr, ph.p_memsz);
		if (dst == NULL)
			return error_set_kind(
				err, ENOMEM,
				"kernel: needs %llu MiB of guest memory; the VM has %llu MiB",
				(unsigned long long)((k->end + (1 << 20) - 1) >> 20),
				(unsigned long long)(mem->size >> 20));
		memcpy(dst, k->image + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}
