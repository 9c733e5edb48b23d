/* Table layout follows ACPI 6.5 §5.2.5 (RSDP), §5.2.8 (XSDT), §5.2.9
 * (FADT), §5.2.12 (MADT) and §5.2.11.1 (DSDT). */
#include "vmm/acpi.h"

#include <errno.h>
#include <string.h>

#include "vmm/aml.h"
#include "vmm/layout.h"

#define OEM_ID		      "VRUN  "
#define OEM_TABLE_ID	      "VRUNVMM "
#define HEADER_SIZE	      36
#define FADT_SIZE	      276
#define FADT_REVISION	      6
#define FADT_HW_REDUCED	      (1u << 20)
#define FADT_NO_POWER_BUTTON  (1u << 4)
#define FADT_NO_SLEEP_BUTTON  (1u << 5)
#define BOOT_ARCH_NO_VGA      (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)

struct table_writer {
	uint8_t *base; /* host address of LAYOUT_ACPI */
	uint64_t next; /* next free guest address */
};

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

uint8_t acpi_checksum(const void *data, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + ((const uint8_t *)data)[i]);
	return sum;
}

static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t revision)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = revision;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, "VRUN", 4);
	put32(t + 32, 1);
}

/* Reserves len bytes (8-aligned) and returns their host address. */
static uint8_t *reserve(struct table_writer *w, size_t len, uint64_t *addr)
{
	*addr = (w->next + 7) & ~7ull;
	if (*addr + len > LAYOUT_ACPI_END)
		return NULL;
	w->next = *addr + len;
	return w->base + (*addr - LAYOUT_ACPI);
}

static void seal(uint8_t *table, uint32_t len)
{
	table[9] = 0;
	table[9] = (uint8_t)-acpi_checksum(table, len);
}

static uint64_t build_dsdt(struct table_writer *w, const struct acpi_config *c)
{
	struct aml devices = {0}, body = {0};
	uint64_t addr = 0;
	if (c->com1_port != 0)
		aml_com1_device(&devices, c->com1_port, c->com1_irq);
	for (size_t i = 0; i < c->nr_devices; i++)
		aml_virtio_mmio_device(&devices, (unsigned)i, c->devices[i].base,
				       c->devices[i].size, c->devices[i].irq);
	if (devices.len > 0)
		aml_scope_root(&body, "_SB_", &devices);
	uint32_t len = (uint32_t)(HEADER_SIZE + body.len);
	uint8_t *t = reserve(w, len, &addr);
	if (t != NULL) {
		header(t, "DSDT", len, 2);
		if (body.len > 0)
			memcpy(t + HEADER_SIZE, body.data, body.len);
		seal(t, len);
	}
	aml_free(&devices);
	aml_free(&body);
	return t != NULL ? addr : 0;
}

static uint64_t build_fadt(struct table_writer *w, uint64_t dsdt)
{
	uint64_t addr;
	uint8_t *t = reserve(w, FADT_SIZE, &addr);
	if (t == NULL)
		return 0;
	memset(t, 0, FADT_SIZE);
	header(t, "FACP", FADT_SIZE, FADT_REVISION);
	put32(t + 40, (uint32_t)dsdt);
	/* No VGA, no CMOS RTC (its probe costs seconds), no 8042 flag: the
	 * kernel then skips probing for a keyboard. */
	put16(t + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC);
	put32(t + 112, FADT_HW_REDUCED | FADT_NO_POWER_BUTTON | FADT_NO_SLEEP_BUTTON);
	t[131] = 5; /* FADT minor version: ACPI 6.5 */
	put64(t + 140, dsdt);
	memcpy(t + 268, "VRUNVMM\0", 8); /* hypervisor vendor identity */
	seal(t, FADT_SIZE);
	return addr;
}

static uint64_t build_madt(struct table_writer *w, unsigned vcpus)
{
	uint32_t len = HEADER_SIZE + 8 + vcpus * 8 + 12 + 10;
	uint64_t addr;
	uint8_t *t = reserve(w, len, &addr);
	if (t == NULL)
		return 0;
	memset(t, 0, len);
	header(t, "APIC", len, 5);
	put32(t + 36, ACPI_LAPIC_ADDR);
	put32(t + 40, 0); /* flags: no PC-AT 8259 pair to mask */
	uint8_t *e = t + 44;
	for (unsigned i = 0; i < vcpus; i++, e += 8) {
		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i; /* processor UID */
		e[3] = (uint8_t)i; /* APIC id */
		put32(e + 4, 1);   /* enabled */
	}
	e[0] = 1; /* I/O APIC */
	e[1] = 12;
	e[2] = 0; /* id */
	put32(e + 4, ACPI_IOAPIC_ADDR);
	put32(e + 8, 0); /* GSI base */
	e += 12;
	e[0] = 2; /* interrupt source override: ISA IRQ 0 (PIT) is GSI 2 */
	e[1] = 10;
	e[2] = 0;
	e[3] = 0;
	put32(e + 4, 2);
	put16(e + 8, 0);
	seal(t, len);
	return addr;
}

static uint64_t build_xsdt(struct table_writer *w, const uint64_t *tables, unsigned n)
{
	uint32_t len = HEADER_SIZE + 8 * n;
	uint64_t addr;
	uint8_t *t = reserve(w, len, &addr);
	if (t == NULL)
		return 0;
	header(t, "XSDT", len, 1);
	for (unsigned i = 0; i < n; i++)
		put64(t + HEADER_SIZE + 8 * i, tables[i]);
	seal(t, len);
	return addr;
}

static void build_rsdp(uint8_t *r, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2; /* revision: ACPI 2.0+, with XSDT */
	put32(r + 20, 36);
	put64(r + 24, xsdt);
	r[8] = (uint8_t)-acpi_checksum(r, 20);
	r[32] = (uint8_t)-acpi_checksum(r, 36);
}

int acpi_build(struct guest_memory *mem, const struct acpi_config *c, uint64_t *rsdp,
	       struct error **err)
{
	uint8_t *base = guest_memory_ptr(mem, LAYOUT_ACPI, LAYOUT_ACPI_END - LAYOUT_ACPI);
	if (base == NULL)
		return error_set_kind(err, EINVAL, "ACPI: no guest memory at 0x%llx", LAYOUT_ACPI);
	if (c->vcpus == 0 || c->vcpus > 255)
		return error_set_kind(err, EINVAL, "ACPI: %u vCPUs", c->vcpus);
	memset(base, 0, LAYOUT_ACPI_END - LAYOUT_ACPI);
	/* The RSDP first, on a 16-byte boundary where the kernel scans for it. */
	struct table_writer w = {.base = base, .next = LAYOUT_ACPI + 64};
	uint64_t dsdt = build_dsdt(&w, c);
	uint64_t tables[2] = {build_fadt(&w, dsdt), build_madt(&w, c->vcpus)};
	uint64_t xsdt = build_xsdt(&w, tables, 2);
	if (dsdt == 0 || tables[0] == 0 || tables[1] == 0 || xsdt == 0)
		return error_set_kind(err, ENOSPC, "ACPI: tables do not fit below 1 MiB");
	build_rsdp(base, xsdt);
	*rsdp = LAYOUT_ACPI;
	return 0;
}
