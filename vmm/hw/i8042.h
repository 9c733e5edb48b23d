/* Just enough of the i8042 keyboard controller for the guest to reset the
 * machine through it (Linux `reboot=k`): command 0xfe on port 0x64 pulses
 * the reset line, which ends the VM. */
#ifndef VRUN_VMM_HW_I8042_H
#define VRUN_VMM_HW_I8042_H

#include "vmm/bus.h"

#define I8042_DATA_PORT	   0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET	   0xfe

struct i8042 {
	void (*reset)(void *opaque);
	void *opaque;
};

/* Two bus devices: the data port and the command/status port. */
struct bus_device i8042_data_device(struct i8042 *k);
struct bus_device i8042_command_device(struct i8042 *k);

#endif
