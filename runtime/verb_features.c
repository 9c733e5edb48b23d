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
		{"io.vrun.vm.annotations", ANNOTATION_KERNEL
		 "," ANNOTATION_CMDLINE "," ANNOTATION_MEMORY_MIB "," ANNOTATION_VCPUS},
	};
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
		 * paths (made directly, not through systemd).  seccomp
		 * (issue: security) is not implemented yet. */
		.cgroup_v2 = true,
		.cgroup_systemd = true,
		.seccomp_enabled = false,
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
