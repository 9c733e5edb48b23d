/* `vrun create --bundle B [--pid-file P] [--console-socket S] [--no-pivot]
 * [--no-new-keyring] [--preserve-fds N] ID`: boots the container's microVM
 * and has its process prepared, then returns (runtime/launch.c). */
#include <errno.h>
#include <stdlib.h>

#include "runtime/cli.h"
#include "runtime/container_id.h"
#include "runtime/launch.h"

int cmd_create(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct launch_options o = {.bundle = "."};
	struct container c;
	int exit_code;
	int ret = launch_parse_options(argc, argv, &o, NULL, err);

	if (ret != 0)
		return cli_stop(ret);
	o.id = argv[optind];
	if (container_id_validate(o.id, err) < 0)
		return -1;
	ret = launch_container(ctx, &o, &c, &exit_code, err);
	container_close(&c);
	return ret < 0 ? error_wrap(err, "create %s", o.id) : 0;
}
