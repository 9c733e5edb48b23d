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

int terminal_open(const char *console_socket, uint16_t rows, uint16_t cols, bool controlling,
		  struct terminal *t, int *slave, struct error **err)
{
	char *name = t->name;
	struct termios raw;
	t->master = t->socket = -1;
	cleanup_close int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(t->name)) != 0)
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
	cleanup_close int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || unix_connect(sock, console_socket) < 0)
		return error_set(err, errno, "console socket %s", console_socket);
	t->master = steal_fd(&master);
	t->socket = steal_fd(&sock);
	*slave = steal_fd(&fd);
	return 0;
}

int terminal_send(struct terminal *t, struct error **err)
{
	int ret = 0;
	if (fdpass_send(t->socket, t->master, t->name, strlen(t->name)) < 0)
		ret = error_set(err, errno, "send the terminal to the console socket");
	terminal_release(t);
	return ret;
}

void terminal_release(struct terminal *t)
{
	if (t->master >= 0)
		close(t->master);
	if (t->socket >= 0)
		close(t->socket);
	t->master = t->socket = -1;
}

int terminal_setup(const char *console_socket, uint16_t rows, uint16_t cols, bool controlling,
		   int *slave, struct error **err)
{
	struct terminal t;
	if (terminal_open(console_socket, rows, cols, controlling, &t, slave, err) < 0)
		return -1;
	if (terminal_send(&t, err) < 0) {
		close(*slave);
		*slave = -1;
		return error_wrap(err, "%s", console_socket);
	}
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
