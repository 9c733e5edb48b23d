/* Layout directories and tarballs, behind one reader. */
#include "rootfs/image_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#define TAR_BLOCK (64 << 10)

/* A tarball member's name without "./" or "/" in front. */
static const char *member_name(struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	if (name == NULL)
		return "";
	while (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		name += name[0] == '/' ? 1 : 2;
	return name;
}

static struct archive *open_tarball(const char *path, struct error **err)
{
	struct archive *a = archive_read_new();
	if (a == NULL)
		abort();
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_filter_all(a);
	if (archive_read_open_filename(a, path, TAR_BLOCK) != ARCHIVE_OK) {
		error_set_kind(err, archive_errno(a) > 0 ? archive_errno(a) : EINVAL,
			       "image %s: %s", path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* A tarball's kind: an OCI layout inside (oci-layout and index.json), else
 * docker's manifest.json. */
static int tarball_kind(const char *path, enum image_source_kind *kind, struct error **err)
{
	struct archive *a = open_tarball(path, err);
	struct archive_entry *e;
	bool layout = false, index = false, manifest = false;
	int r;
	if (a == NULL)
		return -1;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *name = member_name(e);
		layout |= strcmp(name, "oci-layout") == 0;
		index |= strcmp(name, "index.json") == 0;
		manifest |= strcmp(name, "manifest.json") == 0;
	}
	if (r != ARCHIVE_EOF) {
		error_set_kind(err, EINVAL, "image %s: not a readable tarball: %s", path,
			       archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	archive_read_free(a);
	if (layout && index)
		*kind = IMAGE_OCI_ARCHIVE;
	else if (manifest)
		*kind = IMAGE_DOCKER_ARCHIVE;
	else
		return error_set_kind(
			err, EINVAL,
			"image %s: neither an OCI layout (oci-layout, index.json) nor a "
			"docker archive (manifest.json)",
			path);
	return 0;
}

int image_source_open(const char *path, struct image_source *src, struct error **err)
{
	struct stat st;
	*src = (struct image_source){.dirfd = -1};
	if (stat(path, &st) < 0)
		return error_set(err, errno, "image %s", path);
	if (S_ISDIR(st.st_mode)) {
		src->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (src->dirfd < 0)
			return error_set(err, errno, "image %s", path);
		if (faccessat(src->dirfd, "index.json", F_OK, 0) < 0) {
			close(src->dirfd);
			src->dirfd = -1;
			return error_set_kind(err, EINVAL,
					      "image %s: not an OCI image layout (no index.json)",
					      path);
		}
		src->kind = IMAGE_LAYOUT;
	} else if (tarball_kind(path, &src->kind, err) < 0) {
		return -1;
	}
	src->path = xstrdup(path);
	return 0;
}

void image_source_close(struct image_source *src)
{
	if (src->dirfd >= 0)
		close(src->dirfd);
	free(src->path);
	*src = (struct image_source){.dirfd = -1};
}

int image_stream_open(const struct image_source *src, const char *name, struct image_stream *s,
		      struct error **err)
{
	*s = (struct image_stream){.fd = -1};
	if (src->kind == IMAGE_LAYOUT) {
		/* Names come from the image: never out of the layout. */
		struct stat st;
		s->fd = beneath_open(src->dirfd, name, O_RDONLY);
		if (s->fd < 0)
			return error_set(err, errno, "image %s: %s", src->path, name);
		if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(s->fd);
			s->fd = -1;
			return error_set_kind(err, EINVAL, "image %s: %s is not a regular file",
					      src->path, name);
		}
		s->size = st.st_size;
		return 0;
	}
	struct archive *a = open_tarball(src->path, err);
	struct archive_entry *e;
	int r;
	if (a == NULL)
		return -1;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (strcmp(member_name(e), name) != 0)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			archive_read_free(a);
			return error_set_kind(err, EINVAL, "image %s: %s is not a regular file",
					      src->path, name);
		}
		s->outer = a;
		s->size = archive_entry_size(e);
		return 0;
	}
	if (r != ARCHIVE_EOF)
		error_set_kind(err, EIO, "image %s: reading %s: %s", src->path, name,
			       archive_error_string(a));
	else
		error_set_kind(err, ENOENT, "image %s: %s: no such file in the archive", src->path,
			       name);
	archive_read_free(a);
	return -1;
}

ssize_t image_stream_read(struct image_stream *s, void *buf, size_t len)
{
	if (s->outer == NULL) {
		ssize_t n;
		while ((n = read(s->fd, buf, len)) < 0 && errno == EINTR)
			;
		return n;
	}
	la_ssize_t n = archive_read_data(s->outer, buf, len);
	if (n < 0) {
		errno = archive_errno(s->outer) > 0 ? archive_errno(s->outer) : EIO;
		return -1;
	}
	return n;
}

void image_stream_close(struct image_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->outer != NULL)
		archive_read_free(s->outer);
	*s = (struct image_stream){.fd = -1};
}

int image_source_read(const struct image_source *src, const char *name, size_t max, char **text,
		      size_t *len, struct error **err)
{
	struct image_stream s;
	if (image_stream_open(src, name, &s, err) < 0)
		return -1;
	if (s.size < 0 || (uint64_t)s.size > max) {
		image_stream_close(&s);
		return error_set_kind(err, EFBIG, "image %s: %s is larger than %zu bytes",
				      src->path, name, max);
	}
	size_t size = (size_t)s.size, got = 0;
	char *buf = xcalloc(1, size + 1);
	ssize_t n;
	while (got < size && (n = image_stream_read(&s, buf + got, size - got)) > 0)
		got += (size_t)n;
	image_stream_close(&s);
	if (got != size) {
		free(buf);
		return error_set_kind(err, EIO, "image %s: %s: truncated", src->path, name);
	}
	*text = buf;
	if (len != NULL)
		*len = got;
	return 0;
}
