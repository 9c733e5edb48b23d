/* config.json: every field of the full fixture parsed into the structs,
 * the writer's output parsed back to the same text, and malformed configs
 * each failing with its own message naming the JSON path. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/fs.h"
#include "oci-spec/config.h"

static void load_full(struct oci_config *c)
{
	struct error *err = NULL;
	if (oci_config_load("tests/data/fixture-bundle", c, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_full_top_level(void **state)
{
	struct oci_config c;
	load_full(&c);
	assert_string_equal(c.oci_version, "1.2.0");
	assert_string_equal(c.root->path, "rootfs");
	assert_true(c.root->readonly);
	assert_string_equal(c.hostname, "box");
	assert_string_equal(c.domainname, "example.org");
	assert_int_equal(c.annotations.len, 2);
	assert_string_equal(oci_strmap_get(&c.annotations, "org.example.key"), "value");
	assert_string_equal(oci_strmap_get(&c.annotations, "io.vrun.vcpus"), "2");
	assert_null(oci_strmap_get(&c.annotations, "missing"));
	assert_int_equal(c.mounts.len, 2);
	assert_string_equal(c.mounts.items[0].destination, "/proc");
	assert_null(c.mounts.items[0].options.items);
	const struct oci_mount *m = &c.mounts.items[1];
	assert_string_equal(m->type, "bind");
	assert_string_equal(m->source, "/srv/data");
	assert_int_equal(m->options.len, 2);
	assert_string_equal(m->options.items[1], "ro");
	assert_null(m->options.items[2]);
	assert_int_equal(m->uid_mappings.items[0].host_id, 100000);
	assert_int_equal(m->uid_mappings.items[0].size, 65536);
	assert_int_equal(m->gid_mappings.items[0].host_id, 200000);
	oci_config_release(&c);
}

static void test_full_process(void **state)
{
	struct oci_config c;
	load_full(&c);
	const struct oci_process *p = c.process;
	assert_true(p->terminal);
	assert_int_equal(p->console_size->height, 25);
	assert_int_equal(p->console_size->width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 1001);
	assert_true(p->user.umask.set);
	assert_int_equal(p->user.umask.value, 18);
	assert_int_equal(p->user.additional_gids.len, 2);
	assert_int_equal(p->user.additional_gids.items[1], UINT32_MAX);
	assert_int_equal(p->args.len, 3);
	assert_string_equal(p->args.items[2], "echo hi");
	assert_string_equal(p->env.items[1], "TERM=xterm");
	assert_string_equal(p->cwd, "/home/user");
	assert_int_equal(p->capabilities->bounding.len, 2);
	assert_string_equal(p->capabilities->effective.items[0], "CAP_KILL");
	assert_string_equal(p->capabilities->inheritable.items[0], "CAP_NET_RAW");
	assert_int_equal(p->capabilities->permitted.len, 2);
	assert_string_equal(p->capabilities->ambient.items[0], "CAP_SYS_ADMIN");
	assert_int_equal(p->rlimits.len, 2);
	assert_int_equal(p->rlimits.items[0].soft, 1024);
	assert_int_equal(p->rlimits.items[0].hard, 4096);
	assert_true(p->rlimits.items[1].hard == UINT64_MAX);
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "docker-default");
	assert_true(p->oom_score_adj.set);
	assert_int_equal(p->oom_score_adj.value, -500);
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	assert_string_equal(p->scheduler->policy, "SCHED_FIFO");
	assert_int_equal(p->scheduler->nice, -5);
	assert_int_equal(p->scheduler->period, 3);
	assert_string_equal(p->io_priority->class_name, "IOPRIO_CLASS_BE");
	assert_int_equal(p->io_priority->priority, 4);
	assert_string_equal(p->exec_cpu_affinity->final, "0-1");
	oci_config_release(&c);
}

static void test_full_hooks(void **state)
{
	struct oci_config c;
	load_full(&c);
	const struct oci_hooks *h = c.hooks;
	assert_int_equal(h->prestart.len, 1);
	assert_string_equal(h->prestart.items[0].path, "/usr/bin/pre");
	assert_string_equal(h->prestart.items[0].args.items[1], "1");
	assert_string_equal(h->prestart.items[0].env.items[0], "A=1");
	assert_int_equal(h->prestart.items[0].timeout.value, 5);
	assert_string_equal(h->create_runtime.items[0].path, "/usr/bin/cr");
	assert_string_equal(h->create_container.items[0].path, "/usr/bin/cc");
	assert_string_equal(h->start_container.items[0].path, "/usr/bin/sc");
	assert_int_equal(h->poststart.len, 2);
	assert_false(h->poststart.items[1].timeout.set);
	assert_string_equal(h->poststop.items[0].path, "/usr/bin/stop");
	oci_config_release(&c);
}

static void test_full_linux(void **state)
{
	struct oci_config c;
	load_full(&c);
	const struct oci_linux *l = c.linux_;
	assert_int_equal(l->namespaces.len, 8);
	assert_string_equal(l->namespaces.items[1].type, "network");
	assert_string_equal(l->namespaces.items[1].path, "/var/run/netns/cni-1");
	assert_null(l->namespaces.items[0].path);
	assert_int_equal(l->uid_mappings.items[0].host_id, 1000);
	assert_int_equal(l->gid_mappings.len, 1);
	assert_int_equal(l->time_offsets.len, 2);
	assert_string_equal(l->time_offsets.items[0].clock, "monotonic");
	assert_int_equal(l->time_offsets.items[0].secs, -10);
	assert_int_equal(l->time_offsets.items[0].nanosecs, 500);
	assert_int_equal(l->devices.len, 2);
	assert_int_equal(l->devices.items[0].major, 10);
	assert_int_equal(l->devices.items[0].minor, 229);
	assert_int_equal(l->devices.items[0].file_mode.value, 0666);
	assert_true(l->devices.items[0].uid.set);
	assert_false(l->devices.items[1].file_mode.set);
	assert_string_equal(l->cgroups_path, "/vrun/box");
	assert_string_equal(l->rootfs_propagation, "rslave");
	assert_string_equal(oci_strmap_get(&l->sysctl, "kernel.shmmax"), "4096");
	assert_string_equal(l->masked_paths.items[1], "/sys/firmware");
	assert_string_equal(l->readonly_paths.items[0], "/proc/sys");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	assert_string_equal(l->intel_rdt->clos_id, "guaranteed");
	assert_true(l->intel_rdt->enable_mbm);
	assert_string_equal(l->personality->domain, "LINUX32");
	assert_int_equal(l->personality->flags.len, 0);
	oci_config_release(&c);
}

static void test_full_resources(void **state)
{
	struct oci_config c;
	load_full(&c);
	const struct oci_resources *r = c.linux_->resources;
	assert_int_equal(r->devices.len, 2);
	assert_false(r->devices.items[0].allow);
	assert_false(r->devices.items[0].major.set);
	assert_true(r->devices.items[1].allow);
	assert_int_equal(r->devices.items[1].minor.value, 229);
	assert_string_equal(r->devices.items[1].access, "rw");
	assert_int_equal(r->memory->limit.value, 536870912);
	assert_int_equal(r->memory->swap.value, -1);
	assert_int_equal(r->memory->swappiness.value, 60);
	assert_true(r->memory->disable_oom_killer);
	assert_true(r->memory->check_before_update);
	assert_int_equal(r->cpu->shares.value, 1024);
	assert_int_equal(r->cpu->quota.value, 200000);
	assert_int_equal(r->cpu->burst.value, 1000);
	assert_int_equal(r->cpu->period.value, 100000);
	assert_int_equal(r->cpu->realtime_runtime.value, 950000);
	assert_string_equal(r->cpu->cpus, "0-1");
	assert_int_equal(r->cpu->idle.value, 1);
	assert_int_equal(r->block_io->weight.value, 500);
	assert_int_equal(r->block_io->weight_device.items[0].leaf_weight.value, 200);
	assert_int_equal(r->block_io->throttle_read_bps_device.items[0].rate, 1048576);
	assert_int_equal(r->block_io->throttle_write_bps_device.items[0].rate, 2097152);
	assert_int_equal(r->block_io->throttle_read_iops_device.items[0].rate, 100);
	assert_int_equal(r->block_io->throttle_write_iops_device.items[0].rate, 200);
	assert_string_equal(r->hugepage_limits.items[0].page_size, "2MB");
	assert_int_equal(r->network->class_id.value, 1048577);
	assert_string_equal(r->network->priorities.items[0].name, "eth0");
	assert_int_equal(r->pids->limit, 32768);
	assert_string_equal(r->rdma.items[0].device, "mlx5_1");
	assert_int_equal(r->rdma.items[0].hca_objects.value, 10000);
	assert_string_equal(oci_strmap_get(&r->unified, "io.weight"), "default 100");
	oci_config_release(&c);
}

static void test_full_seccomp(void **state)
{
	struct oci_config c;
	load_full(&c);
	const struct oci_seccomp *s = c.linux_->seccomp;
	assert_string_equal(s->default_action, "SCMP_ACT_ERRNO");
	assert_int_equal(s->default_errno_ret.value, 1);
	assert_string_equal(s->architectures.items[1], "SCMP_ARCH_X86");
	assert_string_equal(s->flags.items[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(s->listener_path, "/run/seccomp.sock");
	assert_string_equal(s->listener_metadata, "meta");
	assert_int_equal(s->syscalls.len, 2);
	assert_string_equal(s->syscalls.items[0].names.items[1], "write");
	assert_false(s->syscalls.items[0].errno_ret.set);
	assert_int_equal(s->syscalls.items[1].errno_ret.value, 38);
	assert_int_equal(s->syscalls.items[1].args.items[0].value, 8);
	assert_string_equal(s->syscalls.items[1].args.items[0].op, "SCMP_CMP_EQ");
	oci_config_release(&c);
}

/* Writing the parsed config and parsing that again gives the same text. */
static void test_round_trip(void **state)
{
	struct oci_config c, again;
	struct error *err = NULL;
	load_full(&c);
	cleanup_free char *first = oci_config_to_json(&c);
	if (oci_config_parse(first, strlen(first), "written", &again, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *second = oci_config_to_json(&again);
	assert_string_equal(first, second);
	/* Members that are false or unset stay out; required false stays in. */
	assert_non_null(strstr(first, "\"allow\": false"));
	assert_null(strstr(first, "unknownTopLevel"));
	oci_config_release(&c);
	oci_config_release(&again);
}

#define MINIMAL		"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}"
#define WITH_PROCESS(p) MINIMAL ",\"process\":{" p "}}"
#define WITH(extra)	MINIMAL ",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]}," extra "}"

static void test_minimal_and_nulls(void **state)
{
	static const char text[] = WITH("\"hostname\":null,\"linux\":{\"resources\":null},"
					"\"unknown\":{\"deep\":[null]}");
	struct oci_config c;
	struct error *err = NULL;
	if (oci_config_parse(text, strlen(text), "config.json", &c, &err) < 0)
		fail_msg("%s", err->msg);
	assert_null(c.hostname);
	assert_non_null(c.linux_);
	assert_null(c.linux_->resources);
	assert_null(c.hooks);
	assert_false(c.process->user.umask.set);
	oci_config_release(&c);
}

struct bad_config {
	const char *json;
	const char *error; /* the whole message; "...*" matches a prefix */
};

static const struct bad_config bad_configs[] = {
	{"", "config.json: invalid JSON*"},
	{"{", "config.json: invalid JSON*"},
	{MINIMAL ",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]}} trailing",
	 "config.json: invalid JSON*"},
	{"[]", "config.json: must be a JSON object"},
	{"{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: is required"},
	{"{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}",
	 "config.json: ociVersion: must be a string"},
	{"{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}",
	 "config.json: ociVersion: unsupported version \"2.0.0\" (vrun reads 1.0.0 to 1.2.x)"},
	{"{\"ociVersion\":\"banana\",\"root\":{\"path\":\"r\"}}",
	 "config.json: ociVersion: \"banana\" is not a version (MAJOR.MINOR.PATCH)"},
	{"{\"ociVersion\":\"1.0.0\"}", "config.json: root: is required"},
	{"{\"ociVersion\":\"1.0.0\",\"root\":{}}", "config.json: root.path: is required"},
	{"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"\"}}",
	 "config.json: root.path: must not be empty"},
	{"{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\",\"readonly\":\"yes\"}}",
	 "config.json: root.readonly: must be a boolean"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[]"),
	 "config.json: process.args: must be a non-empty array of strings"},
	{WITH_PROCESS("\"cwd\":\"/\""),
	 "config.json: process.args: must be a non-empty array of strings"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"a\",1]"),
	 "config.json: process.args: must be an array of strings"},
	{WITH_PROCESS("\"args\":[\"sh\"]"), "config.json: process.cwd: is required"},
	{WITH_PROCESS("\"cwd\":\"home\",\"args\":[\"sh\"]"),
	 "config.json: process.cwd: must be an absolute path"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"terminal\":\"true\""),
	 "config.json: process.terminal: must be a boolean"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":-1}"),
	 "config.json: process.user.uid: must be an integer between 0 and 4294967295"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":4294967296}"),
	 "config.json: process.user.uid: must be an integer between 0 and 4294967295"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"gid\":1.5}"),
	 "config.json: process.user.gid: must be an integer between 0 and 4294967295"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"additionalGids\":[\"5\"]}"),
	 "config.json: process.user.additionalGids: must be an array of integers between 0 and "
	 "4294967295"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"env\":[\"NOEQUALS\"]"),
	 "config.json: process.env[0]: must be NAME=VALUE"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"capabilities\":{\"ambient\":[\"CAP_KILL\","
		      "\"CAP_BOGUS\"]}"),
	 "config.json: process.capabilities.ambient[1]: unknown capability \"CAP_BOGUS\""},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_FOO\","
		      "\"soft\":1,\"hard\":1}]"),
	 "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\""},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		      "\"soft\":10,\"hard\":5}]"),
	 "config.json: process.rlimits[0]: soft limit is above hard limit"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		      "\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}]"),
	 "config.json: process.rlimits[1].type: RLIMIT_NOFILE appears twice"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		      "\"soft\":1}]"),
	 "config.json: process.rlimits[0].hard: is required"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		      "\"soft\":\"1024\",\"hard\":1}]"),
	 "config.json: process.rlimits[0].soft: must be an integer between 0 and "
	 "18446744073709551615"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"oomScoreAdj\":1001"),
	 "config.json: process.oomScoreAdj: must be an integer between -1000 and 1000"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"consoleSize\":{\"height\":1}"),
	 "config.json: process.consoleSize.width: is required"},
	{WITH_PROCESS("\"cwd\":\"/\",\"args\":[\"sh\"],\"scheduler\":{\"policy\":\"SCHED_FAST\"}"),
	 "config.json: process.scheduler.policy: unknown policy \"SCHED_FAST\""},
	{WITH("\"mounts\":{}"), "config.json: mounts: must be an array of objects"},
	{WITH("\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]"),
	 "config.json: mounts[1].destination: is required"},
	{WITH("\"mounts\":[{\"destination\":\"/a\",\"options\":\"ro\"}]"),
	 "config.json: mounts[0].options: must be an array of strings"},
	{WITH("\"mounts\":[\"/a\"]"), "config.json: mounts[0]: must be an object"},
	{WITH("\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}"),
	 "config.json: hooks.prestart[0].path: must be an absolute path"},
	{WITH("\"hooks\":{\"poststop\":[{\"path\":\"/h\",\"timeout\":0}]}"),
	 "config.json: hooks.poststop[0].timeout: must be an integer between 1 and 2147483647"},
	{WITH("\"annotations\":{\"a\":1}"), "config.json: annotations.a: must be a string"},
	{WITH("\"linux\":[]"), "config.json: linux: must be an object"},
	{WITH("\"linux\":{\"namespaces\":[{\"type\":\"bogus\"}]}"),
	 "config.json: linux.namespaces[0].type: unknown namespace type \"bogus\""},
	{WITH("\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
	 "config.json: linux.namespaces[1].type: \"pid\" appears twice"},
	{WITH("\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]}"),
	 "config.json: linux.namespaces[0].path: must be an absolute path"},
	{WITH("\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":0}]}"),
	 "config.json: linux.uidMappings[0].size: is required"},
	{WITH("\"linux\":{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}"),
	 "config.json: linux.devices[0].type: must be \"c\", \"b\", \"u\" or \"p\""},
	{WITH("\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}"),
	 "config.json: linux.resources.memory.limit: must be an integer between "
	 "-9223372036854775808 and 9223372036854775807"},
	{WITH("\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}"),
	 "config.json: linux.resources.devices[0].allow: is required"},
	{WITH("\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}"),
	 "config.json: linux.resources.devices[0].access: must be letters of \"rwm\""},
	{WITH("\"linux\":{\"seccomp\":{\"syscalls\":[]}}"),
	 "config.json: linux.seccomp.defaultAction: is required"},
	{WITH("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_BOGUS\"}}"),
	 "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_BOGUS\""},
	{WITH("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
	      "[\"SCMP_ARCH_Z80\"]}}"),
	 "config.json: linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
	{WITH("\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
	      "\"names\":"
	      "[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
	      "\"EQ\"}]}]}}"),
	 "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"EQ\""},
	{WITH("\"linux\":{\"rootfsPropagation\":\"sideways\"}"),
	 "config.json: linux.rootfsPropagation: unknown propagation \"sideways\""},
	{WITH("\"linux\":{\"maskedPaths\":[\"proc\"]}"),
	 "config.json: linux.maskedPaths[0]: must be an absolute path"},
	{WITH("\"linux\":{\"sysctl\":{\"net.x\":true}}"),
	 "config.json: linux.sysctl.net.x: must be a string"},
	{WITH("\"linux\":{\"personality\":{\"domain\":\"BSD\"}}"),
	 "config.json: linux.personality.domain: must be \"LINUX\" or \"LINUX32\""},
	{WITH("\"linux\":{\"timeOffsets\":{\"realtime\":{\"secs\":1}}}"),
	 "config.json: linux.timeOffsets.realtime: unknown clock (monotonic or boottime)"},
};

