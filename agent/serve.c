/* The agent's service loop: one poll over the vsock listener, the request
 * connections, the stdio relays and a signalfd for SIGCHLD.  PID 1 reaps
 * every child; the container process's exit goes to the VMM as EXIT. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "agent/relay.h"
#include "netns/net.h"
#include "common/error.h"

#define MAX_CONNS      32
#define MAX_STREAMS    (16 + AGENT_MAX_FDS)
#define MAX_RELAYS     96
#define MAX_LISTENERS  AGENT_MAX_FDS
#define LISTEN_BACKLOG 128

struct stream {
	int fd; /* -1: free */
	uint32_t kind, mode, listen_fds;
	char token[AGENT_TOKEN_MAX + 1];
};

/* A listening socket the host passed: the guest's own, on loopback (or an
 * abstract unix name), where the agent connects each connection the host
 * accepts on its own. */
struct listener {
	char token[AGENT_TOKEN_MAX + 1]; /* empty: a free slot */
	uint32_t index;
	struct sockaddr_storage addr;
	socklen_t len;
};

struct conn {
	int fd;				 /* -1: free */
	char waits[AGENT_TOKEN_MAX + 1]; /* the token whose EXIT it waits for */
};

/* The container's init and the processes exec'd into it. */
struct process {
	char token[AGENT_TOKEN_MAX + 1]; /* empty: a free slot */
	pid_t pid;
	bool exited;
	int status;
	int stdin_relay; /* -1 when none */
	int master;	 /* its terminal's master (for resizes), or -1 */
};

#define MAX_PROCESSES 32

struct agent {
	int listen_fd, signal_fd;
	struct conn conns[MAX_CONNS];
	struct stream streams[MAX_STREAMS];
	struct relay relays[MAX_RELAYS];
	struct process processes[MAX_PROCESSES];
	struct listener listeners[MAX_LISTENERS];
	unsigned listeners_made; /* names abstract unix listeners */
	struct oci_config config;
	bool created;
	bool prepared;	  /* createContainer hooks (if any) ran */
	bool networked;	  /* NETWORK came (once is all) */
	int init_sync;	  /* to the prepared init until it starts */
	int cgroup_procs; /* the container's cgroup in the guest, or -1 */
	int top_procfs;	  /* container_procfs(), once TOP asked; -1 before */
};

static struct agent agent;

static int reply_error(int fd, const struct agent_failure *f)
{
	struct agent_error e = {f->exit_code};
	return agent_write_frame2(fd, AGENT_ERROR, &e, sizeof(e), f->msg, strlen(f->msg));
}

static struct process *find_process(const char *token)
{
	for (int i = 0; i < MAX_PROCESSES; i++)
		if (strcmp(agent.processes[i].token, token) == 0)
			return &agent.processes[i];
	return NULL;
}

static struct process *init_process(void)
{
	return &agent.processes[0];
}

/* A slot for a new process (an exited one's is reused); NULL when full. */
static struct process *new_process(const char *token)
{
	for (int i = 1; i < MAX_PROCESSES; i++) {
		struct process *p = &agent.processes[i];
		if (p->token[0] == '\0' || p->exited) {
			*p = (struct process){.stdin_relay = -1, .master = -1};
			snprintf(p->token, sizeof(p->token), "%s", token);
			return p;
		}
	}
	return NULL;
}

static struct stream *find_stream(const char *token, uint32_t kind)
{
	for (int i = 0; i < MAX_STREAMS; i++) {
		struct stream *s = &agent.streams[i];
		if (s->fd >= 0 && s->kind == kind && strcmp(s->token, token) == 0)
			return s;
	}
	return NULL;
}

static int take_stream(const char *token, uint32_t kind)
{
	struct stream *s = find_stream(token, kind);
	if (s == NULL)
		return -1;
	int fd = s->fd;
	s->fd = -1;
	return fd;
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

/* Both ways between a stream and a local socket: each relay has fds of
 * its own, and ends its side with a half close. */
static void add_relay_both(int stream, int local)
{
	add_relay(stream, local);
	add_relay(fcntl(local, F_DUPFD_CLOEXEC, 3), fcntl(stream, F_DUPFD_CLOEXEC, 3));
}

/* The process's pipes, each relayed to the stream the host connected for
 * it (or /dev/null when it connected none).  With a terminal, one stream
 * carries both ways; the process's stdio is the pty the container init or
 * exec child makes (relay_terminal). */
static int make_stdio(struct process *proc, bool tty, int stdio[3], struct agent_failure *f)
{
	const char *token = proc->token;
	if (tty) {
		for (int i = 0; i < 3; i++)
			stdio[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		return 0;
	}
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
			proc->stdin_relay = add_relay(sock, pipefd[1]);
		} else {
			stdio[i] = pipefd[1];
			add_relay(pipefd[0], sock);
		}
	}
	return 0;
}

