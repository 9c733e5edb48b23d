/* One layer, entry by entry, beneath the root. */
#include "rootfs/layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/xalloc.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER	".wh..wh..opq"

void layer_target_init(struct layer_target *t, int root)
{
	struct stat st;
	*t = (struct layer_target){
		.root = root, .owners = true, .parent_fd = -1, .uid = geteuid(), .gid = getegid()};
	/* New nodes take a set-group-id directory's group. */
	t->setgid_seen = fstat(root, &st) < 0 || (st.st_mode & S_ISGID);
}

static void forget_parent(struct layer_target *t)
{
	if (t->parent_fd >= 0)
		close(t->parent_fd);
	t->parent_fd = -1;
	free(t->parent_path);
	t->parent_path = NULL;
}

void layer_target_release(struct layer_target *t)
{
	forget_parent(t);
	strset_clear(&t->made);
	for (size_t i = 0; i < t->ndirs; i++)
		free(t->dirs[i].path);
	free(t->dirs);
	t->dirs = NULL;
	t->ndirs = t->capdirs = 0;
}

/* `in` relative to the root, into out: empty and "." components dropped,
 * ".." taking the previous one off.  false when it climbs above the root
 * or is too long. */
static bool clean_path(const char *in, char *out, size_t size)
{
	size_t len = 0;
	while (*in != '\0') {
		while (*in == '/')
			in++;
		size_t n = strcspn(in, "/");
		if (n == 0)
			break;
		if (n == 1 && in[0] == '.') {
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			if (len == 0)
				return false;
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash */
		} else {
			if (len + 1 + n + 1 > size)
				return false;
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, in, n);
			len += n;
		}
		in += n;
	}
	out[len] = '\0';
	return true;
}

static int open_beneath(const struct layer_target *t, const char *path, int flags)
{
	return beneath_open(t->root, path, flags);
}

/* The directories of `path` that do not exist yet, made 0755 (a layer
 * need not list its parents). */
static int make_parents(const struct layer_target *t, const char *path, struct error **err)
{
	char prefix[PATH_MAX];
	size_t len = strlen(path);
	for (size_t i = 0; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		char *slash = strrchr(prefix, '/');
		const char *name = slash != NULL ? slash + 1 : prefix;
		if (slash != NULL)
			*slash = '\0';
		cleanup_close int dir =
			open_beneath(t, slash != NULL ? prefix : "", O_PATH | O_DIRECTORY);
		if (dir < 0 || (mkdirat(dir, name, 0755) < 0 && errno != EEXIST))
			return error_set(err, errno, "make directory /%.*s", (int)i, path);
	}
	return 0;
}

/* The parent directory `path`, opened beneath the root (the last one is
 * kept: a layer lists a directory's entries together). */
static int open_parent(struct layer_target *t, const char *path, struct error **err)
{
	if (t->parent_fd >= 0 && strcmp(t->parent_path, path) == 0)
		return t->parent_fd;
	forget_parent(t);
	int fd = open_beneath(t, path, O_PATH | O_DIRECTORY);
	if (fd < 0 && errno == ENOENT && make_parents(t, path, err) == 0)
		fd = open_beneath(t, path, O_PATH | O_DIRECTORY);
	if (fd < 0) {
		if (*err == NULL)
			error_set(err, errno, "open directory /%s", path);
		return -1;
	}
	t->parent_fd = fd;
	t->parent_path = xstrdup(path);
	return fd;
}

/* Makes way for a new `name` in `dir`: what is there goes, except a
 * directory when a directory comes (1: it stays). */
static int make_way(int dir, const char *name, bool keep_dir, struct error **err)
{
	struct stat st;
	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "stat");
	if (S_ISDIR(st.st_mode) && keep_dir)
		return 1;
	/* The parent kept open (`dir` itself) stays valid: only what is in
	 * it goes. */
	return fs_remove_tree_at(dir, name, err);
}

