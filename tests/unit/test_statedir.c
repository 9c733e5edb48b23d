/* The state directory: creation, records, atomic replacement under
 * concurrent readers, the per-container lock, status derived from the live
 * process, and teardown. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "runtime/container.h"
#include "runtime/statedir.h"

static char root[] = "/tmp/vrun-statedir-XXXXXX";

static int setup(void **state)
{
	strcpy(root, "/tmp/vrun-statedir-XXXXXX");
	return mkdtemp(root) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct error *err = NULL;
	int ret = fs_remove_tree_at(AT_FDCWD, root, &err);
	error_release(&err);
	return ret;
}

static void fill_record(struct container *c, const char *status, pid_t pid)
{
	container_record_release(&c->record);
	c->record.state.oci_version = xstrdup("1.2.0");
	c->record.state.id = xstrdup(c->id);
	c->record.state.status = xstrdup(status);
	c->record.state.bundle = xstrdup("/bundle");
	c->record.state.pid = pid;
	uint64_t start = 0;
	if (pid > 0)
		proc_start_time(pid, &start);
	c->record.pid_start_time = start;
}

static void make_container(const char *id, const char *status, pid_t pid)
{
	struct container c;
	struct error *err = NULL;
	if (container_make(root, id, &c, &err) < 0)
		fail_msg("%s", err->msg);
	fill_record(&c, status, pid);
	assert_int_equal(container_write_record(&c, &err), 0);
	container_close(&c);
}

static void test_make_and_open(void **state)
{
	struct container c;
	struct error *err = NULL;
	struct stat st;
	char path[128];

	make_container("c1", STATUS_CREATED, getpid());
	snprintf(path, sizeof(path), "%s/c1/" LOCK_FILE, root);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/c1", root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/c1/" STATE_FILE, root);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(container_open(root, "c1", false, &c, &err), 0);
	assert_string_equal(c.record.state.id, "c1");
	assert_string_equal(c.record.state.status, STATUS_CREATED);
	assert_int_equal(c.record.state.pid, getpid());
	assert_int_equal(c.lockfd, -1);
	container_close(&c);
}

static void test_make_twice_and_missing(void **state)
{
	struct container c;
	struct error *err = NULL;

	make_container("dup", STATUS_CREATED, 0);
	assert_int_equal(container_make(root, "dup", &c, &err), -1);
	assert_int_equal(err->errnum, EEXIST);
	assert_string_equal(err->msg, "container \"dup\" already exists");
	error_release(&err);
	container_close(&c);

	assert_int_equal(container_open(root, "nope", false, &c, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "container \"nope\" does not exist");
	error_release(&err);
	container_close(&c);

	assert_int_equal(container_open("/nonexistent/root", "x", true, &c, &err), -1);
	assert_int_equal(err->errnum, ENOENT);
	error_release(&err);
	container_close(&c);

	assert_int_equal(container_open(root, "../etc", false, &c, &err), -1);
	assert_non_null(strstr(err->msg, "invalid container id"));
	error_release(&err);
	container_close(&c);
}

/* A reader never sees a half-written state.json while a writer replaces
 * it over and over with records of very different sizes. */
static void test_atomic_replacement(void **state)
{
	struct container c;
	struct error *err = NULL;
	static struct oci_strmap_entry big[64];
	static char values[64][256];

	make_container("atomic", STATUS_CREATED, 0);
	assert_int_equal(container_open(root, "atomic", true, &c, &err), 0);
	for (int i = 0; i < 64; i++) {
		memset(values[i], 'a' + i % 26, sizeof(values[i]) - 1);
		big[i] = (struct oci_strmap_entry){values[i], values[i]};
	}
	pid_t writer = fork();
	assert_true(writer >= 0);
	if (writer == 0) {
		struct oci_strmap none = c.record.state.annotations;
		for (int i = 0; i < 3000; i++) {
			c.record.state.annotations = i % 2 ? (struct oci_strmap){big, 64} : none;
			if (container_write_record(&c, &err) < 0)
				_exit(1);
		}
		c.record.state.annotations = none;
		_exit(0);
	}
	int reads = 0, status;
	while (waitpid(writer, &status, WNOHANG) == 0 || reads < 200) {
		cleanup_free char *text = NULL;
		struct container_record r;
		if (fs_read_file_at(c.dirfd, STATE_FILE, STATE_FILE, 1 << 20, &text, NULL, &err) <
		    0)
			fail_msg("read %d: %s", reads, err->msg);
		if (container_record_parse(text, &r, &err) < 0)
			fail_msg("read %d saw a torn record: %s", reads, err->msg);
		container_record_release(&r);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	container_close(&c);
}

static bool readable_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) == 1;
}

