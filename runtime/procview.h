/* The container as host tools see it through the mount namespace of its
 * pid, which is the VMM's: Podman's `top` (psgo) joins it and reads /proc,
 * `podman cp` joins it and copies to and from paths beneath its root.
 * Under runc that namespace is the container's; here the VMM's main thread
 * gets one of its own (the VMM's other threads keep the host's), whose root
 * is the container's rootfs (the directory the guest's root is shared
 * from) and whose /proc is a FUSE file system served from snapshots of the
 * guest's (the agent's TOP):
 *
 *   PID/stat, PID/status, PID/cmdline, PID/ns/pid   the container's processes,
 *                         numbered as the container sees them
 *   stat, uptime          the guest's (btime: the host's time of its boot)
 *   .host                 the host's /proc, moved there
 *   self, thread-self     links into .host, so that a tool that joins the
 *                         namespace still finds its own
 *
 * The volumes (bind mounts) are there too; the file systems the guest
 * mounts itself (tmpfs, say) are not.
 */
#ifndef VRUN_RUNTIME_PROCVIEW_H
#define VRUN_RUNTIME_PROCVIEW_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "agent/protocol.h"
#include "common/error.h"

struct procview_proc {
	uint32_t pid;
	const char *file[AGENT_TOP_FILES];
	uint32_t len[AGENT_TOP_FILES];
};

struct procview_snapshot {
	char *data; /* the TOP answer, which file[] points into */
	char *stat; /* /proc/stat, btime the host's */
	size_t stat_len;
	uint64_t boottime_ns;  /* the guest's, when it was taken */
	struct timespec taken; /* CLOCK_MONOTONIC */
	struct timespec taken_real;
	size_t count;
	struct procview_proc *procs;
};

/* Checks a TOP answer (the guest's: every length and pid) and indexes it;
 * takes `data` either way.  A process whose pid or ns/pid link is not
 * well formed is left out.  `now`: the host's CLOCK_REALTIME when the
 * answer came (the guest's boot is then now less its uptime).  0, or -1
 * when the answer is malformed. */
int procview_parse(struct procview_snapshot *s, char *data, size_t len, const struct timespec *now);
void procview_snapshot_release(struct procview_snapshot *s);

/* A TOP answer (malloc'd) for the view; 0, or -1 when there is none. */
typedef int (*procview_fetch_fn)(void *opaque, char **data, size_t *len);

#define PROCVIEW_HANDLES 128

struct procview_handle {
	char *data; /* NULL: a free slot */
	size_t len;
};

struct procview {
	int fuse_fd, go[2];
	pthread_t thread;
	bool thread_started;
	procview_fetch_fn fetch;
	void *opaque;
	struct procview_snapshot snap;
	struct procview_handle handles[PROCVIEW_HANDLES];
	char buf[65536 + 4096]; /* one request */
};

/* A volume of the container's (a bind mount of config.json). */
struct procview_bind {
	const char *source, *destination;
	bool readonly;
};

struct procview_root {
	const char *path; /* the container's rootfs on the host */
	bool readonly;
	const struct procview_bind *binds;
	size_t n_binds;
};

/* Gives the calling thread a mount namespace of its own whose root is
 * `root` (the container's rootfs with its volumes, and an empty /dev;
 * NULL: the same root), mounts the view
 * over its /proc and serves it on a thread of its own until the process
 * exits.  Call it on the thread whose namespace host tools join (the main
 * thread: its mount namespace is /proc/PID/ns/mnt), and do not start
 * threads from it afterwards: they would get the view too.  With a root,
 * the thread's paths of the host are gone even when this fails.  Takes
 * `fuse_fd` (procview_open_device) either way. */
int procview_start(struct procview *v, int fuse_fd, const struct procview_root *root,
		   procview_fetch_fn fetch, void *opaque, struct error **err);

/* /dev/fuse, its module loaded if need be: procview_start's `fuse_fd`,
 * opened while the caller still sees the host's /dev. */
int procview_open_device(struct error **err);

#endif
