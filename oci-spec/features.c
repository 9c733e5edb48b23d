/* Writer of the features document. */
#include "oci-spec/features.h"

#include "common/json.h"

static void put_names(yajl_gen g, const char *key, const struct name_list *list)
{
	if (list != NULL)
		json_put_string_array(g, key, list->names, list->len);
}

static void put_enabled(yajl_gen g, const char *key, bool enabled)
{
	json_put_string(g, key);
	yajl_gen_map_open(g);
	json_put_key_bool(g, "enabled", enabled);
	yajl_gen_map_close(g);
}

static void put_linux(yajl_gen g, const struct oci_features *f)
{
	json_put_string(g, "linux");
	yajl_gen_map_open(g);
	put_names(g, "namespaces", f->namespaces);
	put_names(g, "capabilities", f->capabilities);

	json_put_string(g, "cgroup");
	yajl_gen_map_open(g);
	json_put_key_bool(g, "v1", f->cgroup_v1);
	json_put_key_bool(g, "v2", f->cgroup_v2);
	json_put_key_bool(g, "systemd", f->cgroup_systemd);
	json_put_key_bool(g, "systemdUser", f->cgroup_systemd_user);
	json_put_key_bool(g, "rdma", f->cgroup_rdma);
	yajl_gen_map_close(g);

	json_put_string(g, "seccomp");
	yajl_gen_map_open(g);
	json_put_key_bool(g, "enabled", f->seccomp_enabled);
	put_names(g, "actions", f->seccomp_actions);
	put_names(g, "operators", f->seccomp_operators);
	put_names(g, "archs", f->seccomp_archs);
	put_names(g, "knownFlags", f->seccomp_known_flags);
	put_names(g, "supportedFlags", f->seccomp_supported_flags);
	yajl_gen_map_close(g);

	put_enabled(g, "apparmor", f->apparmor_enabled);
	put_enabled(g, "selinux", f->selinux_enabled);
	put_enabled(g, "intelRdt", f->intel_rdt_enabled);

	json_put_string(g, "mountExtensions");
	yajl_gen_map_open(g);
	put_enabled(g, "idmap", f->idmap_mounts_enabled);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

char *oci_features_to_json(const struct oci_features *f)
{
	yajl_gen g = json_gen_new(true);

	yajl_gen_map_open(g);
	json_put_key_string(g, "ociVersionMin", f->oci_version_min);
	json_put_key_string(g, "ociVersionMax", f->oci_version_max);
	put_names(g, "hooks", f->hooks);
	put_names(g, "mountOptions", f->mount_options);
	put_linux(g, f);
	if (f->annotations.len > 0) {
		json_put_string(g, "annotations");
		yajl_gen_map_open(g);
		for (size_t i = 0; i < f->annotations.len; i++)
			json_put_key_string(g, f->annotations.items[i].key,
					    f->annotations.items[i].value);
		yajl_gen_map_close(g);
	}
	put_names(g, "potentiallyUnsafeConfigAnnotations", f->unsafe_annotations);
	yajl_gen_map_close(g);

	char *out = json_gen_take(g, true);
	yajl_gen_free(g);
	return out;
}
