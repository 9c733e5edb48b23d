/* The uncompressed kernel (ELF vmlinux) inside a bzImage, unpacked once
 * into a cache: booting it skips the guest's own decompression, which
 * copies the compressed kernel and writes the whole kernel out again,
 * touching some 20 MiB more guest memory and, under nested
 * virtualization, taking seconds (docs/performance.md).
 *
 * The payload is found from the setup header (boot protocol 2.08 and
 * later: payload_offset and payload_length), decompressed with libarchive
 * (gzip, xz, lz4 and zstd: what distribution kernels use), and kept only
 * when it is an ELF kernel whose every segment is in the file. */
#ifndef VRUN_ROOTFS_VMLINUX_H
#define VRUN_ROOTFS_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* The payload's place in a bzImage; -1 (with err) when the header has
 * none or it lies outside the image. */
int vmlinux_payload(const uint8_t *image, size_t size, size_t *offset, size_t *length,
		    struct error **err);

/* Writes the ELF kernel of the bzImage at `bzimage` to `out` (a temporary
 * file beside it, renamed over `out` when complete). */
int vmlinux_unpack(const char *bzimage, const char *out, struct error **err);

/* The cached ELF kernel for the bzImage `bzimage` under cache_dir, unpacked
 * when missing; named by `version` and keyed by the bzImage's path, size,
 * modification time and inode, so a rebuilt or upgraded kernel gets a new
 * one. */
int vmlinux_get(const char *cache_dir, const char *bzimage, const char *version, char **path,
		struct error **err);

#endif
