/* Where an image's files come from: an OCI image layout directory
 * (oci-layout, index.json, blobs/sha256/...), or a tarball of one
 * (oci-archive), or a `docker save` tarball (docker-archive: manifest.json,
 * configs and layer tars).  Files are named as inside the layout or the
 * tarball ("index.json", "blobs/sha256/<hex>"); a tarball's files are
 * read in place, one pass over its headers per file (the data of the
 * others is skipped by seeking), so nothing is unpacked to disk. */
#ifndef VRUN_ROOTFS_IMAGE_SOURCE_H
#define VRUN_ROOTFS_IMAGE_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum image_source_kind {
	IMAGE_LAYOUT,
	IMAGE_OCI_ARCHIVE,
	IMAGE_DOCKER_ARCHIVE,
};

struct image_source {
	enum image_source_kind kind;
	char *path;
	int dirfd; /* IMAGE_LAYOUT: the layout directory; -1 otherwise */
};

/* A file being read: a layout's blob or an entry of the tarball. */
struct image_stream {
	int fd;		       /* the blob, or -1 */
	struct archive *outer; /* positioned at the entry, or NULL */
	int64_t size;	       /* the file's size as stored */
};

/* Opens `path` and finds out which kind it is. */
int image_source_open(const char *path, struct image_source *src, struct error **err);
void image_source_close(struct image_source *src);

/* Opens the file `name`; ENOENT in err when there is none. */
int image_stream_open(const struct image_source *src, const char *name, struct image_stream *s,
		      struct error **err);
/* Up to len bytes; 0 at the end, -1 with errno. */
ssize_t image_stream_read(struct image_stream *s, void *buf, size_t len);
void image_stream_close(struct image_stream *s);

/* The whole of a small file (at most max bytes, else EFBIG), NUL-ended. */
int image_source_read(const struct image_source *src, const char *name, size_t max, char **text,
		      size_t *len, struct error **err);

#endif
