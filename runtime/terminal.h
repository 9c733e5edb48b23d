/* The host end of a container terminal (process.terminal), as runc gives
 * it: a pty whose master goes to the caller's --console-socket (one
 * sendmsg, exactly one SCM_RIGHTS fd, the pty's name as payload), while
 * vrun keeps the slave, in raw mode, and relays it to the guest's pty
 * (which does the line discipline).  The slave is our controlling
 * terminal, so a resize of the master reaches us as SIGWINCH. */
#ifndef VRUN_RUNTIME_TERMINAL_H
#define VRUN_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Makes the pty, sends the master to `console_socket`, keeps the slave
 * (*slave); with `controlling`, as the controlling terminal of this
 * process (which must not lead a process group: it becomes a session
 * leader).  `rows`/`cols` 0 leave the size alone. */
int terminal_setup(const char *console_socket, uint16_t rows, uint16_t cols, bool controlling,
		   int *slave, struct error **err);

/* terminal_setup in two steps, for a caller whose paths go in between
 * (the VMM, runtime/vmm_root.h): the pty made and the console socket
 * connected, then the master sent when the process is there. */
struct terminal {
	int master, socket;
	char name[64];
};
int terminal_open(const char *console_socket, uint16_t rows, uint16_t cols, bool controlling,
		  struct terminal *t, int *slave, struct error **err);
int terminal_send(struct terminal *t, struct error **err);
void terminal_release(struct terminal *t);

/* The window size of a terminal fd; false when it is not one. */
bool terminal_size(int fd, uint16_t *rows, uint16_t *cols);

#endif
