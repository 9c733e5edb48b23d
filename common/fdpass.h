/* Passing file descriptors over a unix socket: one sendmsg with one
 * SCM_RIGHTS message and a payload (a console socket wants a non-empty
 * one).  Used for terminal masters, in the agent and in vrun, and for a
 * pool claim's stdio. */
#ifndef VRUN_COMMON_FDPASS_H
#define VRUN_COMMON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

#define FDPASS_MAX 4 /* fds in one message */

/* The bytes of payload sent, or -1 with errno. */
ssize_t fdpass_send(int sock, int fd, const void *payload, size_t len);
/* The same with n (1 to FDPASS_MAX) fds: a pool claim's stdio. */
ssize_t fdpass_send_fds(int sock, const int *fds, unsigned n, const void *payload, size_t len);

#endif
