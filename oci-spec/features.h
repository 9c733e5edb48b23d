/* The features document (runtime-spec features.md, features-linux.md):
 * what a runtime supports, for `vrun features`. */
#ifndef VRUN_OCI_SPEC_FEATURES_H
#define VRUN_OCI_SPEC_FEATURES_H

#include <stdbool.h>

#include "oci-spec/names.h"
#include "oci-spec/schema.h"

struct oci_features {
	const char *oci_version_min;
	const char *oci_version_max;
	const struct name_list *hooks;
	const struct name_list *mount_options;
	const struct name_list *namespaces;
	const struct name_list *capabilities;
	bool cgroup_v1, cgroup_v2, cgroup_systemd, cgroup_systemd_user, cgroup_rdma;
	bool seccomp_enabled;
	const struct name_list *seccomp_actions;
	const struct name_list *seccomp_operators;
	const struct name_list *seccomp_archs;
	const struct name_list *seccomp_known_flags;
	const struct name_list *seccomp_supported_flags;
	bool apparmor_enabled, selinux_enabled, intel_rdt_enabled, idmap_mounts_enabled;
	struct oci_strmap annotations;
	const struct name_list *unsafe_annotations; /* potentiallyUnsafeConfigAnnotations */
};

/* Pretty-printed, newline-terminated JSON. */
char *oci_features_to_json(const struct oci_features *features);

#endif
