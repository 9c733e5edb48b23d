/* AF_UNIX sockets at paths longer than sun_path (containerd's state
 * directories): bind, connect and a byte across, and the short path as
 * before. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/unix_socket.h"

static void exchange_at(const char *path)
{
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0 && c >= 0);
	assert_int_equal(unix_bind(l, path), 0);
	assert_int_equal(listen(l, 1), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0); /* made where it was asked */
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(unix_connect(c, path), 0);
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	char byte = 0;
	assert_int_equal(write(c, "x", 1), 1);
	assert_int_equal(read(a, &byte, 1), 1);
	assert_int_equal(byte, 'x');
	close(a);
	close(c);
	close(l);
	unlink(path);
}

static void test_long_and_short(void **state)
{
	char dir[] = "/tmp/vrun-unix-XXXXXX", path[PATH_MAX + 64], deep[PATH_MAX + 16];
	assert_non_null(mkdtemp(dir));
	/* As containerd's: a namespace's directory, a 64-hex-digit id. */
	char ns[PATH_MAX - 80];
	snprintf(ns, sizeof(ns), "%s/runc-k8s.io", dir);
	assert_int_equal(mkdir(ns, 0700), 0);
	snprintf(deep, sizeof(deep), "%s/%064d", ns, 0);
	assert_int_equal(mkdir(deep, 0700), 0);
	snprintf(path, sizeof(path), "%s/vsock.sock_1024", deep);
	assert_true(strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path));
	exchange_at(path);
	snprintf(path, sizeof(path), "%s/s", dir);
	exchange_at(path);

	/* Nowhere to go: the error is the system's. */
	snprintf(path, sizeof(path), "%s/missing/%0100d/s", dir, 0);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(unix_connect(fd, path), -1);
	assert_int_equal(errno, ENOENT);
	close(fd);
	rmdir(deep);
	rmdir(ns);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_and_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
