/* Passed-fd test helper (static: it runs in busybox rootfses too).
 *
 *   fdtool listen HOST PORT CMD...  a TCP listening socket on HOST:PORT as
 *                                   fd 3, LISTEN_FDS=1 and LISTEN_PID=our
 *                                   pid (systemd's socket activation), then
 *                                   exec CMD
 *   fdtool serve                    accept one connection on fd 3, read a
 *                                   line, answer "LISTEN_FDS=.. LISTEN_PID=..
 *                                   family=inet|inet6|unix got=LINE"
 *   fdtool get HOST PORT MSG        connect (retrying for 60 s), send MSG and
 *                                   a newline, print the answer */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "fdtool: %s: %s\n", what, strerror(errno));
	return 1;
}

static int address(const char *host, const char *port, struct sockaddr_in *a)
{
	*a = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static int do_listen(char **argv)
{
	struct sockaddr_in a;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || address(argv[0], argv[1], &a) < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0)
		return die("listen");
	if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0))
		return die("dup2");
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	execvp(argv[2], argv + 2);
	return die(argv[2]);
}

static int do_serve(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(3, (struct sockaddr *)&ss, &len) < 0)
		return die("getsockname fd 3");
	int c = accept(3, NULL, NULL);
	if (c < 0)
		return die("accept");
	char line[256] = "", answer[512];
	ssize_t n = read(c, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
	int k = snprintf(answer, sizeof(answer), "LISTEN_FDS=%s LISTEN_PID=%s family=%s got=%s\n",
			 fds ? fds : "-", pid ? pid : "-",
			 ss.ss_family == AF_INET    ? "inet"
			 : ss.ss_family == AF_INET6 ? "inet6"
			 : ss.ss_family == AF_UNIX  ? "unix"
						    : "other",
			 line);
	if (write(c, answer, (size_t)k) != k)
		return die("write");
	close(c);
	fputs(answer, stdout);
	return 0;
}

static int do_get(char **argv)
{
	struct sockaddr_in a;
	if (address(argv[0], argv[1], &a) < 0)
		return die("address");
	for (int tries = 0;; tries++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			close(fd);
			if (tries >= 600)
				return die("connect");
			usleep(100000);
			continue;
		}
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s\n", argv[2]);
		if (write(fd, buf, strlen(buf)) < 0)
			return die("write");
		shutdown(fd, SHUT_WR);
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stdout);
		close(fd);
		return n < 0 ? die("read") : 0;
	}
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "listen") == 0)
		return do_listen(argv + 2);
	if (argc == 2 && strcmp(argv[1], "serve") == 0)
		return do_serve();
	if (argc == 5 && strcmp(argv[1], "get") == 0)
		return do_get(argv + 2);
	fprintf(stderr, "usage: fdtool listen HOST PORT CMD... | serve | get HOST PORT MSG\n");
	return 2;
}