/* A listening socket like the host's: TCP on loopback (IPv4 when the
 * guest has no IPv6), or a unix socket with an abstract name. */
static int make_listener(const char *token, uint32_t index, uint32_t mode, struct agent_failure *f)
{
	struct listener *l = NULL;
	for (int i = 0; i < MAX_LISTENERS && l == NULL; i++)
		if (agent.listeners[i].token[0] == '\0')
			l = &agent.listeners[i];
	if (l == NULL) {
		failure_set(f, 1, "passed fd %u: too many listening sockets", 3 + index);
		return -1;
	}
	*l = (struct listener){.index = index};
	int fd = -1;
	if (mode == AGENT_FD_LISTEN_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l->addr;
		*a = (struct sockaddr_in6){.sin6_family = AF_INET6,
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		l->len = sizeof(*a);
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0 && mode != AGENT_FD_LISTEN_UNIX) {
		struct sockaddr_in *a = (struct sockaddr_in *)&l->addr;
		*a = (struct sockaddr_in){.sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		l->len = sizeof(*a);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (mode == AGENT_FD_LISTEN_UNIX) {
		struct sockaddr_un *a = (struct sockaddr_un *)&l->addr;
		*a = (struct sockaddr_un){.sun_family = AF_UNIX};
		int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "vrun-listen-%u",
				 agent.listeners_made++);
		l->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	} else {
		int e = network_loopback_up();
		if (e != 0)
			report("passed fd %u: lo up: %s", 3 + index, strerror(e));
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&l->addr, l->len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0 ||
	    getsockname(fd, (struct sockaddr *)&l->addr, &l->len) < 0) {
		failure_set(f, 1, "passed fd %u: a listening socket: %s", 3 + index,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(l->token, sizeof(l->token), "%s", token);
	return fd;
}

/* The guest's end of one passed fd, relayed to its stream. */
static int make_extra(const char *token, uint32_t index, struct stream *st, struct agent_failure *f)
{
	int pair[2], sock = st->fd, mode = (int)st->mode;
	st->fd = -1;
	switch (mode) {
	case AGENT_FD_READ:
	case AGENT_FD_WRITE:
		if (pipe2(pair, O_CLOEXEC) < 0)
			break;
		if (mode == AGENT_FD_READ)
			add_relay(sock, pair[1]);
		else
			add_relay(pair[0], sock);
		return mode == AGENT_FD_READ ? pair[0] : pair[1];
	case AGENT_FD_BOTH:
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
			break;
		add_relay_both(sock, pair[1]);
		return pair[0];
	case AGENT_FD_LISTEN_INET:
	case AGENT_FD_LISTEN_INET6:
	case AGENT_FD_LISTEN_UNIX:
		close(sock); /* connections come on streams of their own */
		return make_listener(token, index, (uint32_t)mode, f);
	default:
		close(sock);
		failure_set(f, 1, "passed fd %u: unknown kind %d", 3 + index, mode);
		return -1;
	}
	failure_set(f, 1, "passed fd %u: %s", 3 + index, strerror(errno));
	close(sock);
	return -1;
}

static void drop_listeners(const char *token)
{
	for (int i = 0; i < MAX_LISTENERS; i++)
		if (strcmp(agent.listeners[i].token, token) == 0)
			agent.listeners[i].token[0] = '\0';
}

/* Everything the process gets: its stdio, then the fds the host passed
 * (streams AGENT_FD_BASE + 0, 1, ... with no gap). */
static int make_fds(struct process *proc, bool tty, struct process_fds *fds,
		    struct agent_failure *f)
{
	*fds = (struct process_fds){.stdio = {-1, -1, -1}, .cgroup_procs = agent.cgroup_procs};
	if (make_stdio(proc, tty, fds->stdio, f) < 0)
		return -1;
	for (uint32_t i = 0; i < AGENT_MAX_FDS; i++) {
		struct stream *st = find_stream(proc->token, AGENT_FD_BASE + i);
		if (st == NULL)
			break;
		fds->listen_fds = st->listen_fds <= AGENT_MAX_FDS ? st->listen_fds : 0;
		int fd = make_extra(proc->token, i, st, f);
		if (fd < 0) {
			/* Those after it are of no use now. */
			for (int k = 0; k < MAX_STREAMS; k++) {
				struct stream *other = &agent.streams[k];
				if (other->fd >= 0 && strcmp(other->token, proc->token) == 0) {
					close(other->fd);
					other->fd = -1;
				}
			}
			return -1;
		}
		fds->extra[fds->n_extra++] = fd;
	}
	if (fds->listen_fds > fds->n_extra)
		fds->listen_fds = fds->n_extra;
	return 0;
}

static void close_fds(struct process_fds *fds)
{
	for (int i = 0; i < 3; i++)
		if (fds->stdio[i] >= 0)
			close(fds->stdio[i]);
	for (unsigned i = 0; i < fds->n_extra; i++)
		close(fds->extra[i]);
	fds->n_extra = 0;
}

/* A connection the host accepted on a passed listening socket: ours gets
 * the same, relayed both ways. */
static void connect_listener(int stream, const char *token, uint32_t index)
{
	const struct listener *l = NULL;
	for (int i = 0; i < MAX_LISTENERS && l == NULL; i++)
		if (agent.listeners[i].index == index && agent.listeners[i].token[0] != '\0' &&
		    strcmp(agent.listeners[i].token, token) == 0)
			l = &agent.listeners[i];
	int fd = l != NULL ? socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
	if (fd < 0 || connect(fd, (const struct sockaddr *)&l->addr, l->len) < 0) {
		debug("passed fd %u of %s: connect: %s", 3 + index, token,
		      l == NULL ? "no such listener" : strerror(errno));
		if (fd >= 0)
			close(fd);
		close(stream);
		return;
	}
	add_relay_both(stream, fd);
}

static void accept_conns(void);

/* The terminal stream and the pty master the child sent, both ways: the
 * input relay is closed when the process exits, the output one ends when
 * the master reports the slave closed. */
static void relay_terminal(struct process *p, struct agent_failure *f)
{
	int master = terminal_master, sock = take_stream(p->token, AGENT_TTY);
	terminal_master = -1;
	if (master < 0 || p->pid <= 0) {
		if (master >= 0)
			close(master);
		if (sock >= 0)
			close(sock);
		return;
	}
	if (sock < 0) {
		sock = open("/dev/null", O_RDWR | O_CLOEXEC);
		debug("process %s: a terminal, but no stream for it", p->token);
	}
	p->master = fcntl(master, F_DUPFD_CLOEXEC, 3);
	p->stdin_relay = add_relay(sock, fcntl(master, F_DUPFD_CLOEXEC, 3));
	add_relay(master, fcntl(sock, F_DUPFD_CLOEXEC, 3));
	(void)f;
}

static void handle_create(int fd, const char *payload, size_t len)
{
	struct agent_failure f = {0};
	struct error *err = NULL;
	struct process_fds fds = {.stdio = {-1, -1, -1}};
	if (agent.created) {
		failure_set(&f, 1, "the container exists already");
		reply_error(fd, &f);
		return;
	}
	/* id NUL bundle NUL config.json */
	size_t id_len = strnlen(payload, len);
	size_t bundle_len = id_len < len ? strnlen(payload + id_len + 1, len - id_len - 1) : 0;
	if (id_len == 0 || id_len >= len || id_len + 1 + bundle_len >= len) {
		failure_set(&f, 1, "bad create request");
		reply_error(fd, &f);
		return;
	}
	const char *id = payload, *bundle = payload + id_len + 1;
	const char *config = bundle + bundle_len + 1;
	if (oci_config_parse(config, len - (size_t)(config - payload), "config.json", &agent.config,
			     &err) < 0) {
		failure_set(&f, 1, "%s", err->msg);
		error_release(&err);
		reply_error(fd, &f);
		return;
	}
	mount_shares(oci_strmap_true(&agent.config.annotations, ANNOTATION_VIRTIOFS_DAX));
	/* The host connected the streams before asking: take them in. */
	accept_conns();
	struct process *init = init_process();
	*init = (struct process){.token = AGENT_INIT_TOKEN, .stdin_relay = -1, .master = -1};
	bool tty = agent.config.process != NULL && agent.config.process->terminal;
	agent.cgroup_procs = container_cgroup(&agent.config, &f);
	if (f.msg[0] == '\0' && make_fds(init, tty, &fds, &f) == 0) {
		init->pid = container_create(&agent.config, id, bundle, &fds, &agent.init_sync, &f);
		if (tty)
			relay_terminal(init, &f);
	}
	close_fds(&fds);
	if (f.msg[0] != '\0' || init->pid <= 0) {
		drop_listeners(init->token);
		init->token[0] = '\0';
		reply_error(fd, &f);
		return;
	}
	agent.created = true;
	agent.prepared =
		agent.config.hooks == NULL || agent.config.hooks->create_container.len == 0;
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

/* The host's view of the container's network: checked, then applied. */
static void handle_network(int fd, const char *payload, size_t len)
{
	struct agent_failure f = {0};
	static struct net_iface ifaces[NET_MAX_IFACES];
	uint32_t n = 0;
	if (len >= sizeof(n))
		memcpy(&n, payload, sizeof(n));
	bool ok = len >= sizeof(n) && n <= NET_MAX_IFACES &&
		  len == sizeof(n) + (size_t)n * sizeof(struct net_iface) && !agent.networked;
	if (ok)
		memcpy(ifaces, payload + sizeof(n), (size_t)n * sizeof(struct net_iface));
	for (uint32_t i = 0; ok && i < n; i++) {
		struct net_iface *it = &ifaces[i];
		ok = memchr(it->name, '\0', sizeof(it->name)) != NULL && it->name[0] != '\0' &&
		     it->naddrs <= NET_MAX_ADDRS && it->nroutes <= NET_MAX_ROUTES;
		for (size_t a = 0; ok && a < it->naddrs; a++)
			ok = (it->addrs[a].family == AF_INET && it->addrs[a].prefixlen <= 32) ||
			     (it->addrs[a].family == AF_INET6 && it->addrs[a].prefixlen <= 128);
		for (size_t r = 0; ok && r < it->nroutes; r++)
			ok = (it->routes[r].family == AF_INET && it->routes[r].dst_len <= 32) ||
			     (it->routes[r].family == AF_INET6 && it->routes[r].dst_len <= 128);
	}
	if (!ok) {
		failure_set(&f, 1, "bad network request");
		reply_error(fd, &f);
		return;
	}
	agent.networked = true;
	if (network_configure(ifaces, n, &f) < 0) {
		reply_error(fd, &f);
		return;
	}
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void handle_prepare(int fd)
{
	struct agent_failure f = {0};
	if (!agent.created || agent.prepared || agent.init_sync < 0) {
		failure_set(&f, 1, "nothing to prepare");
		reply_error(fd, &f);
		return;
	}
	if (container_prepare(agent.init_sync, &f) < 0) {
		close(agent.init_sync);
		agent.init_sync = -1;
		reply_error(fd, &f);
		return;
	}
	agent.prepared = true;
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void handle_start(int fd)
{
	struct agent_failure f = {0};
	if (!agent.created || !agent.prepared || agent.init_sync < 0) {
		failure_set(&f, 1,
			    !agent.created    ? "no container to start"
			    : !agent.prepared ? "the container's createContainer hooks have not run"
					      : "the container was started already");
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

static int each_container_process(void (*fn)(const char *pid, void *opaque), void *opaque);
static void signal_one(const char *pid, void *opaque);

static void handle_update(int fd, const char *payload, size_t len)
{
	struct agent_update u;
	struct agent_failure f = {0};
	if (len != sizeof(u))
		failure_set(&f, 1, "bad update request");
	else if (!agent.created)
		failure_set(&f, 1, "no container to update");
	else {
		memcpy(&u, payload, sizeof(u));
		container_cgroup_set_pids(u.pids_limit, &f);
	}
	if (f.msg[0] != '\0')
		reply_error(fd, &f);
	else
		agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void handle_signal(int fd, const char *payload, size_t len)
{
	struct agent_signal s;
	struct agent_failure f = {0};
	struct process *init = init_process();
	if (len != sizeof(s) || !agent.created || init->exited) {
		failure_set(&f, 1,
			    len != sizeof(s) ? "bad signal request" : "container not running");
		reply_error(fd, &f);
		return;
	}
	memcpy(&s, payload, sizeof(s));
	if (s.all) {
		int signo = s.signo;
		each_container_process(signal_one, &signo);
	} else if (kill(init->pid, s.signo) < 0) {
		failure_set(&f, 1, "signal %d: %s", s.signo, strerror(errno));
		reply_error(fd, &f);
		return;
	}
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void send_exit(int fd, const struct process *p)
{
	struct agent_exit e = {p->status};
	agent_write_frame(fd, AGENT_EXIT, &e, sizeof(e));
}

static void handle_wait(struct conn *c, const char *token)
{
	struct process *p = find_process(token);
	if (p == NULL || token[0] == '\0') {
		struct agent_failure f;
		failure_set(&f, 1, "no process %s to wait for", token);
		reply_error(c->fd, &f);
	} else if (p->exited) {
		send_exit(c->fd, p);
	} else {
		snprintf(c->waits, sizeof(c->waits), "%s", token);
	}
}

/* EXEC: the token, a NUL, the process as JSON. */
static void handle_exec(int fd, const char *payload, size_t len)
{
	struct agent_failure f = {0};
	struct error *err = NULL;
	struct oci_process proc;
	struct process_fds fds = {.stdio = {-1, -1, -1}};
	size_t token_len = strnlen(payload, len);
	struct process *init = init_process();
	if (token_len == len || token_len == 0 || token_len > AGENT_TOKEN_MAX) {
		failure_set(&f, 1, "bad exec request");
	} else if (!agent.created || agent.init_sync >= 0 || init->exited) {
		failure_set(&f, 1, "container not running");
	} else if (find_process(payload) != NULL) {
		failure_set(&f, 1, "process %s exists already", payload);
	} else if (oci_process_parse(payload + token_len + 1, "process", &proc, &err) < 0) {
		failure_set(&f, 1, "%s", err->msg);
		error_release(&err);
	} else {
		accept_conns();
		struct process *p = new_process(payload);
		if (p == NULL)
			failure_set(&f, 1, "too many processes");
		else if (make_fds(p, proc.terminal, &fds, &f) == 0) {
			p->pid = container_exec(init->pid, &agent.config, &proc, &fds, &f);
			if (proc.terminal)
				relay_terminal(p, &f);
		}
		close_fds(&fds);
		if (p != NULL && (f.msg[0] != '\0' || p->pid <= 0)) {
			drop_listeners(p->token);
			if (p->stdin_relay >= 0)
				relay_close(&agent.relays[p->stdin_relay]);
			p->token[0] = '\0';
		}
		oci_process_release(&proc);
	}
	debug("exec %s: %s", payload, f.msg[0] ? f.msg : "exec'd");
	if (f.msg[0] != '\0')
		reply_error(fd, &f);
	else
		agent_write_frame(fd, AGENT_OK, NULL, 0);
}

/* The pid a process has in its innermost namespace: the last NSpid. */
static long ns_pid(const char *pid_dir)
{
	char path[300], line[256];
	long pid = -1;
	snprintf(path, sizeof(path), "/proc/%s/status", pid_dir);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (char *save, *tok = strtok_r(line + 6, " \t\n", &save); tok != NULL;
		     tok = strtok_r(NULL, " \t\n", &save))
			pid = strtol(tok, NULL, 10);
	}
	fclose(f);
	return pid;
}

/* Calls fn for each process in the container's PID namespace (its /proc
 * entry name); -1 when the container is not running. */
static int each_container_process(void (*fn)(const char *pid, void *opaque), void *opaque)
{
	char own[64], path[300], ns[64];
	struct process *init = init_process();
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init->pid);
	ssize_t own_len = agent.created && !init->exited ? readlink(path, own, sizeof(own)) : -1;
	DIR *dir = own_len > 0 ? opendir("/proc") : NULL;
	if (dir == NULL)
		return -1;
	for (struct dirent *de; (de = readdir(dir)) != NULL;) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
		ssize_t n = readlink(path, ns, sizeof(ns));
		if (n == own_len && memcmp(ns, own, (size_t)n) == 0)
			fn(de->d_name, opaque);
	}
	closedir(dir);
	return 0;
}

static void ps_line(const char *pid, void *opaque)
{
	char path[300], cmd[512];
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	int cfd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len = cfd >= 0 ? read(cfd, cmd, sizeof(cmd) - 1) : -1;
	if (cfd >= 0)
		close(cfd);
	len = len < 0 ? 0 : len;
	for (ssize_t i = 0; i < len; i++)
		if (cmd[i] == '\0' || cmd[i] == '\n')
			cmd[i] = ' ';
	while (len > 0 && cmd[len - 1] == ' ')
		len--;
	cmd[len] = '\0';
	fprintf(opaque, "%ld %s\n", ns_pid(pid), cmd);
}

/* PS: the container's processes as it sees them, a line each:
 * "PID COMMAND LINE". */
static void handle_ps(int fd)
{
	char *out = NULL;
	size_t out_len = 0;
	FILE *mem = open_memstream(&out, &out_len);
	int ret = each_container_process(ps_line, mem);
	fclose(mem);
	if (ret < 0) {
		struct agent_failure f;
		failure_set(&f, 1, "container not running");
		reply_error(fd, &f);
	} else {
		agent_write_frame(fd, AGENT_OK, out, out_len);
	}
	free(out);
}

/* Up to AGENT_TOP_FILE_MAX bytes of dirfd/name (a link's target with
 * `link`) onto out; their count, 0 when it cannot be read. */
static uint32_t top_file(int dirfd, const char *name, bool link, FILE *out)
{
	char buf[AGENT_TOP_FILE_MAX];
	ssize_t n = 0;
	if (link) {
		n = readlinkat(dirfd, name, buf, sizeof(buf));
	} else {
		int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		for (ssize_t r = 1; fd >= 0 && r > 0 && (size_t)n < sizeof(buf); n += r)
			while ((r = read(fd, buf + n, sizeof(buf) - (size_t)n)) < 0 &&
			       errno == EINTR)
				;
		if (fd >= 0)
			close(fd);
	}
	n = n < 0 ? 0 : n;
	fwrite(buf, 1, (size_t)n, out);
	return (uint32_t)n;
}

/* One process of the TOP answer: its header, then its files. */
static bool top_process(const char *name, FILE *out)
{
	static const char *const files[AGENT_TOP_FILES] = {
		[AGENT_TOP_STAT] = "stat",
		[AGENT_TOP_STATUS] = "status",
		[AGENT_TOP_CMDLINE] = "cmdline",
		[AGENT_TOP_PIDNS] = "ns/pid",
	};
	struct agent_top_proc p = {.pid = (uint32_t)strtoul(name, NULL, 10)};
	int dirfd = openat(agent.top_procfs, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return false; /* it has exited */
	long at = ftell(out);
	fwrite(&p, sizeof(p), 1, out);
	for (int i = 0; i < AGENT_TOP_FILES; i++)
		p.len[i] = top_file(dirfd, files[i], i == AGENT_TOP_PIDNS, out);
	close(dirfd);
	long end = ftell(out);
	fseek(out, at, SEEK_SET);
	fwrite(&p, sizeof(p), 1, out);
	fseek(out, end, SEEK_SET);
	return true;
}

/* TOP: the container's /proc as it sees it (struct agent_top). */
static void handle_top(int fd)
{
	struct agent_failure f = {0};
	struct process *init = init_process();
	if (!agent.created || init->exited) {
		failure_set(&f, 1, "container not running");
		reply_error(fd, &f);
		return;
	}
	if (agent.top_procfs < 0 && (agent.top_procfs = container_procfs(init->pid, &f)) < 0) {
		reply_error(fd, &f);
		return;
	}
	char *out = NULL;
	size_t out_len = 0;
	FILE *mem = open_memstream(&out, &out_len);
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	struct agent_top top = {.boottime_ns =
					(uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec};
	fwrite(&top, sizeof(top), 1, mem);
	top.stat_len = top_file(agent.top_procfs, "stat", false, mem);
	DIR *dir = fdopendir(openat(agent.top_procfs, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	for (struct dirent *de;
	     dir != NULL && (de = readdir(dir)) != NULL && top.count < AGENT_TOP_MAX_PROCS;)
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9' && top_process(de->d_name, mem))
			top.count++;
	if (dir != NULL)
		closedir(dir);
	fclose(mem);
	memcpy(out, &top, sizeof(top));
	agent_write_frame(fd, AGENT_OK, out, out_len);
	free(out);
}

static void signal_one(const char *pid, void *opaque)
{
	kill((pid_t)strtol(pid, NULL, 10), *(int *)opaque);
}

/* RESIZE: struct agent_resize, then the token. */
static void handle_resize(int fd, const char *payload, size_t len)
{
	struct agent_resize r;
	struct agent_failure f = {0};
	struct process *p = len > sizeof(r) ? find_process(payload + sizeof(r)) : NULL;
	if (p == NULL || p->master < 0) {
		failure_set(&f, 1, "no terminal to resize");
		reply_error(fd, &f);
		return;
	}
	memcpy(&r, payload, sizeof(r));
	struct winsize ws = {.ws_row = r.rows, .ws_col = r.cols};
	if (ioctl(p->master, TIOCSWINSZ, &ws) < 0) {
		failure_set(&f, 1, "resize: %s", strerror(errno));
		reply_error(fd, &f);
		return;
	}
	agent_write_frame(fd, AGENT_OK, NULL, 0);
}

static void close_conn(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->waits[0] = '\0';
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
	case AGENT_PREPARE:
		handle_prepare(c->fd);
		break;
	case AGENT_NETWORK:
		handle_network(c->fd, payload, (size_t)len);
		break;
	case AGENT_SIGNAL:
		handle_signal(c->fd, payload, (size_t)len);
		break;
	case AGENT_WAIT:
		handle_wait(c, payload);
		break;
	case AGENT_EXEC:
		handle_exec(c->fd, payload, (size_t)len);
		break;
	case AGENT_PS:
		handle_ps(c->fd);
		break;
	case AGENT_TOP:
		handle_top(c->fd);
		break;
	case AGENT_RESIZE:
		handle_resize(c->fd, payload, (size_t)len);
		break;
	case AGENT_UPDATE:
		handle_update(c->fd, payload, (size_t)len);
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
	if (s.stream >= AGENT_FD_BASE && s.mode == AGENT_FD_CONN) {
		connect_listener(fd, payload + sizeof(s), s.stream - AGENT_FD_BASE);
		free(payload);
		return;
	}
	for (int i = 0; i < MAX_STREAMS; i++) {
		struct stream *st = &agent.streams[i];
		if (st->fd < 0) {
			st->fd = fd;
			st->kind = s.stream;
			st->mode = s.mode;
			st->listen_fds = s.listen_fds;
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

static void process_exited(struct process *p, int status)
{
	debug("process %s (pid %d) exited: status 0x%x", p->token, (int)p->pid, status);
	p->exited = true;
	p->status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	drop_listeners(p->token);
	if (p->stdin_relay >= 0)
		relay_close(&agent.relays[p->stdin_relay]);
	p->stdin_relay = -1;
	if (p->master >= 0)
		close(p->master);
	p->master = -1;
	for (int i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &agent.conns[i];
		if (c->fd >= 0 && strcmp(c->waits, p->token) == 0) {
			send_exit(c->fd, p);
			c->waits[0] = '\0';
		}
	}
}

static void reap(void)
{
	struct signalfd_siginfo info;
	while (read(agent.signal_fd, &info, sizeof(info)) == sizeof(info))
		;
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_PROCESSES; i++) {
			struct process *p = &agent.processes[i];
			if (p->token[0] != '\0' && p->pid == pid && !p->exited)
				process_exited(p, status);
		}
	}
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
	agent.cgroup_procs = -1;
	agent.top_procfs = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		agent.conns[i].fd = -1;
	for (int i = 0; i < MAX_STREAMS; i++)
		agent.streams[i].fd = -1;
	struct conn *hc = add_conn(host);
	if (hc != NULL)
		snprintf(hc->waits, sizeof(hc->waits), "%s", AGENT_INIT_TOKEN);

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
