/* tmpcopyup: what a directory held, copied into the tmpfs mounted over it
 * (runc's and crun's mount option, which Podman gives its --read-only
 * tmpfs mounts).  Everything goes through *at calls beneath the two
 * directory fds, never following a symlink. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/fs.h"

#define COPYUP_DEPTH 64

static int copy_file(int from, int to, const char *name, const struct stat *st)
{
	int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 st->st_mode & 07777);
	if (out < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	ssize_t n;
	int ret = 0;
	while (ret == 0 && (n = read(in, buf, sizeof(buf))) != 0)
		ret = n < 0 ? -1 : fs_write_all(out, buf, (size_t)n);
	int saved = errno;
	close(in);
	close(out);
	errno = saved;
	return ret;
}

/* The entry's owner, mode and times, as they were. */
static void keep_attributes(int to, const char *name, const struct stat *st)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	fchownat(to, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW);
	if (!S_ISLNK(st->st_mode))
		fchmodat(to, name, st->st_mode & 07777, 0);
	utimensat(to, name, times, AT_SYMLINK_NOFOLLOW);
}

static int copy_dir(int from, int to, int depth, char *where, size_t size);

static int copy_entry(int from, int to, const char *name, int depth, char *where, size_t size)
{
	struct stat st;
	char target[4096];
	ssize_t len;
	int ret = 0;
	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR: {
		if (mkdirat(to, name, 0700) < 0)
			return -1;
		int sub_from = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int sub_to = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		ret = sub_from < 0 || sub_to < 0
			      ? -1
			      : copy_dir(sub_from, sub_to, depth + 1, where, size);
		if (sub_from >= 0)
			close(sub_from);
		if (sub_to >= 0)
			close(sub_to);
		break;
	}
	case S_IFREG:
		ret = copy_file(from, to, name, &st);
		break;
	case S_IFLNK:
		len = readlinkat(from, name, target, sizeof(target) - 1);
		if (len < 0)
			return -1;
		target[len] = '\0';
		ret = symlinkat(target, to, name);
		break;
	default: /* fifos, devices, sockets: as they were */
		ret = mknodat(to, name, st.st_mode, st.st_rdev);
		break;
	}
	if (ret == 0)
		keep_attributes(to, name, &st);
	return ret;
}

static int copy_dir(int from, int to, int depth, char *where, size_t size)
{
	if (depth > COPYUP_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	int fd = dup(from);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct dirent *e;
	int ret = 0;
	while (ret == 0 && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((ret = copy_entry(from, to, e->d_name, depth, where, size)) < 0 &&
		    where[0] == '\0')
			snprintf(where, size, "%s", e->d_name);
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return ret;
}

int copy_tree(int from, int to, char *where, size_t size)
{
	where[0] = '\0';
	return copy_dir(from, to, 0, where, size);
}
