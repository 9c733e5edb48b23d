/* The host end of the agent protocol (agent/protocol.h): connecting to the
 * agent through a VMM's vsock socket, and one request with its answer. */
#ifndef VRUN_RUNTIME_AGENT_CLIENT_H
#define VRUN_RUNTIME_AGENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define VSOCK_SOCKET "vsock.sock"

/* Connects to the agent's port through `<state_dir>/vsock.sock` (the
 * `CONNECT <port>` handshake); returns the stream fd. */
int agent_connect(const char *state_dir, struct error **err);
/* The same, with every read on the stream (the handshake's too) given up
 * after `seconds` (0: never). */
int agent_connect_timed(const char *state_dir, int seconds, struct error **err);

/* Sends one request and waits for OK or ERROR.  An ERROR becomes *err
 * with its message; `exit_code` (may be NULL) receives the exit code the
 * agent suggests (127, 126 or 1). */
int agent_request(int fd, uint32_t type, const void *payload, size_t len, int *exit_code,
		  struct error **err);

struct net_iface;
/* NETWORK: the guest's interfaces as the host found them (netns/net.h),
 * a count and the array; the agent answers once they are configured. */
int agent_send_network(int fd, const struct net_iface *ifaces, size_t n, int *exit_code,
		       struct error **err);

/* The same, keeping an OK's payload (NUL-terminated, caller frees). */
int agent_request_answer(int fd, uint32_t type, const void *payload, size_t len, char **answer,
			 size_t *answer_len, struct error **err);

#endif
