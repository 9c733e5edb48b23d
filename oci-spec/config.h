/* The OCI runtime-spec config.json (versions 1.0 to 1.2) as typed C structs,
 * parsed with yajl, validated with errors that name the JSON path.
 * Platform sections other than Linux (windows, solaris, vm, zos) and
 * members unknown to the spec are ignored, as the spec requires. */
#ifndef VRUN_OCI_SPEC_CONFIG_H
#define VRUN_OCI_SPEC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "oci-spec/schema.h"

/* config.json larger than this is refused before parsing. */
#define OCI_CONFIG_MAX_SIZE (16u << 20)

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination;
	char *type;
	char *source;
	struct oci_strings options;
	OCI_ARRAY(struct oci_id_mapping) uid_mappings;
	OCI_ARRAY(struct oci_id_mapping) gid_mappings;
};

struct oci_root {
	char *path;
	bool readonly;
};

struct oci_console_size {
	uint32_t height;
	uint32_t width;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	oci_opt_uint64 umask;
	OCI_ARRAY(uint32_t) additional_gids;
	char *username;
};

struct oci_capabilities {
	struct oci_strings bounding;
	struct oci_strings effective;
	struct oci_strings inheritable;
	struct oci_strings permitted;
	struct oci_strings ambient;
};

struct oci_rlimit {
	char *type;
	uint64_t soft;
	uint64_t hard;
};

struct oci_scheduler {
	char *policy;
	int32_t nice;
	int32_t priority;
	struct oci_strings flags;
	uint64_t runtime;
	uint64_t deadline;
	uint64_t period;
};

struct oci_io_priority {
	char *class_name;
	int32_t priority;
};

struct oci_cpu_affinity {
	char *initial;
	char *final;
};

struct oci_process {
	bool terminal;
	struct oci_console_size *console_size;
	struct oci_user user;
	struct oci_strings args;
	struct oci_strings env;
	char *cwd;
	struct oci_capabilities *capabilities;
	OCI_ARRAY(struct oci_rlimit) rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	oci_opt_int64 oom_score_adj;
	char *selinux_label;
	struct oci_scheduler *scheduler;
	struct oci_io_priority *io_priority;
	struct oci_cpu_affinity *exec_cpu_affinity;
};

struct oci_hook {
	char *path;
	struct oci_strings args;
	struct oci_strings env;
	oci_opt_int64 timeout;
};

typedef OCI_ARRAY(struct oci_hook) oci_hook_list;

struct oci_hooks {
	oci_hook_list prestart;
	oci_hook_list create_runtime;
	oci_hook_list create_container;
	oci_hook_list start_container;
	oci_hook_list poststart;
	oci_hook_list poststop;
};

struct oci_namespace {
	char *type;
	char *path;
};

struct oci_time_offset {
	char *clock; /* map key: "monotonic" or "boottime" */
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_device {
	char *type;
	char *path;
	int64_t major;
	int64_t minor;
	oci_opt_uint64 file_mode;
	oci_opt_uint64 uid;
	oci_opt_uint64 gid;
};

struct oci_device_cgroup {
	bool allow;
	char *type;
	oci_opt_int64 major;
	oci_opt_int64 minor;
	char *access;
};

struct oci_memory {
	oci_opt_int64 limit;
	oci_opt_int64 reservation;
	oci_opt_int64 swap;
	oci_opt_int64 kernel;
	oci_opt_int64 kernel_tcp;
	oci_opt_uint64 swappiness;
	bool disable_oom_killer;
	bool use_hierarchy;
	bool check_before_update;
};

struct oci_cpu {
	oci_opt_uint64 shares;
	oci_opt_int64 quota;
	oci_opt_uint64 burst;
	oci_opt_uint64 period;
	oci_opt_int64 realtime_runtime;
	oci_opt_uint64 realtime_period;
	char *cpus;
	char *mems;
	oci_opt_int64 idle;
};

struct oci_weight_device {
	int64_t major;
	int64_t minor;
	oci_opt_uint64 weight;
	oci_opt_uint64 leaf_weight;
};

struct oci_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

typedef OCI_ARRAY(struct oci_throttle_device) oci_throttle_list;

struct oci_block_io {
	oci_opt_uint64 weight;
	oci_opt_uint64 leaf_weight;
	OCI_ARRAY(struct oci_weight_device) weight_device;
	oci_throttle_list throttle_read_bps_device;
	oci_throttle_list throttle_write_bps_device;
	oci_throttle_list throttle_read_iops_device;
	oci_throttle_list throttle_write_iops_device;
};

struct oci_hugepage_limit {
	char *page_size;
	uint64_t limit;
};

struct oci_interface_priority {
	char *name;
	uint32_t priority;
};

struct oci_network {
	oci_opt_uint64 class_id;
	OCI_ARRAY(struct oci_interface_priority) priorities;
};

struct oci_pids {
	int64_t limit;
};

struct oci_rdma {
	char *device; /* map key */
	oci_opt_uint64 hca_handles;
	oci_opt_uint64 hca_objects;
};

struct oci_resources {
	OCI_ARRAY(struct oci_device_cgroup) devices;
	struct oci_memory *memory;
	struct oci_cpu *cpu;
	struct oci_block_io *block_io;
	OCI_ARRAY(struct oci_hugepage_limit) hugepage_limits;
	struct oci_network *network;
	struct oci_pids *pids;
	OCI_ARRAY(struct oci_rdma) rdma;
	struct oci_strmap unified;
};

struct oci_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	char *op;
};

