/* Semantic checks of a parsed config.json: what the types alone do not
 * say (runtime-spec 1.2 config.md, config-linux.md).  Errors name the JSON
 * path; the caller prefixes the file name. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci-spec/config.h"
#include "oci-spec/names.h"

/* The JSON path of a failing member, from a format and its arguments. */
static void format_path(char *path, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void format_path(char *path, size_t size, const char *fmt, va_list ap)
{
	vsnprintf(path, size, fmt, ap);
}

static int check_absolute(const char *value, struct error **err, const char *path_fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int check_absolute(const char *value, struct error **err, const char *path_fmt, ...)
{
	char path[160];
	va_list ap;
	if (value != NULL && value[0] == '/')
		return 0;
	va_start(ap, path_fmt);
	format_path(path, sizeof(path), path_fmt, ap);
	va_end(ap);
	return error_set(err, 0, "%s: must be an absolute path", path);
}

static int check_known(const struct name_list *list, const char *value, const char *what,
		       struct error **err, const char *path_fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int check_known(const struct name_list *list, const char *value, const char *what,
		       struct error **err, const char *path_fmt, ...)
{
	char path[160];
	va_list ap;
	if (value == NULL || name_list_contains(list, value))
		return 0;
	va_start(ap, path_fmt);
	format_path(path, sizeof(path), path_fmt, ap);
	va_end(ap);
	return error_set(err, 0, "%s: unknown %s \"%s\"", path, what, value);
}

static int check_version(const char *version, struct error **err)
{
	unsigned major, minor, patch;
	int end = 0;
	if (sscanf(version, "%u.%u.%u%n", &major, &minor, &patch, &end) != 3 ||
	    (version[end] != '\0' && version[end] != '-' && version[end] != '+'))
		return error_set(err, 0, "ociVersion: \"%s\" is not a version (MAJOR.MINOR.PATCH)",
				 version);
	if (major != 1)
		return error_set(
			err, 0,
			"ociVersion: unsupported version \"%s\" (vrun reads 1.0.0 to 1.2.x)",
			version);
	return 0;
}

static int check_capability_set(const struct oci_strings *set, const char *name, struct error **err)
{
	for (size_t i = 0; i < set->len; i++)
		if (check_known(&oci_capability_names, set->items[i], "capability", err,
				"process.capabilities.%s[%zu]", name, i) < 0)
			return -1;
	return 0;
}

static int check_capabilities(const struct oci_capabilities *caps, struct error **err)
{
	if (caps == NULL)
		return 0;
	if (check_capability_set(&caps->bounding, "bounding", err) < 0 ||
	    check_capability_set(&caps->effective, "effective", err) < 0 ||
	    check_capability_set(&caps->inheritable, "inheritable", err) < 0 ||
	    check_capability_set(&caps->permitted, "permitted", err) < 0 ||
	    check_capability_set(&caps->ambient, "ambient", err) < 0)
		return -1;
	return 0;
}

static int check_rlimits(const struct oci_process *process, struct error **err)
{
	for (size_t i = 0; i < process->rlimits.len; i++) {
		const struct oci_rlimit *r = &process->rlimits.items[i];
		if (check_known(&oci_rlimit_names, r->type, "rlimit", err,
				"process.rlimits[%zu].type", i) < 0)
			return -1;
		if (r->soft > r->hard)
			return error_set(err, 0,
					 "process.rlimits[%zu]: soft limit is above hard limit", i);
		for (size_t j = 0; j < i; j++)
			if (strcmp(process->rlimits.items[j].type, r->type) == 0)
				return error_set(err, 0,
						 "process.rlimits[%zu].type: %s appears twice", i,
						 r->type);
	}
	return 0;
}

static int check_process(const struct oci_process *process, struct error **err)
{
	if (process == NULL)
		return 0;
	if (process->args.len == 0)
		return error_set(err, 0, "process.args: must be a non-empty array of strings");
	if (process->args.items[0][0] == '\0')
		return error_set(err, 0, "process.args[0]: must not be empty");
	if (check_absolute(process->cwd, err, "process.cwd") < 0)
		return -1;
	for (size_t i = 0; i < process->env.len; i++) {
		const char *eq = strchr(process->env.items[i], '=');
		if (eq == NULL || eq == process->env.items[i])
			return error_set(err, 0, "process.env[%zu]: must be NAME=VALUE", i);
	}
	if (check_capabilities(process->capabilities, err) < 0 || check_rlimits(process, err) < 0)
		return -1;
	if (process->scheduler != NULL &&
	    check_known(&oci_sched_policy_names, process->scheduler->policy, "policy", err,
			"process.scheduler.policy") < 0)
		return -1;
	if (process->io_priority != NULL &&
	    check_known(&oci_ioprio_class_names, process->io_priority->class_name, "class", err,
			"process.ioPriority.class") < 0)
		return -1;
	return 0;
}

static int check_mounts(const struct oci_config *config, struct error **err)
{
	for (size_t i = 0; i < config->mounts.len; i++)
		if (config->mounts.items[i].destination[0] == '\0')
			return error_set(err, 0, "mounts[%zu].destination: must not be empty", i);
	return 0;
}

static int check_hook_list(const oci_hook_list *list, const char *name, struct error **err)
{
	for (size_t i = 0; i < list->len; i++)
		if (check_absolute(list->items[i].path, err, "hooks.%s[%zu].path", name, i) < 0)
			return -1;
	return 0;
}

static int check_hooks(const struct oci_hooks *hooks, struct error **err)
{
	if (hooks == NULL)
		return 0;
	if (check_hook_list(&hooks->prestart, "prestart", err) < 0 ||
	    check_hook_list(&hooks->create_runtime, "createRuntime", err) < 0 ||
	    check_hook_list(&hooks->create_container, "createContainer", err) < 0 ||
	    check_hook_list(&hooks->start_container, "startContainer", err) < 0 ||
	    check_hook_list(&hooks->poststart, "poststart", err) < 0 ||
	    check_hook_list(&hooks->poststop, "poststop", err) < 0)
		return -1;
	return 0;
}

static int check_namespaces(const struct oci_linux *linux_, struct error **err)
{
	for (size_t i = 0; i < linux_->namespaces.len; i++) {
		const struct oci_namespace *ns = &linux_->namespaces.items[i];
		if (check_known(&oci_namespace_names, ns->type, "namespace type", err,
				"linux.namespaces[%zu].type", i) < 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(linux_->namespaces.items[j].type, ns->type) == 0)
				return error_set(err, 0,
						 "linux.namespaces[%zu].type: \"%s\" appears twice",
						 i, ns->type);
		if (ns->path != NULL &&
		    check_absolute(ns->path, err, "linux.namespaces[%zu].path", i) < 0)
			return -1;
	}
	return 0;
}

static int check_devices(const struct oci_linux *linux_, struct error **err)
{
	for (size_t i = 0; i < linux_->devices.len; i++) {
		const struct oci_device *d = &linux_->devices.items[i];
		if (strlen(d->type) != 1 || strchr("cbup", d->type[0]) == NULL)
			return error_set(
				err, 0,
				"linux.devices[%zu].type: must be \"c\", \"b\", \"u\" or \"p\"", i);
		if (check_absolute(d->path, err, "linux.devices[%zu].path", i) < 0)
			return -1;
	}
	return 0;
}

static int check_device_cgroup(const struct oci_resources *res, struct error **err)
{
	for (size_t i = 0; i < res->devices.len; i++) {
		const struct oci_device_cgroup *d = &res->devices.items[i];
		if (d->type != NULL && (strlen(d->type) != 1 || strchr("acb", d->type[0]) == NULL))
			return error_set(
				err, 0,
				"linux.resources.devices[%zu].type: must be \"a\", \"c\" or \"b\"",
				i);
		if (d->access != NULL && strspn(d->access, "rwm") != strlen(d->access))
			return error_set(
				err, 0,
				"linux.resources.devices[%zu].access: must be letters of \"rwm\"",
				i);
	}
	return 0;
}

static int check_seccomp(const struct oci_seccomp *sc, struct error **err)
{
	if (sc == NULL)
		return 0;
	if (check_known(&oci_seccomp_action_names, sc->default_action, "action", err,
			"linux.seccomp.defaultAction") < 0)
		return -1;
	for (size_t i = 0; i < sc->architectures.len; i++)
		if (check_known(&oci_seccomp_arch_names, sc->architectures.items[i], "architecture",
				err, "linux.seccomp.architectures[%zu]", i) < 0)
			return -1;
	for (size_t i = 0; i < sc->flags.len; i++)
		if (check_known(&oci_seccomp_flag_names, sc->flags.items[i], "flag", err,
				"linux.seccomp.flags[%zu]", i) < 0)
			return -1;
	for (size_t i = 0; i < sc->syscalls.len; i++) {
		const struct oci_seccomp_syscall *s = &sc->syscalls.items[i];
		if (s->names.len == 0)
			return error_set(err, 0,
					 "linux.seccomp.syscalls[%zu].names: must not be empty", i);
		if (check_known(&oci_seccomp_action_names, s->action, "action", err,
				"linux.seccomp.syscalls[%zu].action", i) < 0)
			return -1;
		for (size_t j = 0; j < s->args.len; j++) {
			if (check_known(&oci_seccomp_operator_names, s->args.items[j].op,
					"operator", err, "linux.seccomp.syscalls[%zu].args[%zu].op",
					i, j) < 0)
				return -1;
			if (s->args.items[j].index > 5)
				return error_set(err, 0,
						 "linux.seccomp.syscalls[%zu].args[%zu].index: "
						 "must be 0 to 5",
						 i, j);
		}
	}
	return 0;
}

static int check_path_list(const struct oci_strings *list, const char *name, struct error **err)
{
	for (size_t i = 0; i < list->len; i++)
		if (check_absolute(list->items[i], err, "linux.%s[%zu]", name, i) < 0)
			return -1;
	return 0;
}

static int check_time_offsets(const struct oci_linux *linux_, struct error **err)
{
	for (size_t i = 0; i < linux_->time_offsets.len; i++) {
		const struct oci_time_offset *t = &linux_->time_offsets.items[i];
		if (strcmp(t->clock, "monotonic") != 0 && strcmp(t->clock, "boottime") != 0)
			return error_set(
				err, 0,
				"linux.timeOffsets.%s: unknown clock (monotonic or boottime)",
				t->clock);
		if (t->nanosecs >= 1000000000u)
			return error_set(err, 0, "linux.timeOffsets.%s.nanosecs: must be below 1e9",
					 t->clock);
	}
	return 0;
}

static int check_linux(const struct oci_linux *linux_, struct error **err)
{
	if (linux_ == NULL)
		return 0;
	if (check_namespaces(linux_, err) < 0 || check_devices(linux_, err) < 0 ||
	    check_time_offsets(linux_, err) < 0 || check_seccomp(linux_->seccomp, err) < 0 ||
	    check_path_list(&linux_->masked_paths, "maskedPaths", err) < 0 ||
	    check_path_list(&linux_->readonly_paths, "readonlyPaths", err) < 0)
		return -1;
	if (linux_->resources != NULL && check_device_cgroup(linux_->resources, err) < 0)
		return -1;
	if (linux_->rootfs_propagation != NULL && linux_->rootfs_propagation[0] != '\0' &&
	    check_known(&oci_propagation_names, linux_->rootfs_propagation, "propagation", err,
			"linux.rootfsPropagation") < 0)
		return -1;
	if (linux_->personality != NULL && strcmp(linux_->personality->domain, "LINUX") != 0 &&
	    strcmp(linux_->personality->domain, "LINUX32") != 0)
		return error_set(err, 0,
				 "linux.personality.domain: must be \"LINUX\" or \"LINUX32\"");
	for (size_t i = 0; i < linux_->sysctl.len; i++)
		if (linux_->sysctl.items[i].key[0] == '\0')
			return error_set(err, 0, "linux.sysctl: a key must not be empty");
	return 0;
}

int oci_config_validate(const struct oci_config *config, struct error **err)
{
	if (check_version(config->oci_version, err) < 0)
		return -1;
	if (config->root == NULL)
		return error_set(err, 0, "root: is required");
	if (config->root->path[0] == '\0')
		return error_set(err, 0, "root.path: must not be empty");
	if (check_process(config->process, err) < 0 || check_mounts(config, err) < 0 ||
	    check_hooks(config->hooks, err) < 0 || check_linux(config->linux_, err) < 0)
		return -1;
	return 0;
}
