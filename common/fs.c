/* Bounded reads, atomic writes, mkdir -p and rm -r. */
#include "common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

int fs_read_file_at(int dirfd, const char *name, const char *display, size_t max_size, char **data,
		    size_t *len, struct error **err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", display);
	return fs_read_fd(fd, display, max_size, data, len, err);
}

int fs_read_fd(int fd, const char *display, size_t max_size, char **data, size_t *len,
	       struct error **err)
{
	cleanup_free char *buf = NULL;
	size_t used = 0, cap = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error_set(err, errno, "stat `%s`", display);
	if (S_ISDIR(st.st_mode))
		return error_set(err, EISDIR, "read `%s`", display);
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max_size)
		return error_set_kind(err, EFBIG, "`%s` is larger than %zu bytes", display,
				      max_size);
	for (;;) {
		if (cap - used < 4096) {
			cap = cap == 0 ? (S_ISREG(st.st_mode) ? (size_t)st.st_size + 4097 : 65536)
				       : cap * 2;
			char *grown = realloc(buf, cap);
			if (grown == NULL)
				return error_set(err, ENOMEM, "read `%s`", display);
			buf = grown;
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, errno, "read `%s`", display);
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max_size)
			return error_set_kind(err, EFBIG, "`%s` is larger than %zu bytes", display,
					      max_size);
	}
	buf[used] = '\0';
	*data = steal_pointer(&buf);
	if (len != NULL)
		*len = used;
	return 0;
}

void fs_wait_ready(int fd, short events)
{
	struct pollfd p = {fd, events, 0};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

size_t fs_read_to_end(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	while (len < size - 1 &&
	       ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	buf[len] = '\0';
	return len;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *data = buf;
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fs_wait_ready(fd, POLLOUT);
			continue;
		}
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 struct error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;

	/* The temporary file sits beside the target: the rename stays in
	 * one directory. */
	const char *base = strrchr(name, '/');
	int dir_len = base != NULL ? (int)(base - name + 1) : 0;
	base = base != NULL ? base + 1 : name;
	if (asprintf(&tmp, "%.*s.%s.tmp.%d", dir_len, name, base, getpid()) < 0)
		abort();
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return error_set(err, errno, "create `%s`", tmp);
	if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		int saved = errno;
		unlinkat(dirfd, tmp, 0);
		return error_set(err, saved, "write `%s`", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int saved = errno;
		unlinkat(dirfd, tmp, 0);
		return error_set(err, saved, "rename `%s` to `%s`", tmp, name);
	}
	return 0;
}

int fs_mkdir_all(const char *path, mode_t mode, struct error **err)
{
	cleanup_free char *copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return error_set(err, errno, "mkdir `%s`", copy);
		*p = saved;
		if (saved == '\0')
			break;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return error_set(err, errno, "stat `%s`", path);
	if (!S_ISDIR(st.st_mode))
		return error_set(err, ENOTDIR, "mkdir `%s`", path);
	return 0;
}

int fs_remove_tree_at(int parentfd, const char *name, struct error **err)
{
	if (unlinkat(parentfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return error_set(err, errno, "remove `%s`", name);

	int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", name);
	cleanup_closedir DIR *dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return error_set(err, errno, "open `%s`", name);
	}
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fs_remove_tree_at(dirfd(dir), de->d_name, err) < 0)
			return error_wrap(err, "remove `%s`", name);
	}
	if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return error_set(err, errno, "remove `%s`", name);
	return 0;
}

void fs_stdio_release_to(int null, int err_fd)
{
	dup2(null, 0);
	dup2(null, 1);
	dup2(err_fd >= 0 ? err_fd : null, 2);
}

void fs_stdio_release(int err_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return;
	fs_stdio_release_to(null, err_fd);
	close(null);
}

void fs_stdio_to_null(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}
