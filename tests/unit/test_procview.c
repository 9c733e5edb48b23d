/* The container's /proc on the host (runtime/procview.c): a TOP answer
 * checked like the guest's it is (lengths, pids, ns links), and the view
 * mounted over /proc in a child's own mount namespace, read the way psgo
 * reads it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/procview.h"

struct fake_proc {
	uint32_t pid;
	const char *stat, *status, *cmdline, *pidns;
	size_t cmdline_len; /* its bytes (NULs inside); 0: up to the first NUL, with it */
};

static const struct fake_proc two[] = {
	{1, "1 (sh) S 0 1 1 0 -1 4194560 0 0 0 0 3 4 0 0 20 0 1 0 250 0 0\n",
	 "Name:\tsh\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n", "sh\0-c\0sleep 9\0",
	 "pid:[4026532000]", 14},
	{7, "7 (sleep) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 260 0 0\n",
	 "Name:\tsleep\nPid:\t7\nPPid:\t1\n",
	 "sleep\0"
	 "9\0",
	 "pid:[4026532000]", 8},
};

#define GUEST_STAT    "cpu  1 2 3 4\nbtime 17\nprocesses 9\n"
#define GUEST_UP_SECS 42

/* The host's time when the answer came: the guest booted at 1700000000. */
static const struct timespec at_1700000042 = {1700000000 + GUEST_UP_SECS, 0};

/* A TOP answer as the agent writes it. */
static char *build_top(const struct fake_proc *procs, size_t n, size_t *len, size_t cmd_len0)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);
	struct agent_top top = {.boottime_ns = GUEST_UP_SECS * 1000000000ull,
				.count = (uint32_t)n,
				.stat_len = (uint32_t)strlen(GUEST_STAT)};
	fwrite(&top, sizeof(top), 1, f);
	fputs(GUEST_STAT, f);
	for (size_t i = 0; i < n; i++) {
		size_t have =
			procs[i].cmdline_len ? procs[i].cmdline_len : strlen(procs[i].cmdline) + 1;
		size_t cmd_len = i == 0 ? cmd_len0 : have;
		struct agent_top_proc p = {
			.pid = procs[i].pid,
			.len = {(uint32_t)strlen(procs[i].stat), (uint32_t)strlen(procs[i].status),
				(uint32_t)cmd_len, (uint32_t)strlen(procs[i].pidns)}};
		fwrite(&p, sizeof(p), 1, f);
		fputs(procs[i].stat, f);
		fputs(procs[i].status, f);
		/* (a cmd_len past the string's end pads with NULs) */
		fwrite(procs[i].cmdline, 1, cmd_len < have ? cmd_len : have, f);
		for (size_t pad = have; pad < cmd_len; pad++)
			fputc(0, f);
		fputs(procs[i].pidns, f);
	}
	fclose(f);
	return out;
}

static char *build_two(size_t *len)
{
	return build_top(two, 2, len, 14); /* "sh\0-c\0sleep 9\0" */
}

static void parse_indexes_each_process(void **state)
{
	size_t len;
	struct procview_snapshot s;
	char *data = build_two(&len);
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), 0);
	assert_int_equal(s.count, 2);
	assert_int_equal(s.procs[1].pid, 7);
	assert_int_equal(s.procs[0].len[AGENT_TOP_CMDLINE], 14);
	assert_memory_equal(s.procs[0].file[AGENT_TOP_CMDLINE], "sh\0-c\0sleep 9\0", 14);
	assert_memory_equal(s.procs[1].file[AGENT_TOP_STATUS], "Name:\tsleep\n", 12);
	/* The guest's btime gives way to the host's time of its boot. */
	assert_int_equal(s.stat_len, strlen("cpu  1 2 3 4\nprocesses 9\nbtime 1700000000\n"));
	assert_memory_equal(s.stat, "cpu  1 2 3 4\nprocesses 9\nbtime 1700000000\n", s.stat_len);
	procview_snapshot_release(&s);
}

static void parse_refuses_lengths_past_the_answer(void **state)
{
	size_t len;
	struct procview_snapshot s;
	for (size_t cut = 1; cut < 40; cut += 7) {
		char *data = build_two(&len);
		assert_int_equal(procview_parse(&s, data, len - cut, &at_1700000042), -1);
		procview_snapshot_release(&s);
	}
	/* A file longer than the agent may send. */
	char *data = build_top(two, 2, &len, AGENT_TOP_FILE_MAX + 1);
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), -1);
	procview_snapshot_release(&s);
	/* More processes than the answer holds. */
	data = build_two(&len);
	((struct agent_top *)data)->count = 3;
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), -1);
	procview_snapshot_release(&s);
	data = build_two(&len);
	((struct agent_top *)data)->count = AGENT_TOP_MAX_PROCS + 1;
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), -1);
	procview_snapshot_release(&s);
	data = build_two(&len);
	((struct agent_top *)data)->stat_len = (uint32_t)len;
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), -1);
	procview_snapshot_release(&s);
}

