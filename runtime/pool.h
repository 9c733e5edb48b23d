/* Warm start without a kernel boot: a pool of VMs booted before their
 * containers are known (issue 9, docs/performance.md "Warm start").
 *
 * `vrun pool fill N` starts VMMs that boot the default-shaped guest (the
 * default kernel, VM_SHAPE_DEFAULT_MEMORY, one vCPU, a network namespace
 * of their own with a NIC for a network made before start) to its agent's
 * hello, and then wait, each in <root>/.pool/<n>/, on a claim socket.
 * Their virtio-fs shares exist but export nothing yet.
 *
 * `create` and `run` of a config.json with the annotation io.vrun.pool
 * "true", or with --pool, take one whose shape is the container's (a claim) instead of
 * forking a VMM: the entry's claim socket is renamed (the rename decides
 * between two claimers), and the VMM gets the container's id, state dir,
 * bundle, config.json, cgroup, console socket and log, and the caller's
 * stdio by SCM_RIGHTS.  It then joins the cgroup, exports the rootfs and
 * the bind mounts' share, and creates the container as a VMM that create
 * forked would; it answers as such a VMM does ("R", or "E<code>:<msg>",
 * then a NUL), and at its end sends "X<status>".  Its pid is the
 * container's, but it is not the caller's child: the status comes through
 * the claim connection instead of waitpid.  That is why the pool is only
 * for callers that ask for it: conmon and containerd-shim reap the
 * container's pid as their descendant.  With no free entry of the shape,
 * create boots a VM as always. */
#ifndef VRUN_RUNTIME_POOL_H
#define VRUN_RUNTIME_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci-spec/config.h"

#define POOL_DIR	  ".pool"
#define POOL_ANNOTATION	  "io.vrun.pool"
#define POOL_CLAIM_SOCKET "claim.sock"
#define POOL_TAKEN_SOCKET "taken.sock"
#define POOL_KEY_FILE	  "key"
#define POOL_PID_FILE	  "pid" /* "PID START" */
#define POOL_KEY_MAX	  8192
#define POOL_MAX_CLAIM	  (4u << 20) /* bytes of a claim: config.json's text is most of it */

/* What a claim gives the VMM.  Strings are NUL-terminated; received, they
 * point into `buf`. */
struct pool_claim {
	const char *id, *state_dir, *bundle, *cgroup;
	const char *console_socket; /* NULL: none */
	const char *log_path;	    /* NULL: stderr */
	unsigned log_format;	    /* enum log_format */
	bool debug;
	const char *config_text;
	size_t config_len;
	int stdio[3]; /* received: the caller's stdin, stdout, stderr, or -1 */
	char *buf;
};

/* The pool's key for a VM of this kernel, initrd, shape and VMM user: an
 * entry serves only claims with its key. */
void pool_key(const char *boot, const char *initrd, uint64_t memory, unsigned vcpus,
	      const char *cmdline_extra, const char *vmm_user, char *out, size_t size);

/* NULL when the container asks for a pooled VM (annotation, or `asked`:
 * create or run --pool) and one can serve it; else why not (for --debug).  Pooled VMs have a
 * network namespace of their own: a config that names one (CNI's) or has none boots its own VM, as
 * does one with preserved fds. */
const char *pool_refusal(const struct oci_config *config, bool asked, unsigned passed_fds);

/* The claim on the wire; decode checks every length (the sender is a
 * process of the VMM's user, but the check costs nothing). */
int pool_claim_encode(const struct pool_claim *c, char **buf, size_t *len);
int pool_claim_decode(char *buf, size_t len, struct pool_claim *c, struct error **err);
int pool_claim_send(int fd, const struct pool_claim *c, struct error **err);
/* 0 and `c` filled (its stdio too), or -1. */
int pool_claim_receive(int fd, struct pool_claim *c, struct error **err);
void pool_claim_release(struct pool_claim *c);

/* create's side: claims a waiting entry of `key` under `root`, sending
 * `c` with this process's stdio.  Returns 0 with *fd the connection and
 * *pid the VMM, 1 when no entry was free (nothing done), -1 on error. */
int pool_take(const char *root, const char *key, const struct pool_claim *c, int *fd, pid_t *pid,
	      struct error **err);
/* The VMM's exit status from the claim connection after its word; 137
 * when it ended without one (killed). */
int pool_wait_status(int fd);

/* The entries under <root>/.pool: how many wait for a claim.  Stale ones
 * (their VMM gone) are removed on the way. */
unsigned pool_count(const char *root);
/* Ends every waiting VMM of the pool; how many in *drained. */
int pool_drain(const char *root, unsigned *drained, struct error **err);

#endif
