/* `vrun kill [--all] ID [SIGNAL]`: the signal goes to the VMM process,
 * which forwards it to the container process (SIGKILL ends the VM).
 * With --all the agent sends it to every process of the container.
 * SIGTERM when none is given, as runc. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/agent_client.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/signal.h"

/* --all: every process of the container, through the agent. */
static int signal_all(struct container *c, const char *root, int signo, struct error **err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/%s", root, c->id);
	cleanup_close int fd = agent_connect(dir, err);
	if (fd < 0)
		return error_wrap(err, "kill --all %s", c->id);
	struct agent_signal s = {signo, 1};
	return agent_request(fd, AGENT_SIGNAL, &s, sizeof(s), NULL, err);
}

static int send_signal(struct container *c, const char *root, int signo, bool all,
		       struct error **err)
{
	const char *status = container_refresh_status(c);
	/* As runc: kill --all of a stopped container has nothing to do and
	 * is no error (containerd's shim sends it when it cleans up). */
	if (strcmp(status, STATUS_STOPPED) == 0 && all)
		return 0;
	if (strcmp(status, STATUS_STOPPED) == 0)
		return error_set_kind(err, ESRCH, "container not running: %s", c->id);
	if (all && strcmp(status, STATUS_PAUSED) != 0) {
		if (signal_all(c, root, signo, err) == 0)
			return 0;
		/* It may have stopped while we asked. */
		if (strcmp(container_refresh_status(c), STATUS_STOPPED) != 0)
			return -1;
		error_release(err);
		return 0;
	}
	pid_t pid = (pid_t)c->record.state.pid;
	log_debug("kill %s: signal %d to VMM pid %d", c->id, signo, (int)pid);
	if (kill(pid, signo) < 0) {
		if (errno == ESRCH)
			return error_set_kind(err, ESRCH, "container not running: %s", c->id);
		return error_set(err, errno, "kill %s (pid %d)", c->id, (int)pid);
	}
	return 0;
}

int cmd_kill(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct container c;
	int opt, signo = SIGTERM;
	bool all = false;

	while ((opt = cli_next_option(argc, argv, "ah", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		all = all || opt == 'a';
	}
	int args = argc - optind;
	if (args < 1 || args > 2)
		return error_set(err, 0,
				 "kill: expected a container id and optionally a signal "
				 "(see vrun kill --help)");
	if (args == 2 && signal_parse(argv[optind + 1], &signo, err) < 0)
		return -1;
	if (container_open(ctx->root, argv[optind], false, &c, err) < 0) {
		container_close(&c);
		return -1;
	}
	int ret = send_signal(&c, ctx->root, signo, all, err);
	container_close(&c);
	return ret;
}