static void parse_leaves_out_bad_processes(void **state)
{
	static const struct fake_proc bad[] = {
		{0, "x", "x", "x", "pid:[1]", 0},		/* pid 0 */
		{5000000, "x", "x", "x", "pid:[1]", 0},		/* past PID_MAX_LIMIT */
		{3, "x", "x", "x", "../../.host/1/root", 0},	/* a link elsewhere */
		{4, "x", "x", "x", "pid:[12a]", 0},		/* not a number */
		{5, "good", "x", "x", "pid:[4026532000]", 0},	/* kept */
		{5, "again", "x", "x", "pid:[4026532000]", 0}}; /* the same pid again */
	size_t len;
	struct procview_snapshot s;
	char *data = build_top(bad, 6, &len, 4);
	assert_int_equal(procview_parse(&s, data, len, &at_1700000042), 0);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.procs[0].pid, 5);
	assert_memory_equal(s.procs[0].file[AGENT_TOP_STAT], "good", 4);
	procview_snapshot_release(&s);
}

static int fetches;
static const char *host_path; /* the root's path on the host */

static int fake_fetch(void *opaque, char **data, size_t *len)
{
	fetches++;
	*data = build_two(len);
	return 0;
}

static int read_all(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return (int)total;
}

/* In the child, with the view mounted: each failed check its own code. */
static int check_view(void)
{
	char buf[4096], want[64];
	int n = read_all("/proc/1/stat", buf, sizeof(buf));
	if (n != (int)strlen(two[0].stat) || strcmp(buf, two[0].stat) != 0)
		return 10;
	n = read_all("/proc/1/cmdline", buf, sizeof(buf));
	if (n != 14 || memcmp(buf, "sh\0-c\0sleep 9\0", 14) != 0)
		return 11;
	if (read_all("/proc/7/status", buf, sizeof(buf)) < 0 || strstr(buf, "PPid:\t1\n") == NULL)
		return 12;
	ssize_t l = readlink("/proc/7/ns/pid", buf, sizeof(buf));
	if (l != 16 || memcmp(buf, "pid:[4026532000]", 16) != 0)
		return 13;
	if (open("/proc/2/stat", O_RDONLY) >= 0 || errno != ENOENT)
		return 14;
	if (open("/proc/1/attr/current", O_RDONLY) >= 0 || errno != ENOENT)
		return 15;
	/* /proc/stat: btime is now less the guest's uptime. */
	if (read_all("/proc/stat", buf, sizeof(buf)) < 0)
		return 16;
	char *b = strstr(buf, "btime ");
	long long btime = b != NULL ? strtoll(b + 6, NULL, 10) : 0;
	if (llabs(btime - ((long long)time(NULL) - GUEST_UP_SECS)) > 2 ||
	    strstr(buf, "cpu  1 2 3 4\n") == NULL)
		return 17;
	/* The listing: the processes and the fixed names, nothing of the host. */
	int pids = 0, fixed = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *de; d != NULL && (de = readdir(d)) != NULL;) {
		if (de->d_name[0] >= '0' && de->d_name[0] <= '9')
			pids += strcmp(de->d_name, "1") == 0 || strcmp(de->d_name, "7") == 0 ? 1
											     : 100;
		fixed += strcmp(de->d_name, ".host") == 0 || strcmp(de->d_name, "self") == 0;
	}
	if (d == NULL || pids != 2 || fixed != 2)
		return 18;
	closedir(d);
	/* self is ours, the host's, through .host. */
	snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
	if (read_all("/proc/self/status", buf, sizeof(buf)) < 0 || strstr(buf, want) == NULL)
		return 19;
	if (read_all("/proc/thread-self/comm", buf, sizeof(buf)) < 0)
		return 20;
	/* A listing asks the guest again. */
	int before = fetches;
	d = opendir("/proc");
	if (d == NULL || fetches != before + 1)
		return 21;
	closedir(d);
	/* The root is the container's. */
	if (read_all("/etc/passwd", buf, sizeof(buf)) < 0 || strcmp(buf, "root:x:0:0::/:/bin/sh\n"))
		return 22;
	if (access(host_path, F_OK) == 0) /* the host's root is gone */
		return 23;
	/* The root is read-only as config.json says; its volume is not. */
	if (open("/etc/new", O_WRONLY | O_CREAT, 0644) >= 0 || errno != EROFS)
		return 24;
	int fd = open("/data/from-view", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "v", 1) != 1)
		return 25;
	close(fd);
	/* An empty /dev with a pts directory, where psgo looks for terminals. */
	struct stat st;
	if (stat("/dev/pts", &st) < 0 || !S_ISDIR(st.st_mode) || access("/dev/null", F_OK) == 0)
		return 26;
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A rootfs: /etc/passwd, and /proc as `proc` says (a directory, or a link
 * the container made). */
