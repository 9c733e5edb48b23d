/* Passed fds (--preserve-fds, LISTEN_FDS): what each kind of fd becomes,
 * which are refused and why, the count systemd's variables add, and the
 * pump that relays one. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/passed_fds.h"

static char msg[512];

static int mode_of(int fd)
{
	struct error *err = NULL;
	msg[0] = '\0';
	int mode = passed_fd_mode(fd, &err);
	if (mode < 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		error_release(&err);
	}
	return mode;
}

static int listener(int family, int type)
{
	struct sockaddr_storage ss = {.ss_family = (sa_family_t)family};
	socklen_t len =
		family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (family == AF_UNIX)
		len = sizeof(sa_family_t); /* autobind: an abstract name */
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_modes(void **state)
{
	int p[2], s[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
	assert_int_equal(mode_of(p[0]), AGENT_FD_READ);
	assert_int_equal(mode_of(p[1]), AGENT_FD_WRITE);
	assert_int_equal(mode_of(s[0]), AGENT_FD_BOTH);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_int_equal(mode_of(null), AGENT_FD_BOTH);

	int tcp = listener(AF_INET, SOCK_STREAM), un = listener(AF_UNIX, SOCK_STREAM);
	assert_true(tcp >= 0 && un >= 0);
	assert_int_equal(mode_of(tcp), AGENT_FD_LISTEN_INET);
	assert_int_equal(mode_of(un), AGENT_FD_LISTEN_UNIX);
	int tcp6 = listener(AF_INET6, SOCK_STREAM);
	if (tcp6 >= 0) /* where this machine has IPv6 */
		assert_int_equal(mode_of(tcp6), AGENT_FD_LISTEN_INET6);

	int udp = listener(AF_INET, SOCK_DGRAM);
	assert_true(udp >= 0);
	assert_int_equal(mode_of(udp), -1);
	char want[128];
	snprintf(want, sizeof(want),
		 "fd %d is a datagram socket: only stream sockets can be relayed into a microVM "
		 "(message boundaries would be lost)",
		 udp);
	assert_string_equal(msg, want);

	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(mode_of(dir), -1);
	snprintf(want, sizeof(want), "fd %d is a directory: only its bytes could reach a microVM",
		 dir);
	assert_string_equal(msg, want);
	int path = open("/dev/null", O_PATH | O_CLOEXEC);
	assert_int_equal(mode_of(path), -1);
	assert_non_null(strstr(msg, "is a path (O_PATH)"));

	int closed = dup(null);
	close(closed);
	assert_int_equal(mode_of(closed), -1);
	snprintf(want, sizeof(want), "fd %d: Bad file descriptor", closed);
	assert_string_equal(msg, want);

	int fds[] = {p[0], p[1], s[0], s[1], null, tcp, un, tcp6, udp, dir, path};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Puts a pipe's read end on 3 and its write end on 4 (not close-on-exec,
 * as a caller passes them). */
static void pipe_on_3_and_4(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 3), 3);
	assert_int_equal(dup2(p[1], 4), 4);
	if (p[0] != 3 && p[0] != 4)
		close(p[0]);
	if (p[1] != 3 && p[1] != 4)
		close(p[1]);
	close(5);
}

static void test_collect(void **state)
{
	struct passed_fds p;
	struct error *err = NULL;
	pipe_on_3_and_4();
	unsetenv("LISTEN_FDS");
	assert_int_equal(passed_fds_collect(2, true, &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.listen_fds, 0);
	assert_int_equal(p.mode[0], AGENT_FD_READ);
	assert_int_equal(p.mode[1], AGENT_FD_WRITE);
	assert_int_equal(p.stream[0], -1);
	assert_int_equal(fcntl(3, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);

	/* fd 5 is not open. */
	assert_int_equal(passed_fds_collect(3, false, &p, &err), -1);
	assert_string_equal(err->msg, "--preserve-fds 3: fd 5: Bad file descriptor");
	error_release(&err);
	/* Nor was it when vrun started, whatever opened it since. */
	passed_fds_note_open();
	int later = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(later, 5);
	assert_int_equal(passed_fds_collect(3, false, &p, &err), -1);
	assert_string_equal(err->msg, "--preserve-fds 3: fd 5: Bad file descriptor");
	error_release(&err);
	close(later);
	assert_int_equal(passed_fds_collect(AGENT_MAX_FDS + 1, false, &p, &err), -1);
	assert_string_equal(err->msg,
			    "--preserve-fds 33: at most 32 fds can be passed into a microVM");
	error_release(&err);

	/* systemd's sockets count when LISTEN_PID is ours, and come first. */
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	assert_int_equal(passed_fds_collect(1, true, &p, &err), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.listen_fds, 1);
	assert_int_equal(passed_fds_collect(1, false, &p, &err), 0); /* exec: not for it */
	assert_int_equal(p.n, 1);
	assert_int_equal(p.listen_fds, 0);
	setenv("LISTEN_PID", "1", 1); /* another process's */
	assert_int_equal(passed_fds_collect(0, true, &p, &err), 0);
	assert_int_equal(p.n, 0);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	close(3);
	close(4);
}

/* The pump: all the bytes, then the end (a half close of the socket),
 * and stdio_relay_wait waits for it. */
static void test_pump(void **state)
{
	int p[2], s[2];
	struct error *err = NULL;
	struct stdio_relay r;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s), 0);
	/* An initialised relay with no outputs of its own. */
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.done, NULL);
	r.outputs_running = 0;
	fcntl(p[0], F_SETFL, O_NONBLOCK); /* waited on, not given up on */
	assert_int_equal(stdio_relay_pump(&r, p[0], s[0], &err), 0);
	usleep(20000);
	assert_int_equal(write(p[1], "abc", 3), 3);
	usleep(20000);
	assert_int_equal(write(p[1], "def", 3), 3);
	close(p[1]);
	stdio_relay_wait(&r, 5000);
	assert_int_equal(r.outputs_running, 0);
	char buf[16] = "";
	ssize_t n, got = 0;
	while ((n = read(s[1], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	assert_int_equal(n, 0); /* the end came through */
	assert_int_equal(got, 6);
	assert_string_equal(buf, "abcdef");
	close(s[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_collect),
		cmocka_unit_test(test_pump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
