/* The VMM's cgroup: cgroupsPath resolved (cgroupfs, relative, systemd
 * slices), refused paths with their messages, and the directories,
 * limits and cgroup.procs written (into a directory standing in for
 * /sys/fs/cgroup). */
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

#include "common/fs.h"
#include "runtime/cgroup.h"

static void resolves(const char *path, bool systemd, const char *want)
{
	char out[4096];
	struct error *err = NULL;
	if (cgroup_resolve(path, systemd, "/user.slice/me", out, sizeof(out), &err) < 0)
		fail_msg("%s: %s", path, err->msg);
	assert_string_equal(out, want);
}

static void refuses(const char *path, bool systemd, const char *want)
{
	char out[4096];
	struct error *err = NULL;
	assert_int_equal(cgroup_resolve(path, systemd, "/", out, sizeof(out), &err), -1);
	assert_string_equal(err->msg, want);
	error_release(&err);
}

static void test_resolve(void **state)
{
	resolves(NULL, false, "");
	resolves("", true, "");
	resolves("/libpod_parent/libpod-abc", false, "/libpod_parent/libpod-abc");
	resolves("//default/./c1/", false, "/default/c1");
	resolves("k8s/c1", false, "/user.slice/me/k8s/c1");
	resolves("machine.slice:libpod:abc", true, "/machine.slice/libpod-abc.scope");
	resolves("machine-libpod.slice:libpod:abc", true,
		 "/machine.slice/machine-libpod.slice/libpod-abc.scope");
	resolves(":crio:abc", true, "/system.slice/crio-abc.scope");
	resolves("-.slice::abc", true, "/abc.scope");
	resolves("a-b.slice:x:c-d.slice", true, "/a.slice/a-b.slice/c-d.slice");

	refuses("/a/../b", false, "cgroupsPath '/a/../b': '..' in the path");
	refuses("/", false,
		"cgroupsPath '/' names the root cgroup: a container needs one of its own");
	refuses("machine.slice/abc", true,
		"cgroupsPath 'machine.slice/abc': with --systemd-cgroup it is slice:prefix:name");
	refuses("a:b:c:d", true,
		"cgroupsPath 'a:b:c:d': with --systemd-cgroup it is slice:prefix:name");
	refuses("machine:libpod:abc", true,
		"cgroupsPath 'machine:libpod:abc': 'machine' is not a "
		"slice name");
	refuses("a--b.slice:p:n", true,
		"cgroupsPath 'a--b.slice:p:n': 'a--b.slice' is not a slice "
		"name");
	refuses("a.slice:p:x/../y", true,
		"cgroupsPath 'a.slice:p:x/../y': 'p-x/../y.scope' is not a unit name");
}

static char root[] = "/tmp/vrun-cgroup-XXXXXX";

/* Whether dirfd/name holds want. */
static void holds(int dirfd, const char *name, const char *want)
{
	char *text = NULL;
	struct error *err = NULL;
	if (fs_read_file_at(dirfd, name, name, 4096, &text, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	bool same = strcmp(text, want) == 0;
	if (!same)
		fail_msg("%s holds '%s', not '%s'", name, text, want);
	free(text);
}

static void touch(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void test_enter(void **state)
{
	strcpy(root, "/tmp/vrun-cgroup-XXXXXX");
	assert_non_null(mkdtemp(root));
	int rootfd = open(root, O_RDONLY | O_DIRECTORY);
	assert_true(rootfd >= 0);
	/* A cgroupfs stand-in: the files exist where the kernel would have
	 * made them. */
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/pod/c1", root);
	struct error *err = NULL;
	assert_int_equal(fs_mkdir_all(dir, 0755, &err), 0);
	touch("", "cgroup.subtree_control");
	touch("pod", "cgroup.subtree_control");
	const char *files[] = {"memory.max", "memory.swap.max", "cpu.max",
			       "cpu.weight", "cpuset.cpus",	"cgroup.procs"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		touch("pod/c1", files[i]);

	struct oci_memory memory = {.limit = {true, 536870912}, .swap = {true, 1073741824}};
	struct oci_cpu cpu = {.quota = {true, 150000},
			      .period = {true, 100000},
			      .shares = {true, 1024},
			      .cpus = "0-1"};
	struct oci_resources r = {.memory = &memory, .cpu = &cpu};
	assert_int_equal(cgroup_enter_at(rootfd, "/pod/c1", &r, 4242, &err), 0);
	int c1 = openat(rootfd, "pod/c1", O_RDONLY | O_DIRECTORY);
	holds(c1, "memory.max", "536870912");
	holds(c1, "memory.swap.max", "536870912");
	holds(c1, "cpu.max", "150000 100000");
	holds(c1, "cpu.weight", "39");
	holds(c1, "cpuset.cpus", "0-1");
	holds(c1, "cgroup.procs", "4242");
	/* The controllers asked of each ancestor, one write each (a plain
	 * file keeps the bytes of all, the last one first). */
	holds(rootfd, "pod/cgroup.subtree_control", "+pidsry");

	/* A limit whose file is missing: the error says which and why. */
	touch("pod", "x");
	snprintf(dir, sizeof(dir), "%s/pod/c2", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(cgroup_enter_at(rootfd, "/pod/c2", &r, 1, &err), -1);
	assert_string_equal(err->msg, "cgroup /pod/c2: memory.max (is its controller enabled in "
				      "the parent's cgroup.subtree_control?): No such file or "
				      "directory");
	error_release(&err);
	/* swap below the limit is refused (OCI's swap counts both). */
	memory.swap.value = 1024;
	assert_int_equal(cgroup_enter_at(rootfd, "/pod/c1", &r, 1, &err), -1);
	assert_string_equal(err->msg, "linux.resources.memory.swap (1024) is below memory.limit "
				      "(536870912): it counts both");
	error_release(&err);

	/* Removal: an empty directory goes (files aside, which the kernel
	 * would not have). */
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	cgroup_remove_at(rootfd, "/pod/c2");
	struct stat st;
	assert_int_equal(fstatat(rootfd, "pod/c2", &st, 0), -1);
	close(c1);
	close(rootfd);
	assert_int_equal(fs_remove_tree_at(AT_FDCWD, root, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_enter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
