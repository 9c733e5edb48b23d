/* Initramfs builder and cache. */
#include "rootfs/initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/hash.h"
#include "common/xalloc.h"

#define MODULE_MAX_SIZE (64u << 20)

extern const char vrun_agent_blob[], vrun_agent_blob_end[];

const void *initramfs_agent(size_t *size)
{
	*size = (size_t)(vrun_agent_blob_end - vrun_agent_blob);
	return vrun_agent_blob;
}

struct order {
	char **paths;
	size_t count;
	char **seen; /* module names visited */
	size_t nr_seen;
};

static bool seen(struct order *o, const char *name)
{
	for (size_t i = 0; i < o->nr_seen; i++)
		if (strcmp(o->seen[i], name) == 0)
			return true;
	o->seen = xrealloc(o->seen, (o->nr_seen + 1) * sizeof(char *));
	o->seen[o->nr_seen++] = xstrdup(name);
	return false;
}

/* Depth first: a module's dependencies before the module. */
static void visit(struct order *o, struct kmod_module *mod, unsigned depth)
{
	if (depth > 64 || seen(o, kmod_module_get_name(mod)))
		return;
	struct kmod_list *deps = kmod_module_get_dependencies(mod), *l;
	kmod_list_foreach(l, deps)
	{
		struct kmod_module *dep = kmod_module_get_module(l);
		visit(o, dep, depth + 1);
		kmod_module_unref(dep);
	}
	kmod_module_unref_list(deps);
	const char *path = kmod_module_get_path(mod);
	if (path == NULL)
		return; /* built into the kernel */
	o->paths = xrealloc(o->paths, (o->count + 1) * sizeof(char *));
	o->paths[o->count++] = xstrdup(path);
}

static int lookup(struct kmod_ctx *ctx, struct order *o, const char *name, struct error **err)
{
	struct kmod_list *list = NULL, *l;
	if (kmod_module_new_from_lookup(ctx, name, &list) < 0 || list == NULL)
		return error_set_kind(err, ENOENT, "kernel module %s: not found", name);
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		visit(o, mod, 0);
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return 0;
}

int initramfs_module_order(const char *modules_dir, const char *const *wanted, size_t n,
			   char ***paths, size_t *count, struct error **err)
{
	/* No configuration: the host's modprobe.d is not the guest's. */
	static const char *const no_config[] = {NULL};
	struct order o = {0};
	struct kmod_ctx *ctx = kmod_new(modules_dir, no_config);
	int ret = 0;

	if (ctx == NULL)
		return error_set(err, errno != 0 ? errno : ENOENT, "kernel modules in `%s`",
				 modules_dir);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = lookup(ctx, &o, wanted[i], err);
	kmod_unref(ctx);
	initramfs_free_paths(o.seen, o.nr_seen);
	if (ret < 0) {
		initramfs_free_paths(o.paths, o.count);
		return error_wrap(err, "%s", modules_dir);
	}
	*paths = o.paths;
	*count = o.count;
	return 0;
}

