/* Port I/O and MMIO dispatch. */
#include "vmm/bus.h"

#include <errno.h>
#include <string.h>

int bus_register(struct bus *bus, const struct bus_device *dev, struct error **err)
{
	uint64_t end = dev->base + dev->size;
	if (dev->size == 0 || end < dev->base)
		return error_set_kind(err, EINVAL, "%s: %s: empty or wrapping range", bus->name,
				      dev->name);
	if (bus->len == BUS_MAX_DEVICES)
		return error_set_kind(err, ENOSPC, "%s: no room for %s", bus->name, dev->name);
	for (size_t i = 0; i < bus->len; i++) {
		const struct bus_device *d = &bus->devices[i];
		if (dev->base < d->base + d->size && d->base < end)
			return error_set_kind(err, EEXIST, "%s: %s at 0x%llx overlaps %s",
					      bus->name, dev->name, (unsigned long long)dev->base,
					      d->name);
	}
	bus->devices[bus->len++] = *dev;
	return 0;
}

static const struct bus_device *find(const struct bus *bus, uint64_t addr, uint32_t len)
{
	for (size_t i = 0; i < bus->len; i++) {
		const struct bus_device *d = &bus->devices[i];
		if (addr >= d->base && addr - d->base < d->size &&
		    len <= d->size - (addr - d->base))
			return d;
	}
	return NULL;
}

bool bus_read(const struct bus *bus, uint64_t addr, uint8_t *data, uint32_t len)
{
	const struct bus_device *d = find(bus, addr, len);
	if (d == NULL || d->read == NULL) {
		memset(data, 0xff, len);
		return d != NULL;
	}
	d->read(d->opaque, addr - d->base, data, len);
	return true;
}

bool bus_write(const struct bus *bus, uint64_t addr, const uint8_t *data, uint32_t len)
{
	const struct bus_device *d = find(bus, addr, len);
	if (d == NULL)
		return false;
	if (d->write != NULL)
		d->write(d->opaque, addr - d->base, data, len);
	return true;
}
