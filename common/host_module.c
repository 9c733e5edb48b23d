/* Loading a host module on demand for its device node (host_module.h). */
#include "common/host_module.h"

#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>

#include "common/log.h"

static int load(const char *module)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);
	struct kmod_list *list = NULL, *l;
	int ret = -1;
	if (ctx == NULL)
		return -1;
	if (kmod_module_new_from_lookup(ctx, module, &list) == 0) {
		kmod_list_foreach(l, list)
		{
			struct kmod_module *m = kmod_module_get_module(l);
			int r = kmod_module_probe_insert_module(m, KMOD_PROBE_APPLY_BLACKLIST, NULL,
								NULL, NULL, NULL);
			if (r < 0)
				log_debug("load module %s: %s", kmod_module_get_name(m),
					  strerror(-r));
			else
				ret = 0;
			kmod_module_unref(m);
		}
		kmod_module_unref_list(list);
	}
	kmod_unref(ctx);
	return ret;
}

int host_open_device(const char *path, int flags, const char *module)
{
	int fd = open(path, flags);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	/* Loaded or not by us: another process may have won the race. */
	if (load(module) < 0)
		log_debug("load module %s for %s failed", module, path);
	if ((fd = open(path, flags)) >= 0)
		return fd;
	errno = ENOENT;
	return -1;
}
