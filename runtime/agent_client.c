/* Host side of the agent protocol. */
#include "runtime/agent_client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/unix_socket.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "netns/net.h"

/* The `OK <port>` line, read a byte at a time so no stream data is taken. */
static int read_ok_line(int fd, const char *path, struct error **err)
{
	char line[64];
	size_t len = 0;
	while (len + 1 < sizeof(line)) {
		ssize_t n = read(fd, line + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set_kind(err, ECONNREFUSED,
					      "%s: the agent did not accept the connection", path);
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	if (strncmp(line, "OK ", 3) != 0)
		return error_set_kind(err, EPROTO, "%s: unexpected answer `%s`", path, line);
	return 0;
}

int agent_connect(const char *state_dir, struct error **err)
{
	return agent_connect_timed(state_dir, 0, err);
}

int agent_connect_timed(const char *state_dir, int seconds, struct error **err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, VSOCK_SOCKET) >= (int)sizeof(path))
		return error_set_kind(err, ENAMETOOLONG, "%s/%s: path too long", state_dir,
				      VSOCK_SOCKET);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set(err, errno, "socket");
	if (unix_connect(fd, path) < 0)
		return error_set(err, errno, "connect to the VMM at %s", path);
	struct timeval limit = {.tv_sec = seconds};
	if (seconds > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit)) < 0)
		return error_set(err, errno, "%s: a receive timeout", path);
	char hello[32];
	int n = snprintf(hello, sizeof(hello), "CONNECT %d\n", AGENT_PORT);
	if (write(fd, hello, (size_t)n) != n)
		return error_set(err, errno, "%s", path);
	if (read_ok_line(fd, path, err) < 0)
		return -1;
	return steal_fd(&fd);
}

static int request(int fd, uint32_t type, const void *payload, size_t len, int *exit_code,
		   char **ok_payload, size_t *ok_len, struct error **err)
{
	uint32_t reply;
	cleanup_free char *answer = NULL;
	if (exit_code != NULL)
		*exit_code = 1;
	if (agent_write_frame(fd, type, payload, len) < 0)
		return error_set(err, errno, "send to the agent");
	ssize_t n = agent_read_frame(fd, &reply, &answer, AGENT_MAX_PAYLOAD);
	if (n < 0)
		return error_set(err, errno, "the agent's answer");
	if (reply == AGENT_OK) {
		if (ok_payload != NULL) {
			*ok_payload = steal_pointer(&answer);
			*ok_len = (size_t)n;
		}
		return 0;
	}
	struct agent_error e = {1};
	if (reply != AGENT_ERROR || (size_t)n < sizeof(e))
		return error_set_kind(err, EPROTO, "unexpected answer %u from the agent", reply);
	memcpy(&e, answer, sizeof(e));
	if (exit_code != NULL)
		*exit_code = e.exit_code;
	int errnum = e.exit_code == 127 ? ENOENT : e.exit_code == 126 ? EACCES : EIO;
	return error_set_kind(err, errnum, "%s", answer + sizeof(e));
}

int agent_request(int fd, uint32_t type, const void *payload, size_t len, int *exit_code,
		  struct error **err)
{
	return request(fd, type, payload, len, exit_code, NULL, NULL, err);
}

int agent_request_answer(int fd, uint32_t type, const void *payload, size_t len, char **answer,
			 size_t *answer_len, struct error **err)
{
	return request(fd, type, payload, len, NULL, answer, answer_len, err);
}

int agent_send_network(int fd, const struct net_iface *ifaces, size_t n, int *exit_code,
		       struct error **err)
{
	uint32_t count = (uint32_t)n;
	size_t size = sizeof(count) + n * sizeof(struct net_iface);
	cleanup_free char *payload = xcalloc(1, size);
	memcpy(payload, &count, sizeof(count));
	memcpy(payload + sizeof(count), ifaces, n * sizeof(struct net_iface));
	return agent_request(fd, AGENT_NETWORK, payload, size, exit_code, err);
}
