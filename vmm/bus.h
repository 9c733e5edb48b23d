/* Address dispatch for guest port I/O and MMIO: each device claims a range
 * and gets reads and writes relative to its base.  Devices are registered
 * before the vCPUs start; lookups afterwards only read the table. */
#ifndef VRUN_VMM_BUS_H
#define VRUN_VMM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct bus_device {
	const char *name;
	uint64_t base;
	uint64_t size;
	void (*read)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len);
	void *opaque;
};

#define BUS_MAX_DEVICES 32

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_device devices[BUS_MAX_DEVICES];
	size_t len;
};

/* Fails when the range is empty, wraps or overlaps another device. */
int bus_register(struct bus *bus, const struct bus_device *dev, struct error **err);

/* Dispatches an access; false when no device claims every byte of it
 * (a read then leaves all ones in data, as an empty bus does). */
bool bus_read(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len);
bool bus_write(const struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len);

#endif
