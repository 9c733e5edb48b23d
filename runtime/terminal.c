/* pty, console socket, raw mode. */
#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdpass.h"
#include "common/unix_socket.h"

static int send_master(const char *path, int master, const char *name, struct error **err)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_connect(fd, path) < 0)
		return error_set(err, errno, "console socket %s", path);
	if (fdpass_send(fd, master, name, strlen(name)) < 0)
		return error_set(err, errno, "send the terminal to console socket %s", path);
	return 0;
}

int terminal_setup(const char *console_socket, uint16_t rows, uint16_t cols, bool controlling,
		   int *slave, struct error **err)
{
	char name[64];
	struct termios raw;
	cleanup_close int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		return error_set(err, errno, "terminal: /dev/ptmx");
	cleanup_close int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "terminal: %s", name);
	/* The guest's pty interprets; this one passes bytes as they are. */
	if (tcgetattr(fd, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(fd, TCSANOW, &raw);
	}
	if (rows > 0 && cols > 0) {
		struct winsize ws = {.ws_row = rows, .ws_col = cols};
		ioctl(master, TIOCSWINSZ, &ws);
	}
	if (controlling && (setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0))
		return error_set(err, errno, "terminal: make %s the controlling terminal", name);
	if (send_master(console_socket, master, name, err) < 0)
		return -1;
	*slave = steal_fd(&fd);
	return 0;
}

bool terminal_size(int fd, uint16_t *rows, uint16_t *cols)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}
