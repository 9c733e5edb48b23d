/* FNV-1a, 64 bits: cache keys (the initramfs, the unpacked kernel), not a
 * security boundary. */
#ifndef VRUN_COMMON_HASH_H
#define VRUN_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT 0xcbf29ce484222325ull

static inline uint64_t hash_fnv1a(uint64_t h, const void *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const uint8_t *)data)[i]) * 0x100000001b3ull;
	return h;
}

#endif
