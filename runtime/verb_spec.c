/* `vrun spec [--bundle DIR] [--rootless]`: writes a default config.json,
 * runc's defaults with vrun's hostname.  The text is produced by the same
 * writer and re-read by the same parser as every config. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "oci-spec/config.h"
#include "oci-spec/default_config.h"
#include "runtime/cli.h"
#include "common/xalloc.h"

static int write_new_file(const char *bundle, const char *text, struct error **err)
{
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		abort();
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return error_set_kind(err, EEXIST, "spec: `%s` already exists: remove it first",
				      path);
	if (fd < 0)
		return error_set(err, errno, "spec: create `%s`", path);
	if (fs_write_all(fd, text, strlen(text)) < 0) {
		int saved = errno;
		unlink(path);
		return error_set(err, saved, "spec: write `%s`", path);
	}
	return 0;
}

int cmd_spec(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"rootless", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *bundle = ".";
	bool rootless = false;
	struct oci_config config;
	int opt;

	while ((opt = cli_next_option(argc, argv, "b:h", options, err)) != CLI_END) {
		if (opt < CLI_END)
			return cli_stop(opt);
		if (opt == 'b')
			bundle = optarg;
		if (opt == 'r')
			rootless = true;
	}
	if (cli_expect_args(argc, argv, 0, "", err) < 0)
		return -1;
	if (oci_config_default(rootless, &config, err) < 0)
		return error_wrap(err, "spec");
	cleanup_free char *text = oci_config_to_json(&config);
	oci_config_release(&config);
	return write_new_file(bundle, text, err);
}