static void set_xattrs(struct archive_entry *e, int fd, const char *path)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* trusted.* is the host's (overlayfs reads trusted.overlay.*
		 * on the lower layer `run --image` makes of this tree). */
		if (strncmp(name, "trusted.", 8) == 0) {
			log_warning("layer: /%s: xattr %s not set (trusted.* is the host's)",
				    archive_entry_pathname(e), name);
			continue;
		}
		if (fd >= 0 ? fsetxattr(fd, name, value, size, 0)
			    : lsetxattr(path, name, value, size, 0))
			log_warning("layer: /%s: xattr %s not set: %s", archive_entry_pathname(e),
				    name, strerror(errno));
	}
}

/* The entry's owner, unless the node has it already: a new node is ours
 * (our ids) except below a set-group-id directory.  True when it changed
 * (a chown clears set-id bits: the mode goes on after). */
static bool set_owner(struct layer_target *t, struct archive_entry *e, int dir, const char *name,
		      int fd, bool fresh)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if (!t->owners || (fresh && !t->setgid_seen && uid == t->uid && gid == t->gid))
		return false;
	int r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(dir, name, uid, gid, AT_SYMLINK_NOFOLLOW);
	/* EPERM without privilege, EINVAL for an id a user namespace does
	 * not map: either way no owner will stick, so say it once. */
	if (r < 0 && (errno == EPERM || errno == EINVAL)) {
		log_warning("layer: cannot set owners (%s): files belong to the caller",
			    strerror(errno));
		t->owners = false;
	}
	return r == 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1] = archive_entry_mtime_is_set(e)
			? (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)}
			: (struct timespec){0, UTIME_OMIT};
	ts[0] = archive_entry_atime_is_set(e)
			? (struct timespec){archive_entry_atime(e), archive_entry_atime_nsec(e)}
			: ts[1];
}

static int write_file(struct archive *a, struct archive_entry *e, int fd, struct error **err)
{
	const void *buf;
	size_t size;
	la_int64_t offset, end = 0;
	int r;
	while ((r = archive_read_data_block(a, &buf, &size, &offset)) == ARCHIVE_OK) {
		end = offset + (la_int64_t)size;
		for (size_t done = 0; done < size;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, size - done,
					   (off_t)offset + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return error_set(err, n < 0 ? errno : EIO, "write");
			done += (size_t)n;
		}
	}
	if (r != ARCHIVE_EOF)
		return error_set_kind(err, EIO, "read: %s", archive_error_string(a));
	/* A sparse file's hole at the end. */
	if (archive_entry_size_is_set(e) && end < archive_entry_size(e) &&
	    ftruncate(fd, archive_entry_size(e)) < 0)
		return error_set(err, errno, "truncate");
	return 0;
}

static void defer_dir_time(struct layer_target *t, const char *path, struct archive_entry *e)
{
	if (!archive_entry_mtime_is_set(e))
		return;
	if (t->ndirs == t->capdirs) {
		t->capdirs = t->capdirs ? t->capdirs * 2 : 64;
		t->dirs = xrealloc(t->dirs, t->capdirs * sizeof(*t->dirs));
	}
	struct dir_time *d = &t->dirs[t->ndirs++];
	d->path = xstrdup(path);
	entry_times(e, d->times);
}

/* Directory times last: making their entries changed them. */
static void set_dir_times(struct layer_target *t)
{
	for (size_t i = t->ndirs; i-- > 0;) {
		int fd = open_beneath(t, t->dirs[i].path, O_PATH | O_DIRECTORY | O_NOFOLLOW);
		if (fd >= 0) {
			utimensat(fd, "", t->dirs[i].times, AT_EMPTY_PATH);
			close(fd);
		}
		free(t->dirs[i].path);
	}
	t->ndirs = 0;
}

