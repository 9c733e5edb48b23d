/* The host fds a caller passes to the container process (`--preserve-fds
 * N`, and systemd's sockets when vrun itself was socket-activated, as runc
 * does): fds 3 .. 3+n-1 of vrun become the same numbers in the guest.  A
 * file descriptor cannot cross into a VM, so each is relayed: its bytes
 * over a stream of its own (a pipe or file one way, a stream socket or tty
 * both ways), and a listening socket as a listening socket of the guest's
 * that gets every connection the host accepts on the host's.  Positions,
 * datagrams and directories cannot be relayed: those are refused. */
#ifndef VRUN_RUNTIME_PASSED_FDS_H
#define VRUN_RUNTIME_PASSED_FDS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/protocol.h"
#include "common/error.h"
#include "runtime/stdio_relay.h"

struct passed_fds {
	unsigned n;
	unsigned listen_fds;	      /* how many of them are systemd's (LISTEN_FDS) */
	uint32_t mode[AGENT_MAX_FDS]; /* enum agent_fd_mode */
	int stream[AGENT_MAX_FDS];    /* -1 until connected */
};

/* Notes which of fds 3 .. 3+AGENT_MAX_FDS-1 are open: called first thing,
 * so that a file vrun opens on a number the caller left free is never
 * taken for a passed fd.  Without it, every open fd counts. */
void passed_fds_note_open(void);

/* How fd can be relayed (enum agent_fd_mode), or -1 and why not. */
int passed_fd_mode(int fd, struct error **err);

/* The fds to pass: systemd's first when `systemd` and LISTEN_PID is this
 * process (LISTEN_FDS of them), then `preserve` more; each checked. */
int passed_fds_collect(unsigned preserve, bool systemd, struct passed_fds *p, struct error **err);

/* Connects their streams to process `token` (before the agent creates it). */
int passed_fds_connect(const char *state_dir, const char *token, struct passed_fds *p,
		       struct error **err);

/* Once the process exists: relays each fd on threads of this process (the
 * output ones counted by stdio_relay_wait), which take the fds and the
 * streams.  `r` was started by stdio_relay_start(_tty). */
int passed_fds_relay(struct stdio_relay *r, const char *state_dir, const char *token,
		     struct passed_fds *p, struct error **err);

/* Closes the streams (a failed create or exec, or a caller that leaves the
 * relaying to another process). */
void passed_fds_close_streams(struct passed_fds *p);

#endif
