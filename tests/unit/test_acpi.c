/* ACPI tables: each table's signature, length and checksum, the pointers
 * between them, the MADT entries per vCPU, and the AML of a virtio-mmio
 * device node against bytes worked out by hand from ACPI 6.5 §20. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/acpi.h"
#include "vmm/aml.h"
#include "vmm/layout.h"

#define MiB (1ull << 20)

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* A table at gpa: right signature, checksum zero; returns its length. */
static uint32_t check_table(const uint8_t *ram, uint64_t gpa, const char *sig)
{
	const uint8_t *t = ram + gpa;
	assert_true(gpa >= LAYOUT_ACPI && gpa < LAYOUT_ACPI_END);
	assert_memory_equal(t, sig, 4);
	uint32_t len = get32(t + 4);
	assert_true(len >= 36 && gpa + len <= LAYOUT_ACPI_END);
	assert_int_equal(acpi_checksum(t, len), 0);
	return len;
}

static void build(uint8_t *ram, unsigned vcpus, uint16_t com1, const struct acpi_mmio_device *devs,
		  size_t n, uint64_t *rsdp)
{
	struct guest_memory mem;
	struct error *err = NULL;
	struct acpi_config c = {
		.vcpus = vcpus, .com1_port = com1, .com1_irq = 4, .devices = devs, .nr_devices = n};
	guest_memory_wrap(&mem, ram, 64 * MiB);
	if (acpi_build(&mem, &c, rsdp, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_tables(void **state)
{
	uint8_t *ram = calloc(1, 64 * MiB);
	uint64_t rsdp;
	static const struct acpi_mmio_device devs[] = {{0xd0000000, 0x1000, 5}};
	build(ram, 4, 0x3f8, devs, 1, &rsdp);

	const uint8_t *r = ram + rsdp;
	assert_int_equal(rsdp % 16, 0);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(r[15], 2);
	assert_int_equal(acpi_checksum(r, 20), 0);
	assert_int_equal(acpi_checksum(r, 36), 0);
	assert_int_equal(get32(r + 20), 36);

	uint64_t xsdt = get64(r + 24);
	uint32_t xlen = check_table(ram, xsdt, "XSDT");
	assert_int_equal(xlen, 36 + 16);
	uint64_t fadt = get64(ram + xsdt + 36), madt = get64(ram + xsdt + 44);

	assert_int_equal(check_table(ram, fadt, "FACP"), 276);
	const uint8_t *f = ram + fadt;
	assert_int_equal(f[8], 6);		  /* revision */
	assert_true(get32(f + 112) & (1u << 20)); /* HW_REDUCED_ACPI */
	assert_int_equal(f[109] & 0x24, 0x24);	  /* no VGA, no CMOS RTC */
	uint64_t dsdt = get64(f + 140);
	assert_int_equal(get32(f + 40), dsdt);
	uint32_t dlen = check_table(ram, dsdt, "DSDT");

	uint32_t mlen = check_table(ram, madt, "APIC");
	assert_int_equal(mlen, 36 + 8 + 4 * 8 + 12 + 10);
	const uint8_t *m = ram + madt;
	assert_int_equal(get32(m + 36), ACPI_LAPIC_ADDR);
	for (unsigned i = 0; i < 4; i++) {
		const uint8_t *e = m + 44 + 8 * i;
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[3], i); /* APIC id */
		assert_int_equal(get32(e + 4), 1);
	}
	const uint8_t *io = m + 44 + 32;
	assert_int_equal(io[0], 1);
	assert_int_equal(get32(io + 4), ACPI_IOAPIC_ADDR);
	assert_int_equal(io[12], 2); /* source override */
	assert_int_equal(get32(io + 12 + 4), 2);

	/* The DSDT body is Scope (\_SB) { COM1, the virtio device }. */
	struct aml dev = {0}, scope = {0};
	aml_com1_device(&dev, 0x3f8, 4);
	aml_virtio_mmio_device(&dev, 0, 0xd0000000, 0x1000, 5);
	aml_scope_root(&scope, "_SB_", &dev);
	assert_int_equal(dlen, 36 + scope.len);
	assert_memory_equal(ram + dsdt + 36, scope.data, scope.len);
	aml_free(&dev);
	aml_free(&scope);
	free(ram);
}

static void test_no_devices(void **state)
{
	uint8_t *ram = calloc(1, 64 * MiB);
	uint64_t rsdp;
	build(ram, 1, 0, NULL, 0, &rsdp);
	uint64_t xsdt = get64(ram + rsdp + 24);
	uint64_t fadt = get64(ram + xsdt + 36);
	assert_int_equal(check_table(ram, get64(ram + fadt + 140), "DSDT"), 36);
	assert_int_equal(check_table(ram, get64(ram + xsdt + 44), "APIC"), 36 + 8 + 8 + 12 + 10);
	free(ram);
}

static void test_virtio_mmio_aml(void **state)
{
	/* Device (V001) { Name (_HID, "LNRO0005") Name (_UID, 1)
	 *   Name (_CRS, ResourceTemplate () {
	 *     Memory32Fixed (ReadWrite, 0xD0001000, 0x200)
	 *     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 6 } }) } */
	static const uint8_t expected[] = {
		0x5b, 0x82, 0x3a,   // DeviceOp, PkgLength 58
		'V', '0', '0', '1', //
		0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00, 0x08,
		'_', 'U', 'I', 'D', 0x01,			  // Name (_UID, One)
		0x08, '_', 'C', 'R', 'S', 0x11, 0x1a, 0x0a, 0x17, // Buffer, PkgLength 26, size
								  // 23
		0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x02, 0x00, 0x00, 0x89, 0x06,
		0x00, 0x03, 0x01, 0x06, 0x00, 0x00, 0x00, // one edge interrupt, 6
		0x79, 0x00,				  // end tag
	};
	struct aml a = {0};
	aml_virtio_mmio_device(&a, 1, 0xd0001000, 0x200, 6);
	assert_int_equal(a.len, sizeof(expected));
	assert_memory_equal(a.data, expected, sizeof(expected));
	aml_free(&a);
}

static void test_com1_aml(void **state)
{
	/* Device (COM1) { Name (_HID, "PNP0501") Name (_UID, 1)
	 *   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8)
	 *     Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 4 } }) } */
	static const uint8_t expected[] = {
		0x5b,
		0x82,
		0x35,
		'C',
		'O',
		'M',
		'1', // DeviceOp, PkgLength 53
		0x08,
		'_',
		'H',
		'I',
		'D',
		0x0d,
		'P',
		'N',
		'P',
		'0',
		'5',
		'0',
		'1',
		0x00,
		0x08,
		'_',
		'U',
		'I',
		'D',
		0x01, // Name (_UID, One)
		0x08,
		'_',
		'C',
		'R',
		'S',
		0x11,
		0x16,
		0x0a,
		0x13, // Buffer, PkgLength 22, size
		      // 19
		0x47,
		0x01,
		0xf8,
		0x03,
		0xf8,
		0x03,
		0x01,
		0x08, // IO 0x3f8, 8 ports
		0x89,
		0x06,
		0x00,
		0x03,
		0x01,
		0x04,
		0x00,
		0x00,
		0x00, // interrupt 4
		0x79,
		0x00,
	};
	struct aml a = {0};
	aml_com1_device(&a, 0x3f8, 4);
	assert_int_equal(a.len, sizeof(expected));
	assert_memory_equal(a.data, expected, sizeof(expected));
	aml_free(&a);
}

static void test_pkg_length_two_bytes(void **state)
{
	/* A scope whose body is 100 bytes: PkgLength 100 + 5 + 2 = 107
	 * needs two bytes, 0x4b 0x06 (low nibble 0xb, then 107 >> 4). */
	struct aml body = {0}, a = {0};
	uint8_t filler[100];
	memset(filler, 0xa3, sizeof(filler));
	aml_bytes(&body, filler, sizeof(filler));
	aml_scope_root(&a, "_SB_", &body);
	static const uint8_t head[] = {0x10, 0x4b, 0x06, 0x5c, '_', 'S', 'B', '_'};
	assert_int_equal(a.len, 108);
	assert_memory_equal(a.data, head, sizeof(head));
	aml_free(&body);
	aml_free(&a);
}

static void test_integers(void **state)
{
	static const struct {
		uint64_t value;
		uint8_t bytes[10];
		size_t len;
	} cases[] = {
		{0, {0x00}, 1},
		{1, {0x01}, 1},
		{0x2a, {0x0a, 0x2a}, 2},
		{0x1234, {0x0b, 0x34, 0x12}, 3},
		{0xd0000000, {0x0c, 0x00, 0x00, 0x00, 0xd0}, 5},
		{0x100000000ull, {0x0e, 0, 0, 0, 0, 1, 0, 0, 0}, 9},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aml a = {0};
		aml_name_integer(&a, "_UID", cases[i].value);
		assert_int_equal(a.len, 5 + cases[i].len);
		assert_memory_equal(a.data + 5, cases[i].bytes, cases[i].len);
		aml_free(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_no_devices),
		cmocka_unit_test(test_virtio_mmio_aml),
		cmocka_unit_test(test_com1_aml),
		cmocka_unit_test(test_pkg_length_two_bytes),
		cmocka_unit_test(test_integers),
	};
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
