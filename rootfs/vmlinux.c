/* The ELF kernel inside a bzImage, unpacked into a cache (vmlinux.h). */
#include "rootfs/vmlinux.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/hash.h"
#include "vmm/elf.h"

#define BZIMAGE_MAX_SIZE (256u << 20)
/* An uncompressed kernel is some 50 MiB; more is a bomb, not a kernel. */
#define VMLINUX_MAX_SIZE (512u << 20)
#define READ_CHUNK	 (1u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vmlinux_payload(const uint8_t *image, size_t size, size_t *offset, size_t *length,
		    struct error **err)
{
	if (size < 0x250 || image[0x1fe] != 0x55 || image[0x1ff] != 0xaa ||
	    memcmp(image + 0x202, "HdrS", 4) != 0)
		return error_set_kind(err, EINVAL, "not a bzImage (no setup header)");
	unsigned version = (unsigned)image[0x206] | (unsigned)image[0x207] << 8;
	if (version < 0x208)
		return error_set_kind(err, EINVAL,
				      "boot protocol %u.%02u names no payload (2.08 and later do)",
				      version >> 8, version & 0xff);
	size_t setup_sects = image[0x1f1] != 0 ? image[0x1f1] : 4;
	size_t base = (setup_sects + 1) * 512;
	size_t at = base + le32(image + 0x248), len = le32(image + 0x24c);
	if (len == 0 || at < base || at > size || len > size - at)
		return error_set_kind(
			err, EINVAL, "the payload (%zu bytes at %zu) is outside the %zu-byte image",
			len, at, size);
	*offset = at;
	*length = len;
	return 0;
}

/* Decompresses data into *out (malloc'd); libarchive's raw format with
 * every filter it has.  Data past the stream (the size that the kernel
 * appends to some formats) may end it with an error: whether what came
 * out is a whole kernel is the caller's check. */
static int decompress(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len,
		      struct error **err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *entry;
	size_t used = 0, cap = 0;
	uint8_t *buf = NULL;
	int ret = -1;
	if (a == NULL)
		abort();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &entry) != ARCHIVE_OK) {
		error_set_kind(err, EINVAL, "the payload: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		if (cap - used < READ_CHUNK) {
			if (cap >= VMLINUX_MAX_SIZE) {
				error_set_kind(err, EFBIG, "the payload unpacks to over %u MiB",
					       VMLINUX_MAX_SIZE >> 20);
				goto out;
			}
			cap = cap == 0 ? 64u << 20 : cap * 2;
			uint8_t *grown = realloc(buf, cap);
			if (grown == NULL) {
				error_set(err, ENOMEM, "unpack the kernel");
				goto out;
			}
			buf = grown;
		}
		la_ssize_t n = archive_read_data(a, buf + used, READ_CHUNK);
		if (n <= 0)
			break; /* the end, or trailing data: the ELF check decides */
		used += (size_t)n;
	}
	*out = buf;
	*out_len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	archive_read_free(a);
	return ret;
}

int vmlinux_unpack(const char *bzimage, const char *out, struct error **err)
{
	cleanup_free char *image = NULL;
	cleanup_free uint8_t *elf = NULL;
	size_t size, offset, length, elf_len;
	struct elf_kernel parsed;
	if (fs_read_file_at(AT_FDCWD, bzimage, bzimage, BZIMAGE_MAX_SIZE, &image, &size, err) < 0)
		return -1;
	if (vmlinux_payload((const uint8_t *)image, size, &offset, &length, err) < 0 ||
	    decompress((const uint8_t *)image + offset, length, &elf, &elf_len, err) < 0 ||
	    elf_kernel_parse(elf, elf_len, &parsed, err) < 0)
		return error_wrap(err, "unpack the kernel `%s`", bzimage);
	if (fs_write_file_atomic(AT_FDCWD, out, elf, elf_len, 0644, err) < 0)
		return error_wrap(err, "unpacked kernel cache");
	return 0;
}

int vmlinux_get(const char *cache_dir, const char *bzimage, const char *version, char **path,
		struct error **err)
{
	struct stat st;
	*path = NULL;
	if (stat(bzimage, &st) < 0)
		return error_set(err, errno, "kernel `%s`", bzimage);
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, bzimage, strlen(bzimage) + 1);
	h = hash_fnv1a(h, &st.st_size, sizeof(st.st_size));
	h = hash_fnv1a(h, &st.st_mtim, sizeof(st.st_mtim));
	h = hash_fnv1a(h, &st.st_ino, sizeof(st.st_ino));
	if (fs_mkdir_all(cache_dir, 0700, err) < 0)
		return error_wrap(err, "unpacked kernel cache");
	char *cached = NULL;
	if (asprintf(&cached, "%s/vmlinux-%s-%016llx", cache_dir, version, (unsigned long long)h) <
	    0)
		abort();
	if (stat(cached, &st) < 0 && vmlinux_unpack(bzimage, cached, err) < 0) {
		free(cached);
		return -1;
	}
	*path = cached;
	return 0;
}