/* Everything in directory `path` that this layer did not make. */
static int make_opaque(struct layer_target *t, const char *path, struct error **err)
{
	int fd = open_beneath(t, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return error_set(err, errno, "opaque directory");
	cleanup_closedir DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return error_set(err, errno, "opaque directory");
	}
	char child[PATH_MAX];
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s%s%s", path, path[0] ? "/" : "", de->d_name);
		if (strset_has(&t->made, child))
			continue;
		if (fs_remove_tree_at(dirfd(d), de->d_name, err) < 0)
			return -1;
	}
	return 0;
}

static int whiteout(struct layer_target *t, const char *parent, int dir, const char *name,
		    struct error **err)
{
	if (strcmp(name, OPAQUE_MARKER) == 0)
		return make_opaque(t, parent, err);
	const char *victim = name + strlen(WHITEOUT_PREFIX);
	if (strncmp(name, WHITEOUT_PREFIX WHITEOUT_PREFIX, 2 * strlen(WHITEOUT_PREFIX)) == 0)
		return 0; /* aufs's own bookkeeping (.wh..wh.plnk and the like) */
	if (victim[0] == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return error_set_kind(err, EINVAL, "a whiteout of `%s`", victim);
	return make_way(dir, victim, false, err) < 0 ? -1 : 0;
}

static int hardlink(struct layer_target *t, struct archive_entry *e, int dir, const char *name,
		    const char *path, struct error **err)
{
	char target[PATH_MAX];
	if (!clean_path(archive_entry_hardlink(e), target, sizeof(target)))
		return error_set_kind(err, EINVAL, "hardlink to `%s` leads out of the root",
				      archive_entry_hardlink(e));
	if (strcmp(target, path) == 0)
		return 0;
	cleanup_close int fd = open_beneath(t, target, O_PATH | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return error_set(err, errno, "hardlink to /%s", target);
	if (S_ISDIR(st.st_mode))
		return error_set_kind(err, EINVAL, "hardlink to directory /%s", target);
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	for (int tries = 0;; tries++) {
		/* Without CAP_DAC_READ_SEARCH, AT_EMPTY_PATH fails: through /proc. */
		if (linkat(fd, "", dir, name, AT_EMPTY_PATH) == 0 ||
		    (errno != EEXIST && linkat(AT_FDCWD, proc, dir, name, AT_SYMLINK_FOLLOW) == 0))
			return 0;
		if (errno != EEXIST || tries > 0)
			return error_set(err, errno, "hardlink to /%s", target);
		if (make_way(dir, name, false, err) < 0)
			return -1;
	}
}

/* Makes the node with `make` (0 or -1 and errno); what was in its place
 * goes first, which only an EEXIST costs a look at. */
#define MAKE_IN_PLACE(make)                                                                        \
	({                                                                                         \
		int r_ = (make);                                                                   \
		if (r_ < 0 && errno == EEXIST) {                                                   \
			if (make_way(dir, name, false, err) < 0)                                   \
				return -1;                                                         \
			r_ = (make);                                                               \
		}                                                                                  \
		r_;                                                                                \
	})

static int make_dir(struct layer_target *t, struct archive_entry *e, int dir, const char *name,
		    const char *path, mode_t mode, struct error **err)
{
	bool fresh = false;
	if (dir >= 0) {
		fresh = mkdirat(dir, name, 0700) == 0;
		if (!fresh && errno != EEXIST)
			return error_set(err, errno, "mkdir");
		/* A directory over a directory keeps what is in it. */
		if (!fresh && make_way(dir, name, true, err) == 0) {
			if (mkdirat(dir, name, 0700) < 0)
				return error_set(err, errno, "mkdir");
			fresh = true;
		}
		if (*err != NULL)
			return -1;
	}
	cleanup_close int fd =
		dir < 0 ? openat(t->root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
			: openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open");
	set_owner(t, e, dir, name, fd, false);
	if (fchmod(fd, mode) < 0)
		return error_set(err, errno, "chmod");
	t->setgid_seen |= (mode & S_ISGID) != 0;
	set_xattrs(e, fd, NULL);
	defer_dir_time(t, path, e);
	return 0;
}

/* A file, directory, symlink or node; `dir` is its parent, -1 for the
 * root itself (name "").  Files are made with their mode (the umask is 0
 * meanwhile); a chown that happens puts set-id bits back. */
static int make_node(struct layer_target *t, struct archive *a, struct archive_entry *e, int dir,
		     const char *name, const char *path, struct error **err)
{
	mode_t type = archive_entry_filetype(e);
	mode_t mode = archive_entry_perm(e) & 07777;
	struct timespec ts[2];
	entry_times(e, ts);
	if (dir < 0 && type != AE_IFDIR)
		return error_set_kind(err, EINVAL, "the root is not a directory in this layer");
	switch (type) {
	case AE_IFDIR:
		return make_dir(t, e, dir, name, path, mode, err);
	case AE_IFREG: {
		cleanup_close int fd = MAKE_IN_PLACE(openat(
			dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
		if (fd < 0)
			return error_set(err, errno, "create");
		if (write_file(a, e, fd, err) < 0)
			return -1;
		if (set_owner(t, e, dir, name, fd, true) && (mode & 06000) && fchmod(fd, mode) < 0)
			return error_set(err, errno, "chmod");
		set_xattrs(e, fd, NULL);
		futimens(fd, ts);
		return 0;
	}
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (target == NULL)
			return error_set_kind(err, EINVAL, "symlink without a target");
		if (MAKE_IN_PLACE(symlinkat(target, dir, name)) < 0)
			return error_set(err, errno, "symlink");
		set_owner(t, e, dir, name, -1, true);
		char proc[PATH_MAX + 64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dir, name);
		set_xattrs(e, -1, proc);
		utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO: {
		dev_t dev = makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
		if (MAKE_IN_PLACE(mknodat(dir, name, type | mode, type == AE_IFIFO ? 0 : dev)) <
		    0) {
			if (errno != EPERM)
				return error_set(err, errno, "mknod");
			log_warning("layer: /%s: device node not made (no privilege for mknod)",
				    path);
			t->skipped++;
			return 0;
		}
		if (set_owner(t, e, dir, name, -1, true) && (mode & 06000))
			fchmodat(dir, name, mode, 0);
		utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	default:
		log_warning("layer: /%s: a socket or unknown type (0%o), skipped", path,
			    (unsigned)type);
		t->skipped++;
		return 0;
	}
}

static int apply_entry(struct layer_target *t, struct archive *a, struct archive_entry *e,
		       struct error **err)
{
	char path[PATH_MAX];
	const char *raw = archive_entry_pathname(e);
	if (raw == NULL || !clean_path(raw, path, sizeof(path)))
		return error_set_kind(err, EINVAL, "entry `%s` leads out of the root filesystem",
				      raw != NULL ? raw : "(no name)");
	char *slash = strrchr(path, '/');
	const char *name = slash != NULL ? slash + 1 : path;
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%.*s", slash != NULL ? (int)(slash - path) : 0, path);
	if (path[0] == '\0')
		return make_node(t, a, e, -1, "", "", err);
	int dir = open_parent(t, parent, err);
	if (dir < 0)
		return -1;
	if (strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) == 0)
		return whiteout(t, parent, dir, name, err);
	strset_add(&t->made, path);
	if (archive_entry_hardlink(e) != NULL)
		return hardlink(t, e, dir, name, path, err);
	return make_node(t, a, e, dir, name, path, err);
}

int layer_apply(struct layer_target *t, struct archive *a, struct error **err)
{
	struct archive_entry *e;
	int r, ret = 0;
	mode_t umask_was = umask(0);
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (apply_entry(t, a, e, err) < 0) {
			error_wrap(err, "entry /%s", archive_entry_pathname(e));
			ret = -1;
			break;
		}
	}
	if (ret == 0 && r != ARCHIVE_EOF)
		ret = error_set_kind(err, EIO, "not a readable tar stream: %s",
				     archive_error_string(a));
	umask(umask_was);
	set_dir_times(t);
	forget_parent(t);
	strset_clear(&t->made);
	return ret;
}
