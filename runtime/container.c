/* Status derivation and teardown of a container. */
#include "runtime/container.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/proc.h"
#include "common/xalloc.h"

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
	}
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

int container_destroy(struct container *c, struct error **err)
{
	if (container_kill_vmm(c, err) < 0)
		return -1;
	return container_remove_dir(c, err);
}
