/* `vrun exec [--process FILE] [--tty] [--cwd DIR] [--env K=V]... [--user
 * UID[:GID]] [--detach] [--pid-file F] [--console-socket S] ID [CMD...]`:
 * the agent starts another process in the container's namespaces; vrun
 * relays its stdio and exits with its status.  With --detach a relay
 * process does that in the background (its pid goes to --pid-file, and it
 * exits with the process's status, which is how conmon and containerd-shim
 * learn it).  Without --process, the container's own process (from its
 * config.json) gives the defaults, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/etc_users.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "oci-spec/config.h"
#include "runtime/agent_client.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/launch.h"
#include "runtime/passed_fds.h"
#include "runtime/stdio_relay.h"
#include "runtime/terminal.h"

#define EXEC_OUTPUT_DRAIN_MS 5000
#define PROCESS_FILE_MAX     (1u << 20)

struct exec_options {
	const char *process_file;
	bool tty, detach;
	const char *cwd, *user, *pid_file, *console_socket;
	char **env;
	size_t nr_env;
	unsigned preserve_fds;
};

static int parse_options(int argc, char **argv, struct exec_options *o, struct error **err)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_PRESERVE, OPT_IGNORED };
	static const struct option options[] = {
		{"process", required_argument, NULL, 'p'},
		{"tty", no_argument, NULL, 't'},
		{"cwd", required_argument, NULL, 'w'},
		{"env", required_argument, NULL, 'e'},
		{"user", required_argument, NULL, 'u'},
		{"detach", no_argument, NULL, 'd'},
		{"pid-file", required_argument, NULL, OPT_PID_FILE},
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
		{"no-new-privs", no_argument, NULL, OPT_IGNORED},
		{"process-label", required_argument, NULL, OPT_IGNORED},
		{"apparmor", required_argument, NULL, OPT_IGNORED},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	while ((opt = cli_next_option(argc, argv, "+p:tw:e:u:dh", options, err)) != CLI_END) {
		switch (opt) {
		case CLI_ERROR:
		case CLI_HELP:
			return opt;
		case 'p':
			o->process_file = optarg;
			break;
		case 't':
			o->tty = true;
			break;
		case 'w':
			o->cwd = optarg;
			break;
		case 'e':
			o->env = xrealloc(o->env, (o->nr_env + 1) * sizeof(char *));
			o->env[o->nr_env++] = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE: {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || n < 0 || n > 65536)
				return error_set(err, 0,
						 "exec: --preserve-fds: '%s' is not a count",
						 optarg);
			o->preserve_fds = (unsigned)n;
			break;
		}
		}
	}
	if (optind >= argc)
		return error_set(err, 0, "exec: expected a container id (see vrun exec --help)");
	if (o->process_file == NULL && optind + 1 >= argc)
		return error_set(err, 0, "exec: expected a command, or --process FILE");
	return 0;
}

/* NAME=VALUE replaces NAME's entry, or is added. */
static void env_set(struct oci_strings *env, const char *entry)
{
	size_t name = strcspn(entry, "=");
	for (size_t i = 0; i < env->len; i++) {
		if (strncmp(env->items[i], entry, name) == 0 && env->items[i][name] == '=') {
			free(env->items[i]);
			env->items[i] = xstrdup(entry);
			return;
		}
	}
	oci_strings_push(env, entry);
}

/* The rootfs's /etc/passwd or /etc/group. */
static FILE *open_in_rootfs(const char *rootfs, const char *file, const char *user,
			    struct error **err)
{
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	FILE *f = root >= 0 ? etc_open(root, file) : NULL;
	if (f == NULL)
		error_set(err, errno, "exec: --user %s: %s/%s", user, rootfs, file);
	return f;
}

#define MAX_GROUPS 64

/* USER[:GROUP], each a number or a name from the container's files.  A
 * user given by name without a group gets its passwd group and the groups
 * that list it as a member, as a login would. */
