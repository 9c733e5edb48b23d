/* Non-blocking copy from one fd to another with one buffer. */
#include "agent/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void relay_init(struct relay *r, int from, int to)
{
	r->from = from;
	r->to = to;
	r->active = true;
	r->from_eof = false;
	r->off = r->len = 0;
	set_nonblock(from);
	set_nonblock(to);
}

int relay_poll_fds(struct relay *r, struct pollfd *fds)
{
	if (!r->active)
		return 0;
	if (r->len > 0) {
		fds[0] = (struct pollfd){.fd = r->to, .events = POLLOUT};
		return 1;
	}
	fds[0] = (struct pollfd){.fd = r->from, .events = POLLIN};
	return 1;
}

void relay_close(struct relay *r)
{
	if (r->from >= 0)
		close(r->from);
	if (r->to >= 0)
		close(r->to);
	r->from = r->to = -1;
	r->active = false;
}

bool relay_run(struct relay *r)
{
	if (!r->active)
		return false;
	for (;;) {
		if (r->len == 0 && !r->from_eof) {
			ssize_t n = read(r->from, r->buf, sizeof(r->buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return true;
			if (n <= 0)
				r->from_eof = true;
			else
				r->off = 0, r->len = (size_t)n;
		}
		if (r->len == 0 && r->from_eof) {
			/* A socket may have another fd (its other way's relay):
			 * the peer sees the end all the same. */
			shutdown(r->to, SHUT_WR);
			relay_close(r);
			return false;
		}
		ssize_t n = write(r->to, r->buf + r->off, r->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			relay_close(r);
			return false;
		}
		r->off += (size_t)n;
		r->len -= (size_t)n;
	}
}