struct oci_seccomp_syscall {
	struct oci_strings names;
	char *action;
	oci_opt_uint64 errno_ret;
	OCI_ARRAY(struct oci_seccomp_arg) args;
};

struct oci_seccomp {
	char *default_action;
	oci_opt_uint64 default_errno_ret;
	struct oci_strings architectures;
	struct oci_strings flags;
	char *listener_path;
	char *listener_metadata;
	OCI_ARRAY(struct oci_seccomp_syscall) syscalls;
};

struct oci_intel_rdt {
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	bool enable_cmt;
	bool enable_mbm;
};

struct oci_personality {
	char *domain;
	struct oci_strings flags;
};

struct oci_linux {
	OCI_ARRAY(struct oci_namespace) namespaces;
	OCI_ARRAY(struct oci_id_mapping) uid_mappings;
	OCI_ARRAY(struct oci_id_mapping) gid_mappings;
	OCI_ARRAY(struct oci_time_offset) time_offsets;
	OCI_ARRAY(struct oci_device) devices;
	char *cgroups_path;
	struct oci_resources *resources;
	char *rootfs_propagation;
	struct oci_strmap sysctl;
	struct oci_seccomp *seccomp;
	struct oci_strings masked_paths;
	struct oci_strings readonly_paths;
	char *mount_label;
	struct oci_intel_rdt *intel_rdt;
	struct oci_personality *personality;
};

struct oci_config {
	char *oci_version;
	struct oci_root *root;
	OCI_ARRAY(struct oci_mount) mounts;
	struct oci_process *process;
	char *hostname;
	char *domainname;
	struct oci_hooks *hooks;
	struct oci_strmap annotations;
	struct oci_linux *linux_;
};

extern const struct schema oci_config_schema;

/* Parses and validates a config.json text.  name is how errors call the
 * file ("config.json" or the bundle path); *config is released on error. */
int oci_config_parse(const char *text, size_t len, const char *name, struct oci_config *config,
		     struct error **err);

/* Reads BUNDLE/config.json (at most OCI_CONFIG_MAX_SIZE) and parses it. */
int oci_config_load(const char *bundle, struct oci_config *config, struct error **err);
/* The same, keeping the text as read (what the agent is sent). */
int oci_config_load_text(const char *bundle, struct oci_config *config, char **text, size_t *len,
			 struct error **err);

/* Semantic checks beyond types (versions, names, absolute paths...). */
int oci_config_validate(const struct oci_config *config, struct error **err);

/* The config as JSON, two-space indented, newline-terminated. */
char *oci_config_to_json(const struct oci_config *config);

/* Appends a copy of `value`, keeping the list NULL-terminated. */
void oci_strings_push(struct oci_strings *list, const char *value);
/* Frees the strings and empties the list. */
void oci_strings_clear(struct oci_strings *list);

/* The path of the namespace of `type` ("network") config.json joins;
 * NULL when it makes a new one or has none. */
const char *oci_namespace_path(const struct oci_config *config, const char *type);
/* Whether linux.namespaces lists `type` at all (with a path or not). */
bool oci_has_namespace(const struct oci_config *config, const char *type);

void oci_config_release(struct oci_config *config);
void oci_mount_release(struct oci_mount *mount);
/* A process object on its own (`exec --process`, and what the runtime
 * sends the agent for an exec): parsed and checked (args, absolute cwd). */
int oci_process_parse(const char *text, const char *name, struct oci_process *p,
		      struct error **err);
char *oci_process_to_json(const struct oci_process *p);
void oci_process_release(struct oci_process *p);

/* A bind mount: type "bind", or a "bind"/"rbind" option. */
bool oci_mount_is_bind(const struct oci_mount *mount);
void oci_resources_free(struct oci_resources *resources);
/* A LinuxResources object alone (what `update --resources` reads); name
 * is how errors call it.  Release with oci_resources_release. */
int oci_resources_parse(const char *text, size_t len, const char *name,
			struct oci_resources *resources, struct error **err);
void oci_resources_release(struct oci_resources *resources);

/* Lookups used by the runtime. */
const char *oci_strmap_get(const struct oci_strmap *map, const char *key);
/* Whether `key`'s value is "true" (an annotation that turns something on). */
bool oci_strmap_true(const struct oci_strmap *map, const char *key);

#endif
