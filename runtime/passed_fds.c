/* Passed fds: what each is, its stream, and the threads relaying it. */
#include "runtime/passed_fds.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/agent_client.h"
#include "vmm/lockdown.h"

static bool noted;
static uint64_t open_at_start; /* bit i: fd 3 + i */

void passed_fds_note_open(void)
{
	noted = true;
	open_at_start = 0;
	for (int i = 0; i < AGENT_MAX_FDS; i++)
		if (fcntl(3 + i, F_GETFD) >= 0)
			open_at_start |= 1ull << i;
}

int passed_fd_mode(int fd, struct error **err)
{
	struct stat st;
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fstat(fd, &st) < 0)
		return error_set(err, errno, "fd %d", fd);
	if ((flags & O_PATH) || S_ISDIR(st.st_mode))
		return error_set_kind(err, EINVAL,
				      "fd %d is a %s: only its bytes could reach a microVM", fd,
				      S_ISDIR(st.st_mode) ? "directory" : "path (O_PATH)");
	if (!S_ISSOCK(st.st_mode)) {
		switch (flags & O_ACCMODE) {
		case O_RDONLY:
			return AGENT_FD_READ;
		case O_WRONLY:
			return AGENT_FD_WRITE;
		default:
			return AGENT_FD_BOTH;
		}
	}
	int type = 0, listening = 0, domain = 0;
	socklen_t len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &(socklen_t){sizeof(int)}) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &(socklen_t){sizeof(int)}) < 0)
		return error_set(err, errno, "fd %d", fd);
	if (type != SOCK_STREAM)
		return error_set_kind(err, EINVAL,
				      "fd %d is a %s socket: only stream sockets can be relayed "
				      "into a microVM (message boundaries would be lost)",
				      fd, type == SOCK_DGRAM ? "datagram" : "non-stream");
	if (!listening)
		return AGENT_FD_BOTH;
	return domain == AF_INET    ? AGENT_FD_LISTEN_INET
	       : domain == AF_INET6 ? AGENT_FD_LISTEN_INET6
				    : AGENT_FD_LISTEN_UNIX;
}

/* systemd's LISTEN_FDS, when LISTEN_PID names us (sd_listen_fds). */
static unsigned systemd_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	char *end;
	if (pid == NULL || fds == NULL)
		return 0;
	errno = 0;
	long p = strtol(pid, &end, 10);
	if (errno != 0 || *end != '\0' || p != (long)getpid())
		return 0;
	long n = strtol(fds, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0 || n > AGENT_MAX_FDS)
		return 0;
	return (unsigned)n;
}

int passed_fds_collect(unsigned preserve, bool systemd, struct passed_fds *p, struct error **err)
{
	*p = (struct passed_fds){.listen_fds = systemd ? systemd_fds() : 0};
	if (preserve > AGENT_MAX_FDS - p->listen_fds)
		return error_set_kind(err, EINVAL,
				      "--preserve-fds %u: at most %u fds can be passed into a "
				      "microVM",
				      preserve, AGENT_MAX_FDS - p->listen_fds);
	unsigned n = p->listen_fds + preserve;
	for (unsigned i = 0; i < n; i++) {
		int mode = noted && !(open_at_start & (1ull << i))
				   ? error_set(err, EBADF, "fd %u", 3 + i)
				   : passed_fd_mode(3 + (int)i, err);
		if (mode < 0)
			return error_wrap(err, "--preserve-fds %u", preserve);
		p->mode[i] = (uint32_t)mode;
		p->stream[i] = -1;
		/* Ours to relay: not for the hooks or anything else we run. */
		fcntl(3 + (int)i, F_SETFD, FD_CLOEXEC);
	}
	p->n = n;
	return 0;
}

static int connect_stream(const char *state_dir, const char *token, unsigned index, uint32_t mode,
			  unsigned listen_fds, struct error **err)
{
	int fd = agent_connect(state_dir, err);
	if (fd < 0)
		return -1;
	struct agent_stdio st = {AGENT_FD_BASE + index, mode, listen_fds};
	if (agent_write_frame2(fd, AGENT_STDIO, &st, sizeof(st), token, strlen(token)) < 0) {
		close(fd);
		return error_set(err, errno, "stream of passed fd %u", 3 + index);
	}
	return fd;
}

