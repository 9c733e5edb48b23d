/* config.json: the schema tables of config.h's structs, load and parse.
 * Member names follow runtime-spec 1.2 config.md and config-linux.md. */
#include "oci-spec/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "oci-spec/schema_table.h"

/* Shared by mounts, linux.uidMappings and linux.gidMappings. */
SCHEMA(id_mapping_schema, struct oci_id_mapping,
       REQ(struct oci_id_mapping, "containerID", SCHEMA_U32, container_id),
       REQ(struct oci_id_mapping, "hostID", SCHEMA_U32, host_id),
       REQ(struct oci_id_mapping, "size", SCHEMA_U32, size));

SCHEMA(mount_schema, struct oci_mount,
       REQ(struct oci_mount, "destination", SCHEMA_STRING, destination),
       F(struct oci_mount, "type", SCHEMA_STRING, type),
       F(struct oci_mount, "source", SCHEMA_STRING, source),
       F(struct oci_mount, "options", SCHEMA_STRINGS, options),
       SUB(struct oci_mount, "uidMappings", SCHEMA_ARRAY, uid_mappings, id_mapping_schema),
       SUB(struct oci_mount, "gidMappings", SCHEMA_ARRAY, gid_mappings, id_mapping_schema));

SCHEMA(root_schema, struct oci_root, REQ(struct oci_root, "path", SCHEMA_STRING, path),
       F(struct oci_root, "readonly", SCHEMA_BOOL, readonly));

SCHEMA(console_size_schema, struct oci_console_size,
       REQ(struct oci_console_size, "height", SCHEMA_U32, height),
       REQ(struct oci_console_size, "width", SCHEMA_U32, width));

SCHEMA(user_schema, struct oci_user, F(struct oci_user, "uid", SCHEMA_U32, uid),
       F(struct oci_user, "gid", SCHEMA_U32, gid),
       RANGE(struct oci_user, "umask", SCHEMA_OPT_U64, umask, 0, 07777),
       F(struct oci_user, "additionalGids", SCHEMA_U32_ARRAY, additional_gids),
       F(struct oci_user, "username", SCHEMA_STRING, username));

SCHEMA(capabilities_schema, struct oci_capabilities,
       F(struct oci_capabilities, "bounding", SCHEMA_STRINGS, bounding),
       F(struct oci_capabilities, "effective", SCHEMA_STRINGS, effective),
       F(struct oci_capabilities, "inheritable", SCHEMA_STRINGS, inheritable),
       F(struct oci_capabilities, "permitted", SCHEMA_STRINGS, permitted),
       F(struct oci_capabilities, "ambient", SCHEMA_STRINGS, ambient));

SCHEMA(rlimit_schema, struct oci_rlimit, REQ(struct oci_rlimit, "type", SCHEMA_STRING, type),
       REQ(struct oci_rlimit, "soft", SCHEMA_U64, soft),
       REQ(struct oci_rlimit, "hard", SCHEMA_U64, hard));

SCHEMA(scheduler_schema, struct oci_scheduler,
       REQ(struct oci_scheduler, "policy", SCHEMA_STRING, policy),
       F(struct oci_scheduler, "nice", SCHEMA_I32, nice),
       F(struct oci_scheduler, "priority", SCHEMA_I32, priority),
       F(struct oci_scheduler, "flags", SCHEMA_STRINGS, flags),
       F(struct oci_scheduler, "runtime", SCHEMA_U64, runtime),
       F(struct oci_scheduler, "deadline", SCHEMA_U64, deadline),
       F(struct oci_scheduler, "period", SCHEMA_U64, period));

SCHEMA(io_priority_schema, struct oci_io_priority,
       REQ(struct oci_io_priority, "class", SCHEMA_STRING, class_name),
       F(struct oci_io_priority, "priority", SCHEMA_I32, priority));

SCHEMA(cpu_affinity_schema, struct oci_cpu_affinity,
       F(struct oci_cpu_affinity, "initial", SCHEMA_STRING, initial),
       F(struct oci_cpu_affinity, "final", SCHEMA_STRING, final));

