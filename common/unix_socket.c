/* AF_UNIX addresses beyond sun_path, through /proc/self/fd. */
#include "common/unix_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_at(int fd, const char *path, bool bind_it)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int dirfd = -1;
	if (strlen(path) < sizeof(addr.sun_path)) {
		strcpy(addr.sun_path, path);
	} else {
		const char *slash = strrchr(path, '/');
		if (slash == NULL || slash == path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		char *dir = strndup(path, (size_t)(slash - path));
		if (dir == NULL)
			return -1;
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(dir);
		if (dirfd < 0)
			return -1;
		if (snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s", dirfd,
			     slash + 1) >= (int)sizeof(addr.sun_path)) {
			close(dirfd);
			errno = ENAMETOOLONG;
			return -1;
		}
	}
	int ret = bind_it ? bind(fd, (struct sockaddr *)&addr, sizeof(addr))
			  : connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	int saved = errno;
	if (dirfd >= 0)
		close(dirfd);
	errno = saved;
	return ret;
}

int unix_bind(int fd, const char *path)
{
	return unix_at(fd, path, true);
}

int unix_connect(int fd, const char *path)
{
	return unix_at(fd, path, false);
}
