/* The container's cgroup in the guest: where linux.resources.pids.limit
 * applies (a limit on the VMM's cgroup on the host would count the VMM's
 * threads, not the container's processes).  The agent mounts the guest's
 * cgroup2 hierarchy for itself, makes one cgroup for the container with
 * the pids controller, and hands its processes an fd of cgroup.procs to
 * join before they run anything. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/fs.h"

#define GUEST_CGROUP_ROOT "/run/vrun/cgroup"
#define CONTAINER_CGROUP  GUEST_CGROUP_ROOT "/container"

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int ret = fs_write_all(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

static void pids_max(int64_t limit, char *value, size_t size)
{
	if (limit > 0)
		snprintf(value, size, "%" PRId64, limit);
	else
		snprintf(value, size, "max");
}

int container_cgroup_set_pids(int64_t limit, struct agent_failure *f)
{
	char value[32];
	pids_max(limit, value, sizeof(value));
	if (write_text(CONTAINER_CGROUP "/pids.max", value) < 0) {
		failure_set(f, 1, "pids.limit %s: the container's cgroup in the guest: %s", value,
			    strerror(errno));
		return -1;
	}
	return 0;
}

int container_cgroup(const struct oci_config *c, struct agent_failure *f)
{
	const struct oci_resources *r = c->linux_ != NULL ? c->linux_->resources : NULL;
	int64_t limit = r != NULL && r->pids != NULL ? r->pids->limit : 0;
	struct stat st;
	if (stat(CONTAINER_CGROUP, &st) < 0) {
		mkdir(GUEST_CGROUP_ROOT, 0755);
		if ((mount("cgroup2", GUEST_CGROUP_ROOT, "cgroup2",
			   MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 &&
		     errno != EBUSY) ||
		    write_text(GUEST_CGROUP_ROOT "/cgroup.subtree_control", "+pids") < 0 ||
		    (mkdir(CONTAINER_CGROUP, 0755) < 0 && errno != EEXIST)) {
			if (limit > 0) {
				failure_set(f, 1, "pids.limit %" PRId64 ": the guest's cgroup: %s",
					    limit, strerror(errno));
				return -1;
			}
			report("container cgroup: %s (no pids limit needed)", strerror(errno));
			return -1;
		}
	}
	if (container_cgroup_set_pids(limit, f) < 0)
		return -1;
	int fd = open(CONTAINER_CGROUP "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		failure_set(f, 1, "the container's cgroup: %s", strerror(errno));
	return fd;
}
