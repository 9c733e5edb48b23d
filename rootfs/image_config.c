/* config.json for an image (image-spec conversion.md) and the whole
 * `image unpack`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/etc_users.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "oci-spec/default_config.h"
#include "rootfs/image.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_GROUPS   64

static void annotate(struct oci_strmap *m, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	for (size_t i = 0; i < m->len; i++) {
		if (strcmp(m->items[i].key, key) == 0) {
			free(m->items[i].value);
			m->items[i].value = xstrdup(value);
			return;
		}
	}
	m->items = xrealloc(m->items, (m->len + 1) * sizeof(*m->items));
	m->items[m->len++] = (struct oci_strmap_entry){xstrdup(key), xstrdup(value)};
}

/* The image's User: "", USER or USER:GROUP, each a number or a name of
 * the image's /etc/passwd and /etc/group.  Without a group, the user's
 * passwd group and the groups that list it, as a login would. */
static int resolve_user(const char *spec, int root, struct oci_user *u, struct error **err)
{
	char user[ETC_NAME_MAX], *group;
	struct etc_user entry;
	bool found = false;
	*u = (struct oci_user){0};
	if (spec == NULL || spec[0] == '\0')
		return 0;
	snprintf(user, sizeof(user), "%s", spec);
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	bool numeric = etc_parse_id(user, &u->uid);
	FILE *f = etc_open(root, "etc/passwd");
	if (f != NULL) {
		found = etc_passwd_find(f, numeric ? NULL : user, u->uid, &entry) == 0;
		fclose(f);
	}
	if (!numeric && !found)
		return error_set_kind(err, ENOENT,
				      "image user `%s`: not in the image's /etc/passwd", user);
	if (found) {
		u->uid = entry.uid;
		u->gid = entry.gid;
	}
	if (group != NULL && !etc_parse_id(group, &u->gid)) {
		f = etc_open(root, "etc/group");
		int r = f != NULL ? etc_group_find(f, group, &u->gid) : -1;
		if (f != NULL)
			fclose(f);
		if (r < 0)
			return error_set_kind(err, ENOENT,
					      "image group `%s`: not in the image's /etc/group",
					      group);
	}
	if (group == NULL && found && (f = etc_open(root, "etc/group")) != NULL) {
		uint32_t gids[MAX_GROUPS];
		size_t n = etc_group_member_of(f, entry.name, gids, MAX_GROUPS);
		fclose(f);
		u->additional_gids.items = xcalloc(n + 1, sizeof(uint32_t));
		memcpy(u->additional_gids.items, gids, n * sizeof(uint32_t));
		u->additional_gids.len = n;
	}
	return 0;
}

char *image_runtime_config(const struct image *img, int root, char *const *cmd, size_t ncmd,
			   const char *const extra[2], struct error **err)
{
	struct oci_config c;
	const struct image_run_config *rc = img->config.config;
	static const struct image_run_config none = {0};
	if (rc == NULL)
		rc = &none;
	if (oci_config_default(false, &c, err) < 0)
		return NULL;
	struct oci_process *p = c.process;
	p->terminal = false;
	c.root->readonly = false;
	oci_strings_clear(&p->args);
	for (size_t i = 0; i < rc->entrypoint.len; i++)
		oci_strings_push(&p->args, rc->entrypoint.items[i]);
	bool override = cmd != NULL && ncmd > 0;
	for (size_t i = 0; i < (override ? ncmd : rc->cmd.len); i++)
		oci_strings_push(&p->args, override ? cmd[i] : rc->cmd.items[i]);
	bool has_path = false;
	oci_strings_clear(&p->env);
	for (size_t i = 0; i < rc->env.len; i++) {
		oci_strings_push(&p->env, rc->env.items[i]);
		has_path |= strncmp(rc->env.items[i], "PATH=", 5) == 0;
	}
	if (!has_path)
		oci_strings_push(&p->env, DEFAULT_PATH);
	if (rc->working_dir != NULL && rc->working_dir[0] != '\0') {
		free(p->cwd);
		p->cwd = xstrdup(rc->working_dir);
	}
	free(p->user.additional_gids.items);
	char *text = NULL;
	if (p->args.len == 0)
		log_warning("the image has no Entrypoint or Cmd: config.json has no process.args "
			    "(give it one before create)");
	if (resolve_user(rc->user, root, &p->user, err) == 0) {
		for (size_t i = 0; i < rc->labels.len; i++)
			annotate(&c.annotations, rc->labels.items[i].key,
				 rc->labels.items[i].value);
		annotate(&c.annotations, "org.opencontainers.image.os", img->config.os);
		annotate(&c.annotations, "org.opencontainers.image.architecture",
			 img->config.architecture);
		annotate(&c.annotations, "org.opencontainers.image.stopSignal", rc->stop_signal);
		if (extra != NULL)
			annotate(&c.annotations, extra[0], extra[1]);
		text = oci_config_to_json(&c);
	}
	oci_config_release(&c);
	return text;
}

