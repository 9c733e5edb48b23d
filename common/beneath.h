/* Opening a path beneath a directory as if that directory were `/`:
 * absolute symlinks and `..` resolve inside it and never above it
 * (openat2 RESOLVE_IN_ROOT).  Where openat2 is missing (kernels before
 * 5.6, valgrind) the same resolution is done by a walk of the path, one
 * component at a time with O_NOFOLLOW, following symlinks by hand. */
#ifndef VRUN_COMMON_BENEATH_H
#define VRUN_COMMON_BENEATH_H

#include <stdbool.h>

/* Like openat(root, path, flags) with that resolution ("" is root
 * itself); with O_NOFOLLOW a final symlink is not followed (with O_PATH
 * it is what opens).  O_CREAT is not supported.  The fd, or -1 and
 * errno. */
int beneath_open(int root, const char *path, int flags);

/* The walk alone (what beneath_open falls back to), for tests. */
int beneath_open_walk(int root, const char *path, int flags);

/* Comparisons of absolute, clean path strings (no file is looked at; a
 * trailing '/' on dir is ignored): whether `path` is `dir` or lies beneath
 * it, and whether it lies strictly beneath it. */
bool path_within(const char *path, const char *dir);
bool path_beneath(const char *path, const char *dir);

#endif
