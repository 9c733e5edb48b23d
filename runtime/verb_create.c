/* `vrun create --bundle B [--pid-file P] [--console-socket S] [--no-pivot]
 * [--no-new-keyring] [--preserve-fds N] ID`: boots the container's microVM
 * and has its process prepared, then returns (runtime/launch.c). */
#include <errno.h>
#include <stdlib.h>

#include "runtime/cli.h"
#include "runtime/container_id.h"
#include "runtime/launch.h"

static int parse_options(int argc, char **argv, struct launch_options *o, struct error **err)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE };
	static const struct option options[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, OPT_PID_FILE},
		{"console-socket", required_argument, NULL, OPT_CONSOLE},
		{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
		{"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int opt;
	char *end;

	while ((opt = cli_next_option(argc, argv, "b:h", options, err)) != CLI_END) {
		switch (opt) {
		case CLI_ERROR:
		case CLI_HELP:
			return opt;
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE:
			errno = 0;
			o->preserve_fds = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o->preserve_fds < 0 ||
			    o->preserve_fds > 65536)
				return error_set(err, 0, "%s: --preserve-fds: '%s' is not a count",
						 argv[0], optarg);
			break;
		}
	}
	return cli_expect_args(argc, argv, 1, "container id", err) < 0 ? CLI_ERROR : 0;
}

int cmd_create(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct launch_options o = {.bundle = "."};
	struct container c;
	int exit_code;
	int ret = parse_options(argc, argv, &o, err);

	if (ret != 0)
		return cli_stop(ret);
	o.id = argv[optind];
	if (container_id_validate(o.id, err) < 0)
		return -1;
	ret = launch_container(ctx, &o, &c, &exit_code, err);
	container_close(&c);
	return ret < 0 ? error_wrap(err, "create %s", o.id) : 0;
}
