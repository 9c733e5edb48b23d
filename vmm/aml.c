/* AML encoding: opcodes and PkgLength per ACPI 6.5 §20.2. */
#include "vmm/aml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AML_ZERO	  0x00
#define AML_ONE		  0x01
#define AML_NAME	  0x08
#define AML_BYTE_PREFIX	  0x0a
#define AML_WORD_PREFIX	  0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE	  0x10
#define AML_BUFFER	  0x11
#define AML_EXT_PREFIX	  0x5b
#define AML_DEVICE	  0x82
#define AML_ROOT_CHAR	  0x5c

void aml_free(struct aml *a)
{
	free(a->data);
	*a = (struct aml){0};
}

void aml_bytes(struct aml *a, const void *bytes, size_t len)
{
	if (a->len + len > a->cap) {
		size_t cap = a->cap == 0 ? 256 : a->cap;
		while (cap < a->len + len)
			cap *= 2;
		uint8_t *grown = realloc(a->data, cap);
		if (grown == NULL)
			abort();
		a->data = grown;
		a->cap = cap;
	}
	memcpy(a->data + a->len, bytes, len);
	a->len += len;
}

static void byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t value, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		byte(a, (uint8_t)(value >> (8 * i)));
}

/* PkgLength counts itself: one byte up to 63, else a lead byte holding the
 * low nibble and the count of following bytes. */
static void pkg_length(struct aml *a, size_t body)
{
	if (body + 1 < 0x40) {
		byte(a, (uint8_t)(body + 1));
		return;
	}
	for (unsigned extra = 1; extra <= 3; extra++) {
		size_t total = body + 1 + extra;
		if (total < (1ul << (4 + 8 * extra))) {
			byte(a, (uint8_t)((extra << 6) | (total & 0xf)));
			le(a, total >> 4, extra);
			return;
		}
	}
	abort(); /* 256 MiB of AML: not a microVM's DSDT */
}

static void integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		byte(a, AML_ZERO);
	else if (v == 1)
		byte(a, AML_ONE);
	else if (v <= 0xff)
		byte(a, AML_BYTE_PREFIX), le(a, v, 1);
	else if (v <= 0xffff)
		byte(a, AML_WORD_PREFIX), le(a, v, 2);
	else if (v <= 0xffffffff)
		byte(a, AML_DWORD_PREFIX), le(a, v, 4);
	else
		byte(a, AML_QWORD_PREFIX), le(a, v, 8);
}

void aml_name_integer(struct aml *a, const char name[4], uint64_t value)
{
	byte(a, AML_NAME);
	aml_bytes(a, name, 4);
	integer(a, value);
}

void aml_name_string(struct aml *a, const char name[4], const char *value)
{
	byte(a, AML_NAME);
	aml_bytes(a, name, 4);
	byte(a, AML_STRING_PREFIX);
	aml_bytes(a, value, strlen(value) + 1);
}

void aml_name_buffer(struct aml *a, const char name[4], const struct aml *contents)
{
	struct aml size = {0};
	integer(&size, contents->len);
	byte(a, AML_NAME);
	aml_bytes(a, name, 4);
	byte(a, AML_BUFFER);
	pkg_length(a, size.len + contents->len);
	aml_bytes(a, size.data, size.len);
	aml_bytes(a, contents->data, contents->len);
	aml_free(&size);
}

void aml_device(struct aml *a, const char name[4], const struct aml *body)
{
	byte(a, AML_EXT_PREFIX);
	byte(a, AML_DEVICE);
	pkg_length(a, 4 + body->len);
	aml_bytes(a, name, 4);
	aml_bytes(a, body->data, body->len);
}

void aml_scope_root(struct aml *a, const char name[4], const struct aml *body)
{
	byte(a, AML_SCOPE);
	pkg_length(a, 5 + body->len);
	byte(a, AML_ROOT_CHAR);
	aml_bytes(a, name, 4);
	aml_bytes(a, body->data, body->len);
}

void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t size)
{
	static const uint8_t head[] = {0x86, 0x09, 0x00, 0x01}; /* read-write */
	aml_bytes(a, head, sizeof(head));
	le(a, base, 4);
	le(a, size, 4);
}

void aml_io(struct aml *a, uint16_t port, uint8_t len)
{
	/* I/O port descriptor, 16-bit decode, fixed at port. */
	uint8_t d[] = {0x47,	      0x01,
		       (uint8_t)port, (uint8_t)(port >> 8),
		       (uint8_t)port, (uint8_t)(port >> 8),
		       0x01,	      len};
	aml_bytes(a, d, sizeof(d));
}

void aml_interrupt(struct aml *a, uint32_t irq)
{
	/* Extended interrupt: consumer, edge, active high, exclusive; one. */
	static const uint8_t head[] = {0x89, 0x06, 0x00, 0x03, 0x01};
	aml_bytes(a, head, sizeof(head));
	le(a, irq, 4);
}

void aml_end_tag(struct aml *a)
{
	static const uint8_t end[] = {0x79, 0x00};
	aml_bytes(a, end, sizeof(end));
}

void aml_com1_device(struct aml *a, uint16_t port, uint32_t irq)
{
	struct aml body = {0}, crs = {0};
	aml_name_string(&body, "_HID", "PNP0501");
	aml_name_integer(&body, "_UID", 1);
	aml_io(&crs, port, 8);
	aml_interrupt(&crs, irq);
	aml_end_tag(&crs);
	aml_name_buffer(&body, "_CRS", &crs);
	aml_device(a, "COM1", &body);
	aml_free(&body);
	aml_free(&crs);
}

void aml_virtio_mmio_device(struct aml *a, unsigned index, uint32_t base, uint32_t size,
			    uint32_t irq)
{
	struct aml body = {0}, crs = {0};
	char name[5];
	snprintf(name, sizeof(name), "V%03X", index & 0xfff);
	aml_name_string(&body, "_HID", "LNRO0005");
	aml_name_integer(&body, "_UID", index);
	aml_memory32_fixed(&crs, base, size);
	aml_interrupt(&crs, irq);
	aml_end_tag(&crs);
	aml_name_buffer(&body, "_CRS", &crs);
	aml_device(a, name, &body);
	aml_free(&body);
	aml_free(&crs);
}
