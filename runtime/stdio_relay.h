/* A process's standard streams between this process and the agent: one
 * vsock stream each (agent/protocol.h STDIO), copied on threads of their
 * own with blocking I/O, which fits whatever the caller's stdio is (file,
 * pipe, terminal).  Used by the VMM for the container process and by
 * `exec` for the processes it starts. */
#ifndef VRUN_RUNTIME_STDIO_RELAY_H
#define VRUN_RUNTIME_STDIO_RELAY_H

#include <pthread.h>

#include "common/error.h"

struct stdio_relay {
	pthread_mutex_t lock;
	pthread_cond_t done;
	unsigned outputs_running; /* stdout and stderr copies not finished */
};

/* Connects the streams of process `token` through <state_dir>/vsock.sock. */
int stdio_connect(const char *state_dir, const char *token, int streams[3], struct error **err);

/* Starts copying: our stdin to streams[0] (then a half close), streams[1]
 * and streams[2] to our stdout and stderr.  Takes the fds. */
int stdio_relay_start(struct stdio_relay *r, const int streams[3], struct error **err);

/* A terminal's single stream (AGENT_TTY) of process `token`. */
int stdio_connect_tty(const char *state_dir, const char *token, int *stream, struct error **err);

/* For a terminal: `in` to the stream, the stream to `out` (the same fd for
 * a pty slave).  Takes the stream, not `in` and `out`. */
int stdio_relay_start_tty(struct stdio_relay *r, int in, int out, int stream, struct error **err);

/* Copies `from` to `to` on a thread of its own until `from` ends, then
 * ends `to` (half-closes a socket) and closes both; a non-blocking fd is
 * waited for.  With `r` (started), stdio_relay_wait waits for it too.
 * Takes both fds, also on failure. */
int stdio_relay_pump(struct stdio_relay *r, int from, int to, struct error **err);

/* Waits until stdout and stderr (and the pumps given the relay) have
 * ended, at most timeout_ms. */
void stdio_relay_wait(struct stdio_relay *r, int timeout_ms);

#endif
