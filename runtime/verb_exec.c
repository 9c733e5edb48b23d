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
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"
#include "oci-spec/config.h"
#include "runtime/agent_client.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/launch.h"
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
		}
	}
	if (optind >= argc)
		return error_set(err, 0, "exec: expected a container id (see vrun exec --help)");
	if (o->process_file == NULL && optind + 1 >= argc)
		return error_set(err, 0, "exec: expected a command, or --process FILE");
	return 0;
}

static void strings_push(struct oci_strings *s, const char *value)
{
	s->items = xrealloc(s->items, (s->len + 2) * sizeof(char *));
	s->items[s->len++] = xstrdup(value);
	s->items[s->len] = NULL;
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
	strings_push(env, entry);
}

/* NAME's line in the rootfs's /etc/passwd or /etc/group, opened beneath
 * the rootfs (a hostile image's symlinks cannot point it at the host's):
 * the id (field 3) and, for passwd, the group (field 4). */
static int rootfs_lookup(const char *rootfs, const char *file, const char *name, uint32_t *id,
			 uint32_t *gid, struct error **err)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = root < 0 ? -1 : (int)syscall(SYS_openat2, root, file, &how, sizeof(how));
	cleanup_fclose FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
	char line[1024];
	if (f == NULL)
		return error_set(err, errno, "exec: --user %s: %s/%s", name, rootfs, file);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *fields[4] = {0}, *save = NULL, *tok = strtok_r(line, ":", &save);
		for (int i = 0; i < 4 && tok != NULL; i++, tok = strtok_r(NULL, ":", &save))
			fields[i] = tok;
		if (fields[0] == NULL || fields[2] == NULL || strcmp(fields[0], name) != 0)
			continue;
		*id = (uint32_t)strtoul(fields[2], NULL, 10);
		if (gid != NULL && fields[3] != NULL)
			*gid = (uint32_t)strtoul(fields[3], NULL, 10);
		return 0;
	}
	return error_set_kind(err, ENOENT, "exec: --user: no %s named %s in the container's /%s",
			      strcmp(file, "etc/passwd") == 0 ? "user" : "group", name, file);
}

static bool number(const char *text, uint32_t *value)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || v > UINT32_MAX - 1)
		return false;
	*value = (uint32_t)v;
	return true;
}

/* USER[:GROUP], each a number or a name from the container's files. */
static int parse_user(const char *text, const char *rootfs, struct oci_user *user,
		      struct error **err)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", text);
	char *group = strchr(buf, ':');
	if (group != NULL)
		*group++ = '\0';
	uint32_t uid, gid = 0;
	if (!number(buf, &uid) && rootfs_lookup(rootfs, "etc/passwd", buf, &uid, &gid, err) < 0)
		return -1;
	if (group != NULL && !number(group, &gid) &&
	    rootfs_lookup(rootfs, "etc/group", group, &gid, NULL, err) < 0)
		return -1;
	if (group == NULL && number(buf, &uid))
		gid = uid;
	user->uid = uid;
	user->gid = gid;
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
		strings_push(&p->args, argv[i]);
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

/* Relays until the process exits; returns its status. */
static int wait_process(int control, const char *token, struct stdio_relay *relay)
{
	uint32_t type;
	cleanup_free char *payload = NULL;
	struct agent_exit e;
	if (agent_write_frame(control, AGENT_WAIT, token, strlen(token) + 1) < 0)
		return 255;
	ssize_t n = agent_read_frame(control, &type, &payload, 65536);
	if (n != sizeof(e) || type != AGENT_EXIT)
		return 255;
	memcpy(&e, payload, sizeof(e));
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
			 const char *token, int streams[3], int *tty, int *control,
			 struct error **err)
{
	cleanup_free char *json = oci_process_to_json(p);
	if (connect_streams(dir, o, p, token, streams, tty, err) < 0)
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

static int run_exec(struct vrun_context *ctx, struct container *c, const struct exec_options *o,
		    const struct oci_process *p, struct error **err)
{
	char token[AGENT_TOKEN_MAX], dir[4096];
	int streams[3] = {-1, -1, -1}, control = -1, tty = -1;
	struct stdio_relay relay;
	make_token(token, sizeof(token));
	snprintf(dir, sizeof(dir), "%s/%s", ctx->root, c->id);
	if (start_process(ctx, c, dir, o, p, token, streams, &tty, &control, err) < 0) {
		for (int i = 0; i < 3; i++)
			if (streams[i] >= 0)
				close(streams[i]);
		if (control >= 0)
			close(control);
		if (tty >= 0)
			close(tty);
		return -1;
	}
	if (o->detach) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0)
			return error_set(err, errno, "exec %s: fork the relay", c->id);
		if (pid > 0) {
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
	}
	int ret = !p->terminal ? stdio_relay_start(&relay, streams, err)
			       : stdio_relay_start_tty(&relay, tty >= 0 ? tty : 0,
						       tty >= 0 ? tty : 1, streams[0], err);
	if (ret < 0)
		return -1;
	int status = wait_process(control, token, &relay);
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
