/* State root, per-container directory, lock and record. */
#include "runtime/statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "runtime/container_id.h"
#include "common/xalloc.h"

#define RECORD_MAX_SIZE (4u << 20)

/* One schema row per line. */
/* clang-format off */
#define F(json, kind, member) {json, kind, offsetof(struct container_record, member), NULL, false, 0, 0}
#define REQ(json, kind, member) {json, kind, offsetof(struct container_record, member), NULL, true, 0, 0}
/* clang-format on */

static const struct schema_field record_fields[] = {
	REQ("ociVersion", SCHEMA_STRING, state.oci_version),
	REQ("id", SCHEMA_STRING, state.id),
	REQ("status", SCHEMA_STRING, state.status),
	F("pid", SCHEMA_I64, state.pid),
	REQ("bundle", SCHEMA_STRING, state.bundle),
	F("rootfs", SCHEMA_STRING, state.rootfs),
	F("created", SCHEMA_STRING, state.created),
	F("owner", SCHEMA_STRING, state.owner),
	F("annotations", SCHEMA_STRMAP, state.annotations),
	F("pidStartTime", SCHEMA_U64, pid_start_time),
	{NULL, 0, 0, NULL, false, 0, 0},
};

static const struct schema record_schema = {sizeof(struct container_record), record_fields};

void statedir_default_root(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (geteuid() == 0)
		snprintf(buf, size, "/run/vrun");
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, size, "%s/vrun", xdg);
	else
		snprintf(buf, size, "/run/user/%u/vrun", (unsigned)geteuid());
}

int statedir_open_root(const char *root, bool create, int *rootfd, struct error **err)
{
	if (create && fs_mkdir_all(root, 0700, err) < 0)
		return error_wrap(err, "state root");
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open state root `%s`", root);
	*rootfd = fd;
	return 0;
}

static int not_exist(const char *id, struct error **err)
{
	return error_set_kind(err, ENOENT, "container \"%s\" does not exist", id);
}

/* Takes the lock, then checks that the lock file is still linked: a
 * `delete` that held it before us has removed the container. */
static int lock_container(struct container *c, struct error **err)
{
	int fd = openat(c->dirfd, LOCK_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return errno == ENOENT ? not_exist(c->id, err)
				       : error_set(err, errno, "open lock of container %s", c->id);
	if (flock(fd, LOCK_EX) < 0) {
		close(fd);
		return error_set(err, errno, "lock container %s", c->id);
	}
	if (fstat(fd, &st) < 0 || st.st_nlink == 0) {
		close(fd);
		return not_exist(c->id, err);
	}
	c->lockfd = fd;
	return 0;
}

int container_open(const char *root, const char *id, bool lock, struct container *c,
		   struct error **err)
{
	*c = (struct container)CONTAINER_INIT;
	if (container_id_validate(id, err) < 0)
		return -1;
	c->id = xstrdup(id);
	c->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfd < 0)
		return errno == ENOENT ? not_exist(id, err)
				       : error_set(err, errno, "open state root `%s`", root);
	c->dirfd = openat(c->rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (c->dirfd < 0)
		return errno == ENOENT ? not_exist(id, err)
				       : error_set(err, errno, "open state of container %s", id);
	if (lock && lock_container(c, err) < 0)
		return -1;
	return container_read_record(c, err);
}

int container_make(const char *root, const char *id, struct container *c, struct error **err)
{
	*c = (struct container)CONTAINER_INIT;
	if (container_id_validate(id, err) < 0)
		return -1;
	c->id = xstrdup(id);
	if (statedir_open_root(root, true, &c->rootfd, err) < 0)
		return -1;
	if (mkdirat(c->rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return error_set_kind(err, EEXIST, "container \"%s\" already exists", id);
		return error_set(err, errno, "create state of container %s", id);
	}
	c->dirfd = openat(c->rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	int fd = c->dirfd < 0
			 ? -1
			 : openat(c->dirfd, LOCK_FILE, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		struct error *ignored = NULL;
		fs_remove_tree_at(c->rootfd, id, &ignored);
		error_release(&ignored);
		return error_set(err, saved, "create state of container %s", id);
	}
	c->lockfd = fd;
	return 0;
}

int container_read_record(struct container *c, struct error **err)
{
	cleanup_free char *text = NULL;
	container_record_release(&c->record);
	if (fs_read_file_at(c->dirfd, STATE_FILE, STATE_FILE, RECORD_MAX_SIZE, &text, NULL, err) <
	    0) {
		if ((*err)->errnum == ENOENT) {
			/* A create that has made the directory but not yet the record. */
			error_release(err);
			return error_set_kind(err, ENOENT,
					      "container \"%s\" does not exist (no state yet)",
					      c->id);
		}
		return error_wrap(err, "container %s", c->id);
	}
	if (container_record_parse(text, &c->record, err) < 0)
		return error_wrap(err, "container %s: %s", c->id, STATE_FILE);
	return 0;
}

int container_write_record(struct container *c, struct error **err)
{
	cleanup_free char *text = container_record_to_json(&c->record);
	if (fs_write_file_atomic(c->dirfd, STATE_FILE, text, strlen(text), 0600, err) < 0)
		return error_wrap(err, "container %s: save state", c->id);
	return 0;
}

int container_remove_dir(struct container *c, struct error **err)
{
	if (fs_remove_tree_at(c->rootfd, c->id, err) < 0)
		return error_wrap(err, "delete state of container %s", c->id);
	return 0;
}

void container_close(struct container *c)
{
	container_record_release(&c->record);
	if (c->lockfd >= 0)
		close(c->lockfd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->rootfd >= 0)
		close(c->rootfd);
	if (c->pool_fd >= 0)
		close(c->pool_fd);
	free(c->id);
	*c = (struct container)CONTAINER_INIT;
}

char *container_record_to_json(const struct container_record *record)
{
	yajl_gen g = json_gen_new(false);
	schema_write(&record_schema, record, g);
	char *out = json_gen_take(g, true);
	yajl_gen_free(g);
	return out;
}

int container_record_parse(const char *text, struct container_record *record, struct error **err)
{
	memset(record, 0, sizeof(*record));
	return schema_parse_text(&record_schema, text, record, err);
}

void container_record_release(struct container_record *record)
{
	schema_release(&record_schema, record);
}