/* A new BUNDLE, or an existing one without rootfs/ or config.json. */
static int make_bundle(const char *bundle, bool *made, int *fd, struct error **err)
{
	*made = mkdir(bundle, 0755) == 0;
	if (!*made && errno != EEXIST)
		return error_set(err, errno, "bundle %s", bundle);
	*fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return error_set(err, errno, "bundle %s", bundle);
	if (faccessat(*fd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return error_set_kind(err, EEXIST, "bundle %s: config.json exists already", bundle);
	if (mkdirat(*fd, "rootfs", 0755) < 0)
		return error_set(err, errno, "bundle %s: rootfs", bundle);
	return 0;
}

int image_unpack(const char *spec, const char *bundle, bool progress, struct error **err)
{
	struct image img;
	bool made = false;
	int bundle_fd = -1, root = -1, ret = -1;
	cleanup_free char *text = NULL;
	if (image_open(spec, &img, err) < 0)
		return -1;
	if (make_bundle(bundle, &made, &bundle_fd, err) < 0) {
		if (bundle_fd >= 0)
			close(bundle_fd);
		if (made)
			rmdir(bundle);
		image_close(&img);
		return -1;
	}
	root = openat(bundle_fd, "rootfs", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		error_set(err, errno, "bundle %s: rootfs", bundle);
	else if (image_unpack_rootfs(&img, root, progress, err) == 0 &&
		 (text = image_runtime_config(&img, root, NULL, 0, NULL, err)) != NULL)
		ret = fs_write_file_atomic(bundle_fd, "config.json", text, strlen(text), 0644, err);
	if (root >= 0)
		close(root);
	if (ret < 0) {
		struct error *ignored = NULL;
		fs_remove_tree_at(bundle_fd, "rootfs", &ignored);
		error_release(&ignored);
		unlinkat(bundle_fd, "config.json", 0);
		if (made)
			rmdir(bundle);
	}
	close(bundle_fd);
	image_close(&img);
	return ret;
}

int image_cache_rootfs(struct image *img, const char *cache, bool progress, char **rootfs,
		       struct error **err)
{
	char dir[4096], tmp[4200];
	struct stat st;
	snprintf(dir, sizeof(dir), "%s/%s", cache, img->id + 7);
	if (asprintf(rootfs, "%s/rootfs", dir) < 0)
		abort();
	if (stat(dir, &st) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.unpack-XXXXXX", cache);
	/* 0700: a layer's device nodes and set-id files are no one else's. */
	if (fs_mkdir_all(cache, 0700, err) < 0 || mkdtemp(tmp) == NULL) {
		if (*err == NULL)
			error_set(err, errno, "image cache %s", cache);
		free(*rootfs);
		return -1;
	}
	chmod(tmp, 0755);
	int fd = -1, ret = -1;
	char tmp_rootfs[4300];
	snprintf(tmp_rootfs, sizeof(tmp_rootfs), "%s/rootfs", tmp);
	if (mkdir(tmp_rootfs, 0755) < 0 ||
	    (fd = open(tmp_rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		error_set(err, errno, "image cache %s", tmp_rootfs);
	else if (image_unpack_rootfs(img, fd, progress, err) == 0)
		ret = 0;
	if (fd >= 0)
		close(fd);
	/* Another unpack of the same image may have won the race: fine. */
	if (ret == 0 && rename(tmp, dir) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		ret = error_set(err, errno, "image cache %s", dir);
	if (stat(tmp, &st) == 0) {
		struct error *ignored = NULL;
		fs_remove_tree_at(AT_FDCWD, tmp, &ignored);
		error_release(&ignored);
	}
	if (ret < 0) {
		free(*rootfs);
		*rootfs = NULL;
	}
	return ret;
}
