/* Guest kernel lookup. */
#include "rootfs/kernel.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/xalloc.h"

#define KERNEL_HEADER_READ 0x10000 /* the version string sits in the setup code */

int guest_kernel_version(const uint8_t *image, size_t size, char *out, size_t out_size)
{
	if (size < 0x210 || out_size == 0)
		return -1;
	uint16_t offset = (uint16_t)(image[0x20e] | image[0x20f] << 8);
	size_t at = 0x200 + (size_t)offset;
	if (offset == 0 || at >= size || !isalnum(image[at]))
		return -1;
	/* The version names cache files and module directories: only the
	 * characters of a release string, so it can never name a path. */
	static const char allowed[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-";
	size_t n = 0;
	while (at + n < size && n + 1 < out_size && image[at + n] != '\0' &&
	       strchr(allowed, image[at + n]) != NULL)
		n++;
	if (n == 0)
		return -1;
	memcpy(out, image + at, n);
	out[n] = '\0';
	return 0;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *beside_binary(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *path = NULL;
	if (asprintf(&path, "%s/guest/vmlinuz", dirname(exe)) < 0)
		abort();
	return path;
}

static int compare_versions(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

static char *newest_boot_kernel(void)
{
	glob_t g;
	char *found = NULL;
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0)
		return NULL;
	qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), compare_versions);
	found = xstrdup(g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return found;
}

static char *locate(const char *configured, struct error **err)
{
	if (configured != NULL) {
		if (!is_file(configured)) {
			error_set(err, ENOENT, "kernel `%s`", configured);
			return NULL;
		}
		return xstrdup(configured);
	}
	if (is_file("/usr/share/vrun/vmlinuz"))
		return xstrdup("/usr/share/vrun/vmlinuz");
	char *beside = beside_binary();
	if (beside != NULL && is_file(beside))
		return beside;
	free(beside);
	char *boot = newest_boot_kernel();
	if (boot == NULL)
		error_set_kind(err, ENOENT,
			       "no guest kernel: none configured, none in /usr/share/vrun, "
			       "build/guest or /boot (run `make guest-kernel`)");
	return boot;
}

static char *find_modules(const char *kernel_path, const char *version)
{
	cleanup_free char *copy = xstrdup(kernel_path);
	char *candidates[2] = {NULL, NULL};
	if (asprintf(&candidates[0], "%s/lib/modules/%s", dirname(copy), version) < 0 ||
	    asprintf(&candidates[1], "/lib/modules/%s", version) < 0)
		abort();
	char *found = NULL;
	for (int i = 0; i < 2; i++) {
		if (found == NULL && is_dir(candidates[i]))
			found = candidates[i];
		else
			free(candidates[i]);
	}
	return found;
}

int guest_kernel_find(const char *configured, struct guest_kernel *k, struct error **err)
{
	cleanup_free char *head = NULL;
	char version[128];
	size_t len;

	*k = (struct guest_kernel){0};
	k->path = locate(configured, err);
	if (k->path == NULL)
		return -1;
	cleanup_close int fd = open(k->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, errno, "kernel `%s`", k->path);
	head = malloc(KERNEL_HEADER_READ);
	if (head == NULL)
		abort();
	ssize_t n = read(fd, head, KERNEL_HEADER_READ);
	len = n > 0 ? (size_t)n : 0;
	if (guest_kernel_version((const uint8_t *)head, len, version, sizeof(version)) < 0)
		return error_set_kind(err, ENOEXEC,
				      "kernel `%s`: no version string (not a bzImage?)", k->path);
	k->version = xstrdup(version);
	k->modules_dir = find_modules(k->path, version);
	return 0;
}

void guest_kernel_release(struct guest_kernel *k)
{
	free(k->path);
	free(k->version);
	free(k->modules_dir);
	*k = (struct guest_kernel){0};
}
