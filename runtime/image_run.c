/* The cache of unpacked images and the containers' bundles over them. */
#include "runtime/image_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "rootfs/image.h"
#include "runtime/supervisor.h"

static void data_dir(char *out, size_t size)
{
	const char *env = getenv("VRUN_DATA_DIR"), *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (env != NULL && env[0] != '\0')
		snprintf(out, size, "%s", env);
	else if (geteuid() == 0)
		snprintf(out, size, "/var/lib/vrun");
	else if (xdg != NULL && xdg[0] != '\0')
		snprintf(out, size, "%s/vrun", xdg);
	else
		snprintf(out, size, "%s/.local/share/vrun", home != NULL ? home : "/tmp");
}

static int write_bundle(struct image *img, const char *lower, const char *bundle, char *const *cmd,
			size_t ncmd, struct error **err)
{
	const struct image_run_config *rc = img->config.config;
	if (ncmd == 0 && (rc == NULL || (rc->entrypoint.len == 0 && rc->cmd.len == 0)))
		return error_set_kind(
			err, EINVAL,
			"the image has no Entrypoint or Cmd: give a command after the id");
	if (mkdir(bundle, 0700) < 0)
		return errno == EEXIST
			       ? error_set_kind(
					 err, EEXIST,
					 "%s exists: the layer of an earlier container of this id "
					 "(remove it, or run with --rm)",
					 bundle)
			       : error_set(err, errno, "bundle %s", bundle);
	char path[4200];
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	cleanup_close int root = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *const extra[2] = {ROOTFS_LOWER_ANNOTATION, lower};
	cleanup_free char *text = NULL;
	if (mkdir(path, 0755) < 0 || root < 0)
		return error_set(err, errno, "bundle %s", path);
	if ((text = image_runtime_config(img, root, cmd, ncmd, extra, err)) == NULL)
		return -1;
	cleanup_close int dir = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return error_set(err, errno, "bundle %s", bundle);
	return fs_write_file_atomic(dir, "config.json", text, strlen(text), 0644, err);
}

int image_bundle_make(const char *spec, const char *id, char *const *cmd, size_t ncmd,
		      char **bundle, struct error **err)
{
	char data[4096], cache[4200], containers[4200];
	struct image img;
	cleanup_free char *lower = NULL;
	data_dir(data, sizeof(data));
	snprintf(cache, sizeof(cache), "%s/images", data);
	snprintf(containers, sizeof(containers), "%s/containers", data);
	if (image_open(spec, &img, err) < 0)
		return -1;
	int ret = image_cache_rootfs(&img, cache, isatty(2), &lower, err);
	if (ret == 0)
		ret = fs_mkdir_all(containers, 0700, err);
	if (ret == 0) {
		if (asprintf(bundle, "%s/%s", containers, id) < 0)
			abort();
		ret = write_bundle(&img, lower, *bundle, cmd, ncmd, err);
		if (ret < 0 && (*err)->errnum != EEXIST)
			image_bundle_remove(*bundle);
		if (ret < 0) {
			free(*bundle);
			*bundle = NULL;
		}
	}
	image_close(&img);
	return ret;
}

void image_bundle_remove(const char *bundle)
{
	struct error *ignored = NULL;
	fs_remove_tree_at(AT_FDCWD, bundle, &ignored);
	error_release(&ignored);
}
