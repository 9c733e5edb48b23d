/* Device nodes of the host's that a module makes (/dev/fuse, /dev/net/tun):
 * a host that has not loaded the module yet has no node either. */
#ifndef VRUN_COMMON_HOST_MODULE_H
#define VRUN_COMMON_HOST_MODULE_H

/* open(path, flags); when the node is missing, loads `module` (libkmod,
 * as modprobe would: its dependencies, the blacklist) and opens it again,
 * devtmpfs having made it.  The fd, or -1 with the first open's errno. */
int host_open_device(const char *path, int flags, const char *module);

#endif
