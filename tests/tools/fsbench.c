/* File system benchmark helper (static: the same binary runs on the host
 * and in a container's busybox rootfs, so both sides do the same calls).
 * Each prints one line: the operation, the rate, and what was done.
 *
 *   fsbench read FILE          read FILE to its end, 1 MiB at a time: MB/s
 *   fsbench write FILE MIB     write MIB MiB to a new FILE, then fsync: MB/s
 *   fsbench stat DIR           read DIR and lstat every entry: ops/s
 *   fsbench create DIR N       create N empty files in DIR, then unlink
 *                              them: ops/s (N creates + N unlinks)
 *
 * And one probe (tests/vmhost/containers.sh, virtio-fs DAX):
 *   fsbench mapped FILE OFFSET GO
 *                              maps FILE shared, prints the byte at OFFSET
 *                              ("before N"), makes FILE.mapped, waits (up to
 *                              60 s) until GO exists, prints the byte
 *                              through the same mapping again ("after N"):
 *                              what the guest sees once the host truncated
 *                              FILE under its mapping */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static char buf[CHUNK];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "fsbench: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static int bench_read(const char *path)
{
	double start = now();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail("open", path);
	long long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0)
		return fail("read", path);
	close(fd);
	double secs = now() - start;
	printf("read %.1f MB/s (%lld bytes in %.3f s)\n", (double)total / 1e6 / secs, total, secs);
	return 0;
}

static int bench_write(const char *path, long mib)
{
	memset(buf, 'w', sizeof(buf));
	double start = now();
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail("create", path);
	for (long i = 0; i < mib; i++) {
		size_t done = 0;
		while (done < sizeof(buf)) {
			ssize_t n = write(fd, buf + done, sizeof(buf) - done);
			if (n < 0)
				return fail("write", path);
			done += (size_t)n;
		}
	}
	if (fsync(fd) < 0)
		return fail("fsync", path);
	close(fd);
	double secs = now() - start;
	double bytes = (double)mib * CHUNK;
	printf("write %.1f MB/s (%.0f bytes in %.3f s)\n", bytes / 1e6 / secs, bytes, secs);
	return 0;
}

static int bench_stat(const char *path)
{
	double start = now();
	DIR *d = opendir(path);
	if (d == NULL)
		return fail("opendir", path);
	long count = 0;
	struct dirent *e;
	while ((errno = 0, e = readdir(d)) != NULL) {
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return fail("lstat in", path);
		count++;
	}
	if (errno != 0)
		return fail("readdir", path);
	closedir(d);
	double secs = now() - start;
	printf("stat %.0f ops/s (%ld entries in %.3f s)\n", (double)count / secs, count, secs);
	return 0;
}

static int bench_create(const char *path, long n)
{
	int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return fail("open", path);
	char name[32];
	double start = now();
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%ld", i);
		int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return fail("create in", path);
		close(fd);
	}
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%ld", i);
		if (unlinkat(dir, name, 0) < 0)
			return fail("unlink in", path);
	}
	double secs = now() - start;
	close(dir);
	printf("create+unlink %.0f ops/s (%ld files in %.3f s)\n", 2.0 * (double)n / secs, n, secs);
	return 0;
}

static int probe_mapped(const char *path, long offset, const char *go)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("open", path);
	volatile unsigned char *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap", path);
	printf("before %u\n", map[offset]);
	fflush(stdout);
	char marker[4096];
	snprintf(marker, sizeof(marker), "%s.mapped", path);
	int m = open(marker, O_WRONLY | O_CREAT, 0644);
	if (m < 0)
		return fail("create", marker);
	close(m);
	for (int i = 0; i < 600 && access(go, F_OK) < 0; i++)
		usleep(100000);
	printf("after %u\n", map[offset]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "mapped") == 0)
		return probe_mapped(argv[2], atol(argv[3]), argv[4]);
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return bench_read(argv[2]);
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return bench_write(argv[2], atol(argv[3]));
	if (argc == 3 && strcmp(argv[1], "stat") == 0)
		return bench_stat(argv[2]);
	if (argc == 4 && strcmp(argv[1], "create") == 0)
		return bench_create(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: fsbench read FILE | write FILE MIB | stat DIR | create DIR N | "
			"mapped FILE OFFSET GO\n");
	return 2;
}
