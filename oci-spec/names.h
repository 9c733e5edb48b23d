/* The names the runtime-spec lets a config use (capabilities, namespaces,
 * rlimits, seccomp actions...), shared by validation and `vrun features`. */
#ifndef VRUN_OCI_SPEC_NAMES_H
#define VRUN_OCI_SPEC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct name_list {
	const char *const *names;
	size_t len;
};

extern const struct name_list oci_capability_names;	  /* CAP_CHOWN ... */
extern const struct name_list oci_namespace_names;	  /* pid, network, ... */
extern const struct name_list oci_rlimit_names;		  /* RLIMIT_AS ... */
extern const struct name_list oci_seccomp_action_names;	  /* SCMP_ACT_... */
extern const struct name_list oci_seccomp_operator_names; /* SCMP_CMP_... */
extern const struct name_list oci_seccomp_arch_names;	  /* SCMP_ARCH_... */
extern const struct name_list oci_seccomp_flag_names;	  /* SECCOMP_FILTER_FLAG_... */
extern const struct name_list oci_propagation_names;	  /* private, rshared, ... */
extern const struct name_list oci_mount_option_names;	  /* what mount options mean */
extern const struct name_list oci_hook_names;		  /* prestart ... poststop */
extern const struct name_list oci_sched_policy_names;	  /* SCHED_OTHER ... */
extern const struct name_list oci_ioprio_class_names;	  /* IOPRIO_CLASS_... */

bool name_list_contains(const struct name_list *list, const char *name);

#endif
