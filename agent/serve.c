/* The agent's service loop: one poll over the vsock listener, the request
 * connections, the stdio relays and a signalfd for SIGCHLD.  PID 1 reaps
 * every child; the container process's exit goes to the VMM as EXIT. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "agent/relay.h"
#include "common/error.h"

#define MAX_CONNS   32
#define MAX_STREAMS 16
#define MAX_RELAYS  16

struct stream {
	int fd; /* -1: free */
	uint32_t kind;
	char token[AGENT_TOKEN_MAX + 1];
};

struct conn {
	int fd; /* -1: free */
	bool waits_init;
};

struct agent {
	int listen_fd, signal_fd;
	struct conn conns[MAX_CONNS];
	struct stream streams[MAX_STREAMS];
	struct relay relays[MAX_RELAYS];
	struct oci_config config;
	bool created;
	pid_t init_pid;
	int init_sync;
	bool init_exited;
	int init_status;
	int init_stdin_relay;
};

static struct agent agent;

static int reply_error(int fd, const struct agent_failure *f)
{
	struct agent_error e = {f->exit_code};
	return agent_write_frame2(fd, AGENT_ERROR, &e, sizeof(e), f->msg, strlen(f->msg));
}

static int take_stream(const char *token, uint32_t kind)
{
	for (int i = 0; i < MAX_STREAMS; i++) {
		struct stream *s = &agent.streams[i];
		if (s->fd >= 0 && s->kind == kind && strcmp(s->token, token) == 0) {
			int fd = s->fd;
			s->fd = -1;
			return fd;
		}
	}
	return -1;
}

static int add_relay(int from, int to)
{
	for (int i = 0; i < MAX_RELAYS; i++) {
		if (!agent.relays[i].active) {
			relay_init(&agent.relays[i], from, to);
			return i;
		}
	}
	close(from);
	close(to);
	return -1;
}

/* The process's pipes, each relayed to the stream the host connected for
 * it (or /dev/null when it connected none). */
static int make_stdio(const char *token, int stdio[3], struct agent_failure *f)
{
	for (int i = 0; i < 3; i++) {
		int pipefd[2], sock = take_stream(token, (uint32_t)i);
		if (sock < 0) {
			stdio[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
			continue;
		}
		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			failure_set(f, 1, "pipe: %s", strerror(errno));
			close(sock);
			return -1;
		}
		if (i == AGENT_STDIN) {
			stdio[i] = pipefd[0];
			agent.init_stdin_relay = add_relay(sock, pipefd[1]);
		} else {
			stdio[i] = pipefd[1];
			add_relay(pipefd[0], sock);
		}
	}
	return 0;
}

static void accept_conns(void);

