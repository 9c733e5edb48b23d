/* Content digests as OCI image-spec writes them ("sha256:<64 hex>"):
 * checking the text (an image names its blobs with it, so it becomes a
 * path), and computing one over a stream. */
#ifndef VRUN_ROOTFS_DIGEST_H
#define VRUN_ROOTFS_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEX_LEN	64
#define DIGEST_TEXT_LEN (7 + DIGEST_HEX_LEN) /* "sha256:" + hex */

/* True when `text` is "sha256:" and 64 lowercase hex digits. */
bool digest_valid(const char *text);

/* A running sha256 and the byte count. */
struct digester {
	void *ctx; /* EVP_MD_CTX */
	uint64_t size;
};

void digester_init(struct digester *d);
void digester_update(struct digester *d, const void *data, size_t len);
/* "sha256:<hex>" into out (DIGEST_TEXT_LEN + 1 bytes); frees the context. */
void digester_final(struct digester *d, char *out);
/* Frees the context without a result (after a failure). */
void digester_discard(struct digester *d);

/* The digest of a buffer, "sha256:<hex>". */
void digest_of(const void *data, size_t len, char *out);

#endif
