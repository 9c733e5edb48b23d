/* `vrun update --resources FILE|- ID` (also --resources=FILE): new limits
 * for a created, running or paused container.  What the host enforces on
 * the VMM's cgroup changes at once (memory.max, swap, cpu.max, cpu.weight,
 * cpuset); the VM's shape does not: its memory and vCPUs are fixed when it
 * boots, so a memory limit below what the guest was given is refused.
 * pids.limit applies in the guest: the agent sets its cgroup's pids.max.
 * Limits vrun applies nowhere yet (block IO, hugepages, network, RDMA,
 * devices, unified) are refused by name rather than ignored. */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "agent/protocol.h"
#include "common/cleanup.h"
#include "common/fs.h"
#include "runtime/cgroup.h"
#include "runtime/agent_client.h"
#include "runtime/cli.h"
#include "runtime/container.h"
#include "runtime/vm_shape.h"

#define RESOURCES_MAX (1u << 20)

/* The first member of `r` that update cannot apply, or NULL. */
static const char *unsupported(const struct oci_resources *r)
{
	if (r->block_io != NULL)
		return "blockIO";
	if (r->hugepage_limits.len > 0)
		return "hugepageLimits";
	if (r->network != NULL)
		return "network";
	if (r->rdma.len > 0)
		return "rdma";
	if (r->devices.len > 0)
		return "devices";
	if (r->unified.len > 0)
		return "unified";
	return NULL;
}

/* Whether `r` has limits for the VMM's cgroup on the host. */
static bool host_limits(const struct oci_resources *r)
{
	return r->memory != NULL || r->cpu != NULL;
}

/* pids.limit, in the guest. */
static int update_guest(struct vrun_context *ctx, const struct container *c,
			const struct oci_resources *r, struct error **err)
{
	if (r->pids == NULL)
		return 0;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", ctx->root, c->id);
	struct agent_update u = {r->pids->limit};
	cleanup_close int fd = agent_connect(dir, err);
	if (fd < 0 || agent_request(fd, AGENT_UPDATE, &u, sizeof(u), NULL, err) < 0)
		return error_wrap(err, "update %s", c->id);
	return 0;
}

/* A memory limit the running guest fits in: its memory is fixed. */
static int check_memory(const struct container *c, const struct oci_resources *r,
			struct error **err)
{
	if (r->memory == NULL || !r->memory->limit.set || r->memory->limit.value <= 0)
		return 0;
	struct vm_shape shape;
	if (vm_shape_recorded(c->dirfd, &shape, err) < 0)
		return error_wrap(err, "update %s", c->id);
	uint64_t need = shape.memory + VM_SHAPE_OVERHEAD;
	if ((uint64_t)r->memory->limit.value < need)
		return error_set_kind(
			err, EINVAL,
			"update %s: memory.limit %lld is below what the running VM "
			"needs (%llu MiB: a %llu MiB guest and %llu MiB for the VMM); "
			"a VM's memory is fixed when it boots",
			c->id, (long long)r->memory->limit.value, (unsigned long long)(need >> 20),
			(unsigned long long)(shape.memory >> 20),
			(unsigned long long)(VM_SHAPE_OVERHEAD >> 20));
	return 0;
}

int cmd_update(struct vrun_context *ctx, int argc, char **argv, struct error **err)
{
	static const struct option options[] = {
		{"resources", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *file = NULL;
	int opt;
	while ((opt = cli_next_option(argc, argv, "+r:h", options, err)) != CLI_END) {
		if (opt == CLI_ERROR || opt == CLI_HELP)
			return cli_stop(opt);
		file = optarg;
	}
	if (cli_expect_args(argc, argv, 1, "container id", err) < 0)
		return -1;
	if (file == NULL)
		return error_set(err, 0,
				 "update: expected --resources FILE (or - for stdin): vrun "
				 "takes the limits as runtime-spec LinuxResources JSON");
	const char *id = argv[optind];

	cleanup_free char *text = NULL;
	size_t len;
	bool from_stdin = strcmp(file, "-") == 0;
	if ((from_stdin
		     ? fs_read_fd(STDIN_FILENO, "stdin", RESOURCES_MAX, &text, &len, err)
		     : fs_read_file_at(AT_FDCWD, file, file, RESOURCES_MAX, &text, &len, err)) < 0)
		return error_wrap(err, "update %s", id);
	struct oci_resources r;
	if (oci_resources_parse(text, len, from_stdin ? "resources from stdin" : file, &r, err) < 0)
		return error_wrap(err, "update %s", id);

	struct container c;
	int ret = -1;
	const char *what = unsupported(&r);
	if (what != NULL) {
		error_set_kind(err, EINVAL,
			       "update %s: %s: vrun cannot change it on a running VM (it changes "
			       "memory, cpu, cpuset and pids limits)",
			       id, what);
	} else if (container_open(ctx->root, id, true, &c, err) == 0) {
		const char *status = container_refresh_status(&c);
		if (strcmp(status, STATUS_STOPPED) == 0)
			error_set_kind(err, EINVAL, "update %s: container not running", id);
		else if (check_memory(&c, &r, err) == 0 &&
			 (!host_limits(&r) || cgroup_update(c.dirfd, c.id, &r, err) == 0) &&
			 update_guest(ctx, &c, &r, err) == 0)
			ret = 0;
		container_close(&c);
	} else {
		container_close(&c);
	}
	oci_resources_release(&r);
	return ret;
}
