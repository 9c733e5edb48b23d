/* Inside the agent (the guest's PID 1): what its parts share. */
#ifndef VRUN_AGENT_AGENT_H
#define VRUN_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/protocol.h"
#include "oci-spec/config.h"

#define AGENT_ROOTFS "/run/vrun/rootfs" /* the `rootfs` share */
#define AGENT_MOUNTS "/run/vrun/mounts" /* the `mounts` share: bind sources by mount index */
/* The shares' read-ahead: the VMM's largest READ (vmm/virtio/fs/server.h,
 * FUSE_SERVER_MAX_READ), so a sequential read takes one request per
 * 1 MiB rather than per 128 KiB. */
#define SHARE_READAHEAD_KB 1024

/* A line in the guest kernel log (the VMM's vmm.log), "vrun-agent: ...". */
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set by `vrun.debug` on the kernel command line (vrun --debug). */
extern bool agent_debug;
#define debug(...)                                                                                 \
	do {                                                                                       \
		if (agent_debug)                                                                   \
			report(__VA_ARGS__);                                                       \
	} while (0)

/* What a failed step tells the host: the message and the exit code a
 * caller should use (127 not found, 126 not executable, 1 otherwise). */
struct agent_failure {
	int exit_code;
	char msg[512];
};

void failure_set(struct agent_failure *f, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A process's descriptors: its standard streams, and the fds the host
 * passed (--preserve-fds), which it gets as 3, 4, ... */
struct process_fds {
	int stdio[3];
	int extra[AGENT_MAX_FDS];
	unsigned n_extra;
	unsigned listen_fds; /* LISTEN_FDS for the environment; 0: none */
	int cgroup_procs;    /* container_cgroup()'s fd, or -1 */
};

/* The container's cgroup in the guest, with linux.resources.pids.limit as
 * its pids.max: an fd of its cgroup.procs, which the container's
 * processes write "0" to before they run anything.  -1 and `f` when a
 * limit was asked for and cannot be set; -1 alone (reported) when the
 * guest has no cgroup2 and nothing needs it. */
int container_cgroup(const struct oci_config *config, struct agent_failure *f);
/* Its pids.max (`vrun update`): limit, or max when <= 0. */
int container_cgroup_set_pids(int64_t limit, struct agent_failure *f);

/* Starts the container's init process in new PID, mount, UTS and IPC
 * namespaces with `fds` as its descriptors; it prepares everything
 * (mounts, root, devices, user), runs the createContainer hooks, and waits
 * on `*sync` for the start.  `id` and `bundle` (the host's) go into the
 * state the hooks read.  0 and the pid once it is prepared; -1 and `f`
 * when it could not be. */
pid_t container_create(const struct oci_config *config, const char *id, const char *bundle,
		       const struct process_fds *fds, int *sync, struct agent_failure *f);
/* With createContainer hooks, container_create returns before them (the
 * host's createRuntime hooks run first): this runs them and prepares the
 * process; 0 once prepared, -1 and `f` when a hook or a step failed. */
int container_prepare(int sync, struct agent_failure *f);
/* Lets the prepared process run its startContainer hooks and exec; 0 once
 * it has, -1 and `f` when a hook or the exec failed (the process then
 * exits). */
int container_start(int sync, struct agent_failure *f);

/* Listens on AGENT_PORT: before the agent says hello, since the VMM
 * connects as soon as it has. */
int agent_listen(void);
/* The master of the terminal the last container_create or container_exec
 * made (process.terminal), for the caller to take; -1 when none. */
extern int terminal_master;

/* Runs another process in the running container (`vrun exec`): 0 and its
 * pid once it has exec'd; -1 and `f` when it could not. */
pid_t container_exec(pid_t init, const struct oci_config *c, const struct oci_process *p,
		     const struct process_fds *fds, struct agent_failure *f);

/* A procfs of init's PID namespace, its processes by the numbers they see
 * (mounted by a child in that namespace, detached: only the fd reaches
 * it); -1 and `f` when it could not be made. */
int container_procfs(pid_t init, struct agent_failure *f);

/* In a child preparing a process: reports "E<code>:<message>" on `sync`
 * and exits with code. */
void fail(int sync, int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));

/* The OCI process security model (agent/security.c); each fails the
 * process (fail()) when it cannot do what config.json asks. */
struct oci_seccomp;
/* The bounding set, before the user changes (and keeps the permitted
 * set across it). */
void security_bounding(int sync, const struct oci_process *p);
/* Effective, permitted, inheritable and ambient sets, after it. */
void security_caps(int sync, const struct oci_process *p);
void security_no_new_privs(int sync, const struct oci_process *p);
void security_oom_score_adj(int sync, const struct oci_process *p);
/* The filter of a seccomp profile (NULL without one, or with `f` set when
 * the profile asks for what cannot be done), and its loading. */
void *security_seccomp_build(const struct oci_seccomp *sc, struct agent_failure *f);
void security_seccomp_load(int sync, void *filter);
/* In the container's root, with its /proc: linux.sysctl, readonlyPaths,
 * maskedPaths. */
void security_sysctl(int sync, const struct oci_config *c);
void security_readonly_paths(int sync, const struct oci_config *c);
void security_mask_paths(int sync, const struct oci_config *c);

/* Copies directory `from`'s contents into `to` (tmpcopyup): files, dirs,
 * symlinks and special files with their owners, modes and times.  0, or
 * -1 with errno and the failing entry's name in `where`. */
int copy_tree(int from, int to, char *where, size_t size);

/* Loads the modules named in `list` (/modules/order, /modules/later), in
 * its order; how many loaded. */
int load_modules(const char *list);
/* Mounts the virtio-fs shares (rootfs, and mounts when there is one) the
 * first time it is called. */
void mount_shares(bool rootfs_dax);

struct net_iface;
/* The guest's side of the container's network: loads virtio_net, then
 * gives each interface (found by its MAC) the name, MTU, addresses and
 * routes of the container's interface; lo comes up too.  0, or -1 and
 * `f`. */
int network_configure(const struct net_iface *ifaces, size_t n, struct agent_failure *f);
/* Brings lo up (network_configure does too); 0 or an errno. */
int network_loopback_up(void);

/* Serves the host until the guest ends; `host` is the connection the agent
 * made to the VMM. */
void agent_serve(int listen_fd, int host);

#endif
