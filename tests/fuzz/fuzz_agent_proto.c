/* libFuzzer target: what a hostile guest's agent answers the host.  Byte 0
 * picks the reader: 0, the answer is one TOP snapshot (procview_parse,
 * every length and pid checked); otherwise the rest is the byte stream on
 * the agent's socket, read the way the runtime reads it (frames, then the
 * answer to a request: OK, ERROR with its exit code and message, or an
 * answer's payload).  Nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "runtime/agent_client.h"
#include "runtime/procview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void top(const uint8_t *data, size_t size)
{
	struct procview_snapshot s;
	char *copy = malloc(size + 1);
	if (copy == NULL)
		return;
	memcpy(copy, data, size);
	const struct timespec now = {1700000000, 0};
	procview_parse(&s, copy, size, &now); /* takes copy, either way */
	procview_snapshot_release(&s);
}

/* The input waits in the socket; the request we write goes unread. */
static void stream(const uint8_t *data, size_t size, unsigned which)
{
	int sv[2];
	struct error *err = NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	int bufsize = 1 << 20;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR); /* EOF after the input */
	if (which % 2 == 0) {
		int code = 0;
		agent_request(sv[0], AGENT_START, NULL, 0, &code, &err);
	} else {
		char *answer = NULL;
		size_t len = 0;
		if (agent_request_answer(sv[0], AGENT_PS, NULL, 0, &answer, &len, &err) == 0)
			free(answer);
	}
	error_release(&err);
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] == 0)
		top(data + 1, size - 1);
	else
		stream(data + 1, size - 1, data[0]);
	return 0;
}
