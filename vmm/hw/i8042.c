/* i8042: status reads as idle (no data, input buffer empty), data reads as
 * 0, and the reset command ends the VM. */
#include "vmm/hw/i8042.h"

#include <string.h>

static void read_zero(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	memset(data, 0, len);
}

static void write_command(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct i8042 *k = opaque;
	if (offset == 0 && len >= 1 && data[0] == I8042_CMD_RESET && k->reset != NULL)
		k->reset(k->opaque);
}

struct bus_device i8042_data_device(struct i8042 *k)
{
	return (struct bus_device){"i8042-data", I8042_DATA_PORT, 1, read_zero, NULL, k};
}

struct bus_device i8042_command_device(struct i8042 *k)
{
	return (struct bus_device){"i8042-command", I8042_COMMAND_PORT, 1,
				   read_zero,	    write_command,	k};
}
