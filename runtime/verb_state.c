/* `vrun state ID`: the OCI state as JSON on stdout, nothing on stderr on
 * success (go-runc merges the streams). */
#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "runtime/cli.h"
#include "runtime/container.h"

int cmd_state(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct container c;
	int opt;

	if ((opt = cli_no_options(argc, argv, err)) != CLI_END)
		return cli_stop(opt);
	if (cli_expect_args(argc, argv, 1, "container id", err) < 0)
		return -1;
	if (container_open(ctx->root, argv[optind], false, &c, err) < 0) {
		container_close(&c);
		return -1;
	}
	container_refresh_status(&c);
	cleanup_free char *json = oci_state_to_json(&c.record.state, true);
	container_close(&c);
	fputs(json, stdout);
	return 0;
}
