/* An 8250/16550A UART (COM1, ttyS0): what the guest writes goes to an fd
 * (the VMM log, or stdout for tools); the transmitter is always ready, and
 * its "holding register empty" interrupt is raised the way the Linux 8250
 * driver expects.  No input yet. */
#ifndef VRUN_VMM_HW_SERIAL_H
#define VRUN_VMM_HW_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/bus.h"

#define SERIAL_COM1_PORT 0x3f8
#define SERIAL_COM1_IRQ	 4

struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_empty_pending; /* THRI interrupt waiting for an IIR read */
	int out_fd;
	/* Pulses the interrupt line. */
	void (*irq)(void *opaque, unsigned line);
	void *irq_opaque;
};

void serial_init(struct serial *s, int out_fd, void (*irq)(void *, unsigned), void *irq_opaque);
void serial_destroy(struct serial *s);
struct bus_device serial_bus_device(struct serial *s);

#endif
