/* The microVM's shape from config.json: memory from the memory limit,
 * vCPUs from the CPU quota or cpuset, annotations over both, and the
 * errors for what cannot be a VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/vm_shape.h"

#define MIB (1ull << 20)

/* shape_of(JSON_EXTRA, HOST_CPUS, &shape): 0, or -1 with the message in msg. */
static char msg[512];
static struct oci_config config;

static int shape_of(const char *extra, unsigned host_cpus, struct vm_shape *shape)
{
	char text[2048];
	struct error *err = NULL;
	snprintf(text, sizeof(text),
		 "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		 "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]}%s%s}",
		 extra[0] ? "," : "", extra);
	oci_config_release(&config);
	if (oci_config_parse(text, strlen(text), "config.json", &config, &err) < 0) {
		fail_msg("config does not parse: %s", err->msg);
	}
	msg[0] = '\0';
	int ret = vm_shape_from_config(&config, host_cpus, shape, &err);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		error_release(&err);
	}
	return ret;
}

static int teardown(void **state)
{
	oci_config_release(&config);
	memset(&config, 0, sizeof(config));
	return 0;
}

static void test_defaults(void **state)
{
	struct vm_shape s;
	assert_int_equal(shape_of("", 8, &s), 0);
	assert_int_equal(s.memory, 256 * MIB);
	assert_int_equal(s.vcpus, 1);
	assert_null(s.kernel);
	assert_null(s.cmdline_extra);
	/* -1 is "no limit"; a quota of -1 is none. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":-1},"
				  "\"cpu\":{\"quota\":-1,\"period\":100000}}}",
				  8, &s),
			 0);
	assert_int_equal(s.memory, 256 * MIB);
	assert_int_equal(s.vcpus, 1);
}

static void test_memory_limit(void **state)
{
	struct vm_shape s;
	/* 512 MiB for the whole VM: 496 MiB for the guest. */
	assert_int_equal(
		shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":536870912}}}", 1, &s), 0);
	assert_int_equal(s.memory, 512 * MIB - VM_SHAPE_OVERHEAD);
	/* Rounded down to 2 MiB. */
	assert_int_equal(
		shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":209715201}}}", 1, &s), 0);
	assert_int_equal(s.memory, 184 * MIB);
	/* The smallest: 80 MiB gives a 64 MiB guest; less is refused. */
	assert_int_equal(
		shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":83886080}}}", 1, &s), 0);
	assert_int_equal(s.memory, 64 * MIB);
	assert_int_equal(
		shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":33554432}}}", 1, &s), -1);
	assert_string_equal(msg,
			    "linux.resources.memory.limit: 33554432 bytes is too small for a "
			    "microVM: at least 80 MiB (a 64 MiB guest and 16 MiB for the VMM)");
	/* Beyond the largest guest: the largest. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"memory\":{\"limit\":"
				  "1099511627776}}}",
				  1, &s),
			 0);
	assert_int_equal(s.memory, 64ull << 30);
}

static void test_cpus(void **state)
{
	struct vm_shape s;
	/* 1.5 CPUs of quota: 2 vCPUs. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"cpu\":{\"quota\":150000,"
				  "\"period\":100000}}}",
				  8, &s),
			 0);
	assert_int_equal(s.vcpus, 2);
	/* No period: 100 ms. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"cpu\":{\"quota\":300000}}}", 8, &s),
			 0);
	assert_int_equal(s.vcpus, 3);
	/* A cpuset of 3, with a larger quota: the smaller. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-1,4\","
				  "\"quota\":800000,\"period\":100000}}}",
				  8, &s),
			 0);
	assert_int_equal(s.vcpus, 3);
	/* Never more than the host has. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"0-15\"}}}", 2, &s),
			 0);
	assert_int_equal(s.vcpus, 2);
	/* Shares alone say nothing about the count. */
	assert_int_equal(shape_of("\"linux\":{\"resources\":{\"cpu\":{\"shares\":2048}}}", 8, &s),
			 0);
	assert_int_equal(s.vcpus, 1);
	const char *bad[] = {"3-1", "a", "1,", "1-", "-1", "1,,2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char extra[128];
		snprintf(extra, sizeof(extra),
			 "\"linux\":{\"resources\":{\"cpu\":{\"cpus\":\"%s\"}}}", bad[i]);
		assert_int_equal(shape_of(extra, 8, &s), -1);
		char want[128];
		snprintf(want, sizeof(want), "linux.resources.cpu.cpus: '%s' is not a CPU list",
			 bad[i]);
		assert_string_equal(msg, want);
	}
}

