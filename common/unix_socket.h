/* AF_UNIX sockets at paths of any length.  sun_path holds 107 bytes, and
 * callers choose state directories longer than that leaves room for
 * (containerd: /run/containerd/runc/<namespace>/<64-hex id>/...); such a
 * path is reached through its directory, opened and named
 * /proc/self/fd/N/NAME. */
#ifndef VRUN_COMMON_UNIX_SOCKET_H
#define VRUN_COMMON_UNIX_SOCKET_H

/* bind() and connect() of fd to path: 0, or -1 with errno. */
int unix_bind(int fd, const char *path);
int unix_connect(int fd, const char *path);

#endif