SCHEMA(process_schema, struct oci_process, F(struct oci_process, "terminal", SCHEMA_BOOL, terminal),
       SUB(struct oci_process, "consoleSize", SCHEMA_OBJECT_PTR, console_size, console_size_schema),
       SUB(struct oci_process, "user", SCHEMA_OBJECT, user, user_schema),
       F(struct oci_process, "args", SCHEMA_STRINGS, args),
       F(struct oci_process, "env", SCHEMA_STRINGS, env),
       REQ(struct oci_process, "cwd", SCHEMA_STRING, cwd),
       SUB(struct oci_process, "capabilities", SCHEMA_OBJECT_PTR, capabilities,
	   capabilities_schema),
       SUB(struct oci_process, "rlimits", SCHEMA_ARRAY, rlimits, rlimit_schema),
       F(struct oci_process, "noNewPrivileges", SCHEMA_BOOL, no_new_privileges),
       F(struct oci_process, "apparmorProfile", SCHEMA_STRING, apparmor_profile),
       RANGE(struct oci_process, "oomScoreAdj", SCHEMA_OPT_I64, oom_score_adj, -1000, 1000),
       F(struct oci_process, "selinuxLabel", SCHEMA_STRING, selinux_label),
       SUB(struct oci_process, "scheduler", SCHEMA_OBJECT_PTR, scheduler, scheduler_schema),
       SUB(struct oci_process, "ioPriority", SCHEMA_OBJECT_PTR, io_priority, io_priority_schema),
       SUB(struct oci_process, "execCPUAffinity", SCHEMA_OBJECT_PTR, exec_cpu_affinity,
	   cpu_affinity_schema));

SCHEMA(hook_schema, struct oci_hook, REQ(struct oci_hook, "path", SCHEMA_STRING, path),
       F(struct oci_hook, "args", SCHEMA_STRINGS, args),
       F(struct oci_hook, "env", SCHEMA_STRINGS, env),
       RANGE(struct oci_hook, "timeout", SCHEMA_OPT_I64, timeout, 1, INT32_MAX));

SCHEMA(hooks_schema, struct oci_hooks,
       SUB(struct oci_hooks, "prestart", SCHEMA_ARRAY, prestart, hook_schema),
       SUB(struct oci_hooks, "createRuntime", SCHEMA_ARRAY, create_runtime, hook_schema),
       SUB(struct oci_hooks, "createContainer", SCHEMA_ARRAY, create_container, hook_schema),
       SUB(struct oci_hooks, "startContainer", SCHEMA_ARRAY, start_container, hook_schema),
       SUB(struct oci_hooks, "poststart", SCHEMA_ARRAY, poststart, hook_schema),
       SUB(struct oci_hooks, "poststop", SCHEMA_ARRAY, poststop, hook_schema));

SCHEMA(namespace_schema, struct oci_namespace,
       REQ(struct oci_namespace, "type", SCHEMA_STRING, type),
       F(struct oci_namespace, "path", SCHEMA_STRING, path));

SCHEMA(time_offset_schema, struct oci_time_offset,
       F(struct oci_time_offset, "secs", SCHEMA_I64, secs),
       F(struct oci_time_offset, "nanosecs", SCHEMA_U32, nanosecs));

SCHEMA(device_schema, struct oci_device, REQ(struct oci_device, "type", SCHEMA_STRING, type),
       REQ(struct oci_device, "path", SCHEMA_STRING, path),
       F(struct oci_device, "major", SCHEMA_I64, major),
       F(struct oci_device, "minor", SCHEMA_I64, minor),
       RANGE(struct oci_device, "fileMode", SCHEMA_OPT_U64, file_mode, 0, 07777),
       RANGE(struct oci_device, "uid", SCHEMA_OPT_U64, uid, 0, UINT32_MAX),
       RANGE(struct oci_device, "gid", SCHEMA_OPT_U64, gid, 0, UINT32_MAX));

SCHEMA(device_cgroup_schema, struct oci_device_cgroup,
       REQ(struct oci_device_cgroup, "allow", SCHEMA_BOOL, allow),
       F(struct oci_device_cgroup, "type", SCHEMA_STRING, type),
       F(struct oci_device_cgroup, "major", SCHEMA_OPT_I64, major),
       F(struct oci_device_cgroup, "minor", SCHEMA_OPT_I64, minor),
       F(struct oci_device_cgroup, "access", SCHEMA_STRING, access));

