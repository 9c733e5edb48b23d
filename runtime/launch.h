/* Creating a container: the state directory, the guest image, the VMM
 * process forked as a child of the caller (so the caller's subreaper reaps
 * it; its pid is the container's pid), and the wait until the agent has
 * the process prepared.  Shared by `create` and `run`.  A failure leaves
 * nothing behind: no process, socket or state directory. */
#ifndef VRUN_RUNTIME_LAUNCH_H
#define VRUN_RUNTIME_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/cli.h"
#include "runtime/statedir.h"

struct launch_options {
	const char *id;
	const char *bundle;
	bool bundle_given; /* --bundle was on the command line */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	const char *image; /* run --image SRC: the bundle is made from it */
	bool rm;	   /* run --image --rm: the container's layer goes at exit */
	char **cmd;	   /* run --image ID CMD...: instead of the image's Cmd */
	bool pool;	   /* --pool: a VM of `vrun pool fill` if one waits (pool.h) */
	size_t ncmd;
};

/* The options of create, and of run when `detach` is not NULL (it takes
 * --detach); returns 0, CLI_ERROR or CLI_HELP (runtime/cli.h). */
int launch_parse_options(int argc, char **argv, struct launch_options *o, bool *detach,
			 struct error **err);

/* On success the container is `created` with its record written and `c`
 * open and locked; *exit_code is what a caller should exit with when it
 * fails (127 or 126 for an executable problem, else 1). */
int launch_container(struct vrun_context *ctx, const struct launch_options *o, struct container *c,
		     int *exit_code, struct error **err);

/* Writes pid to `path` atomically, without a newline (what conmon and
 * containerd-shim read). */
int launch_write_pid_file(const char *path, pid_t pid, struct error **err);

/* --vmm-user USER[:GROUP]: names or numbers of the host's; without a
 * group, the user's own. */
int launch_parse_vmm_user(const char *spec, uid_t *uid, gid_t *gid, struct error **err);

/* Tells the agent to start the prepared process and records `running`. */
int start_container(struct container *c, const char *root, struct error **err);

#endif
