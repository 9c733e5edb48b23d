/* Frame reading and writing for both ends of the agent protocol. */
#include "agent/protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int write_all(int fd, struct iovec *iov, int count)
{
	while (count > 0) {
		ssize_t n = writev(fd, iov, count);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		while (count > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			count--;
		}
		if (count > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int agent_write_frame2(int fd, uint32_t type, const void *a, size_t a_len, const void *b,
		       size_t b_len)
{
	if (a_len + b_len > AGENT_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	struct agent_frame_header h = {(uint32_t)(a_len + b_len), type};
	struct iovec iov[3] = {
		{&h, sizeof(h)},
		{(void *)a, a_len},
		{(void *)b, b_len},
	};
	return write_all(fd, iov, 3);
}

int agent_write_frame(int fd, uint32_t type, const void *payload, size_t len)
{
	return agent_write_frame2(fd, type, payload, len, NULL, 0);
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

ssize_t agent_read_frame(int fd, uint32_t *type, char **payload, size_t max)
{
	struct agent_frame_header h;
	*payload = NULL;
	if (read_all(fd, &h, sizeof(h)) < 0)
		return -1;
	if (h.length > max || h.length > AGENT_MAX_PAYLOAD) {
		errno = EPROTO;
		return -1;
	}
	char *p = malloc((size_t)h.length + 1);
	if (p == NULL)
		return -1;
	if (read_all(fd, p, h.length) < 0) {
		int saved = errno;
		free(p);
		errno = saved;
		return -1;
	}
	p[h.length] = '\0';
	*type = h.type;
	*payload = p;
	return (ssize_t)h.length;
}
