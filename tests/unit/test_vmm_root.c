/* The VMM's small root (runtime/vmm_root.h): only the kept paths, each at
 * its own path, a /proc of processes, read-only; fds taken before stay. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/vmm_root.h"

static char self_path[4096];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool has_text(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/* The names in /, sorted, joined by spaces. */
static void list_root(char *out, size_t size)
{
	struct dirent **names;
	int n = scandir("/", &names, NULL, alphasort);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t used = strlen(out);
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
		    used + strlen(name) + 2 <= size) {
			if (used > 0)
				out[used++] = ' ';
			strcpy(out + used, name);
		}
		free(names[i]);
	}
	free(names);
}

/* In the exec'd child (valgrind does not know open_tree or move_mount):
 * BASE/state with BASE/state/mounts a tmpfs of its own, BASE/rootfs (or
 * BASE/state/rootfs in "nested"), BASE/outside left behind.  0, or the
 * number of the check that failed; 77 when mounts are not allowed. */
static int child_main(const char *mode, const char *base)
{
	char state[4096], rootfs[4096], outside[4096], path[4200], top[64];
	bool nested = strcmp(mode, "nested") == 0;
	snprintf(state, sizeof(state), "%s/state", base);
	snprintf(rootfs, sizeof(rootfs), nested ? "%s/state/rootfs" : "%s/rootfs", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return 77;
	snprintf(path, sizeof(path), "%s/mounts", state);
	if (mount("tmpfs", path, "tmpfs", 0, "size=16k") < 0)
		return 77;
	snprintf(path, sizeof(path), "%s/mounts/inner", state);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs("submount", f) < 0 || fclose(f) != 0)
		return 1;
	int held = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (held < 0)
		return 2;
	const char *const keep[] = {state, rootfs};
	struct error *err = NULL;
	if (vmm_root_enter(keep, 2, &err) < 0) {
		fprintf(stderr, "vmm_root_enter: %s\n", err->msg);
		return 3;
	}
	char names[256];
	list_root(names, sizeof(names));
	/* BASE is /tmp/...: its first component and /proc, nothing else. */
	snprintf(top, sizeof(top), "proc %.*s", (int)strcspn(base + 1, "/"), base + 1);
	if (strcmp(names, top) != 0) {
		fprintf(stderr, "/ holds: %s\n", names);
		return 4;
	}
	snprintf(path, sizeof(path), "%s/file", state);
	if (!has_text(path, "state"))
		return 5;
	snprintf(path, sizeof(path), "%s/mounts/inner", state);
	if (!has_text(path, "submount"))
		return 6;
	snprintf(path, sizeof(path), "%s/file", rootfs);
	if (!has_text(path, "rootfs"))
		return 7;
	snprintf(path, sizeof(path), "%s/canary", outside);
	if (access(path, F_OK) == 0 || access("/usr", F_OK) == 0 || access("/dev", F_OK) == 0)
		return 8;
	if (mkdir("/new", 0755) == 0 || errno != EROFS)
		return 9;
	/* /proc: processes only, and the fds of ours lead where they did. */
	char link[64], target[4096] = "";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", held);
	if (readlink(link, target, sizeof(target) - 1) < 0 || strcmp(target, outside) != 0 ||
	    access("/proc/self/status", R_OK) != 0 || access("/proc/sys", F_OK) == 0 ||
	    access("/proc/kcore", F_OK) == 0)
		return 10;
	struct stat st;
	if (fstatat(held, "canary", &st, 0) < 0)
		return 11;
	/* `..` from a kept path opened now stays in the new root (the host's
	 * BASE/outside is not beside it); from one opened before, it does
	 * not: why the VMM opens its exports after. */
	int kept = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (kept < 0 || faccessat(kept, nested ? "../../outside" : "../outside", F_OK, 0) == 0 ||
	    faccessat(held, "../outside/canary", F_OK, 0) != 0)
		return 13;
	close(kept);
	/* The kept paths stay writable: the state dir gets its sockets. */
	snprintf(path, sizeof(path), "%s/from-child", state);
	f = fopen(path, "w");
	if (f == NULL || fclose(f) != 0)
		return 12;
	return 0;
}

static char *make_base(bool nested)
{
	char *base = strdup("/tmp/vmm-root.XXXXXX"), path[256];
	assert_non_null(mkdtemp(base));
	const char *dirs[] = {"state", "state/mounts", nested ? "state/rootfs" : "rootfs",
			      "outside"};
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", base, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	snprintf(path, sizeof(path), "%s/state/file", base);
	write_file(path, "state");
	snprintf(path, sizeof(path), nested ? "%s/state/rootfs/file" : "%s/rootfs/file", base);
	write_file(path, "rootfs");
	snprintf(path, sizeof(path), "%s/outside/canary", base);
	write_file(path, "canary");
	return base;
}

static int run_child(const char *mode, const char *base)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl(self_path, self_path, "--child", mode, base, (char *)NULL);
		_exit(98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void check_mode(const char *mode)
{
	if (geteuid() != 0)
		skip(); /* mounts need root */
	char *base = make_base(strcmp(mode, "nested") == 0), path[256], cmd[300];
	int code = run_child(mode, base);
	if (code == 77)
		skip(); /* no mount namespace here */
	assert_int_equal(code, 0);
	/* What the child wrote in its state dir is the host's. */
	snprintf(path, sizeof(path), "%s/state/from-child", base);
	assert_int_equal(access(path, F_OK), 0);
	/* Nothing of the child's mounts is left on the host. */
	snprintf(path, sizeof(path), "%s/state/mounts/inner", base);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	free(base);
}

static void only_the_kept_paths(void **state)
{
	check_mode("apart");
}

/* The rootfs beneath the state dir comes with it. */
static void a_path_beneath_another(void **state)
{
	check_mode("nested");
}

static void relative_path_refused(void **state)
{
	const char *const keep[] = {"run/state", "/x"};
	struct error *err = NULL;
	assert_int_equal(vmm_root_enter(keep, 2, &err), -1);
	assert_string_equal(err->msg, "the VMM's root: run/state is not absolute");
	error_release(&err);
	assert_int_equal(vmm_root_enter(keep, 0, &err), -1);
	error_release(&err);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--child") == 0)
		return child_main(argv[2], argv[3]);
	if (realpath(argv[0], self_path) == NULL)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_the_kept_paths),
		cmocka_unit_test(a_path_beneath_another),
		cmocka_unit_test(relative_path_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
