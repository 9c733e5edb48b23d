/* Running a hook: the state on stdin, its own args and env, its exit
 * status and output in the error, the timeout, a missing program. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/hook.h"

static char dir[] = "/tmp/vrun-hook-XXXXXX";

static int setup(void **state)
{
	strcpy(dir, "/tmp/vrun-hook-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct error *err = NULL;
	return fs_remove_tree_at(AT_FDCWD, dir, &err);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file_at(AT_FDCWD, path, path, 1 << 20, &text, NULL, &err) < 0) {
		error_release(&err);
		return NULL;
	}
	return text;
}

static void test_state_args_env(void **state)
{
	char script[1024], out[300];
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(script, sizeof(script), "cat > %s; echo \" $0 $1 $GREETING\" >> %s", out, out);
	char *argv[] = {"sh", "-c", script, "zero", "one", NULL};
	char *envp[] = {"GREETING=hi", NULL};
	struct hook_command h = {.path = "/bin/sh", .argv = argv, .envp = envp};
	struct error *err = NULL;
	assert_int_equal(hook_run(&h, "prestart", "{\"id\":\"x\"}", &err), 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	assert_string_equal(got, "{\"id\":\"x\"} zero one hi\n");
}

static void test_empty_env(void **state)
{
	char script[1024], out[300];
	snprintf(out, sizeof(out), "%s/env", dir);
	snprintf(script, sizeof(script), "/usr/bin/env > %s", out);
	char *argv[] = {"sh", "-c", script, NULL};
	struct hook_command h = {.path = "/bin/sh", .argv = argv};
	struct error *err = NULL;
	assert_int_equal(hook_run(&h, "poststop", "{}", &err), 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	/* Only what sh itself sets (PWD, maybe SHLVL), nothing of ours. */
	assert_null(strstr(got, "PATH="));
	assert_null(strstr(got, "HOME="));
}

static void test_failure_carries_output(void **state)
{
	char *argv[] = {"sh", "-c", "echo first; echo no network for you >&2; exit 3", NULL};
	struct hook_command h = {.path = "/bin/sh", .argv = argv};
	struct error *err = NULL;
	assert_int_equal(hook_run(&h, "createRuntime", "{}", &err), -1);
	assert_non_null(err);
	assert_string_equal(err->msg,
			    "createRuntime hook /bin/sh: exit status 3: first\nno network for you");
	error_release(&err);

	char *argv2[] = {"sh", "-c", "kill -9 $$", NULL};
	h.argv = argv2;
	assert_int_equal(hook_run(&h, "poststart", "{}", &err), -1);
	assert_string_equal(err->msg, "poststart hook /bin/sh: exit status 137");
	error_release(&err);
}

static void test_missing_program(void **state)
{
	struct hook_command h = {.path = "/no/such/hook"};
	struct error *err = NULL;
	assert_int_equal(hook_run(&h, "prestart", "{}", &err), -1);
	assert_string_equal(err->msg, "prestart hook /no/such/hook: exit status 127: exec "
				      "/no/such/hook: No such file or directory");
	error_release(&err);
}

static void test_timeout_kills(void **state)
{
	char *argv[] = {"sh", "-c", "exec sleep 30", NULL};
	struct hook_command h = {.path = "/bin/sh", .argv = argv, .timeout_s = 1};
	struct error *err = NULL;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(hook_run(&h, "startContainer", "{}", &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_string_equal(err->msg, "startContainer hook /bin/sh: timed out after 1 s");
	assert_int_equal(err->errnum, ETIMEDOUT);
	assert_true(b.tv_sec - a.tv_sec < 5);
	error_release(&err);
}

/* A big state and a hook that never reads it: no SIGPIPE, no hang. */
static void test_unread_state(void **state)
{
	size_t len = 1 << 20;
	cleanup_free char *big = malloc(len + 1);
	memset(big, 'x', len);
	big[len] = '\0';
	char *argv[] = {"sh", "-c", "exit 0", NULL};
	struct hook_command h = {.path = "/bin/sh", .argv = argv, .timeout_s = 10};
	struct error *err = NULL;
	assert_int_equal(hook_run(&h, "prestart", big, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_state_args_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_carries_output, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