SCHEMA(memory_schema, struct oci_memory, F(struct oci_memory, "limit", SCHEMA_OPT_I64, limit),
       F(struct oci_memory, "reservation", SCHEMA_OPT_I64, reservation),
       F(struct oci_memory, "swap", SCHEMA_OPT_I64, swap),
       F(struct oci_memory, "kernel", SCHEMA_OPT_I64, kernel),
       F(struct oci_memory, "kernelTCP", SCHEMA_OPT_I64, kernel_tcp),
       RANGE(struct oci_memory, "swappiness", SCHEMA_OPT_U64, swappiness, 0, 100),
       F(struct oci_memory, "disableOOMKiller", SCHEMA_BOOL, disable_oom_killer),
       F(struct oci_memory, "useHierarchy", SCHEMA_BOOL, use_hierarchy),
       F(struct oci_memory, "checkBeforeUpdate", SCHEMA_BOOL, check_before_update));

SCHEMA(cpu_schema, struct oci_cpu, F(struct oci_cpu, "shares", SCHEMA_OPT_U64, shares),
       F(struct oci_cpu, "quota", SCHEMA_OPT_I64, quota),
       F(struct oci_cpu, "burst", SCHEMA_OPT_U64, burst),
       F(struct oci_cpu, "period", SCHEMA_OPT_U64, period),
       F(struct oci_cpu, "realtimeRuntime", SCHEMA_OPT_I64, realtime_runtime),
       F(struct oci_cpu, "realtimePeriod", SCHEMA_OPT_U64, realtime_period),
       F(struct oci_cpu, "cpus", SCHEMA_STRING, cpus),
       F(struct oci_cpu, "mems", SCHEMA_STRING, mems),
       F(struct oci_cpu, "idle", SCHEMA_OPT_I64, idle));

SCHEMA(weight_device_schema, struct oci_weight_device,
       REQ(struct oci_weight_device, "major", SCHEMA_I64, major),
       REQ(struct oci_weight_device, "minor", SCHEMA_I64, minor),
       RANGE(struct oci_weight_device, "weight", SCHEMA_OPT_U64, weight, 0, UINT16_MAX),
       RANGE(struct oci_weight_device, "leafWeight", SCHEMA_OPT_U64, leaf_weight, 0, UINT16_MAX));

SCHEMA(throttle_device_schema, struct oci_throttle_device,
       REQ(struct oci_throttle_device, "major", SCHEMA_I64, major),
       REQ(struct oci_throttle_device, "minor", SCHEMA_I64, minor),
       REQ(struct oci_throttle_device, "rate", SCHEMA_U64, rate));

SCHEMA(block_io_schema, struct oci_block_io,
       RANGE(struct oci_block_io, "weight", SCHEMA_OPT_U64, weight, 0, UINT16_MAX),
       RANGE(struct oci_block_io, "leafWeight", SCHEMA_OPT_U64, leaf_weight, 0, UINT16_MAX),
       SUB(struct oci_block_io, "weightDevice", SCHEMA_ARRAY, weight_device, weight_device_schema),
       SUB(struct oci_block_io, "throttleReadBpsDevice", SCHEMA_ARRAY, throttle_read_bps_device,
	   throttle_device_schema),
       SUB(struct oci_block_io, "throttleWriteBpsDevice", SCHEMA_ARRAY, throttle_write_bps_device,
	   throttle_device_schema),
       SUB(struct oci_block_io, "throttleReadIOPSDevice", SCHEMA_ARRAY, throttle_read_iops_device,
	   throttle_device_schema),
       SUB(struct oci_block_io, "throttleWriteIOPSDevice", SCHEMA_ARRAY, throttle_write_iops_device,
	   throttle_device_schema));

SCHEMA(hugepage_limit_schema, struct oci_hugepage_limit,
       REQ(struct oci_hugepage_limit, "pageSize", SCHEMA_STRING, page_size),
       REQ(struct oci_hugepage_limit, "limit", SCHEMA_U64, limit));

SCHEMA(interface_priority_schema, struct oci_interface_priority,
       REQ(struct oci_interface_priority, "name", SCHEMA_STRING, name),
       REQ(struct oci_interface_priority, "priority", SCHEMA_U32, priority));

