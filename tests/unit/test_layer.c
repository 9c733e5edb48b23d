/* layer_apply against a temporary root: what a layer makes (files, modes,
 * owners, symlinks, hardlinks, FIFOs, directory times), what a later layer
 * removes (whiteouts, opaque directories, replaced types), and hostile
 * entries that must stay inside the root or be refused.  Layers are built
 * in memory with libarchive. */
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

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "common/fs.h"
#include "rootfs/layer.h"

static char dir[] = "/tmp/vrun-layer-XXXXXX";
static char rootdir[64];
static int root = -1;

static int setup(void **state)
{
	strcpy(dir, "/tmp/vrun-layer-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(rootdir, sizeof(rootdir), "%s/root", dir);
	if (mkdir(rootdir, 0755) < 0)
		return -1;
	root = open(rootdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return root < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct error *err = NULL;
	close(root);
	return fs_remove_tree_at(AT_FDCWD, dir, &err);
}

/* One entry: type 'f' file (arg: content), 'd' dir, 'l' symlink (arg:
 * target), 'h' hardlink (arg: target), 'p' FIFO. */
struct entry {
	char type;
	const char *path;
	const char *arg;
	unsigned mode;
};

static char tarbuf[1 << 20];

/* Applies a layer made of `entries`; layer_apply's result, its error in
 * *msg (static). */
static int apply(const struct entry *entries, size_t n, const char **msg)
{
	static char text[512];
	size_t used = 0;
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	assert_int_equal(archive_write_open_memory(w, tarbuf, sizeof(tarbuf), &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct entry *e = &entries[i];
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e->path);
		archive_entry_set_mtime(ae, 1600000000 + (time_t)i, 0);
		archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
		size_t size = 0;
		switch (e->type) {
		case 'f':
			archive_entry_set_filetype(ae, AE_IFREG);
			size = strlen(e->arg);
			archive_entry_set_size(ae, (la_int64_t)size);
			break;
		case 'd':
			archive_entry_set_filetype(ae, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e->arg);
			break;
		case 'h':
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e->arg);
			break;
		case 'p':
			archive_entry_set_filetype(ae, AE_IFIFO);
			break;
		}
		assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
		if (size > 0)
			assert_int_equal(archive_write_data(w, e->arg, size), (la_ssize_t)size);
		archive_entry_free(ae);
	}
	archive_write_close(w);
	archive_write_free(w);

	struct archive *r = archive_read_new();
	archive_read_support_format_tar(r);
	assert_int_equal(archive_read_open_memory(r, tarbuf, used), ARCHIVE_OK);
	struct layer_target t;
	struct error *err = NULL;
	layer_target_init(&t, root);
	int ret = layer_apply(&t, r, &err);
	layer_target_release(&t);
	archive_read_free(r);
	snprintf(text, sizeof(text), "%s", err != NULL ? err->msg : "");
	error_release(&err);
	if (msg != NULL)
		*msg = text;
	return ret;
}

#define APPLY_OK(...)                                                                              \
	do {                                                                                       \
		const struct entry e_[] = {__VA_ARGS__};                                           \
		const char *m_;                                                                    \
		if (apply(e_, sizeof(e_) / sizeof(e_[0]), &m_) < 0)                                \
			fail_msg("layer failed: %s", m_);                                          \
	} while (0)

static char *content(const char *path)
{
	static char buf[256];
	int fd = openat(root, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return fstatat(root, path, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_makes_everything(void **state)
{
	APPLY_OK({'d', "etc", NULL, 0750}, {'f', "etc/hosts", "127.0.0.1 x\n", 0600},
		 {'l', "etc/link", "hosts", 0}, {'h', "etc/hard", "etc/hosts", 0},
		 {'p', "run/fifo", NULL, 0640}, {'f', "deep/er/file", "made parents", 04755});
	struct stat st, st2;
	assert_int_equal(fstatat(root, "etc", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750);
	/* Directory times are set once its entries are in. */
	assert_int_equal(st.st_mtim.tv_sec, 1600000000);
	assert_string_equal(content("etc/hosts"), "127.0.0.1 x\n");
	assert_int_equal(fstatat(root, "etc/hosts", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtim.tv_sec, 1600000001);
	assert_int_equal(fstatat(root, "etc/hard", &st2, 0), 0);
	assert_true(st.st_ino == st2.st_ino && st.st_nlink == 2);
	char target[64] = "";
	assert_int_equal(readlinkat(root, "etc/link", target, sizeof(target)), 5);
	assert_string_equal(target, "hosts");
	assert_int_equal(fstatat(root, "run/fifo", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISFIFO(st.st_mode) && (st.st_mode & 07777) == 0640);
	assert_int_equal(fstatat(root, "deep/er/file", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 04755); /* set-id kept: chmod after chown */
	assert_int_equal(fstatat(root, "deep/er", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_later_layers(void **state)
{
	APPLY_OK({'d', "a", NULL, 0755}, {'f', "a/keep", "1", 0}, {'f', "a/gone", "2", 0},
		 {'d', "a/sub", NULL, 0755}, {'f', "a/sub/x", "3", 0}, {'d', "o", NULL, 0755},
		 {'f', "o/old", "4", 0}, {'f', "was-file", "5", 0}, {'d', "was-dir", NULL, 0755},
		 {'f', "was-dir/x", "6", 0});
	/* Whiteouts remove a file and a directory of the layer below; an
	 * opaque marker after a sibling of its own layer keeps the sibling. */
	APPLY_OK({'f', "a/.wh.gone", "", 0}, {'f', "a/.wh.sub", "", 0}, {'f', "o/new", "7", 0},
		 {'f', "o/.wh..wh..opq", "", 0}, {'d', "was-file", NULL, 0700},
		 {'l', "was-dir", "/elsewhere", 0}, {'f', "a/.wh.never-there", "", 0});
	assert_true(exists("a/keep"));
	assert_false(exists("a/gone"));
	assert_false(exists("a/sub"));
	assert_false(exists("a/.wh.gone"));
	assert_true(exists("o/new"));
	assert_false(exists("o/old"));
	assert_false(exists("o/.wh..wh..opq"));
	struct stat st;
	assert_int_equal(fstatat(root, "was-file", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(fstatat(root, "was-dir", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	/* A directory over a directory keeps what is in it. */
	APPLY_OK({'d', "a", NULL, 0700});
	assert_true(exists("a/keep"));
}

static void refused(const struct entry *e, size_t n, const char *want)
{
	const char *msg;
	assert_int_equal(apply(e, n, &msg), -1);
	if (strstr(msg, want) == NULL)
		fail_msg("error `%s` lacks `%s`", msg, want);
}

static void test_hostile(void **state)
{
	char outside[128];
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	assert_int_equal(mkdir(outside, 0755), 0);

	const struct entry up[] = {{'f', "../outside/pwned", "x", 0}};
	refused(up, 1, "leads out of the root filesystem");
	const struct entry midway[] = {{'f', "a/../../outside/pwned", "x", 0}};
	refused(midway, 1, "leads out of the root filesystem");
	const struct entry hard[] = {{'h', "h", "../outside", 0}};
	refused(hard, 1, "leads out of the root");
	const struct entry dots[] = {{'f', ".wh...", "", 0}};
	refused(dots, 1, "a whiteout of `..`");

	/* Symlinks out are followed inside the root. */
	char abs_outside[160];
	snprintf(abs_outside, sizeof(abs_outside), "%s", outside);
	APPLY_OK({'l', "up", "../../../../..", 0}, {'f', "up/top", "t", 0}, {'l', "abs", "/", 0},
		 {'f', "abs/top2", "t", 0}, {'d', "tmp", NULL, 0755}, {'l', "tmpl", "/tmp", 0},
		 {'f', "tmpl/inside", "t", 0}, {'f', "/absolute-entry", "t", 0});
	assert_true(exists("top") && exists("top2") && exists("tmp/inside") &&
		    exists("absolute-entry"));
	/* A symlink to a host directory the root lacks: refused, not followed. */
	const struct entry dangling[] = {{'l', "d", abs_outside, 0}, {'f', "d/pwned", "x", 0}};
	refused(dangling, 2, "open directory /d");
	const struct entry hard_abs[] = {{'h', "h2", "/etc/passwd", 0}};
	refused(hard_abs, 1, "hardlink to /etc/passwd");
	/* Nothing appeared outside. */
	char probe[256];
	snprintf(probe, sizeof(probe), "%s/pwned", outside);
	assert_int_equal(access(probe, F_OK), -1);
	assert_int_equal(access("/top", F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_makes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_later_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
