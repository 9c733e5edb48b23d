/* For the fuzz targets that write a host directory from hostile input
 * (FUSE requests, image layers): a scratch tree made once per process,
 * a directory inside it the target may change, and a canary beside that
 * directory, which must never change whatever the input says.  Files are
 * kept small (RLIMIT_FSIZE) so that no input can fill the disk. */
#ifndef VRUN_TESTS_FUZZ_TREE_H
#define VRUN_TESTS_FUZZ_TREE_H

#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CANARY_TEXT "must not change\n"

struct fuzz_tree {
	char base[64];	     /* /tmp/vrun-fuzz.XXXXXX */
	char work[PATH_MAX]; /* base/work: the target's */
	char canary[PATH_MAX];
};

static int fuzz_tree_unlink(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP || flag == FTW_DNR)
		chmod(path, 0700); /* a directory the input made unwritable */
	remove(path);
	return 0; /* on with the rest */
}

/* Empties base/work (and anything else the input made in it). */
static inline void fuzz_tree_reset(struct fuzz_tree *t)
{
	chmod(t->work, 0700);
	nftw(t->work, fuzz_tree_unlink, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(t->work, 0755) < 0)
		abort();
}

static struct fuzz_tree *fuzz_tree_made;

static void fuzz_tree_remove(void)
{
	nftw(fuzz_tree_made->base, fuzz_tree_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void fuzz_tree_init(struct fuzz_tree *t)
{
	const struct rlimit small = {4u << 20, 4u << 20};
	snprintf(t->base, sizeof(t->base), "/tmp/vrun-fuzz.XXXXXX");
	if (mkdtemp(t->base) == NULL)
		abort();
	snprintf(t->work, sizeof(t->work), "%s/work", t->base);
	snprintf(t->canary, sizeof(t->canary), "%s/canary", t->base);
	int fd = open(t->canary, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, FUZZ_CANARY_TEXT, strlen(FUZZ_CANARY_TEXT)) < 0)
		abort();
	close(fd);
	if (mkdir(t->work, 0755) < 0)
		abort();
	fuzz_tree_made = t;
	atexit(fuzz_tree_remove);
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit says EFBIG */
	setrlimit(RLIMIT_FSIZE, &small);
}

/* Aborts (a finding) when anything beside base/work changed. */
static inline void fuzz_tree_check(const struct fuzz_tree *t)
{
	struct stat st;
	char buf[64];
	int fd = open(t->canary, O_RDONLY | O_NOFOLLOW);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644 ||
	    st.st_nlink != 1 || n != (ssize_t)strlen(FUZZ_CANARY_TEXT) ||
	    memcmp(buf, FUZZ_CANARY_TEXT, (size_t)n) != 0)
		abort();
	close(fd);
	/* base holds exactly the directory work and canary. */
	DIR *d = opendir(t->base);
	struct dirent *e;
	int entries = 0;
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries += strcmp(e->d_name, "canary") == 0 ? 1
				   : strcmp(e->d_name, "work") == 0 ? 1
								    : 100;
	if (d == NULL || entries != 2)
		abort();
	closedir(d);
	if (lstat(t->work, &st) < 0 || !S_ISDIR(st.st_mode))
		abort();
}

#endif
