/* Container lifecycle facts derived from the record and the live process:
 * the status callers see, and stopping a container's VMM. */
#ifndef VRUN_RUNTIME_CONTAINER_H
#define VRUN_RUNTIME_CONTAINER_H

#include "runtime/statedir.h"

#define STATUS_CREATED "created"
#define STATUS_RUNNING "running"
#define STATUS_PAUSED  "paused"
#define STATUS_STOPPED "stopped"

/* Brings c->record.state up to date: a container whose VMM process is gone
 * (or whose pid now belongs to another process) is "stopped" with pid 0.
 * Returns the status. */
const char *container_refresh_status(struct container *c);

/* Sends SIGKILL to the container's VMM and waits until it is gone. */
int container_kill_vmm(struct container *c, struct error **err);

/* Stops whatever the container still holds and removes its state. */
int container_destroy(struct container *c, struct error **err);

#endif