static int parse_user(const char *text, const char *rootfs, struct oci_user *user,
		      struct error **err)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", text);
	char *group = strchr(buf, ':');
	if (group != NULL)
		*group++ = '\0';
	uint32_t uid, gid = 0, groups[MAX_GROUPS];
	size_t ngroups = 0;
	bool named = !etc_parse_id(buf, &uid);
	if (named) {
		struct etc_user u;
		cleanup_fclose FILE *f = open_in_rootfs(rootfs, "etc/passwd", text, err);
		if (f == NULL)
			return -1;
		if (etc_passwd_find(f, buf, 0, &u) < 0)
			return error_set_kind(err, ENOENT,
					      "exec: --user: no user named %s in the container's "
					      "/etc/passwd",
					      buf);
		uid = u.uid;
		gid = u.gid;
		cleanup_fclose FILE *g =
			group == NULL ? open_in_rootfs(rootfs, "etc/group", text, err) : NULL;
		if (group == NULL && g == NULL)
			return -1;
		if (g != NULL)
			ngroups = etc_group_member_of(g, buf, groups, MAX_GROUPS);
	} else if (group == NULL) {
		gid = uid;
	}
	if (group != NULL && !etc_parse_id(group, &gid)) {
		cleanup_fclose FILE *g = open_in_rootfs(rootfs, "etc/group", text, err);
		if (g == NULL)
			return -1;
		if (etc_group_find(g, group, &gid) < 0)
			return error_set_kind(err, ENOENT,
					      "exec: --user: no group named %s in the container's "
					      "/etc/group",
					      group);
	}
	user->uid = uid;
	user->gid = gid;
	if (named && group == NULL) {
		free(user->additional_gids.items);
		user->additional_gids.items = xcalloc(ngroups + 1, sizeof(uint32_t));
		memcpy(user->additional_gids.items, groups, ngroups * sizeof(uint32_t));
		user->additional_gids.len = ngroups;
	}
	return 0;
}

/* The process to run: --process FILE, or the container's process with the
 * command line's args and overrides. */
static int build_process(struct container *c, const struct exec_options *o, int argc, char **argv,
			 struct oci_process *p, struct error **err)
{
	cleanup_free char *text = NULL;
	if (o->process_file != NULL) {
		if (fs_read_file_at(AT_FDCWD, o->process_file, o->process_file, PROCESS_FILE_MAX,
				    &text, NULL, err) < 0)
			return -1;
		return oci_process_parse(text, o->process_file, p, err);
	}
	struct oci_config config;
	if (oci_config_load(c->record.state.bundle, &config, err) < 0)
		return error_wrap(err, "exec %s", c->id);
	if (config.process == NULL) {
		oci_config_release(&config);
		return error_set_kind(err, EINVAL, "exec %s: its config.json has no process",
				      c->id);
	}
	*p = *config.process;
	memset(config.process, 0, sizeof(*config.process));
	const char *root = config.root != NULL ? config.root->path : "rootfs";
	char rootfs[8192];
	snprintf(rootfs, sizeof(rootfs), "%s%s%s", root[0] == '/' ? "" : c->record.state.bundle,
		 root[0] == '/' ? "" : "/", root);
	oci_config_release(&config);
	for (size_t i = 0; i < p->args.len; i++)
		free(p->args.items[i]);
	p->args.len = 0;
	for (int i = optind + 1; i < argc; i++)
		oci_strings_push(&p->args, argv[i]);
	for (size_t i = 0; i < o->nr_env; i++)
		env_set(&p->env, o->env[i]);
	if (o->cwd != NULL) {
		free(p->cwd);
		p->cwd = xstrdup(o->cwd);
	}
	p->terminal = o->tty;
	return o->user != NULL ? parse_user(o->user, rootfs, &p->user, err) : 0;
}

static void make_token(char *token, size_t size)
{
	unsigned long long r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned long long)getpid() << 20;
	snprintf(token, size, "exec-%d-%llx", (int)getpid(), r);
}

/* The size of our terminal goes to the process's (on SIGWINCH). */
static void send_resize(int control, const char *token, int tty)
{
	uint16_t rows, cols;
	char payload[sizeof(struct agent_resize) + AGENT_TOKEN_MAX + 1];
	if (tty < 0 || !terminal_size(tty, &rows, &cols))
		return;
	struct agent_resize r = {rows, cols};
	size_t len = strlen(token) + 1;
	memcpy(payload, &r, sizeof(r));
	memcpy(payload + sizeof(r), token, len);
	if (agent_write_frame(control, AGENT_RESIZE, payload, sizeof(r) + len) < 0)
		log_warning("exec: resize: %s", strerror(errno));
}