int passed_fds_connect(const char *state_dir, const char *token, struct passed_fds *p,
		       struct error **err)
{
	for (unsigned i = 0; i < p->n; i++) {
		p->stream[i] = connect_stream(state_dir, token, i, p->mode[i], p->listen_fds, err);
		if (p->stream[i] < 0) {
			passed_fds_close_streams(p);
			return -1;
		}
	}
	return 0;
}

void passed_fds_close_streams(struct passed_fds *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->stream[i] >= 0)
			close(p->stream[i]);
		p->stream[i] = -1;
	}
}

/* Both ways between two fds: `host` to `stream`, and back (an output). */
static int pump_both(struct stdio_relay *r, int host, int stream, struct error **err)
{
	int host2 = fcntl(host, F_DUPFD_CLOEXEC, 3), stream2 = fcntl(stream, F_DUPFD_CLOEXEC, 3);
	if (host2 < 0 || stream2 < 0) {
		error_set(err, errno, "dup");
		close(host);
		close(stream);
		if (host2 >= 0)
			close(host2);
		if (stream2 >= 0)
			close(stream2);
		return -1;
	}
	if (stdio_relay_pump(NULL, host, stream, err) < 0) {
		close(host2);
		close(stream2);
		return -1;
	}
	return stdio_relay_pump(r, stream2, host2, err);
}

struct listener {
	struct stdio_relay *relay;
	int fd;
	unsigned index;
	char *state_dir, *token;
};

/* Each connection the host's listening socket accepts becomes a CONN
 * stream, which the agent connects to the guest's listening socket. */
static void *accept_thread(void *arg)
{
	struct listener *l = arg;
	struct error *lock_err = NULL;
	if (lockdown_thread(LOCKDOWN_RELAY, &lock_err) < 0) {
		log_warning("passed fd %u: %s", 3 + l->index, lock_err->msg);
		error_release(&lock_err);
		goto out;
	}
	for (;;) {
		int conn = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = {l->fd, POLLIN, 0};
			poll(&pfd, 1, -1);
			continue;
		}
		if (conn < 0 && (errno == EINTR || errno == ECONNABORTED || errno == EMFILE ||
				 errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(100000); /* out of something: let it ease */
			continue;
		}
		if (conn < 0) {
			log_warning("passed fd %u: accept: %s", 3 + l->index, strerror(errno));
			break;
		}
		struct error *err = NULL;
		int stream =
			connect_stream(l->state_dir, l->token, l->index, AGENT_FD_CONN, 0, &err);
		if (stream < 0 || pump_both(l->relay, conn, stream, &err) < 0) {
			/* The VM is gone, most likely: nothing more to serve. */
			log_debug("passed fd %u: connection: %s", 3 + l->index,
				  err != NULL ? err->msg : "failed");
			if (stream < 0)
				close(conn);
			error_release(&err);
			break;
		}
	}
out:
	close(l->fd);
	free(l->state_dir);
	free(l->token);
	free(l);
	return NULL;
}

static int start_listener(struct stdio_relay *r, const char *state_dir, const char *token,
			  unsigned index, struct error **err)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	*l = (struct listener){r, 3 + (int)index, index, xstrdup(state_dir), xstrdup(token)};
	pthread_t t;
	int ret = pthread_create(&t, NULL, accept_thread, l);
	if (ret != 0) {
		free(l->state_dir);
		free(l->token);
		free(l);
		return error_set(err, ret, "passed fd %u: accept thread", 3 + index);
	}
	pthread_detach(t);
	return 0;
}

int passed_fds_relay(struct stdio_relay *r, const char *state_dir, const char *token,
		     struct passed_fds *p, struct error **err)
{
	int ret = 0;
	for (unsigned i = 0; i < p->n && ret == 0; i++) {
		int fd = 3 + (int)i, stream = p->stream[i];
		p->stream[i] = -1;
		switch (p->mode[i]) {
		case AGENT_FD_READ:
			ret = stdio_relay_pump(NULL, fd, stream, err);
			break;
		case AGENT_FD_WRITE:
			ret = stdio_relay_pump(r, stream, fd, err);
			break;
		case AGENT_FD_BOTH:
			ret = pump_both(r, fd, stream, err);
			break;
		default: /* listening: the stream only told the guest so */
			close(stream);
			ret = start_listener(r, state_dir, token, i, err);
			break;
		}
	}
	passed_fds_close_streams(p);
	return ret;
}