SCHEMA(network_schema, struct oci_network,
       RANGE(struct oci_network, "classID", SCHEMA_OPT_U64, class_id, 0, UINT32_MAX),
       SUB(struct oci_network, "priorities", SCHEMA_ARRAY, priorities, interface_priority_schema));

SCHEMA(pids_schema, struct oci_pids, REQ(struct oci_pids, "limit", SCHEMA_I64, limit));

SCHEMA(rdma_schema, struct oci_rdma,
       RANGE(struct oci_rdma, "hcaHandles", SCHEMA_OPT_U64, hca_handles, 0, UINT32_MAX),
       RANGE(struct oci_rdma, "hcaObjects", SCHEMA_OPT_U64, hca_objects, 0, UINT32_MAX));

SCHEMA(resources_schema, struct oci_resources,
       SUB(struct oci_resources, "devices", SCHEMA_ARRAY, devices, device_cgroup_schema),
       SUB(struct oci_resources, "memory", SCHEMA_OBJECT_PTR, memory, memory_schema),
       SUB(struct oci_resources, "cpu", SCHEMA_OBJECT_PTR, cpu, cpu_schema),
       SUB(struct oci_resources, "blockIO", SCHEMA_OBJECT_PTR, block_io, block_io_schema),
       SUB(struct oci_resources, "hugepageLimits", SCHEMA_ARRAY, hugepage_limits,
	   hugepage_limit_schema),
       SUB(struct oci_resources, "network", SCHEMA_OBJECT_PTR, network, network_schema),
       SUB(struct oci_resources, "pids", SCHEMA_OBJECT_PTR, pids, pids_schema),
       SUB(struct oci_resources, "rdma", SCHEMA_OBJECT_MAP, rdma, rdma_schema),
       F(struct oci_resources, "unified", SCHEMA_STRMAP, unified));

SCHEMA(seccomp_arg_schema, struct oci_seccomp_arg,
       REQ(struct oci_seccomp_arg, "index", SCHEMA_U32, index),
       REQ(struct oci_seccomp_arg, "value", SCHEMA_U64, value),
       F(struct oci_seccomp_arg, "valueTwo", SCHEMA_U64, value_two),
       REQ(struct oci_seccomp_arg, "op", SCHEMA_STRING, op));

SCHEMA(seccomp_syscall_schema, struct oci_seccomp_syscall,
       REQ(struct oci_seccomp_syscall, "names", SCHEMA_STRINGS, names),
       REQ(struct oci_seccomp_syscall, "action", SCHEMA_STRING, action),
       RANGE(struct oci_seccomp_syscall, "errnoRet", SCHEMA_OPT_U64, errno_ret, 0, UINT32_MAX),
       SUB(struct oci_seccomp_syscall, "args", SCHEMA_ARRAY, args, seccomp_arg_schema));

SCHEMA(seccomp_schema, struct oci_seccomp,
       REQ(struct oci_seccomp, "defaultAction", SCHEMA_STRING, default_action),
       RANGE(struct oci_seccomp, "defaultErrnoRet", SCHEMA_OPT_U64, default_errno_ret, 0,
	     UINT32_MAX),
       F(struct oci_seccomp, "architectures", SCHEMA_STRINGS, architectures),
       F(struct oci_seccomp, "flags", SCHEMA_STRINGS, flags),
       F(struct oci_seccomp, "listenerPath", SCHEMA_STRING, listener_path),
       F(struct oci_seccomp, "listenerMetadata", SCHEMA_STRING, listener_metadata),
       SUB(struct oci_seccomp, "syscalls", SCHEMA_ARRAY, syscalls, seccomp_syscall_schema));

SCHEMA(intel_rdt_schema, struct oci_intel_rdt,
       F(struct oci_intel_rdt, "closID", SCHEMA_STRING, clos_id),
       F(struct oci_intel_rdt, "l3CacheSchema", SCHEMA_STRING, l3_cache_schema),
       F(struct oci_intel_rdt, "memBwSchema", SCHEMA_STRING, mem_bw_schema),
       F(struct oci_intel_rdt, "enableCMT", SCHEMA_BOOL, enable_cmt),
       F(struct oci_intel_rdt, "enableMBM", SCHEMA_BOOL, enable_mbm));

SCHEMA(personality_schema, struct oci_personality,
       REQ(struct oci_personality, "domain", SCHEMA_STRING, domain),
       F(struct oci_personality, "flags", SCHEMA_STRINGS, flags));

