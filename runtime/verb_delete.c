/* `vrun delete [--force] ID`: a stopped container's state goes; a created
 * one is killed first; a running or paused one only with --force.  A
 * missing container is an error ("does not exist") unless --force. */
#include <errno.h>
#include <string.h>

#include "runtime/cli.h"
#include "runtime/container.h"

static int delete_container(struct container *c, bool force, struct error **err)
{
	const char *status = container_refresh_status(c);
	if (strcmp(status, STATUS_STOPPED) != 0 && strcmp(status, STATUS_CREATED) != 0 && !force)
		return error_set_kind(err, EBUSY,
				      "cannot delete container %s that is not stopped: %s "
				      "(use --force)",
				      c->id, status);
	return container_destroy(c, err);
}

int cmd_delete(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool force = false;
	struct container c;
	int opt, ret;

	while ((opt = cli_next_option(argc, argv, "fh", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		if (opt == 'f')
			force = true;
	}
	if (cli_expect_args(argc, argv, 1, "container id", err) < 0)
		return -1;
	ret = container_open(ctx->root, argv[optind], true, &c, err);
	if (ret < 0 && force && (*err)->errnum == ENOENT) {
		/* The container is gone, or was never fully created: --force
		 * removes whatever a half-done create left. */
		error_release(err);
		ret = c.rootfd >= 0 && c.dirfd >= 0 ? container_remove_dir(&c, err) : 0;
		container_close(&c);
		return ret;
	}
	if (ret == 0)
		ret = delete_container(&c, force, err);
	container_close(&c);
	return ret;
}
