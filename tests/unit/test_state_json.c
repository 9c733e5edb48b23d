/* The state JSON (runtime.md "State" plus runc's members), the container
 * record in state.json, and the features document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "oci-spec/features.h"
#include "oci-spec/state.h"
#include "runtime/statedir.h"

static struct oci_strmap_entry annotation = {"org.example", "v"};

static struct oci_state sample_state(void)
{
	return (struct oci_state){
		.oci_version = "1.2.0",
		.id = "c1",
		.status = "running",
		.pid = 4242,
		.bundle = "/b",
		.rootfs = "/b/rootfs",
		.created = "2026-11-26T20:45:01.123456789Z",
		.owner = "root",
		.annotations = {&annotation, 1},
	};
}

static const char *tree_string(yajl_val tree, const char *key)
{
	const char *path[] = {key, NULL};
	yajl_val v = yajl_tree_get(tree, path, yajl_t_string);
	return v != NULL ? YAJL_GET_STRING(v) : NULL;
}

static void test_state_members(void **state)
{
	struct oci_state s = sample_state();
	cleanup_free char *json = oci_state_to_json(&s, true);
	yajl_val tree = yajl_tree_parse(json, NULL, 0);
	assert_non_null(tree);
	assert_string_equal(tree_string(tree, "ociVersion"), "1.2.0");
	assert_string_equal(tree_string(tree, "id"), "c1");
	assert_string_equal(tree_string(tree, "status"), "running");
	assert_string_equal(tree_string(tree, "bundle"), "/b");
	assert_string_equal(tree_string(tree, "rootfs"), "/b/rootfs");
	assert_string_equal(tree_string(tree, "created"), "2026-11-26T20:45:01.123456789Z");
	assert_string_equal(tree_string(tree, "owner"), "root");
	const char *pid_path[] = {"pid", NULL};
	assert_int_equal(YAJL_GET_INTEGER(yajl_tree_get(tree, pid_path, yajl_t_number)), 4242);
	const char *ann_path[] = {"annotations", "org.example", NULL};
	assert_string_equal(YAJL_GET_STRING(yajl_tree_get(tree, ann_path, yajl_t_string)), "v");
	yajl_tree_free(tree);
	/* runc prints two-space indented JSON ending in a newline. */
	assert_int_equal(strncmp(json, "{\n  \"ociVersion\"", 16), 0);
	assert_int_equal(json[strlen(json) - 1], '\n');
}

static void test_state_stopped_and_created(void **state)
{
	struct oci_state s = sample_state();
	s.status = "stopped";
	s.pid = 0;
	s.created = "";
	cleanup_free char *json = oci_state_to_json(&s, false);
	/* pid 0 is written; an empty created is absent, never "". */
	assert_non_null(strstr(json, "\"pid\":0"));
	assert_null(strstr(json, "created"));
	s.created = NULL;
	cleanup_free char *again = oci_state_to_json(&s, false);
	assert_string_equal(json, again);
}

static void test_state_parse_round_trip(void **state)
{
	struct oci_state s = sample_state(), parsed;
	struct error *err = NULL;
	cleanup_free char *json = oci_state_to_json(&s, false);
	assert_int_equal(oci_state_parse(json, &parsed, &err), 0);
	assert_string_equal(parsed.id, "c1");
	assert_int_equal(parsed.pid, 4242);
	assert_string_equal(parsed.annotations.items[0].value, "v");
	cleanup_free char *again = oci_state_to_json(&parsed, false);
	assert_string_equal(json, again);
	oci_state_release(&parsed);

	assert_int_equal(oci_state_parse("{\"id\":\"x\"}", &parsed, &err), -1);
	assert_string_equal(err->msg, "ociVersion: is required");
	error_release(&err);
	assert_int_equal(oci_state_parse("{\"ociVersion\":", &parsed, &err), -1);
	assert_int_equal(strncmp(err->msg, "invalid JSON: ", 14), 0);
	error_release(&err);
}

static void test_record_round_trip(void **state)
{
	struct container_record r = {.state = sample_state(), .pid_start_time = 123456789012ull};
	struct container_record parsed;
	struct error *err = NULL;
	cleanup_free char *json = container_record_to_json(&r);
	assert_non_null(strstr(json, "\"pidStartTime\":123456789012"));
	assert_int_equal(container_record_parse(json, &parsed, &err), 0);
	assert_true(parsed.pid_start_time == 123456789012ull);
	assert_string_equal(parsed.state.status, "running");
	container_record_release(&parsed);
}

static void test_features(void **state)
{
	struct oci_features f = {
		.oci_version_min = "1.0.0",
		.oci_version_max = "1.2.0",
		.hooks = &oci_hook_names,
		.namespaces = &oci_namespace_names,
		.capabilities = &oci_capability_names,
		.cgroup_v2 = true,
		.seccomp_actions = &oci_seccomp_action_names,
	};
	cleanup_free char *json = oci_features_to_json(&f);
	yajl_val tree = yajl_tree_parse(json, NULL, 0);
	assert_non_null(tree);
	assert_string_equal(tree_string(tree, "ociVersionMin"), "1.0.0");
	assert_string_equal(tree_string(tree, "ociVersionMax"), "1.2.0");
	const char *hooks[] = {"hooks", NULL};
	assert_int_equal(YAJL_GET_ARRAY(yajl_tree_get(tree, hooks, yajl_t_array))->len, 6);
	const char *caps[] = {"linux", "capabilities", NULL};
	yajl_val cap_list = yajl_tree_get(tree, caps, yajl_t_array);
	assert_int_equal(YAJL_GET_ARRAY(cap_list)->len, 41);
	assert_string_equal(YAJL_GET_STRING(YAJL_GET_ARRAY(cap_list)->values[40]),
			    "CAP_CHECKPOINT_RESTORE");
	const char *v2[] = {"linux", "cgroup", "v2", NULL};
	assert_true(YAJL_IS_TRUE(yajl_tree_get(tree, v2, yajl_t_any)));
	const char *seccomp[] = {"linux", "seccomp", "enabled", NULL};
	assert_true(YAJL_IS_FALSE(yajl_tree_get(tree, seccomp, yajl_t_any)));
	const char *apparmor[] = {"linux", "apparmor", "enabled", NULL};
	assert_true(YAJL_IS_FALSE(yajl_tree_get(tree, apparmor, yajl_t_any)));
	/* Lists left NULL are absent, not empty. */
	const char *mount_options[] = {"mountOptions", NULL};
	assert_null(yajl_tree_get(tree, mount_options, yajl_t_any));
	yajl_tree_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_members),
		cmocka_unit_test(test_state_stopped_and_created),
		cmocka_unit_test(test_state_parse_round_trip),
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_features),
	};
	return cmocka_run_group_tests_name("state-json", tests, NULL, NULL);
}