/* One test per malformed config, named after the error it expects. */
static void test_bad_config(void **state)
{
	const struct bad_config *b = *state;
	struct oci_config c;
	struct error *err = NULL;
	if (oci_config_parse(b->json, strlen(b->json), "config.json", &c, &err) == 0) {
		oci_config_release(&c);
		fail_msg("parsed, expected: %s", b->error);
	}
	size_t len = strlen(b->error);
	bool prefix = b->error[len - 1] == '*';
	bool match = prefix ? strncmp(err->msg, b->error, len - 1) == 0
			    : strcmp(err->msg, b->error) == 0;
	if (!match)
		fail_msg("got \"%s\", expected \"%s\"", err->msg, b->error);
	error_release(&err);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "{\"ociVersion\":\"1.0.0\"\0}";
	struct oci_config c;
	struct error *err = NULL;
	assert_int_equal(oci_config_parse(text, sizeof(text) - 1, "config.json", &c, &err), -1);
	assert_string_equal(err->msg, "config.json: invalid JSON: contains a NUL byte");
	error_release(&err);
}

/* Deep nesting is refused before yajl recurses through it. */
static void test_deep_nesting(void **state)
{
	enum { DEPTH = 1000000 };
	static const char head[] = "{\"ociVersion\":\"1.0.0\",\"x\":\"[{\\\"\",\"y\":";
	size_t len = strlen(head) + 2 * DEPTH + 1;
	char *text = malloc(len + 1);
	struct oci_config c;
	struct error *err = NULL;

	assert_non_null(text);
	strcpy(text, head);
	memset(text + strlen(head), '[', DEPTH);
	memset(text + strlen(head) + DEPTH, ']', DEPTH);
	strcpy(text + len - 1, "}");
	assert_int_equal(oci_config_parse(text, len, "config.json", &c, &err), -1);
	assert_string_equal(err->msg, "config.json: invalid JSON: nested deeper than 64 levels");
	error_release(&err);

	/* Brackets inside strings do not count; 63 levels parse. */
	size_t ok_len = strlen(head) + 2 * 62 + 1;
	strcpy(text, head);
	memset(text + strlen(head), '[', 62);
	memset(text + strlen(head) + 62, ']', 62);
	strcpy(text + ok_len - 1, "}");
	assert_int_equal(oci_config_parse(text, ok_len, "config.json", &c, &err), -1);
	assert_string_equal(err->msg, "config.json: root: is required");
	error_release(&err);
	free(text);
}

