/* `vrun features`: runtime-spec features.md.  It reports what this build
 * does today: the names its config parser recognizes, and "enabled" only
 * for the mechanisms that are implemented. */
#include <stdio.h>

#include "common/cleanup.h"
#include "oci-spec/features.h"
#include "runtime/cli.h"
#include "runtime/vm_shape.h"

int cmd_features(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	struct oci_strmap_entry annotations[] = {
		{"io.vrun.version", (char *)vrun_version()},
		{"io.vrun.commit", (char *)vrun_commit()},
		/* The config annotations that shape the microVM (vm_shape.h). */
		{"io.vrun.vm.annotations",
		 ANNOTATION_KERNEL "," ANNOTATION_CMDLINE "," ANNOTATION_MEMORY_MIB
				   "," ANNOTATION_VCPUS "," ANNOTATION_VIRTIOFS_DAX},
	};
	static const char *const action_names[] = {
		"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",	   "SCMP_ACT_ALLOW",	   "SCMP_ACT_LOG"};
	static const char *const arch_names[] = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
						 "SCMP_ARCH_X32"};
	static const char *const flag_names[] = {"SECCOMP_FILTER_FLAG_TSYNC",
						 "SECCOMP_FILTER_FLAG_LOG",
						 "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
	static const struct name_list actions = {action_names, 8}, archs = {arch_names, 3},
				      flags = {flag_names, 3};
	static const char *const unsafe[] = {ANNOTATION_KERNEL, ANNOTATION_CMDLINE};
	static const struct name_list unsafe_list = {unsafe, 2};
	struct oci_features features = {
		.oci_version_min = "1.0.0",
		.oci_version_max = "1.2.0",
		.hooks = &oci_hook_names,
		.mount_options = &oci_mount_option_names,
		.namespaces = &oci_namespace_names,
		.capabilities = &oci_capability_names,
		/* The VMM's cgroup: v2, and systemd's slice:prefix:name
		 * paths (made directly, not through systemd). */
		.cgroup_v2 = true,
		.cgroup_systemd = true,
		/* The guest agent's libseccomp: every action but a listener's
		 * (SCMP_ACT_NOTIFY), the architectures an x86-64 guest runs. */
		.seccomp_enabled = true,
		.seccomp_actions = &actions,
		.seccomp_operators = &oci_seccomp_operator_names,
		.seccomp_archs = &archs,
		.seccomp_known_flags = &oci_seccomp_flag_names,
		.seccomp_supported_flags = &flags,
		.annotations = {annotations, sizeof(annotations) / sizeof(annotations[0])},
		/* They pick what the host boots: a caller passing annotations
		 * through from users should filter these. */
		.unsafe_annotations = &unsafe_list,
	};
	int opt;

	if ((opt = cli_no_options(argc, argv, err)) != CLI_END)
		return cli_stop(opt);
	if (cli_expect_args(argc, argv, 0, "", err) < 0)
		return -1;
	cleanup_free char *json = oci_features_to_json(&features);
	fputs(json, stdout);
	return 0;
}
