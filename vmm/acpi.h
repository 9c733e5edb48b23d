/* ACPI tables for a hardware-reduced microVM (ACPI 6.5 §5.2): RSDP, XSDT,
 * FADT, MADT (one local APIC per vCPU, one I/O APIC) and a DSDT that
 * describes each virtio-mmio device.  Debian's kernels find virtio-mmio
 * devices only this way. */
#ifndef VRUN_VMM_ACPI_H
#define VRUN_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "vmm/memory.h"

struct acpi_mmio_device {
	uint32_t base;
	uint32_t size;
	uint32_t irq;
};

struct acpi_config {
	unsigned vcpus;
	uint16_t com1_port; /* 0: no serial port described */
	uint32_t com1_irq;
	const struct acpi_mmio_device *devices;
	size_t nr_devices;
};

#define ACPI_IOAPIC_ADDR 0xfec00000u
#define ACPI_LAPIC_ADDR	 0xfee00000u

/* Writes the tables into the reserved area at LAYOUT_ACPI and returns the
 * RSDP's address. */
int acpi_build(struct guest_memory *mem, const struct acpi_config *config, uint64_t *rsdp,
	       struct error **err);

/* A table's bytes sum to zero (mod 256) when its checksum is right. */
uint8_t acpi_checksum(const void *data, size_t len);

#endif
