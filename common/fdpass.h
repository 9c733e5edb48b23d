/* Passing a file descriptor over a unix socket: one sendmsg with exactly
 * one SCM_RIGHTS fd and a payload (a console socket wants a non-empty
 * one).  Used for terminal masters, in the agent and in vrun. */
#ifndef VRUN_COMMON_FDPASS_H
#define VRUN_COMMON_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* The bytes of payload sent, or -1 with errno. */
ssize_t fdpass_send(int sock, int fd, const void *payload, size_t len);

#endif
