/* /proc readers and pidfd waits. */
#include "common/proc.h"
#include "common/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

bool proc_start_time(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields resume after
	 * the last ')'.  Field 3 is the state, field 22 the start time. */
	char *p = strrchr(buf, ')');
	if (p == NULL || p[1] != ' ')
		return false;
	char state = p[2];
	if (state == 'Z' || state == 'X' || state == 'x')
		return false;
	p += 2;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (p == NULL)
			return false;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return true;
}

bool proc_is_same(pid_t pid, uint64_t start_time)
{
	uint64_t now;
	return pid > 0 && proc_start_time(pid, &now) && now == start_time;
}

int proc_wait_gone(pid_t pid, uint64_t start_time, int timeout_ms)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		/* The pidfd turns readable when the process exits; a zombie of
		 * another parent also counts as exited. */
		if (!proc_is_same(pid, start_time)) {
			close(pidfd);
			return 0;
		}
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int ready;
		do
			ready = poll(&pfd, 1, timeout_ms);
		while (ready < 0 && errno == EINTR);
		close(pidfd);
		return ready > 0 ? 0 : -1;
	}
	while (proc_is_same(pid, start_time)) {
		if (timefmt_ms_since(&start) >= timeout_ms)
			return -1;
		usleep(10000);
	}
	return 0;
}

char proc_state(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' ? p[2] : 0;
}