SCHEMA(linux_schema, struct oci_linux,
       SUB(struct oci_linux, "namespaces", SCHEMA_ARRAY, namespaces, namespace_schema),
       SUB(struct oci_linux, "uidMappings", SCHEMA_ARRAY, uid_mappings, id_mapping_schema),
       SUB(struct oci_linux, "gidMappings", SCHEMA_ARRAY, gid_mappings, id_mapping_schema),
       SUB(struct oci_linux, "timeOffsets", SCHEMA_OBJECT_MAP, time_offsets, time_offset_schema),
       SUB(struct oci_linux, "devices", SCHEMA_ARRAY, devices, device_schema),
       F(struct oci_linux, "cgroupsPath", SCHEMA_STRING, cgroups_path),
       SUB(struct oci_linux, "resources", SCHEMA_OBJECT_PTR, resources, resources_schema),
       F(struct oci_linux, "rootfsPropagation", SCHEMA_STRING, rootfs_propagation),
       F(struct oci_linux, "sysctl", SCHEMA_STRMAP, sysctl),
       SUB(struct oci_linux, "seccomp", SCHEMA_OBJECT_PTR, seccomp, seccomp_schema),
       F(struct oci_linux, "maskedPaths", SCHEMA_STRINGS, masked_paths),
       F(struct oci_linux, "readonlyPaths", SCHEMA_STRINGS, readonly_paths),
       F(struct oci_linux, "mountLabel", SCHEMA_STRING, mount_label),
       SUB(struct oci_linux, "intelRdt", SCHEMA_OBJECT_PTR, intel_rdt, intel_rdt_schema),
       SUB(struct oci_linux, "personality", SCHEMA_OBJECT_PTR, personality, personality_schema));

static const struct schema_field config_fields[] = {
	REQ(struct oci_config, "ociVersion", SCHEMA_STRING, oci_version),
	SUB(struct oci_config, "root", SCHEMA_OBJECT_PTR, root, root_schema),
	SUB(struct oci_config, "mounts", SCHEMA_ARRAY, mounts, mount_schema),
	SUB(struct oci_config, "process", SCHEMA_OBJECT_PTR, process, process_schema),
	F(struct oci_config, "hostname", SCHEMA_STRING, hostname),
	F(struct oci_config, "domainname", SCHEMA_STRING, domainname),
	SUB(struct oci_config, "hooks", SCHEMA_OBJECT_PTR, hooks, hooks_schema),
	F(struct oci_config, "annotations", SCHEMA_STRMAP, annotations),
	SUB(struct oci_config, "linux", SCHEMA_OBJECT_PTR, linux_, linux_schema),
	END,
};

const struct schema oci_config_schema = {sizeof(struct oci_config), config_fields};

int oci_config_parse(const char *text, size_t len, const char *name, struct oci_config *config,
		     struct error **err)
{
	memset(config, 0, sizeof(*config));
	if (len > OCI_CONFIG_MAX_SIZE)
		return error_set_kind(err, EFBIG, "%s: larger than %u MiB", name,
				      OCI_CONFIG_MAX_SIZE >> 20);
	if (strlen(text) != len)
		return error_set(err, 0, "%s: invalid JSON: contains a NUL byte", name);
	if (schema_parse_text(&oci_config_schema, text, config, err) < 0)
		return error_wrap(err, "%s", name);
	if (oci_config_validate(config, err) < 0) {
		oci_config_release(config);
		return error_wrap(err, "%s", name);
	}
	return 0;
}

int oci_config_load_text(const char *bundle, struct oci_config *config, char **text, size_t *len,
			 struct error **err)
{
	cleanup_free char *path = NULL;