static void test_too_large(void **state)
{
	char dir[] = "/tmp/vrun-test-XXXXXX";
	char path[64];
	struct oci_config c;
	struct error *err = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	/* A sparse file one byte over the limit: refused before it is read. */
	assert_int_equal(ftruncate(fd, OCI_CONFIG_MAX_SIZE + 1), 0);
	close(fd);
	assert_int_equal(oci_config_load(dir, &c, &err), -1);
	char expected[128];
	snprintf(expected, sizeof(expected), "%s: larger than 16 MiB", path);
	assert_string_equal(err->msg, expected);
	assert_int_equal(err->errnum, EFBIG);
	error_release(&err);
	unlink(path);
	rmdir(dir);
}

static void test_unreadable_bundle(void **state)
{
	struct oci_config c;
	struct error *err = NULL;
	assert_int_equal(oci_config_load("/nonexistent/bundle", &c, &err), -1);
	assert_string_equal(err->msg,
			    "open `/nonexistent/bundle/config.json`: No such file or directory");
	error_release(&err);

	char dir[] = "/tmp/vrun-test-XXXXXX";
	char path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(oci_config_load(dir, &c, &err), -1);
	assert_non_null(strstr(err->msg, "Is a directory"));
	error_release(&err);
	rmdir(path);
	rmdir(dir);
}

#define BAD_COUNT (sizeof(bad_configs) / sizeof(bad_configs[0]))

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_full_top_level), cmocka_unit_test(test_full_process),
		cmocka_unit_test(test_full_hooks),     cmocka_unit_test(test_full_linux),
		cmocka_unit_test(test_full_resources), cmocka_unit_test(test_full_seccomp),
		cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_minimal_and_nulls),
		cmocka_unit_test(test_nul_byte),       cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_too_large),      cmocka_unit_test(test_unreadable_bundle),
	};
	enum { FIXED = sizeof(fixed) / sizeof(fixed[0]) };
	static struct CMUnitTest tests[FIXED + BAD_COUNT];
	static char names[BAD_COUNT][96];

	_Static_assert(BAD_COUNT >= 30, "at least 30 malformed configs");
	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < BAD_COUNT; i++) {
		snprintf(names[i], sizeof(names[i]), "bad config %02zu: %.70s", i,
			 bad_configs[i].error + strlen("config.json: "));
		tests[FIXED + i] = (struct CMUnitTest){names[i], test_bad_config, NULL, NULL,
						       (void *)&bad_configs[i]};
	}
	return _cmocka_run_group_tests("config", tests, FIXED + BAD_COUNT, NULL, NULL);
}