static void test_annotations(void **state)
{
	struct vm_shape s;
	assert_int_equal(shape_of("\"annotations\":{\"io.vrun.memory_mib\":\"1024\","
				  "\"io.vrun.vcpus\":\"4\",\"io.vrun.kernel\":\"/k/vmlinuz\","
				  "\"io.vrun.kernel_cmdline\":\"loglevel=7 foo=bar\"},"
				  "\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728},"
				  "\"cpu\":{\"quota\":100000}}}",
				  2, &s),
			 0);
	assert_int_equal(s.memory, 1024 * MIB); /* over the limit's 112 MiB */
	assert_int_equal(s.vcpus, 4);		/* an explicit count may exceed the host's */
	assert_string_equal(s.kernel, "/k/vmlinuz");
	assert_string_equal(s.cmdline_extra, "loglevel=7 foo=bar");
	assert_false(s.dax);
	assert_int_equal(shape_of("\"annotations\":{\"io.vrun.virtiofs_dax\":\"true\"}", 2, &s), 0);
	assert_true(s.dax);
	assert_int_equal(shape_of("\"annotations\":{\"io.vrun.virtiofs_dax\":\"false\"}", 2, &s),
			 0);
	assert_false(s.dax);

	struct {
		const char *annotations, *error;
	} bad[] = {
		{"\"io.vrun.memory_mib\":\"32\"",
		 "annotation io.vrun.memory_mib: '32' is not a number from 64 to 65536"},
		{"\"io.vrun.memory_mib\":\"12x\"",
		 "annotation io.vrun.memory_mib: '12x' is not a number from 64 to 65536"},
		{"\"io.vrun.vcpus\":\"0\"", "annotation io.vrun.vcpus: '0' is not a number from 1 "
					    "to 32"},
		{"\"io.vrun.vcpus\":\"-2\"",
		 "annotation io.vrun.vcpus: '-2' is not a number from 1 "
		 "to 32"},
		{"\"io.vrun.kernel\":\"vmlinuz\"",
		 "annotation io.vrun.kernel: 'vmlinuz' is not an absolute path"},
		{"\"io.vrun.kernel_cmdline\":\"a\\nb\"",
		 "annotation io.vrun.kernel_cmdline: byte 1 is not printable"},
		{"\"io.vrun.virtiofs_dax\":\"yes\"",
		 "annotation io.vrun.virtiofs_dax: 'yes' is not true or false"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char extra[256];
		snprintf(extra, sizeof(extra), "\"annotations\":{%s}", bad[i].annotations);
		assert_int_equal(shape_of(extra, 8, &s), -1);
		assert_string_equal(msg, bad[i].error);
	}
}

/* The shape kept in the state directory for update: read back as
 * written; anything else is refused. */
static void test_recorded(void **state)
{
	char dir[] = "/tmp/vrun-shape-XXXXXX";
	assert_non_null(mkdtemp(dir));
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	struct error *err = NULL;
	struct vm_shape s = {.memory = 368 * MIB, .vcpus = 2}, back;
	assert_int_equal(vm_shape_recorded(dirfd, &back, &err), -1); /* none yet */
	error_release(&err);
	assert_int_equal(vm_shape_record(dirfd, &s, &err), 0);
	assert_int_equal(vm_shape_recorded(dirfd, &back, &err), 0);
	assert_int_equal(back.memory, 368 * MIB);
	assert_int_equal(back.vcpus, 2);
	static const char *const bad[] = {"",	   "385875968\n", "385875968 2",
					  "0 2\n", "x 2\n",	  "385875968 0\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = openat(dirfd, VM_SHAPE_FILE, O_WRONLY | O_TRUNC | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
		close(fd);
		assert_int_equal(vm_shape_recorded(dirfd, &back, &err), -1);
		assert_string_equal(err->msg, "shape: not a recorded VM shape");
		error_release(&err);
	}
	unlinkat(dirfd, VM_SHAPE_FILE, 0);
	close(dirfd);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_memory_limit, teardown),
		cmocka_unit_test_teardown(test_cpus, teardown),
		cmocka_unit_test_teardown(test_annotations, teardown),
		cmocka_unit_test(test_recorded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
