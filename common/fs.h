/* File helpers: bounded reads and atomic writes (temp file + rename). */
#ifndef VRUN_COMMON_FS_H
#define VRUN_COMMON_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Reads all of name (relative to dirfd, or AT_FDCWD) into a NUL-terminated
 * buffer.  A file larger than max_size fails with EFBIG.  Errors name the
 * file as `display` (the path the user knows). */
int fs_read_file_at(int dirfd, const char *name, const char *display, size_t max_size, char **data,
		    size_t *len, struct error **err);

/* The same from an open fd (read to its end: stdin, a pipe). */
int fs_read_fd(int fd, const char *display, size_t max_size, char **data, size_t *len,
	       struct error **err);

/* Reads fd to its end (or until `size` - 1 bytes) into buf, NUL-terminated;
 * the bytes read.  For short messages: a child's word, a status. */
size_t fs_read_to_end(int fd, char *buf, size_t size);

/* Writes all of data to fd, retrying short writes and EINTR, and waiting
 * when a non-blocking fd is full.  Returns 0, or -1 with errno set. */
int fs_write_all(int fd, const void *data, size_t len);
/* Until fd is ready for poll `events` (after EAGAIN on a non-blocking fd). */
void fs_wait_ready(int fd, short events);

/* Writes data to dirfd/name atomically: a temp file in the same directory,
 * fsync, rename over name.  A reader sees the old or the new content. */
int fs_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
			 struct error **err);

/* mkdir -p with mode for each missing component. */
int fs_mkdir_all(const char *path, mode_t mode, struct error **err);

/* Removes dirfd/name and everything under it (no symlinks followed). */
int fs_remove_tree_at(int dirfd, const char *name, struct error **err);

/* Opens /dev/null on whichever of fds 0, 1 and 2 is closed, so that no
 * file opened later lands there and is taken for a standard stream. */
void fs_stdio_to_null(void);
/* Lets go of the caller's stdio: 0 and 1 become /dev/null, 2 becomes
 * err_fd (/dev/null when err_fd < 0). */
void fs_stdio_release(int err_fd);
/* The same with /dev/null open already (`null`, kept open). */
void fs_stdio_release_to(int null, int err_fd);

#endif
