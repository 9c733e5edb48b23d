/* vmm/lockdown.c: the settings, the thread names, and, in children that
 * exec this binary again (natively under valgrind, whose own calls a
 * filter would catch), each role's capabilities and filter: allowed calls
 * work, others kill the process with SIGSYS (or are only logged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/lockdown.h"

static char self_path[4096];
static char scratch[] = "/tmp/lockdown-test.XXXXXX";

/* The child's /proc/thread-self/status, opened before its lockdown (the
 * relay role may not open files). */
static int status_fd = -1;

/* A field of that file, or of the calling thread's when none is open, as
 * a number (hex for Cap*). */
static unsigned long long status_field(const char *name)
{
	char buf[4096];
	int fd = status_fd >= 0 ? status_fd : open("/proc/thread-self/status", O_RDONLY);
	ssize_t len = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;
	if (fd >= 0 && fd != status_fd)
		close(fd);
	buf[len > 0 ? len : 0] = '\0';
	size_t n = strlen(name);
	for (char *line = buf; line != NULL && *line != '\0';) {
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			return strtoull(line + n + 1, NULL, strncmp(name, "Cap", 3) == 0 ? 16 : 10);
		line = strchr(line, '\n');
		line = line != NULL ? line + 1 : NULL;
	}
	return ~0ull;
}

