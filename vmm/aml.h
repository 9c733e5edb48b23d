/* A small writer of ACPI Machine Language (ACPI 6.5 §20): just what the
 * DSDT of a microVM needs, a scope of devices with names, integers,
 * strings and resource templates. */
#ifndef VRUN_VMM_AML_H
#define VRUN_VMM_AML_H

#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *data;
	size_t len;
	size_t cap;
};

void aml_free(struct aml *a);
void aml_bytes(struct aml *a, const void *bytes, size_t len);

/* Name (NAME, VALUE) for the three kinds of values the DSDT uses. */
void aml_name_integer(struct aml *a, const char name[4], uint64_t value);
void aml_name_string(struct aml *a, const char name[4], const char *value);
void aml_name_buffer(struct aml *a, const char name[4], const struct aml *contents);

/* Wraps body as Device (NAME) { body } or Scope (\NAME) { body }. */
void aml_device(struct aml *a, const char name[4], const struct aml *body);
void aml_scope_root(struct aml *a, const char name[4], const struct aml *body);

/* Resource template items (§6.4): a fixed 32-bit memory range, one
 * edge-triggered active-high exclusive interrupt, and the end tag. */
void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t size);
void aml_io(struct aml *a, uint16_t port, uint8_t len);
void aml_interrupt(struct aml *a, uint32_t irq);
void aml_end_tag(struct aml *a);

/* COM1 (_HID "PNP0501"): with hardware-reduced ACPI Linux sets up no
 * legacy ISA interrupts, so the UART's interrupt must come from here. */
void aml_com1_device(struct aml *a, uint16_t port, uint32_t irq);

/* The virtio-mmio device node Linux matches (_HID "LNRO0005"). */
void aml_virtio_mmio_device(struct aml *a, unsigned index, uint32_t base, uint32_t size,
			    uint32_t irq);

#endif
