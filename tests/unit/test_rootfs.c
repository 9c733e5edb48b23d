/* Guest kernel lookup and the initramfs builder, against the kernel that
 * `make guest-kernel` put in build/guest (make check fetches it first). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rootfs/initramfs.h"
#include "rootfs/kernel.h"
#include "rootfs/vmlinux.h"
#include "common/fs.h"
#include "vmm/elf.h"

#define GUEST_KERNEL "build/guest/vmlinuz"

static void test_version_from_header(void **state)
{
	uint8_t image[0x400] = {0};
	char v[64];
	assert_int_equal(guest_kernel_version(image, sizeof(image), v, sizeof(v)), -1);
	image[0x20e] = 0x00;
	image[0x20f] = 0x01; /* string at 0x200 + 0x100 */
	memcpy(image + 0x300, "6.1.0-9-amd64 (builder@host) #1 SMP", 36);
	assert_int_equal(guest_kernel_version(image, sizeof(image), v, sizeof(v)), 0);
	assert_string_equal(v, "6.1.0-9-amd64");
	/* A hostile version cannot become a path. */
	memcpy(image + 0x300, "../../etc/x", 12);
	assert_int_equal(guest_kernel_version(image, sizeof(image), v, sizeof(v)), -1);
	memcpy(image + 0x300, "6.1/../../x", 12);
	assert_int_equal(guest_kernel_version(image, sizeof(image), v, sizeof(v)), 0);
	assert_string_equal(v, "6.1");
	/* An offset past the end is not trusted. */
	image[0x20f] = 0x10;
	assert_int_equal(guest_kernel_version(image, sizeof(image), v, sizeof(v)), -1);
}