static char *make_root(bool proc_dir)
{
	char path[300];
	char *root = strdup("/tmp/procview-root.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/etc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd", root);
	write_file(path, "root:x:0:0::/:/bin/sh\n");
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(proc_dir ? mkdir(path, 0555) : symlink("/etc", path), 0);
	snprintf(path, sizeof(path), "%s/data", root); /* a volume's mount point */
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/null", root); /* hidden by the empty /dev */
	write_file(path, "");
	return root;
}

static void remove_root(char *root)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	free(root);
}

/* The mounts run in a child that execs this binary again: under valgrind
 * (which does not know open_tree and move_mount) the exec'd child runs
 * natively.  Its exit code: 0, a failed check's, or 77 when FUSE mounts
 * are not allowed here. */
static char self_path[4096];

static int run_child(const char *mode, const char *root, const char *vol)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* (SANITIZE builds: LeakSanitizer reads /proc/PID/task, which
		 * the child's view does not have) */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		execl(self_path, self_path, "--child", mode, root, vol, (char *)NULL);
		_exit(98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int child_main(const char *mode, char *root, char *vol)
{
	static struct procview v;
	struct error *err = NULL;
	struct procview_bind bind = {vol, "/data", false};
	struct procview_root r = {root, true, &bind, 1};
	host_path = root;
	if (strcmp(mode, "link") == 0) {
		struct procview_root plain = {.path = root};
		int fd = procview_open_device(&err);
		if (fd < 0)
			return 77;
		int ret = procview_start(&v, fd, &plain, fake_fetch, NULL, &err);
		char buf[64];
		/* /etc is untouched, and the message says why. */
		return ret == 0						      ? 1
		       : strstr(err->msg, "/proc is not a directory") == NULL ? 2
		       : read_all("/etc/passwd", buf, sizeof(buf)) < 0	      ? 3
									      : 0;
	}
	int fd = procview_open_device(&err);
	if (fd < 0 || procview_start(&v, fd, &r, fake_fetch, NULL, &err) < 0) {
		fprintf(stderr, "procview_start: %s\n", err->msg);
		return err->errnum == EPERM || err->errnum == ENODEV ? 77 : 1;
	}
	return check_view();
}

static void view_mounted_over_proc(void **state)
{
	if (access("/dev/fuse", R_OK | W_OK) != 0 || geteuid() != 0)
		skip(); /* needs root and /dev/fuse */
	char *root = make_root(true);
	char vol[] = "/tmp/procview-vol.XXXXXX", made[64], buf[256];
	assert_non_null(mkdtemp(vol));
	int code = run_child("view", root, vol);
	if (code == 77)
		skip(); /* FUSE mounts not allowed here */
	assert_int_equal(code, 0);
	/* Our own /proc is untouched. */
	assert_true(read_all("/proc/self/stat", buf, sizeof(buf)) > 0);
	assert_int_equal(strtol(buf, NULL, 10), getpid());
	/* What was written in the volume is in the host's directory. */
	snprintf(made, sizeof(made), "%s/from-view", vol);
	assert_int_equal(read_all(made, buf, sizeof(buf)), 1);
	remove_root(root);
	remove_root(strdup(vol));
}

/* A container whose /proc is a link: nothing is mounted where it leads. */
static void proc_link_refused(void **state)
{
	if (access("/dev/fuse", R_OK | W_OK) != 0 || geteuid() != 0)
		skip();
	char *root = make_root(false);
	assert_int_equal(run_child("link", root, "-"), 0);
	remove_root(root);
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3], argv[4]);
	if (realpath(argv[0], self_path) == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_indexes_each_process),
		cmocka_unit_test(parse_refuses_lengths_past_the_answer),
		cmocka_unit_test(parse_leaves_out_bad_processes),
		cmocka_unit_test(view_mounted_over_proc),
		cmocka_unit_test(proc_link_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
