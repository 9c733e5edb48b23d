/* SCM_RIGHTS with a few fds. */
#include "common/fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

ssize_t fdpass_send_fds(int sock, const int *fds, unsigned n, const void *payload, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(FDPASS_MAX * sizeof(int))];
	} control = {0};
	if (n == 0 || n > FDPASS_MAX) {
		errno = EINVAL;
		return -1;
	}
	struct iovec iov = {(void *)payload, len};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = CMSG_SPACE(n * sizeof(int))};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

ssize_t fdpass_send(int sock, int fd, const void *payload, size_t len)
{
	return fdpass_send_fds(sock, &fd, 1, payload, len);
}
