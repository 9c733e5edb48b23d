/* Where things sit in guest physical memory (x86-64), chosen like other
 * small VMMs: boot structures in the first megabyte, the kernel at 1 MiB,
 * a hole below 4 GiB for device MMIO, RAM above 3 GiB moved past 4 GiB. */
#ifndef VRUN_VMM_LAYOUT_H
#define VRUN_VMM_LAYOUT_H

#define LAYOUT_GDT	   0x500ull
#define LAYOUT_IDT	   0x520ull
#define LAYOUT_ZERO_PAGE   0x7000ull
#define LAYOUT_BOOT_STACK  0x8ff0ull
#define LAYOUT_PML4	   0x9000ull
#define LAYOUT_PDPT	   0xa000ull
#define LAYOUT_PD	   0xb000ull /* four pages: 4 GiB in 2 MiB pages */
#define LAYOUT_CMDLINE	   0x20000ull
#define LAYOUT_CMDLINE_MAX 0x10000ull
#define LAYOUT_EBDA	   0x9fc00ull /* RAM below this; legacy area above */
#define LAYOUT_ACPI	   0xe0000ull /* RSDP and tables, reserved in e820 */
#define LAYOUT_ACPI_END	   0x100000ull
#define LAYOUT_KERNEL	   0x100000ull	  /* lowest load address; RAM from here */
#define LAYOUT_MMIO_HOLE   0xc0000000ull  /* 3 GiB: devices up to 4 GiB */
#define LAYOUT_VIRTIO_MMIO 0xd0000000ull  /* virtio-mmio devices, 4 KiB apart */
#define LAYOUT_VIRTIO_IRQ  5		  /* GSI of the first one, then 6, 7... */
#define LAYOUT_HIGH_RAM	   0x100000000ull /* RAM beyond the hole starts here */
/* virtio-fs DAX windows: above all RAM, from the next GiB, one after the
 * other (vm.c); KVM memory slots from LAYOUT_DAX_SLOT. */
#define LAYOUT_DAX_ALIGN (1ull << 30)
#define LAYOUT_DAX_SLOT	 2

#define LAYOUT_MIN_MEMORY (64ull << 20)
#define LAYOUT_MAX_MEMORY (64ull << 30)

#endif
