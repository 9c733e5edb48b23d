/* Status derivation and teardown of a container. */
#include "runtime/container.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "netns/net.h"
#include "runtime/cgroup.h"
#include "oci-spec/config.h"
#include "runtime/hooks.h"

/* How long `delete` waits for a killed VMM to go. */
#define KILL_WAIT_MS 10000

static void set_status(struct container *c, const char *status)
{
	char *copy = xstrdup(status);
	free(c->record.state.status);
	c->record.state.status = copy;
}

const char *container_refresh_status(struct container *c)
{
	struct oci_state *s = &c->record.state;
	if (s->pid <= 0 || !proc_is_same((pid_t)s->pid, c->record.pid_start_time)) {
		s->pid = 0;
		set_status(c, STATUS_STOPPED);
		return s->status;
	}
	/* `pause` stops the VMM process, and with it every vCPU. */
	char state = proc_state((pid_t)s->pid);
	if ((state == 'T' || state == 't') && strcmp(s->status, STATUS_RUNNING) == 0)
		set_status(c, STATUS_PAUSED);
	return s->status;
}

int container_kill_vmm(struct container *c, struct error **err)
{
	pid_t pid = (pid_t)c->record.state.pid;
	if (strcmp(container_refresh_status(c), STATUS_STOPPED) == 0)
		return 0;
	log_debug("container %s: SIGKILL to VMM pid %d", c->id, (int)pid);
	if (kill(pid, SIGKILL) < 0 && errno != ESRCH)
		return error_set(err, errno, "kill container %s (pid %d)", c->id, (int)pid);
	if (proc_wait_gone(pid, c->record.pid_start_time, KILL_WAIT_MS) < 0)
		return error_set_kind(err, ETIMEDOUT,
				      "container %s: pid %d still alive %d ms after SIGKILL", c->id,
				      (int)pid, KILL_WAIT_MS);
	container_refresh_status(c);
	return 0;
}

/* Once the VMM is gone: its cgroup, what a killed one could not undo in
 * the network namespace, then the poststop hooks (a failing one is a
 * warning: runtime-spec runtime.md, delete). */
static void after_vmm(struct container *c)
{
	struct oci_config config;
	struct error *err = NULL;
	cgroup_release(c->dirfd);
	if (c->record.state.bundle == NULL ||
	    oci_config_load(c->record.state.bundle, &config, &err) < 0) {
		error_release(&err);
		return;
	}
	const char *netns = oci_namespace_path(&config, "network");
	if (netns != NULL)
		net_release(netns);
	if (config.hooks != NULL &&
	    hooks_run(&config.hooks->poststop, "poststop", &c->record.state, &err) < 0)
		log_warning("%s", err->msg);
	error_release(&err);
	oci_config_release(&config);
}

int container_destroy(struct container *c, struct error **err)
{
	bool had_state = c->record.state.id != NULL;
	if (container_kill_vmm(c, err) < 0)
		return -1;
	if (had_state)
		after_vmm(c);
	return container_remove_dir(c, err);
}
