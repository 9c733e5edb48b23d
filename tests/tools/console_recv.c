/* console_recv SOCKET [INPUT [ROWSxCOLS]]: a --console-socket receiver for
 * the tests, as conmon and containerd-shim are: listens on SOCKET, takes
 * one connection, checks the message carries exactly one fd (SCM_RIGHTS)
 * and a non-empty payload, (3 s later) resizes the terminal to ROWSxCOLS
 * as a caller's window change would, writes INPUT to it, then copies what
 * comes out of it to stdout until it closes (or 60 s pass).  Prints
 * "console: fds=N payload=P" on stderr.  Exit 0 when all was as runc
 * would send it. */
#include <sys/ioctl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive(int listener, int *fd, char *payload, size_t size)
{
	int conn = accept(listener, NULL, NULL);
	if (conn < 0)
		return -1;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct iovec iov = {payload, size - 1};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf)};
	ssize_t n = recvmsg(conn, &mh, 0);
	close(conn);
	if (n < 0)
		return -1;
	payload[n] = '\0';
	int fds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		fds += (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return fds;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char payload[256];
	int master = -1;
	if (argc < 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: console_recv SOCKET [INPUT]\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	int listener = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 1) < 0) {
		perror(argv[1]);
		return 1;
	}
	int fds = receive(listener, &master, payload, sizeof(payload));
	fprintf(stderr, "console: fds=%d payload=%s\n", fds, payload);
	if (fds != 1 || payload[0] == '\0')
		return 1;
	unsigned rows, cols;
	if (argc > 3 && sscanf(argv[3], "%ux%u", &rows, &cols) == 2) {
		sleep(3);
		struct winsize ws = {.ws_row = (unsigned short)rows,
				     .ws_col = (unsigned short)cols};
		if (ioctl(master, TIOCSWINSZ, &ws) < 0)
			perror("resize the terminal");
		sleep(1);
	}
	if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
		perror("write to the terminal");
	char buf[4096];
	for (;;) {
		struct pollfd p = {master, POLLIN, 0};
		if (poll(&p, 1, 60000) <= 0)
			break;
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break; /* EIO: the other side closed */
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	unlink(argv[1]);
	return 0;
}
