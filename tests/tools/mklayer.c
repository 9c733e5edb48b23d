/* mklayer [--gzip|--zstd] < SPEC > LAYER: writes an image layer (a pax tar)
 * with libarchive from a spec, one entry per line, fields separated by
 * tabs:
 *
 *   file     PATH  CONTENT        [MODE [UID:GID [XATTR=VALUE]]]
 *   dir      PATH  -              [MODE [UID:GID [XATTR=VALUE]]]
 *   symlink  PATH  TARGET
 *   hardlink PATH  TARGET
 *   char     PATH  MAJOR:MINOR    [MODE]
 *   fifo     PATH  -              [MODE]
 *
 * PATH is written as given (../x, /x, .wh.x: the tests make hostile and
 * whiteout entries with it).  CONTENT "@N" is N bytes of a pattern; "\n"
 * in CONTENT is a newline. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *field(char **line)
{
	char *f = *line;
	if (f == NULL)
		return NULL;
	char *tab = strchr(f, '\t');
	if (tab != NULL)
		*tab++ = '\0';
	*line = tab;
	return f;
}

int main(int argc, char **argv)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (argc > 1 && strcmp(argv[1], "--gzip") == 0)
		archive_write_add_filter_gzip(a);
	else if (argc > 1 && strcmp(argv[1], "--zstd") == 0)
		archive_write_add_filter_zstd(a);
	/* No padding after a compressed stream: zstd refuses trailing zeros. */
	if (argc > 1)
		archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_filename(a, NULL) != ARCHIVE_OK) {
		fprintf(stderr, "mklayer: %s\n", archive_error_string(a));
		return 1;
	}
	char buf[8192];
	while (fgets(buf, sizeof(buf), stdin) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		char *rest = buf;
		char *type = field(&rest), *path = field(&rest), *arg = field(&rest);
		char *mode = field(&rest), *owner = field(&rest), *xattr = field(&rest);
		if (type == NULL || path == NULL || arg == NULL) {
			fprintf(stderr, "mklayer: bad line: %s\n", buf);
			return 1;
		}
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, path);
		archive_entry_set_mtime(e, 1700000000, 0);
		char *content = NULL;
		size_t size = 0;
		unsigned perm = 0644;
		if (strcmp(type, "file") == 0) {
			if (arg[0] == '@') {
				size = strtoul(arg + 1, NULL, 10);
				content = malloc(size + 1);
				for (size_t i = 0; i < size; i++)
					content[i] = (char)('a' + i % 26);
			} else {
				content = strdup(arg);
				char *w = content;
				for (const char *r = arg; *r != '\0'; r++) {
					if (r[0] == '\\' && r[1] == 'n') {
						*w++ = '\n';
						r++;
					} else {
						*w++ = *r;
					}
				}
				size = (size_t)(w - content);
			}
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)size);
		} else if (strcmp(type, "dir") == 0) {
			archive_entry_set_filetype(e, AE_IFDIR);
			perm = 0755;
		} else if (strcmp(type, "symlink") == 0) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, arg);
			perm = 0777;
		} else if (strcmp(type, "hardlink") == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, arg);
			archive_entry_set_size(e, 0);
		} else if (strcmp(type, "char") == 0) {
			archive_entry_set_filetype(e, AE_IFCHR);
			unsigned major = 0, minor = 0;
			sscanf(arg, "%u:%u", &major, &minor);
			archive_entry_set_rdevmajor(e, major);
			archive_entry_set_rdevminor(e, minor);
		} else if (strcmp(type, "fifo") == 0) {
			archive_entry_set_filetype(e, AE_IFIFO);
		} else {
			fprintf(stderr, "mklayer: unknown type %s\n", type);
			return 1;
		}
		if (mode != NULL && mode[0] != '\0')
			perm = (unsigned)strtoul(mode, NULL, 8);
		archive_entry_set_perm(e, perm);
		if (owner != NULL && owner[0] != '\0') {
			unsigned uid = 0, gid = 0;
			sscanf(owner, "%u:%u", &uid, &gid);
			archive_entry_set_uid(e, uid);
			archive_entry_set_gid(e, gid);
		}
		if (xattr != NULL && strchr(xattr, '=') != NULL) {
			char *eq = strchr(xattr, '=');
			*eq = '\0';
			archive_entry_xattr_add_entry(e, xattr, eq + 1, strlen(eq + 1));
		}
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			fprintf(stderr, "mklayer: %s: %s\n", path, archive_error_string(a));
			return 1;
		}
		if (size > 0 && archive_write_data(a, content, size) != (la_ssize_t)size) {
			fprintf(stderr, "mklayer: %s: %s\n", path, archive_error_string(a));
			return 1;
		}
		free(content);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return 0;
}
