/* openat2(RESOLVE_IN_ROOT), or a walk that resolves the same way. */
#include "common/beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_SYMLINKS 40 /* as the kernel's path walk */
#define MAX_DEPTH    512

int beneath_open(int root, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	int fd = (int)syscall(SYS_openat2, root, path[0] != '\0' ? path : ".", &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	return beneath_open_walk(root, path, flags);
}

/* The directories walked so far: dirs[0] is the root (not ours). */
struct walk {
	int dirs[MAX_DEPTH];
	int depth;
};

static void walk_release(struct walk *w)
{
	while (w->depth > 0)
		close(w->dirs[w->depth--]);
}

static int fail(struct walk *w, int error)
{
	walk_release(w);
	errno = error;
	return -1;
}

int beneath_open_walk(int root, const char *path, int flags)
{
	char work[PATH_MAX], target[PATH_MAX];
	struct walk w = {.dirs = {root}, .depth = 0};
	int symlinks = 0;
	if (strlen(path) >= sizeof(work))
		return fail(&w, ENAMETOOLONG);
	strcpy(work, path);
	char *rest = work;
	for (;;) {
		while (*rest == '/')
			rest++;
		if (*rest == '\0') {
			/* The path ends at a directory (or is empty): open it. */
			int fd = openat(w.dirs[w.depth], ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
			int saved = errno;
			walk_release(&w);
			errno = saved;
			return fd;
		}
		size_t n = strcspn(rest, "/");
		char name[NAME_MAX + 1];
		if (n > NAME_MAX)
			return fail(&w, ENAMETOOLONG);
		memcpy(name, rest, n);
		name[n] = '\0';
		rest += n;
		bool last = rest[strspn(rest, "/")] == '\0';
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (w.depth > 0)
				close(w.dirs[w.depth--]);
			continue;
		}
		int fd = openat(w.dirs[w.depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			int saved = errno;
			if (fd >= 0)
				close(fd);
			return fail(&w, saved);
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			/* Follow it by hand: its target, then what was left. */
			ssize_t len = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (len < 0)
				return fail(&w, errno);
			target[len] = '\0';
			if (++symlinks > MAX_SYMLINKS)
				return fail(&w, ELOOP);
			if ((size_t)len + 1 + strlen(rest) >= sizeof(work))
				return fail(&w, ENAMETOOLONG);
			/* target + "/" + rest, in place (rest lies in work). */
			size_t tail = strlen(rest);
			memmove(work + len + 1, rest, tail + 1);
			memcpy(work, target, (size_t)len);
			work[len] = '/';
			rest = work;
			if (target[0] == '/')
				walk_release(&w);
			continue;
		}
		if (last) {
			int result = fd;
			if (!(flags & O_PATH) ||
			    (flags & ~(O_PATH | O_NOFOLLOW | O_CLOEXEC)) != 0) {
				/* Reopen with the flags asked for; it cannot be a
				 * symlink now (O_NOFOLLOW on a symlink: ELOOP, as
				 * openat2 says). */
				result = openat(w.dirs[w.depth], name,
						flags | O_NOFOLLOW | O_CLOEXEC);
				int saved = errno;
				close(fd);
				errno = saved;
			}
			int saved = errno;
			walk_release(&w);
			errno = saved;
			return result;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			return fail(&w, ENOTDIR);
		}
		if (w.depth + 1 >= MAX_DEPTH) {
			close(fd);
			return fail(&w, ENAMETOOLONG);
		}
		w.dirs[++w.depth] = fd;
	}
}

/* After dir's own characters (trailing slashes left out), what follows in
 * path: NULL when path does not start with them. */
static const char *after_dir(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 0 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 ? path + n : NULL;
}

bool path_within(const char *path, const char *dir)
{
	const char *rest = after_dir(path, dir);
	return rest != NULL && (*rest == '/' || *rest == '\0');
}

bool path_beneath(const char *path, const char *dir)
{
	const char *rest = after_dir(path, dir);
	return rest != NULL && *rest == '/';
}