static void *nested(void *arg)
{
	struct error *err = NULL;
	int *code = arg;
	/* A thread a locked-down one started: filtered already, the call
	 * only names it. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		*code = 20;
	else if (lockdown_thread(LOCKDOWN_RELAY, &err) < 0)
		*code = 21;
	error_release(&err);
	return NULL;
}

/* Relay: no capabilities, the filter on; what a relay does works. */
static int child_relay(void)
{
	int fds[2], code = 0;
	char buf[2];
	pthread_t t;
	if (status_field("Seccomp") != 2 || status_field("NoNewPrivs") != 1)
		return 10;
	if (status_field("CapEff") != 0 || status_field("CapPrm") != 0 ||
	    status_field("CapBnd") != 0 || status_field("CapAmb") != 0)
		return 11;
	if (pipe2(fds, O_CLOEXEC) < 0 || write(fds[1], "x", 1) != 1 || read(fds[0], buf, 1) != 1)
		return 12;
	/* An O_PATH open, as a unix socket's long path takes. */
	int dir = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return 17;
	close(dir);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 13;
	close(s);
	/* clone3 says ENOSYS; glibc falls back to clone with CLONE_THREAD. */
	if (pthread_create(&t, NULL, nested, &code) != 0 || pthread_join(t, NULL) != 0)
		return 14;
	char head[256] = "";
	if (pread(status_fd, head, sizeof(head) - 1, 0) < 0)
		return 15;
	return code != 0 ? code : strncmp(head, "Name:\tvrun-relay\n", 17) != 0 ? 16 : 0;
}

/* virtio-fs: only its capabilities, and the file calls it serves. */
static int child_fs(void)
{
	char path[128];
	unsigned long long want = (1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) |
				  (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_FOWNER) |
				  (1ull << CAP_FSETID) | (1ull << CAP_SETFCAP);
	if (status_field("CapEff") != want || status_field("CapBnd") != want)
		return 10;
	snprintf(path, sizeof(path), "%s/made", scratch);
	if (mkdirat(AT_FDCWD, path, 0700) < 0 || fchownat(AT_FDCWD, path, 1, 1, 0) < 0 ||
	    chmod(path, 0750) < 0 || unlinkat(AT_FDCWD, path, AT_REMOVEDIR) < 0)
		return 11;
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 12;
	close(fd);
	return 0;
}

/* Whether the calling thread's status has "NAME:\tVALUE\n". */
static bool status_has(const char *name, const char *value)
{
	char buf[4096], want[128];
	ssize_t len = pread(status_fd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	snprintf(want, sizeof(want), "\n%s:\t%s\n", name, value);
	return strstr(buf, want) != NULL;
}

static int before_pipe[2];

/* Started before the lockdown: it keeps root (creds are per thread). */
static void *before_thread(void *arg)
{
	char c, buf[4096];
	bool *root = arg;
	if (read(before_pipe[0], &c, 1) != 1)
		return NULL;
	int fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	buf[len > 0 ? len : 0] = '\0';
	*root = strstr(buf, "\nUid:\t0\t0\t0\t0\n") != NULL;
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* --vmm-user: this thread is 65534:65534 with no groups, the thread
 * started before is still root, a thread started after is the user's. */
static int child_user(enum lockdown_role role, pthread_t before, bool *before_root)
{
	unsigned long long search = 1ull << CAP_DAC_READ_SEARCH;
	if (!status_has("Uid", "65534\t65534\t65534\t65534") ||
	    !status_has("Gid", "65534\t65534\t65534\t65534") || !status_has("Groups", " "))
		return 30;
	if (role == LOCKDOWN_RELAY && status_field("CapEff") != 0)
		return 31;
	if (role == LOCKDOWN_VCPU &&
	    (status_field("CapEff") != search || status_field("CapPrm") != search))
		return 32;
	if (write(before_pipe[1], "g", 1) != 1 || pthread_join(before, NULL) != 0 || !*before_root)
		return 33;
	return role == LOCKDOWN_FS ? child_fs() : 0;
}

static int child_main(const char *mode)
{
	struct error *err = NULL;
	const struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	status_fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	bool log = strncmp(mode, "log-", 4) == 0, user = strncmp(mode, "user-", 5) == 0;
	if (lockdown_arm(log ? "log" : "kill", &err) < 0)
		return 2;
	pthread_t before;
	static bool before_root;
	if (user) {
		lockdown_set_user(65534, 65534);
		if (pipe2(before_pipe, O_CLOEXEC) < 0 ||
		    pthread_create(&before, NULL, before_thread, &before_root) != 0)
			return 2;
	}
	enum lockdown_role role = strstr(mode, "fs") != NULL	 ? LOCKDOWN_FS
				  : strstr(mode, "vcpu") != NULL ? LOCKDOWN_VCPU
								 : LOCKDOWN_RELAY;
	if (lockdown_thread(role, &err) < 0) {
		fprintf(stderr, "lockdown: %s\n", err->msg);
		return 3;
	}
	char path[128];
	snprintf(path, sizeof(path), "%s/forbidden", scratch);
	if (user)
		return child_user(role, before, &before_root);
	if (strcmp(mode, "relay") == 0)
		return child_relay();
	if (strcmp(mode, "fs") == 0)
		return child_fs();
	if (strcmp(mode, "relay-mkdir") == 0 || strcmp(mode, "log-relay-mkdir") == 0)
		return mkdir(path, 0700) == 0 ? 0 : 4;
	if (strcmp(mode, "relay-inet") == 0)
		return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 4;
	if (strcmp(mode, "relay-open") == 0)
		return open("/etc/hostname", O_RDONLY) >= 0 ? 4 : errno == EACCES ? 0 : 5;
	if (strcmp(mode, "relay-exec") == 0)
		return execl("/bin/true", "true", (char *)NULL) == 0 ? 0 : 4;
	if (strcmp(mode, "fs-mount") == 0)
		return mount("none", scratch, "tmpfs", 0, NULL) == 0 ? 0 : 4;
	if (strcmp(mode, "vcpu-ioctl") == 0) {
		struct winsize ws;
		return ioctl(0, TIOCGWINSZ, &ws) == 0 ? 0 : 4;
	}
	return 5;
}

/* The child's wait status. */
static int run_child(const char *mode)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(self_path, self_path, "--child", mode, scratch, (char *)NULL);
		_exit(98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_exit(const char *mode, int code)
{
	int status = run_child(mode);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		fail_msg("child %s: status %#x, expected exit %d", mode, status, code);
}

static void expect_sigsys(const char *mode)
{
	int status = run_child(mode);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("child %s: status %#x, expected killed by SIGSYS", mode, status);
}

static void settings(void **state)
{
	struct error *err = NULL;
	assert_int_equal(lockdown_arm("off", &err), 0);
	assert_int_equal(lockdown_mode(), LOCKDOWN_OFF);
	assert_int_equal(lockdown_arm("log", &err), 0);
	assert_int_equal(lockdown_mode(), LOCKDOWN_LOG);
	assert_int_equal(lockdown_arm(NULL, &err), 0);
	assert_int_equal(lockdown_mode(), LOCKDOWN_KILL);
	assert_int_equal(lockdown_arm("", &err), 0);
	assert_int_equal(lockdown_mode(), LOCKDOWN_KILL);
	assert_int_equal(lockdown_arm("sometimes", &err), -1);
	assert_non_null(strstr(err->msg, "VRUN_VMM_LOCKDOWN=sometimes: expected kill, log or off"));
	error_release(&err);
	assert_int_equal(lockdown_arm("off", &err), 0);
	assert_string_equal(lockdown_role_name(LOCKDOWN_VCPU), "vrun-vcpu");
	assert_null(lockdown_failure());
}

struct off_result {
	int seccomp;
	char name[16];
};

static void *off_thread(void *arg)
{
	struct error *err = NULL;
	struct off_result *r = arg;
	r->seccomp = lockdown_thread(LOCKDOWN_LOOP, &err) < 0 ? -2 : (int)status_field("Seccomp");
	prctl(PR_GET_NAME, r->name, 0, 0, 0);
	error_release(&err);
	return NULL;
}

/* Not armed (unit tests, tools): the thread is named, nothing else. */
static void off_only_names(void **state)
{
	pthread_t t;
	struct off_result r = {-1, ""};
	assert_int_equal(pthread_create(&t, NULL, off_thread, &r), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.seccomp, 0);
	assert_string_equal(r.name, "vrun-loop");
}

static void roles_allow_their_calls(void **state)
{
	if (geteuid() != 0)
		skip(); /* dropping from the bounding set needs CAP_SETPCAP */
	expect_exit("relay", 0);
	expect_exit("fs", 0);
}

static void other_calls_kill(void **state)
{
	if (geteuid() != 0)
		skip();
	char path[128];
	expect_sigsys("relay-mkdir");
	snprintf(path, sizeof(path), "%s/forbidden", scratch);
	assert_int_equal(access(path, F_OK), -1); /* killed before it was made */
	expect_sigsys("relay-inet");
	expect_sigsys("relay-exec");
	/* A file's contents: only virtio-fs opens those; elsewhere the open
	 * fails (glibc's own opens, in any thread, cope with that). */
	expect_exit("relay-open", 0);
	expect_sigsys("fs-mount");
	expect_sigsys("vcpu-ioctl");
}

/* --vmm-user: each role's thread takes the user, with its capabilities. */
static void user_taken_per_thread(void **state)
{
	if (geteuid() != 0)
		skip();
	chmod(scratch, 0700); /* virtio-fs's works there by its capabilities */
	expect_exit("user-relay", 0);
	expect_exit("user-vcpu", 0);
	expect_exit("user-fs", 0);
}

/* VRUN_VMM_LOCKDOWN=log: the call goes through (the kernel logs it). */
static void log_mode_lets_calls_through(void **state)
{
	if (geteuid() != 0)
		skip();
	char path[128];
	expect_exit("log-relay-mkdir", 0);
	snprintf(path, sizeof(path), "%s/forbidden", scratch);
	assert_int_equal(rmdir(path), 0);
}

/* In a child: RLIMIT_NOFILE 1024/4096 before lockdown_limits; with or
 * without CAP_SYS_RESOURCE (may raise the hard limit; some sandboxes
 * never give it, this machine's among them). */
static int limits_child(bool keep_resource)
{
	struct rlimit files = {1024, 4096}, core = {1, 1};
	struct error *err = NULL;
	if (setrlimit(RLIMIT_NOFILE, &files) < 0 || setrlimit(RLIMIT_CORE, &core) < 0)
		return 2;
	cap_t caps = cap_get_proc();
	const cap_value_t resource = CAP_SYS_RESOURCE;
	cap_flag_value_t have = CAP_CLEAR;
	if (caps == NULL || cap_get_flag(caps, resource, CAP_EFFECTIVE, &have) < 0)
		return 3;
	if (!keep_resource && (cap_set_flag(caps, CAP_EFFECTIVE, 1, &resource, CAP_CLEAR) < 0 ||
			       cap_set_proc(caps) < 0))
		return 3;
	cap_free(caps);
	bool may_raise = keep_resource && have == CAP_SET;
	if (lockdown_limits(&err) < 0)
		return 4;
	long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	if (f == NULL || fscanf(f, "%ld", &nr_open) != 1)
		return 5;
	fclose(f);
	rlim_t want =
		may_raise ? (rlim_t)(nr_open < LOCKDOWN_MAX_FILES ? nr_open : LOCKDOWN_MAX_FILES)
			  : 4096;
	if (getrlimit(RLIMIT_NOFILE, &files) < 0 || files.rlim_cur != want ||
	    files.rlim_max != want)
		return 6;
	if (getrlimit(RLIMIT_CORE, &core) < 0 || core.rlim_cur != 0 || core.rlim_max != 0)
		return 7;
	return 0;
}

/* In exec'd children: valgrind keeps fds of its own and reports the
 * limits less those. */
static void limits(void **state)
{
	expect_exit("limits-drop", 0);
	expect_exit("limits-keep", 0);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--child") == 0) {
		snprintf(scratch, sizeof(scratch), "%s", argv[3]);
		if (strncmp(argv[2], "limits-", 7) == 0)
			return limits_child(strcmp(argv[2], "limits-keep") == 0);
		return child_main(argv[2]);
	}
	if (realpath(argv[0], self_path) == NULL || mkdtemp(scratch) == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings),
		cmocka_unit_test(off_only_names),
		cmocka_unit_test(roles_allow_their_calls),
		cmocka_unit_test(other_calls_kill),
		cmocka_unit_test(log_mode_lets_calls_through),
		cmocka_unit_test(user_taken_per_thread),
		cmocka_unit_test(limits),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(scratch);
	return ret;
}