/* A second command on the same container waits for the first. */
static void test_lock_excludes(void **state)
{
	struct container holder;
	struct error *err = NULL;
	int pipefd[2];

	make_container("locked", STATUS_CREATED, 0);
	assert_int_equal(container_open(root, "locked", true, &holder, &err), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct container c;
		close(pipefd[0]);
		close(holder.lockfd); /* flock belongs to the open file, shared by fork */
		if (container_open(root, "locked", true, &c, &err) < 0)
			_exit(1);
		(void)!write(pipefd[1], "x", 1);
		_exit(0);
	}
	close(pipefd[1]);
	assert_false(readable_within(pipefd[0], 300));
	container_close(&holder);
	assert_true(readable_within(pipefd[0], 5000));
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(pipefd[0]);
}

/* A command waiting on the lock of a container that the holder deletes
 * learns that it does not exist. */
static void test_delete_while_waiting(void **state)
{
	struct container holder;
	struct error *err = NULL;

	make_container("doomed", STATUS_STOPPED, 0);
	assert_int_equal(container_open(root, "doomed", true, &holder, &err), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct container c;
		close(holder.lockfd);
		if (container_open(root, "doomed", true, &c, &err) == 0)
			_exit(1);
		_exit(err->errnum == ENOENT && strstr(err->msg, "does not exist") ? 0 : 2);
	}
	usleep(200000);
	assert_int_equal(container_remove_dir(&holder, &err), 0);
	container_close(&holder);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_status_refresh(void **state)
{
	struct container c;
	struct error *err = NULL;

	make_container("alive", STATUS_RUNNING, getpid());
	assert_int_equal(container_open(root, "alive", false, &c, &err), 0);
	assert_string_equal(container_refresh_status(&c), STATUS_RUNNING);
	assert_int_equal(c.record.state.pid, getpid());
	/* The same pid with another start time is a reused pid. */
	c.record.pid_start_time++;
	assert_string_equal(container_refresh_status(&c), STATUS_STOPPED);
	assert_int_equal(c.record.state.pid, 0);
	container_close(&c);

	pid_t child = fork();
	if (child == 0)
		_exit(0);
	uint64_t start;
	bool seen = proc_start_time(child, &start);
	waitpid(child, NULL, 0);
	make_container("exited", STATUS_RUNNING, 0);
	assert_int_equal(container_open(root, "exited", false, &c, &err), 0);
	c.record.state.pid = child;
	c.record.pid_start_time = seen ? start : 0;
	assert_string_equal(container_refresh_status(&c), STATUS_STOPPED);
	assert_int_equal(c.record.state.pid, 0);
	container_close(&c);
}

static void test_destroy_kills(void **state)
{
	struct container c;
	struct error *err = NULL;
	char path[128];
	struct stat st;

	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	make_container("victim", STATUS_RUNNING, child);
	assert_int_equal(container_open(root, "victim", true, &c, &err), 0);
	assert_int_equal(container_destroy(&c, &err), 0);
	container_close(&c);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(path, sizeof(path), "%s/victim", root);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_and_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_twice_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_replacement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_excludes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_kills, setup, teardown),
	};
	return cmocka_run_group_tests_name("statedir", tests, NULL, NULL);
}
