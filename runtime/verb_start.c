/* `vrun start ID`: the agent execs the prepared process. */
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/launch.h"

int cmd_start(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct container c;
	int opt, ret;

	if ((opt = cli_no_options(argc, argv, err)) != CLI_END)
		return cli_stop(opt);
	if (cli_expect_args(argc, argv, 1, "container id", err) < 0)
		return -1;
	ret = container_open(ctx->root, argv[optind], true, &c, err);
	if (ret == 0)
		ret = start_container(&c, ctx->root, err);
	container_close(&c);
	return ret;
}
