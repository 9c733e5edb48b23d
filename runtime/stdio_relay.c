/* Stream connections and the copy threads. */
#include "runtime/stdio_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/agent_client.h"
#include "vmm/lockdown.h"

struct copy {
	int from, to;
	bool output; /* from the agent to our stdout or stderr */
	bool close_from;
	struct stdio_relay *relay;
};

int stdio_connect(const char *state_dir, const char *token, int streams[3], struct error **err)
{
	for (int i = 0; i < 3; i++)
		streams[i] = -1;
	for (int i = 0; i < 3; i++) {
		streams[i] = agent_connect(state_dir, err);
		struct agent_stdio st = {.stream = (uint32_t)i};
		if (streams[i] >= 0 && agent_write_frame2(streams[i], AGENT_STDIO, &st, sizeof(st),
							  token, strlen(token)) == 0)
			continue;
		if (streams[i] >= 0)
			error_set(err, errno, "stdio stream");
		for (int j = 0; j <= i; j++)
			if (streams[j] >= 0)
				close(streams[j]);
		return -1;
	}
	return 0;
}

int stdio_connect_tty(const char *state_dir, const char *token, int *stream, struct error **err)
{
	*stream = agent_connect(state_dir, err);
	if (*stream < 0)
		return -1;
	struct agent_stdio st = {.stream = AGENT_TTY};
	if (agent_write_frame2(*stream, AGENT_STDIO, &st, sizeof(st), token, strlen(token)) < 0) {
		close(*stream);
		*stream = -1;
		return error_set(err, errno, "terminal stream");
	}
	return 0;
}

/* from to `to` until from ends or either fails; a non-blocking fd is
 * waited for. */
static void copy_all(int from, int to)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fs_wait_ready(from, POLLIN);
			continue;
		}
		if (n <= 0 || fs_write_all(to, buf, (size_t)n) < 0)
			return;
	}
}

static void output_done(struct stdio_relay *r)
{
	pthread_mutex_lock(&r->lock);
	r->outputs_running--;
	pthread_cond_broadcast(&r->done);
	pthread_mutex_unlock(&r->lock);
}

/* A relay thread that cannot lock itself down does not relay. */
static void relay_lockdown(struct copy *c)
{
	struct error *err = NULL;
	if (lockdown_thread(LOCKDOWN_RELAY, &err) == 0)
		copy_all(c->from, c->to);
	else
		log_warning("%s", err->msg);
	error_release(&err);
}

static void *copy_thread(void *arg)
{
	struct copy *c = arg;
	relay_lockdown(c);
	if (c->output) {
		/* Also when our reader went away: the guest then sees the
		 * stream closed. */
		if (c->close_from)
			close(c->from);
		output_done(c->relay);
	} else {
		shutdown(c->to, SHUT_WR);
	}
	free(c);
	return NULL;
}

static void *pump_thread(void *arg)
{
	struct copy *c = arg;
	relay_lockdown(c);
	shutdown(c->to, SHUT_WR);
	close(c->from);
	close(c->to);
	if (c->output)
		output_done(c->relay);
	free(c);
	return NULL;
}

int stdio_relay_pump(struct stdio_relay *r, int from, int to, struct error **err)
{
	struct copy *c = xcalloc(1, sizeof(*c));
	*c = (struct copy){from, to, r != NULL, true, r};
	if (r != NULL) {
		pthread_mutex_lock(&r->lock);
		r->outputs_running++;
		pthread_mutex_unlock(&r->lock);
	}
	pthread_t t;
	int ret = pthread_create(&t, NULL, pump_thread, c);
	if (ret != 0) {
		/* As if it had run and ended at once. */
		c->output = false;
		if (r != NULL) {
			pthread_mutex_lock(&r->lock);
			r->outputs_running--;
			pthread_mutex_unlock(&r->lock);
		}
		close(from);
		close(to);
		free(c);
		return error_set(err, ret, "relay thread");
	}
	pthread_detach(t);
	return 0;
}

int stdio_relay_start(struct stdio_relay *r, const int streams[3], struct error **err)
{
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->done, NULL);
	r->outputs_running = 2;
	for (int i = 0; i < 3; i++) {
		struct copy *c = xcalloc(1, sizeof(*c));
		*c = i == 0 ? (struct copy){0, streams[0], false, false, r}
			    : (struct copy){streams[i], i, true, true, r};
		pthread_t t;
		int ret = pthread_create(&t, NULL, copy_thread, c);
		if (ret != 0) {
			free(c);
			return error_set(err, ret, "stdio relay");
		}
		pthread_detach(t);
	}
	return 0;
}

int stdio_relay_start_tty(struct stdio_relay *r, int in, int out, int stream, struct error **err)
{
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->done, NULL);
	r->outputs_running = 1;
	/* The input copy half-closes the stream, the output copy closes its
	 * own duplicate: neither pulls the fd from under the other. */
	int dup_stream = fcntl(stream, F_DUPFD_CLOEXEC, 3);
	if (dup_stream < 0)
		return error_set(err, errno, "terminal stream");
	struct copy *copies[2] = {xcalloc(1, sizeof(struct copy)), xcalloc(1, sizeof(struct copy))};
	*copies[0] = (struct copy){in, stream, false, false, r};
	*copies[1] = (struct copy){dup_stream, out, true, true, r};
	for (int i = 0; i < 2; i++) {
		pthread_t t;
		int ret = pthread_create(&t, NULL, copy_thread, copies[i]);
		if (ret != 0)
			return error_set(err, ret, "terminal relay");
		pthread_detach(t);
	}
	return 0;
}

void stdio_relay_wait(struct stdio_relay *r, int timeout_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&r->lock);
	while (r->outputs_running > 0)
		if (pthread_cond_timedwait(&r->done, &r->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&r->lock);
}
