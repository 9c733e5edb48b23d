/* beneath_open: a path resolved as if its directory were `/`, through
 * openat2 where the kernel has it and through the walk that stands in for
 * it (valgrind, old kernels); both must land on the same files and fail
 * the same way.  And path_within/path_beneath on path strings. */
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
#include <unistd.h>

#include <cmocka.h>

#include "common/beneath.h"
#include "common/fs.h"

static char dir[] = "/tmp/vrun-beneath-XXXXXX";
static int root = -1;

static int setup(void **state)
{
	char cmd[512];
	strcpy(dir, "/tmp/vrun-beneath-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir -p a/b && echo x > a/b/file && echo f > f && "
		 "ln -s /a/b abs && ln -s ../../../.. up && ln -s a/b/file rel && "
		 "ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s /nonexistent dangling && "
		 "ln -s ../../a a/b/back && ln -s /tmp outside",
		 dir);
	if (system(cmd) != 0)
		return -1;
	root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct error *err = NULL;
	close(root);
	return fs_remove_tree_at(AT_FDCWD, dir, &err);
}

typedef int (*opener)(int, const char *, int);

/* `path` opens the same inode as `expect` (relative to the root, "" the
 * root itself), or fails with `error`. */
static void lands(opener open_fn, const char *path, int flags, const char *expect, int error)
{
	int fd = open_fn(root, path, flags);
	if (expect == NULL) {
		if (fd >= 0)
			fail_msg("%s: opened, expected errno %d", path, error);
		assert_int_equal(errno, error);
		return;
	}
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	struct stat got, want;
	assert_int_equal(fstat(fd, &got), 0);
	assert_int_equal(fstatat(root, expect[0] ? expect : ".", &want, AT_SYMLINK_NOFOLLOW), 0);
	if (got.st_ino != want.st_ino || got.st_dev != want.st_dev)
		fail_msg("%s: landed elsewhere than %s", path, expect);
	close(fd);
}

static void cases(opener o)
{
	lands(o, "a/b/file", O_RDONLY, "a/b/file", 0);
	lands(o, "abs/file", O_RDONLY, "a/b/file", 0);
	lands(o, "up/a/b/file", O_RDONLY, "a/b/file", 0);
	lands(o, "up/../../f", O_RDONLY, "f", 0);
	lands(o, "/a/b/../b/file", O_RDONLY, "a/b/file", 0);
	lands(o, "a/b/back/b/file", O_RDONLY, "a/b/file", 0);
	lands(o, "rel", O_RDONLY, "a/b/file", 0);
	lands(o, "rel", O_PATH | O_NOFOLLOW, "rel", 0); /* the symlink itself */
	lands(o, "abs/", O_PATH | O_DIRECTORY, "a/b", 0);
	lands(o, "outside", O_PATH | O_DIRECTORY, NULL, ENOENT); /* /tmp inside: none */
	lands(o, "", O_PATH | O_DIRECTORY, "", 0);
	lands(o, "..", O_PATH | O_DIRECTORY, "", 0);
	lands(o, "../../..", O_PATH | O_DIRECTORY, "", 0);
	lands(o, "loop1", O_RDONLY, NULL, ELOOP);
	lands(o, "dangling", O_RDONLY, NULL, ENOENT);
	lands(o, "f/x", O_RDONLY, NULL, ENOTDIR);
	lands(o, "a/b/file", O_RDONLY | O_DIRECTORY, NULL, ENOTDIR);
	lands(o, "rel", O_RDONLY | O_NOFOLLOW, NULL, ELOOP);
}

static void test_openat2_or_walk(void **state)
{
	cases(beneath_open);
}

static void test_walk(void **state)
{
	cases(beneath_open_walk);
}

static void test_path_strings(void **state)
{
	assert_true(path_within("/a/b", "/a/b"));
	assert_true(path_within("/a/b", "/a/b/"));
	assert_true(path_within("/a/b/c", "/a/b"));
	assert_true(path_within("/a", "/"));
	assert_false(path_within("/a/bc", "/a/b"));
	assert_false(path_within("/a", "/a/b"));
	assert_false(path_beneath("/a/b", "/a/b"));
	assert_false(path_beneath("/a/b", "/a/b/"));
	assert_true(path_beneath("/a/b/c", "/a/b"));
	assert_true(path_beneath("/a/b/c", "/a/b//"));
	assert_false(path_beneath("/a/bc", "/a/b"));
	assert_true(path_beneath("/x", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_openat2_or_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk, setup, teardown),
		cmocka_unit_test(test_path_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