static void handle_create(int fd, const char *payload, size_t len)
{
	struct agent_failure f = {0};
	struct error *err = NULL;
	int stdio[3] = {-1, -1, -1};
	if (agent.created) {
		failure_set(&f, 1, "the container exists already");
		reply_error(fd, &f);
		return;
	}
	if (oci_config_parse(payload, len, "config.json", &agent.config, &err) < 0) {
		failure_set(&f, 1, "%s", err->msg);
		error_release(&err);
		reply_error(fd, &f);
		return;
	}
	/* The host connected the streams before asking: take them in. */
	accept_conns();
	if (make_stdio(AGENT_INIT_TOKEN, stdio, &f) == 0)
		agent.init_pid = container_create(&agent.config, stdio, &agent.init_sync, &f);
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			close(stdio[i]);
	if (f.msg[0] != '\0' || agent.init_pid <= 0) {
		reply_error(fd, &f);
		return;
	}
	agent.created = true;
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void handle_start(int fd)
{
	struct agent_failure f = {0};
	if (!agent.created || agent.init_sync < 0) {
		failure_set(&f, 1,
			    agent.created ? "the container was started already"
					  : "no container to start");
		reply_error(fd, &f);
		return;
	}
	int ret = container_start(agent.init_sync, &f);
	debug("start: %s", ret == 0 ? "exec'd" : f.msg);
	close(agent.init_sync);
	agent.init_sync = -1;
	if (ret < 0)
		reply_error(fd, &f);
	else
		agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void handle_signal(int fd, const char *payload, size_t len)
{
	struct agent_signal s;
	struct agent_failure f = {0};
	if (len != sizeof(s) || !agent.created || agent.init_exited) {
		failure_set(&f, 1,
			    len != sizeof(s) ? "bad signal request" : "container not running");
		reply_error(fd, &f);
		return;
	}
	memcpy(&s, payload, sizeof(s));
	if (kill(agent.init_pid, s.signo) < 0) {
		failure_set(&f, 1, "signal %d: %s", s.signo, strerror(errno));
		reply_error(fd, &f);
		return;
	}
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void send_exit(int fd)
{
	struct agent_exit e = {agent.init_status};
	agent_write_frame(fd, AGENT_EXIT, &e, sizeof(e));
}

static void handle_wait(struct conn *c)
{
	if (agent.init_exited)
		send_exit(c->fd);
	else
		c->waits_init = true;
}

static void close_conn(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->waits_init = false;
}

/* One request from a connection; false when the connection is done. */
static bool handle_request(struct conn *c)
{
	uint32_t type;
	char *payload;
	ssize_t len = agent_read_frame(c->fd, &type, &payload, AGENT_MAX_PAYLOAD);
	if (len < 0)
		return false;
	debug("request %u (%zd bytes) on fd %d", type, len, c->fd);
	switch (type) {
	case AGENT_CREATE:
		handle_create(c->fd, payload, (size_t)len);
		break;
	case AGENT_START:
		handle_start(c->fd);
		break;
	case AGENT_SIGNAL:
		handle_signal(c->fd, payload, (size_t)len);
		break;
	case AGENT_WAIT:
		handle_wait(c);
		break;
	default: {
		struct agent_failure f;
		failure_set(&f, 1, "request %u is not supported by this agent", type);
		reply_error(c->fd, &f);
	}
	}
	free(payload);
	return true;
}

static struct conn *add_conn(int fd)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		if (agent.conns[i].fd < 0) {
			agent.conns[i] = (struct conn){.fd = fd};
			return &agent.conns[i];
		}
	}
	close(fd);
	return NULL;
}

/* A new connection: a STDIO frame makes it a stream, anything else is a
 * request. */
static void accept_one(int fd)
{
	uint32_t type;
	char *payload;
	struct agent_frame_header h;
	if (recv(fd, &h, sizeof(h), MSG_PEEK | MSG_WAITALL) != sizeof(h) || h.type != AGENT_STDIO) {
		add_conn(fd); /* its request is read in the loop */
		return;
	}
	ssize_t len =
		agent_read_frame(fd, &type, &payload, sizeof(struct agent_stdio) + AGENT_TOKEN_MAX);
	struct agent_stdio s;
	if (len <= (ssize_t)sizeof(s)) {
		free(payload);
		close(fd);
		return;
	}
	memcpy(&s, payload, sizeof(s));
	for (int i = 0; i < MAX_STREAMS; i++) {
		struct stream *st = &agent.streams[i];
		if (st->fd < 0) {
			st->fd = fd;
			st->kind = s.stream;
			snprintf(st->token, sizeof(st->token), "%s", payload + sizeof(s));
			fd = -1;
			break;
		}
	}
	if (fd >= 0)
		close(fd);
	free(payload);
}

static void accept_conns(void)
{
	int fd;
	while ((fd = accept4(agent.listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		accept_one(fd);
}

static void init_exited(int status)
{
	debug("container process exited: status 0x%x", status);
	agent.init_exited = true;
	agent.init_status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	if (agent.init_stdin_relay >= 0)
		relay_close(&agent.relays[agent.init_stdin_relay]);
	for (int i = 0; i < MAX_CONNS; i++)
		if (agent.conns[i].fd >= 0 && agent.conns[i].waits_init)
			send_exit(agent.conns[i].fd);
}

static void reap(void)
{
	struct signalfd_siginfo info;
	while (read(agent.signal_fd, &info, sizeof(info)) == sizeof(info))
		;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == agent.init_pid && agent.created && !agent.init_exited)
			init_exited(status);
}

int agent_listen(void)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = AGENT_PORT};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		report("vsock listen on port %d: %s", AGENT_PORT, strerror(errno));
		return -1;
	}
	return fd;
}

void agent_serve(int listen_fd, int host)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	agent.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	agent.listen_fd = listen_fd;
	agent.init_sync = -1;
	agent.init_stdin_relay = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		agent.conns[i].fd = -1;
	for (int i = 0; i < MAX_STREAMS; i++)
		agent.streams[i].fd = -1;
	struct conn *hc = add_conn(host);
	if (hc != NULL)
		hc->waits_init = true;

	for (;;) {
		struct pollfd fds[2 + MAX_CONNS + MAX_RELAYS];
		int kinds[2 + MAX_CONNS + MAX_RELAYS]; /* -1 listen, -2 signal, else index */
		int n = 0;
		fds[n] = (struct pollfd){agent.listen_fd, POLLIN, 0}, kinds[n++] = -1;
		fds[n] = (struct pollfd){agent.signal_fd, POLLIN, 0}, kinds[n++] = -2;
		for (int i = 0; i < MAX_CONNS; i++)
			if (agent.conns[i].fd >= 0)
				fds[n] = (struct pollfd){agent.conns[i].fd, POLLIN, 0},
				kinds[n++] = i;
		for (int i = 0; i < MAX_RELAYS; i++)
			if (relay_poll_fds(&agent.relays[i], &fds[n]) == 1)
				kinds[n++] = 1000 + i;
		if (poll(fds, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (fds[i].revents == 0)
				continue;
			if (kinds[i] == -1)
				accept_conns();
			else if (kinds[i] == -2)
				reap();
			else if (kinds[i] >= 1000)
				relay_run(&agent.relays[kinds[i] - 1000]);
			else if (!handle_request(&agent.conns[kinds[i]]))
				close_conn(&agent.conns[kinds[i]]);
		}
	}
}