/* Relays until the process exits; returns its status.  `winch` (a
 * signalfd, or -1) reports resizes of `tty`, our end of its terminal. */
static int wait_process(int control, const char *token, struct stdio_relay *relay, int winch,
			int tty)
{
	struct agent_exit e;
	if (agent_write_frame(control, AGENT_WAIT, token, strlen(token) + 1) < 0)
		return 255;
	for (;;) {
		struct pollfd fds[2] = {{control, POLLIN, 0}, {winch, POLLIN, 0}};
		if (poll(fds, winch >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 255;
		}
		if (winch >= 0 && (fds[1].revents & POLLIN)) {
			struct signalfd_siginfo info;
			while (read(winch, &info, sizeof(info)) == sizeof(info))
				;
			send_resize(control, token, tty);
		}
		if (fds[0].revents == 0)
			continue;
		uint32_t type;
		cleanup_free char *payload = NULL;
		ssize_t n = agent_read_frame(control, &type, &payload, 65536);
		if (n < 0)
			return 255;
		if (type == AGENT_OK || type == AGENT_ERROR)
			continue; /* a resize's answer */
		if (n != sizeof(e) || type != AGENT_EXIT)
			return 255;
		memcpy(&e, payload, sizeof(e));
		break;
	}
	stdio_relay_wait(relay, EXEC_OUTPUT_DRAIN_MS);
	return e.status;
}

/* The process's streams: three, or with a terminal one (streams[0]) and
 * our end of the terminal in *tty (-1 without a console socket: our own
 * stdin and stdout). */
static int connect_streams(const char *dir, const struct exec_options *o,
			   const struct oci_process *p, const char *token, int streams[3], int *tty,
			   struct error **err)
{
	if (!p->terminal)
		return stdio_connect(dir, token, streams, err);
	if (o->console_socket != NULL) {
		uint16_t rows = p->console_size ? (uint16_t)p->console_size->height : 0;
		uint16_t cols = p->console_size ? (uint16_t)p->console_size->width : 0;
		if (terminal_setup(o->console_socket, rows, cols, false, tty, err) < 0)
			return -1;
	}
	return stdio_connect_tty(dir, token, &streams[0], err);
}

static int start_process(struct vrun_context *ctx, struct container *c, const char *dir,
			 const struct exec_options *o, const struct oci_process *p,
			 const char *token, int streams[3], int *tty, struct passed_fds *fds,
			 int *control, struct error **err)
{
	cleanup_free char *json = oci_process_to_json(p);
	if (connect_streams(dir, o, p, token, streams, tty, err) < 0 ||
	    passed_fds_connect(dir, token, fds, err) < 0)
		return error_wrap(err, "exec %s", c->id);
	*control = agent_connect(dir, err);
	if (*control < 0)
		return error_wrap(err, "exec %s", c->id);
	int code = 1;
	char *payload;
	size_t len = strlen(token) + 1 + strlen(json);
	payload = xcalloc(1, len + 1);
	memcpy(payload, token, strlen(token));
	memcpy(payload + strlen(token) + 1, json, strlen(json));
	int ret = agent_request(*control, AGENT_EXEC, payload, len, &code, err);
	free(payload);
	if (ret < 0) {
		ctx->exit_status = code;
		return error_wrap(err, "exec %s", c->id);
	}
	return 0;
}

/* A terminal on our own stdin (no console socket): the process's starts
 * with its size, and ours passes bytes raw until the end (*saved). */
static bool own_terminal(struct oci_process *p, struct termios *saved)
{
	uint16_t rows, cols;
	if (!isatty(0) || tcgetattr(0, saved) < 0)
		return false;
	if (p->console_size == NULL && terminal_size(0, &rows, &cols)) {
		p->console_size = xcalloc(1, sizeof(*p->console_size));
		*p->console_size = (struct oci_console_size){rows, cols};
	}
	struct termios raw = *saved;
	cfmakeraw(&raw);
	tcsetattr(0, TCSANOW, &raw);
	return true;
}

/* SIGWINCH as a signalfd: blocked before the relay's threads start. */
static int winch_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int run_exec(struct vrun_context *ctx, struct container *c, const struct exec_options *o,
		    struct oci_process *p, struct error **err)
{
	char token[AGENT_TOKEN_MAX], dir[4096];
	int streams[3] = {-1, -1, -1}, control = -1, tty = -1;
	struct stdio_relay relay;
	struct termios saved;
	struct passed_fds fds;
	bool raw = false;
	if (passed_fds_collect(o->preserve_fds, false, &fds, err) < 0)
		return error_wrap(err, "exec %s", c->id);
	if (p->terminal && o->detach && o->console_socket == NULL)
		return error_set_kind(err, EINVAL,
				      "exec %s: cannot allocate a terminal when detaching without "
				      "--console-socket",
				      c->id);
	if (p->terminal && o->console_socket == NULL)
		raw = own_terminal(p, &saved);
	make_token(token, sizeof(token));
	snprintf(dir, sizeof(dir), "%s/%s", ctx->root, c->id);
	if (start_process(ctx, c, dir, o, p, token, streams, &tty, &fds, &control, err) < 0) {
		passed_fds_close_streams(&fds);
		for (int i = 0; i < 3; i++)
			if (streams[i] >= 0)
				close(streams[i]);
		if (control >= 0)
			close(control);
		if (tty >= 0)
			close(tty);
		if (raw)
			tcsetattr(0, TCSANOW, &saved);
		return -1;
	}
	if (o->detach) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return error_set(err, errno, "exec %s: fork the relay", c->id);
		if (pid > 0) {
			passed_fds_close_streams(&fds);
			for (int i = 0; i < 3; i++)
				if (streams[i] >= 0)
					close(streams[i]);
			close(control);
			if (tty >= 0)
				close(tty);
			return o->pid_file != NULL ? launch_write_pid_file(o->pid_file, pid, err)
						   : 0;
		}
		setsid();
		/* A terminal's process does not have our stdio: let go of
		 * it, as the VMM does (go-runc reads it to its end). */
		if (tty >= 0)
			fs_stdio_release(-1);
	} else if (tty >= 0) {
		/* To have the terminal as ours we must lead a session; under a
		 * shell's job control we cannot, and resizes then stay there. */
		if (setsid() < 0)
			log_debug("exec: no session of our own (%s): resizes of the console "
				  "will not reach the process",
				  strerror(errno));
	}
	/* The console's slave as our controlling terminal: its resizes come
	 * as SIGWINCH. */
	if (tty >= 0 && ioctl(tty, TIOCSCTTY, 0) < 0)
		log_debug("exec: console as controlling terminal: %s", strerror(errno));
	int winch = p->terminal ? winch_fd() : -1;
	int ret = !p->terminal ? stdio_relay_start(&relay, streams, err)
			       : stdio_relay_start_tty(&relay, tty >= 0 ? tty : 0,
						       tty >= 0 ? tty : 1, streams[0], err);
	if (ret == 0)
		ret = passed_fds_relay(&relay, dir, token, &fds, err);
	int status = ret < 0 ? -1
			     : wait_process(control, token, &relay, winch,
					    tty >= 0 ? tty : (raw ? 0 : -1));
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	if (winch >= 0)
		close(winch);
	if (ret < 0)
		return -1;
	if (o->detach)
		_exit(status);
	ctx->exit_status = status;
	close(control);
	return 0;
}

int cmd_exec(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct exec_options o = {0};
	struct container c;
	struct oci_process p;
	int ret = parse_options(argc, argv, &o, err);
	if (ret != 0) {
		free(o.env);
		return cli_stop(ret);
	}
	ret = container_open(ctx->root, argv[optind], false, &c, err);
	if (ret == 0 && strcmp(container_refresh_status(&c), STATUS_RUNNING) != 0)
		ret = error_set_kind(err, EINVAL, "exec %s: container not running (it is %s)", c.id,
				     c.record.state.status);
	if (ret == 0 && (ret = build_process(&c, &o, argc, argv, &p, err)) == 0) {
		ret = run_exec(ctx, &c, &o, &p, err);
		oci_process_release(&p);
	}
	container_close(&c);
	free(o.env);
	return ret;
}
