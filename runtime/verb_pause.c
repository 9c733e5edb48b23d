/* `vrun pause ID` and `vrun resume ID`: the VMM process is stopped
 * (SIGSTOP) and continued (SIGCONT); stopping it stops every vCPU, so the
 * whole guest freezes, as runc's freezer cgroup freezes a container.
 * `state` reads "paused" from the stopped VMM. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "common/proc.h"
#include "runtime/cli.h"
#include "runtime/container.h"

#define STOP_WAIT_MS 5000

static int wait_state(pid_t pid, bool stopped)
{
	for (int waited = 0; waited < STOP_WAIT_MS; waited += 10) {
		char state = proc_state(pid);
		if (state == 0 || ((state == 'T' || state == 't') == stopped))
			return 0;
		struct timespec ts = {0, 10 * 1000000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int pause_or_resume(struct vrun_context *ctx, int argc, char **argv, bool pause,
			   struct error **err)
{
	struct container c;
	int opt;
	if ((opt = cli_no_options(argc, argv, err)) != CLI_END)
		return cli_stop(opt);
	if (cli_expect_args(argc, argv, 1, "container id", err) < 0)
		return -1;
	if (container_open(ctx->root, argv[optind], true, &c, err) < 0) {
		container_close(&c);
		return -1;
	}
	const char *status = container_refresh_status(&c);
	const char *want = pause ? STATUS_RUNNING : STATUS_PAUSED;
	int ret = 0;
	pid_t pid = (pid_t)c.record.state.pid;
	if (strcmp(status, want) != 0)
		ret = error_set_kind(err, EINVAL, "container %s is %s, not %s", c.id, status, want);
	else if (kill(pid, pause ? SIGSTOP : SIGCONT) < 0)
		ret = error_set(err, errno, "%s %s (pid %d)", pause ? "pause" : "resume", c.id,
				(int)pid);
	else if (wait_state(pid, pause) < 0)
		ret = error_set_kind(err, ETIMEDOUT, "%s %s: the VMM did not %s", argv[0], c.id,
				     pause ? "stop" : "continue");
	container_close(&c);
	return ret;
}

int cmd_pause(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	return pause_or_resume(ctx, argc, argv, true, err);
}

int cmd_resume(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	return pause_or_resume(ctx, argc, argv, false, err);
}
