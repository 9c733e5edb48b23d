/* The VMM locked down, thread by thread: once a thread has set up what it
 * needs, it names itself, keeps only the capabilities its job needs
 * (usually none) and installs a seccomp allow-list fitted to that job;
 * any other system call kills the whole VMM (DESIGN.md, "After setup the
 * VMM drops what it no longer needs").  Capabilities and seccomp filters
 * belong to a thread, so each thread does it for itself; threads it
 * starts later inherit both and add their own.  Nothing happens until the
 * process arms it (the VMM does; unit tests and tools do not). */
#ifndef VRUN_VMM_LOCKDOWN_H
#define VRUN_VMM_LOCKDOWN_H

#include "common/error.h"

#include <stdbool.h>
#include <sys/types.h>

enum lockdown_role {
	LOCKDOWN_SUPERVISOR, /* the VMM's main thread, once the container is created */
	LOCKDOWN_VM,	     /* waits for the vCPUs */
	LOCKDOWN_VCPU,	     /* KVM_RUN and the exits it handles */
	LOCKDOWN_LOOP,	     /* the event loop: eventfds, the tap, vsock's unix sockets */
	LOCKDOWN_FS,	     /* a virtio-fs server: file system calls beneath its export */
	LOCKDOWN_RELAY,	     /* a stdio or passed-fd relay */
	LOCKDOWN_PROCVIEW,   /* the container's /proc for host tools (FUSE) */
	LOCKDOWN_ROLES,
};

enum lockdown_mode {
	LOCKDOWN_OFF,  /* nothing (not the VMM, or VRUN_VMM_LOCKDOWN=off) */
	LOCKDOWN_LOG,  /* capabilities dropped; a call off the list is logged by the kernel */
	LOCKDOWN_KILL, /* capabilities dropped; a call off the list kills the process */
};

/* The process's mode, from VRUN_VMM_LOCKDOWN ("off", "log"; else kill). */
int lockdown_arm(const char *setting, struct error **err);
enum lockdown_mode lockdown_mode(void);

/* `--vmm-user`: each thread also takes this uid and gid (no supplementary
 * groups) when it locks down, after its capabilities are chosen.  The
 * roles that connect to unix sockets in the state dir (the vCPU and loop
 * threads for vsock, procview for the agent) keep CAP_DAC_READ_SEARCH to
 * reach them through the root-only state dir; the sockets must let the
 * user connect (the VMM's own are given to it).  Call before the first
 * thread starts. */
void lockdown_set_user(uid_t uid, gid_t gid);
/* Whether a user was set: the uid, or -1. */
int lockdown_user(uid_t *uid, gid_t *gid);

/* Locks the calling thread down for `role`.  A failure is kept too, for
 * lockdown_failure(): the VMM does not report a container created whose
 * threads are not locked down. */
int lockdown_thread(enum lockdown_role role, struct error **err);

/* The VMM process's limits, before its threads start: no core file (it
 * would hold the guest's memory), and many open files: virtio-fs holds a
 * descriptor per node the guest knows, and a guest that lists a directory
 * of 10,000 files knows them all.  Up to LOCKDOWN_MAX_FILES (or the
 * kernel's fs.nr_open, if lower) where the VMM may raise its hard limit
 * (CAP_SYS_RESOURCE), else up to the hard limit. */
#define LOCKDOWN_MAX_FILES (1 << 20)
int lockdown_limits(struct error **err);

/* The first thread's failure, or NULL. */
const char *lockdown_failure(void);

/* The role's name, which is also the thread's name (comm). */
const char *lockdown_role_name(enum lockdown_role role);

#endif