static void test_find_kernel(void **state)
{
	struct guest_kernel k;
	struct error *err = NULL;
	if (guest_kernel_find(GUEST_KERNEL, &k, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(k.path, GUEST_KERNEL);
	assert_non_null(strstr(k.version, "-cloud-amd64"));
	assert_non_null(k.modules_dir);
	char expected[256];
	snprintf(expected, sizeof(expected), "build/guest/lib/modules/%s", k.version);
	assert_string_equal(k.modules_dir, expected);
	guest_kernel_release(&k);

	assert_int_equal(guest_kernel_find("/nonexistent/vmlinuz", &k, &err), -1);
	assert_string_equal(err->msg, "kernel `/nonexistent/vmlinuz`: No such file or directory");
	error_release(&err);
	guest_kernel_release(&k);
	assert_int_equal(guest_kernel_find("/etc/hostname", &k, &err), -1);
	assert_string_equal(err->msg, "kernel `/etc/hostname`: no version string (not a bzImage?)");
	error_release(&err);
	guest_kernel_release(&k);
}

/* A setup header with its payload at `at` (from the protected-mode code,
 * after 4 setup sectors), `len` bytes long. */
static void fake_bzimage(uint8_t *image, size_t size, uint32_t at, uint32_t len)
{
	memset(image, 0, size);
	image[0x1f1] = 4;
	image[0x1fe] = 0x55;
	image[0x1ff] = 0xaa;
	memcpy(image + 0x202, "HdrS", 4);
	image[0x206] = 0x0f; /* protocol 2.15 */
	image[0x207] = 0x02;
	memcpy(image + 0x248, &at, 4);
	memcpy(image + 0x24c, &len, 4);
}

/* The payload's place, from a header that is hostile input. */
static void test_vmlinux_payload(void **state)
{
	uint8_t image[8192];
	size_t at, len;
	struct error *err = NULL;
	fake_bzimage(image, sizeof(image), 0x100, 0x200);
	assert_int_equal(vmlinux_payload(image, sizeof(image), &at, &len, &err), 0);
	assert_int_equal(at, 5 * 512 + 0x100);
	assert_int_equal(len, 0x200);
	/* Reaching past the end, by length or by a wrapping offset. */
	fake_bzimage(image, sizeof(image), 0x100, 8192);
	assert_int_equal(vmlinux_payload(image, sizeof(image), &at, &len, &err), -1);
	assert_non_null(strstr(err->msg, "outside the 8192-byte image"));
	error_release(&err);
	fake_bzimage(image, sizeof(image), 0xffffffffu, 0x10);
	assert_int_equal(vmlinux_payload(image, sizeof(image), &at, &len, &err), -1);
	error_release(&err);
	/* Too old a protocol to say; no header at all. */
	fake_bzimage(image, sizeof(image), 0x100, 0x200);
	image[0x206] = 0x06;
	assert_int_equal(vmlinux_payload(image, sizeof(image), &at, &len, &err), -1);
	assert_string_equal(err->msg, "boot protocol 2.06 names no payload (2.08 and later do)");
	error_release(&err);
	image[0x202] = 'X';
	assert_int_equal(vmlinux_payload(image, sizeof(image), &at, &len, &err), -1);
	assert_string_equal(err->msg, "not a bzImage (no setup header)");
	error_release(&err);
	assert_int_equal(vmlinux_payload(image, 0x100, &at, &len, &err), -1);
	error_release(&err);
}

/* The guest kernel unpacked into the cache: an ELF kernel, made once,
 * made again when the bzImage changes; a payload that is not a kernel is
 * refused and leaves nothing in the cache. */
static void test_vmlinux_cache(void **state)
{
	char dir[] = "/tmp/vrun-test-vmlinux.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char bz[128], cache[128], *path = NULL, *again = NULL;
	snprintf(bz, sizeof(bz), "%s/vmlinuz", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s %s", GUEST_KERNEL, bz);
	assert_int_equal(system(cmd), 0);
	struct error *err = NULL;
	if (vmlinux_get(cache, bz, "6.1-test", &path, &err) < 0)
		fail_msg("%s", err->msg);
	assert_non_null(strstr(path, "/cache/vmlinux-6.1-test-"));
	char *elf = NULL;
	size_t size;
	struct elf_kernel k;
	assert_int_equal(fs_read_file_at(AT_FDCWD, path, path, 512u << 20, &elf, &size, &err), 0);
	if (elf_kernel_parse((const uint8_t *)elf, size, &k, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(size > (16u << 20));
	assert_true(k.entry >= k.start && k.entry < k.end);
	free(elf);
	/* Cached: the same file, not written again. */
	struct stat first, second;
	assert_int_equal(stat(path, &first), 0);
	assert_int_equal(vmlinux_get(cache, bz, "6.1-test", &again, &err), 0);
	assert_string_equal(again, path);
	assert_int_equal(stat(again, &second), 0);
	assert_int_equal(first.st_mtim.tv_nsec, second.st_mtim.tv_nsec);
	assert_int_equal(first.st_ino, second.st_ino);
	free(again);
	/* A changed bzImage: another file. */
	snprintf(cmd, sizeof(cmd), "touch -d '2001-01-01' %s", bz);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(vmlinux_get(cache, bz, "6.1-test", &again, &err), 0);
	assert_string_not_equal(again, path);
	free(again);
	free(path);

	/* A gzip payload that is not an ELF kernel. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && head -c 4096 /dev/zero > bad && echo not a kernel | gzip > p.gz && "
		 "cat p.gz >> bad",
		 dir);
	assert_int_equal(system(cmd), 0);
	uint8_t header[4096];
	struct stat gz;
	snprintf(cmd, sizeof(cmd), "%s/p.gz", dir);
	assert_int_equal(stat(cmd, &gz), 0);
	fake_bzimage(header, sizeof(header), 4096 - 5 * 512, (uint32_t)gz.st_size);
	snprintf(cmd, sizeof(cmd), "%s/bad", dir);
	FILE *f = fopen(cmd, "r+");
	assert_non_null(f);
	assert_int_equal(fwrite(header, 1, sizeof(header), f), sizeof(header));
	fclose(f);
	assert_int_equal(vmlinux_get(cache, cmd, "bad", &path, &err), -1);
	assert_null(path);
	assert_non_null(strstr(err->msg, "unpack the kernel `"));
	assert_non_null(strstr(err->msg, "/bad`: "));
	error_release(&err);
	snprintf(cmd, sizeof(cmd), "ls %s/cache | grep -q bad", dir);
	assert_int_not_equal(system(cmd), 0);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static const char *base(const char *path)
{
	return strrchr(path, '/') + 1;
}

static void test_module_order(void **state)
{
	struct guest_kernel k;
	struct error *err = NULL;
	char **paths;
	size_t count;
	static const char *const wanted[] = {"virtio-rng", "virtio_mmio"};
	assert_int_equal(guest_kernel_find(GUEST_KERNEL, &k, &err), 0);
	if (initramfs_module_order(k.modules_dir, wanted, 2, &paths, &count, &err) < 0)
		fail_msg("%s", err->msg);
	/* Dependencies first, each once. */
	assert_int_equal(count, 4);
	assert_string_equal(base(paths[0]), "virtio_ring.ko");
	assert_string_equal(base(paths[1]), "virtio.ko");
	assert_string_equal(base(paths[2]), "virtio-rng.ko");
	assert_string_equal(base(paths[3]), "virtio_mmio.ko");
	initramfs_free_paths(paths, count);

	static const char *const missing[] = {"virtio_mmio", "no_such_module"};
	assert_int_equal(initramfs_module_order(k.modules_dir, missing, 2, &paths, &count, &err),
			 -1);
	assert_non_null(strstr(err->msg, "kernel module no_such_module: not found"));
	error_release(&err);
	guest_kernel_release(&k);
}

/* Reads the archive back: names, sizes, /init's mode, modules/order, and
 * modules/later (virtio_net's, without what modules/order has). */
static void test_initramfs_contents(void **state)
{
	struct guest_kernel k;
	struct error *err = NULL;
	static const char *const wanted[] = {"virtio_mmio"};
	static const char *const later[] = {"virtio_net"};
	static const char agent[] = "#!agent-bytes";
	char dir[] = "/tmp/vrun-initramfs-XXXXXX";
	char *path = NULL, *again = NULL;

	assert_int_equal(guest_kernel_find(GUEST_KERNEL, &k, &err), 0);
	assert_non_null(mkdtemp(dir));
	struct initramfs_spec spec = {.kernel_version = k.version,
				      .modules_dir = k.modules_dir,
				      .modules = wanted,
				      .nr_modules = 1,
				      .later = later,
				      .nr_later = 1,
				      .agent = agent,
				      .agent_size = sizeof(agent)};
	if (initramfs_get(dir, &spec, &path, &err) < 0)
		fail_msg("%s", err->msg);
	struct stat first;
	assert_int_equal(stat(path, &first), 0);
	/* Cached: the second call finds the same file and does not rewrite it. */
	assert_int_equal(initramfs_get(dir, &spec, &again, &err), 0);
	assert_string_equal(path, again);
	struct stat second;
	assert_int_equal(stat(again, &second), 0);
	assert_int_equal(first.st_ino, second.st_ino);

	struct archive *a = archive_read_new();
	archive_read_support_format_cpio(a);
	archive_read_support_filter_none(a);
	assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	struct archive_entry *e;
	int modules = 0;
	bool init = false, order = false, on_demand = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		if (strcmp(name, "init") == 0) {
			init = true;
			assert_int_equal(archive_entry_size(e), sizeof(agent));
			assert_int_equal(archive_entry_perm(e), 0755);
			char data[sizeof(agent)];
			assert_int_equal(archive_read_data(a, data, sizeof(data)), sizeof(agent));
			assert_memory_equal(data, agent, sizeof(agent));
		} else if (strcmp(name, "modules/order") == 0) {
			order = true;
			char data[256] = {0};
			archive_read_data(a, data, sizeof(data) - 1);
			assert_string_equal(data, "virtio_ring.ko\nvirtio.ko\nvirtio_mmio.ko\n");
		} else if (strcmp(name, "modules/later") == 0) {
			on_demand = true;
			char data[256] = {0};
			archive_read_data(a, data, sizeof(data) - 1);
			assert_string_equal(data, "failover.ko\nnet_failover.ko\nvirtio_net.ko\n");
		} else if (strncmp(name, "modules/", 8) == 0) {
			modules++;
			assert_true(archive_entry_size(e) > 1000);
		}
	}
	archive_read_free(a);
	assert_true(init);
	assert_true(order);
	assert_true(on_demand);
	assert_int_equal(modules, 6);
	unlink(path);
	rmdir(dir);
	free(path);
	free(again);
	guest_kernel_release(&k);
}

static void test_embedded_agent(void **state)
{
	size_t size;
	const unsigned char *agent = initramfs_agent(&size);
	/* A static ELF executable. */
	assert_true(size > 4096);
	assert_memory_equal(agent, "\177ELF", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_from_header),
		cmocka_unit_test(test_find_kernel),
		cmocka_unit_test(test_vmlinux_payload),
		cmocka_unit_test(test_vmlinux_cache),
		cmocka_unit_test(test_module_order),
		cmocka_unit_test(test_initramfs_contents),
		cmocka_unit_test(test_embedded_agent),
	};
	return cmocka_run_group_tests_name("rootfs", tests, NULL, NULL);
}