	memset(config, 0, sizeof(*config));
	*text = NULL;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		abort();
	if (fs_read_file_at(AT_FDCWD, path, path, OCI_CONFIG_MAX_SIZE, text, len, err) < 0) {
		if ((*err)->errnum == EFBIG) {
			error_release(err);
			return error_set_kind(err, EFBIG, "%s: larger than %u MiB", path,
					      OCI_CONFIG_MAX_SIZE >> 20);
		}
		return -1;
	}
	if (oci_config_parse(*text, *len, path, config, err) < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

int oci_config_load(const char *bundle, struct oci_config *config, struct error **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	return oci_config_load_text(bundle, config, &text, &len, err);
}

char *oci_config_to_json(const struct oci_config *config)
{
	yajl_gen g = json_gen_new(true);
	schema_write(&oci_config_schema, config, g);
	char *out = json_gen_take(g, true);
	yajl_gen_free(g);
	return out;
}

void oci_config_release(struct oci_config *config)
{
	schema_release(&oci_config_schema, config);
}

void oci_mount_release(struct oci_mount *mount)
{
	schema_release(&mount_schema, mount);
}

int oci_resources_parse(const char *text, size_t len, const char *name,
			struct oci_resources *resources, struct error **err)
{
	memset(resources, 0, sizeof(*resources));
	if (strlen(text) != len)
		return error_set(err, 0, "%s: invalid JSON: contains a NUL byte", name);
	if (schema_parse_text(&resources_schema, text, resources, err) < 0)
		return error_wrap(err, "%s", name);
	return 0;
}

void oci_resources_release(struct oci_resources *resources)
{
	schema_release(&resources_schema, resources);
	memset(resources, 0, sizeof(*resources));
}

void oci_resources_free(struct oci_resources *resources)
{
	if (resources == NULL)
		return;
	schema_release(&resources_schema, resources);
	free(resources);
}

const char *oci_strmap_get(const struct oci_strmap *map, const char *key)
{
	for (size_t i = map->len; i > 0; i--)
		if (strcmp(map->items[i - 1].key, key) == 0)
			return map->items[i - 1].value;
	return NULL;
}

bool oci_strmap_true(const struct oci_strmap *map, const char *key)
{
	const char *value = oci_strmap_get(map, key);
	return value != NULL && strcmp(value, "true") == 0;
}

bool oci_mount_is_bind(const struct oci_mount *m)
{
	if (m->type != NULL && strcmp(m->type, "bind") == 0)
		return true;
	for (size_t i = 0; i < m->options.len; i++)
		if (strcmp(m->options.items[i], "bind") == 0 ||
		    strcmp(m->options.items[i], "rbind") == 0)
			return true;
	return false;
}

int oci_process_parse(const char *text, const char *name, struct oci_process *p, struct error **err)
{
	memset(p, 0, sizeof(*p));
	if (schema_parse_text(&process_schema, text, p, err) < 0)
		return error_wrap(err, "%s", name);
	if (p->args.len == 0) {
		oci_process_release(p);
		return error_set_kind(err, EINVAL, "%s: args: must be a non-empty array of strings",
				      name);
	}
	if (p->cwd == NULL || p->cwd[0] != '/') {
		oci_process_release(p);
		return error_set_kind(err, EINVAL, "%s: cwd: must be an absolute path", name);
	}
	return 0;
}

char *oci_process_to_json(const struct oci_process *p)
{
	yajl_gen g = json_gen_new(false);
	schema_write(&process_schema, p, g);
	char *out = json_gen_take(g, false);
	yajl_gen_free(g);
	return out;
}

void oci_process_release(struct oci_process *p)
{
	schema_release(&process_schema, p);
}

const char *oci_namespace_path(const struct oci_config *config, const char *type)
{
	if (config->linux_ == NULL)
		return NULL;
	for (size_t i = 0; i < config->linux_->namespaces.len; i++) {
		const struct oci_namespace *ns = &config->linux_->namespaces.items[i];
		if (strcmp(ns->type, type) == 0 && ns->path != NULL && ns->path[0] != '\0')
			return ns->path;
	}
	return NULL;
}

bool oci_has_namespace(const struct oci_config *config, const char *type)
{
	if (config->linux_ == NULL)
		return false;
	for (size_t i = 0; i < config->linux_->namespaces.len; i++)
		if (strcmp(config->linux_->namespaces.items[i].type, type) == 0)
			return true;
	return false;
}

void oci_strings_push(struct oci_strings *list, const char *value)
{
	list->items = xrealloc(list->items, (list->len + 2) * sizeof(char *));
	list->items[list->len++] = xstrdup(value);
	list->items[list->len] = NULL;
}

void oci_strings_clear(struct oci_strings *list)
{
	for (size_t i = 0; i < list->len; i++)
		free(list->items[i]);
	free(list->items);
	*list = (struct oci_strings){0};
}
