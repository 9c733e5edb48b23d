/* One hook: fork, state on a pipe to its stdin, output collected, a
 * deadline. */
#include "common/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fs.h"

#define HOOK_OUTPUT_MAX 4096

static void __attribute__((noreturn)) hook_child(const struct hook_command *h, int in, int out)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	char *const just_path[] = {(char *)h->path, NULL};
	char *const empty[] = {NULL};
	execve(h->path, h->argv != NULL && h->argv[0] != NULL ? h->argv : just_path,
	       h->envp != NULL ? h->envp : empty);
	dprintf(2, "exec %s: %s\n", h->path, strerror(errno));
	_exit(127);
}

static long ms_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Collects the hook's output until it closes it or the deadline passes;
 * false on timeout. */
static bool collect(int fd, long timeout_ms, char *out, size_t size)
{
	struct timespec start;
	size_t len = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long left = timeout_ms > 0 ? timeout_ms - ms_since(&start) : -1;
		if (timeout_ms > 0 && left <= 0)
			return false;
		struct pollfd p = {fd, POLLIN, 0};
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return false;
		char buf[1024];
		ssize_t got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			break;
		size_t take = (size_t)got < size - 1 - len ? (size_t)got : size - 1 - len;
		memcpy(out + len, buf, take);
		len += take;
	}
	out[len] = '\0';
	return true;
}

int hook_run(const struct hook_command *h, const char *kind, const char *state_json,
	     struct error **err)
{
	int in[2], out[2];
	char output[HOOK_OUTPUT_MAX] = "";
	if (pipe2(in, O_CLOEXEC) < 0)
		return error_set(err, errno, "%s hook %s: pipe", kind, h->path);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return error_set(err, errno, "%s hook %s: pipe", kind, h->path);
	}
	pid_t pid = fork();
	if (pid == 0)
		hook_child(h, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return error_set(err, errno, "%s hook %s: fork", kind, h->path);
	}
	/* A hook need not read its stdin: no SIGPIPE for writing it. */
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ignore, &old);
	fs_write_all(in[1], state_json, strlen(state_json));
	sigaction(SIGPIPE, &old, NULL);
	close(in[1]);
	bool in_time = collect(out[0], h->timeout_s > 0 ? (long)h->timeout_s * 1000 : 0, output,
			       sizeof(output));
	close(out[0]);
	if (!in_time)
		kill(pid, SIGKILL);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	size_t len = strlen(output);
	while (len > 0 && output[len - 1] == '\n')
		output[--len] = '\0';
	if (!in_time)
		return error_set_kind(err, ETIMEDOUT, "%s hook %s: timed out after %lld s", kind,
				      h->path, (long long)h->timeout_s);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return error_set_kind(err, EIO, "%s hook %s: exit status %d%s%s", kind, h->path, code,
			      output[0] ? ": " : "", output);
}
