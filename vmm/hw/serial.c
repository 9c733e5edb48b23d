/* 8250 register model (offsets from the base port):
 *   0 RBR/THR (DLL with LCR.DLAB)   1 IER (DLM with DLAB)
 *   2 IIR / FCR   3 LCR   4 MCR   5 LSR   6 MSR   7 SCR */
#include "vmm/hw/serial.h"

#include "common/fs.h"

#define LCR_DLAB    0x80
#define IER_THRI    0x02
#define IIR_NONE    0x01
#define IIR_THRI    0x02
#define IIR_FIFO    0xc0
#define FCR_ENABLE  0x01
#define LSR_THRE    0x20
#define LSR_TEMT    0x40
#define MCR_LOOP    0x10
#define MSR_DEFAULT 0xb0 /* DCD, DSR, CTS: a connected line */

void serial_init(struct serial *s, int out_fd, void (*irq)(void *, unsigned), void *irq_opaque)
{
	*s = (struct serial){.out_fd = out_fd, .irq = irq, .irq_opaque = irq_opaque};
	pthread_mutex_init(&s->lock, NULL);
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

static void output(struct serial *s, uint8_t byte)
{
	if (s->out_fd >= 0)
		fs_write_all(s->out_fd, &byte, 1);
}

/* The transmitter empties at once; with THRI enabled that is an interrupt. */
static void thr_empty(struct serial *s)
{
	if (!(s->ier & IER_THRI))
		return;
	s->thr_empty_pending = true;
	if (s->irq != NULL)
		s->irq(s->irq_opaque, SERIAL_COM1_IRQ);
}

static uint8_t read_msr(const struct serial *s)
{
	if (!(s->mcr & MCR_LOOP))
		return MSR_DEFAULT;
	/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	return (uint8_t)(((s->mcr & 0x01) << 5) | ((s->mcr & 0x02) << 3) | ((s->mcr & 0x04) << 4) |
			 ((s->mcr & 0x08) << 4));
}

static uint8_t read_register(struct serial *s, uint64_t offset)
{
	uint8_t fifo = s->fcr & FCR_ENABLE ? IIR_FIFO : 0;
	switch (offset) {
	case 0:
		return s->lcr & LCR_DLAB ? s->dll : 0;
	case 1:
		return s->lcr & LCR_DLAB ? s->dlm : s->ier;
	case 2:
		if (s->thr_empty_pending && (s->ier & IER_THRI)) {
			s->thr_empty_pending = false;
			return IIR_THRI | fifo;
		}
		return IIR_NONE | fifo;
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		return LSR_THRE | LSR_TEMT;
	case 6:
		return read_msr(s);
	default:
		return s->scr;
	}
}

static void write_register(struct serial *s, uint64_t offset, uint8_t value)
{
	switch (offset) {
	case 0:
		if (s->lcr & LCR_DLAB) {
			s->dll = value;
			return;
		}
		if (!(s->mcr & MCR_LOOP))
			output(s, value);
		thr_empty(s);
		return;
	case 1:
		if (s->lcr & LCR_DLAB) {
			s->dlm = value;
			return;
		}
		bool was_enabled = s->ier & IER_THRI;
		s->ier = value & 0x0f;
		if (!was_enabled)
			thr_empty(s);
		return;
	case 2:
		s->fcr = value;
		return;
	case 3:
		s->lcr = value;
		return;
	case 4:
		s->mcr = value & 0x1f;
		return;
	case 7:
		s->scr = value;
		return;
	default:
		return; /* LSR and MSR are read-only */
	}
}

static void serial_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct serial *s = opaque;
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++)
		data[i] = read_register(s, offset + i);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct serial *s = opaque;
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < len; i++)
		write_register(s, offset + i, data[i]);
	pthread_mutex_unlock(&s->lock);
}

struct bus_device serial_bus_device(struct serial *s)
{
	return (struct bus_device){
		.name = "serial",
		.base = SERIAL_COM1_PORT,
		.size = 8,
		.read = serial_read,
		.write = serial_write,
		.opaque = s,
	};
}
