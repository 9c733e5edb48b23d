/* `vrun image unpack [--quiet] SRC[:TAG|@sha256:DIGEST] BUNDLE`: an OCI
 * image layout, oci-archive or docker-archive into BUNDLE/rootfs and
 * BUNDLE/config.json (rootfs/image.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rootfs/image.h"
#include "runtime/cli.h"

static int image_unpack_verb(int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	bool quiet = false;
	int opt;
	while ((opt = cli_next_option(argc, argv, "qh", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		if (opt == 'q')
			quiet = true;
	}
	if (argc - optind != 2)
		return error_set(err, 0,
				 "image unpack: expected SRC and BUNDLE (see vrun image --help)");
	if (image_unpack(argv[optind], argv[optind + 1], !quiet && isatty(2), err) < 0)
		return error_wrap(err, "image unpack");
	return 0;
}

int cmd_image(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_usage(argv[0]);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "unpack") != 0)
		return error_set(err, 0,
				 "image: expected a subcommand: unpack (see vrun image --help)");
	return image_unpack_verb(argc - 1, argv + 1, err);
}
