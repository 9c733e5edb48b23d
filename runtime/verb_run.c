/* `vrun run [--bundle B] [--pid-file P] [--detach] ID`: create, start,
 * and (without --detach) wait for the container, forwarding signals to
 * it; vrun then exits with its status and removes it, as `runc run`.
 * `vrun run --image SRC [--rm] ID [CMD...]` makes the bundle from an
 * image first (runtime/image_run.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/cleanup.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/container_id.h"
#include "runtime/image_run.h"
#include "runtime/launch.h"
#include "runtime/pool.h"

static volatile sig_atomic_t vmm_pid;

static void forward(int signo)
{
	if (vmm_pid > 0)
		kill((pid_t)vmm_pid, signo);
}

static void forward_signals(void)
{
	static const int signals[] = {SIGHUP,  SIGINT,	SIGQUIT,  SIGUSR1, SIGUSR2,
				      SIGTERM, SIGCONT, SIGWINCH, SIGALRM, SIGPWR};
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaction(signals[i], &sa, NULL);
}

static int wait_vmm(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 255;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void remove_container(struct vrun_context *ctx, const char *id)
{
	struct container c;
	struct error *err = NULL;
	if (container_open(ctx->root, id, true, &c, &err) == 0)
		container_destroy(&c, &err);
	container_close(&c);
	error_release(&err);
}

static int run(struct vrun_context *ctx, struct launch_options *o, bool detach, struct error **err)
{
	struct container c;
	int exit_code;
	if (!detach)
		forward_signals();
	int ret = launch_container(ctx, o, &c, &exit_code, err);
	if (ret < 0) {
		container_close(&c);
		ctx->exit_status = exit_code;
		return error_wrap(err, "run %s", o->id);
	}
	pid_t pid = (pid_t)c.record.state.pid;
	vmm_pid = pid;
	/* A pooled VMM is not our child: its status comes by the claim's
	 * connection (pool.h). */
	cleanup_close int pool_fd = c.pool_fd;
	c.pool_fd = -1;
	ret = start_container(&c, ctx->root, err);
	container_close(&c); /* unlocked: kill, state and exec work meanwhile */
	if (ret < 0) {
		remove_container(ctx, o->id);
		return -1;
	}
	if (detach)
		return 0;
	ctx->exit_status = pool_fd >= 0 ? pool_wait_status(pool_fd) : wait_vmm(pid);
	remove_container(ctx, o->id);
	return 0;
}

int cmd_run(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct launch_options o = {.bundle = "."};
	bool detach = false;
	int ret = launch_parse_options(argc, argv, &o, &detach, err);
	if (ret != 0)
		return cli_stop(ret);
	o.id = argv[optind];
	if (container_id_validate(o.id, err) < 0)
		return -1;
	if (o.image == NULL)
		return run(ctx, &o, detach, err);
	if (o.bundle_given || (o.rm && detach))
		return error_set(err, 0, "run: --image %s",
				 o.bundle_given
					 ? "makes the bundle: no --bundle with it"
					 : "--rm waits for the container: no --detach with it");
	cleanup_free char *bundle = NULL;
	if (image_bundle_make(o.image, o.id, o.cmd, o.ncmd, &bundle, err) < 0)
		return error_wrap(err, "run %s", o.id);
	o.bundle = bundle;
	ret = run(ctx, &o, detach, err);
	if (o.rm || ret < 0)
		image_bundle_remove(bundle);
	return ret;
}
