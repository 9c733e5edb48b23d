/* Byte relays between a process's pipes and its vsock streams, driven by
 * the agent's poll loop (the agent has one thread: it forks the container
 * process, and a fork of a threaded program is a minefield). */
#ifndef VRUN_AGENT_RELAY_H
#define VRUN_AGENT_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define RELAY_BUF 65536

struct relay {
	int from, to; /* -1 once closed */
	bool active;
	bool from_eof;
	size_t off, len;
	char buf[RELAY_BUF];
};

/* Takes ownership of both fds (made non-blocking). */
void relay_init(struct relay *r, int from, int to);
/* Adds the relay's interest to a poll set; returns how many entries. */
int relay_poll_fds(struct relay *r, struct pollfd *fds);
/* Moves bytes after poll; closes `to` once `from` ended and all is
 * written, and both when `to` fails.  Returns false once finished. */
bool relay_run(struct relay *r);
void relay_close(struct relay *r);

#endif