void initramfs_free_paths(char **paths, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

static int add_entry(struct archive *a, const char *name, mode_t type, mode_t perm,
		     const void *data, size_t size, struct error **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
	int ret = archive_write_header(a, e);
	archive_entry_free(e);
	if (ret != ARCHIVE_OK)
		return error_set(err, 0, "initramfs: %s: %s", name, archive_error_string(a));
	if (size > 0 && archive_write_data(a, data, size) != (la_ssize_t)size)
		return error_set(err, 0, "initramfs: %s: %s", name, archive_error_string(a));
	return 0;
}

static const char *base_name(const char *path)
{
	return strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
}

/* The modules of `paths` (from index `from` on) into /modules, their
 * names in that order into the list file `list`. */
static int add_modules(struct archive *a, char **paths, size_t from, size_t count, const char *list,
		       struct error **err)
{
	size_t order_len = 0;
	cleanup_free char *order = NULL;
	for (size_t i = from; i < count; i++) {
		cleanup_free char *data = NULL;
		char name[320];
		size_t size;
		const char *base = base_name(paths[i]);
		if (fs_read_file_at(AT_FDCWD, paths[i], paths[i], MODULE_MAX_SIZE, &data, &size,
				    err) < 0)
			return -1;
		snprintf(name, sizeof(name), "modules/%s", base);
		if (add_entry(a, name, AE_IFREG, 0644, data, size, err) < 0)
			return -1;
		order = xrealloc(order, order_len + strlen(base) + 2);
		order_len += (size_t)sprintf(order + order_len, "%s\n", base);
	}
	return add_entry(a, list, AE_IFREG, 0644, order != NULL ? order : "", order_len, err);
}

static int write_archive(struct archive *a, const struct initramfs_spec *s, char **paths,
			 size_t count, size_t at_boot, struct error **err)
{
	static const char *const dirs[] = {"dev", "proc", "sys", "modules"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (add_entry(a, dirs[i], AE_IFDIR, 0755, NULL, 0, err) < 0)
			return -1;
	if (add_entry(a, "init", AE_IFREG, 0755, s->agent, s->agent_size, err) < 0)
		return -1;
	if (add_modules(a, paths, 0, at_boot, "modules/order", err) < 0)
		return -1;
	return add_modules(a, paths, at_boot, count, "modules/later", err);
}

/* The boot modules, then the later ones not among them (each list
 * dependencies first): one array, and where the later ones start. */
static int module_lists(const struct initramfs_spec *s, char ***paths, size_t *count,
			size_t *at_boot, struct error **err)
{
	char **later = NULL;
	size_t nr_later = 0;
	*paths = NULL;
	*count = *at_boot = 0;
	if (s->modules_dir == NULL)
		return 0;
	if (initramfs_module_order(s->modules_dir, s->modules, s->nr_modules, paths, count, err) <
	    0)
		return -1;
	*at_boot = *count;
	if (s->nr_later == 0)
		return 0;
	if (initramfs_module_order(s->modules_dir, s->later, s->nr_later, &later, &nr_later, err) <
	    0) {
		initramfs_free_paths(*paths, *count);
		*paths = NULL;
		return -1;
	}
	*paths = xrealloc(*paths, (*count + nr_later + 1) * sizeof(char *));
	for (size_t i = 0; i < nr_later; i++) {
		bool loaded = false;
		for (size_t j = 0; j < *at_boot && !loaded; j++)
			loaded = strcmp(base_name((*paths)[j]), base_name(later[i])) == 0;
		if (loaded)
			free(later[i]);
		else
			(*paths)[(*count)++] = later[i];
	}
	free(later);
	return 0;
}

int initramfs_write(const struct initramfs_spec *s, const char *path, struct error **err)
{
	char **paths = NULL;
	size_t count = 0, at_boot = 0;
	if (module_lists(s, &paths, &count, &at_boot, err) < 0)
		return -1;
	struct archive *a = archive_write_new();
	int ret = -1;
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open_filename(a, path) != ARCHIVE_OK)
		error_set(err, 0, "initramfs `%s`: %s", path, archive_error_string(a));
	else if (write_archive(a, s, paths, count, at_boot, err) == 0 &&
		 archive_write_close(a) == ARCHIVE_OK)
		ret = 0;
	else if (*err == NULL)
		error_set(err, 0, "initramfs `%s`: %s", path, archive_error_string(a));
	archive_write_free(a);
	initramfs_free_paths(paths, count);
	if (ret < 0)
		unlink(path);
	return ret;
}

int initramfs_get(const char *cache_dir, const struct initramfs_spec *s, char **path,
		  struct error **err)
{
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, s->agent, s->agent_size);
	for (size_t i = 0; i < s->nr_modules; i++)
		h = hash_fnv1a(h, s->modules[i], strlen(s->modules[i]) + 1);
	/* Each later module marked as one: moving a module between the
	 * lists changes the key. */
	for (size_t i = 0; i < s->nr_later; i++)
		h = hash_fnv1a(hash_fnv1a(h, "+", 1), s->later[i], strlen(s->later[i]) + 1);
	if (s->modules_dir != NULL)
		h = hash_fnv1a(h, s->modules_dir, strlen(s->modules_dir));
	if (fs_mkdir_all(cache_dir, 0700, err) < 0)
		return error_wrap(err, "initramfs cache");
	if (asprintf(path, "%s/initramfs-%s-%016llx.cpio", cache_dir, s->kernel_version,
		     (unsigned long long)h) < 0)
		abort();
	struct stat st;
	if (stat(*path, &st) == 0)
		return 0;
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", *path, getpid()) < 0)
		abort();
	if (initramfs_write(s, tmp, err) < 0 || rename(tmp, *path) < 0) {
		if (*err == NULL)
			error_set(err, errno, "initramfs cache `%s`", *path);
		unlink(tmp);
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}
