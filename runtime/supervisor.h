/* The VMM process of one container (DESIGN.md "Process model"): forked by
 * `create` (or `run`), it boots the microVM with the bundle's rootfs and
 * bind mount sources as virtio-fs shares and vsock to the agent, has the
 * agent prepare the container process, reports to its parent, then relays
 * stdio, forwards signals to the container process, and exits with that
 * process's status. */
#ifndef VRUN_RUNTIME_SUPERVISOR_H
#define VRUN_RUNTIME_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci-spec/config.h"
#include "runtime/guest.h"
#include "runtime/vm_shape.h"

#define VMM_LOG	       "vmm.log"
#define BIND_SHARE_DIR "mounts"
/* config.json annotation of `run --image` bundles: the image's cached
 * rootfs, the read-only lower layer of the container's overlay rootfs
 * (its own layer is BUNDLE/upper). */
#define ROOTFS_LOWER_ANNOTATION "io.vrun.rootfs.lowerdir"

struct passed_fds;

struct supervisor_config {
	const char *id;
	const char *state_dir; /* <root>/<id> */
	const char *bundle;    /* absolute */
	const struct oci_config *config;
	const char *config_text; /* config.json as read, for the agent */
	size_t config_len;
	const struct guest_image *guest;
	const struct vm_shape *shape;
	const char *cgroup;	    /* from the cgroup root (cgroup.h); "" or NULL: none */
	const char *console_socket; /* for process.terminal; NULL: our stdin and stdout */
	struct passed_fds *fds;	    /* fds 3.. for the process (passed_fds.h); NULL: none */
	int sync_fd; /* to the parent: "R" when created, "E<code>:<message>" when not */
	/* -1, or sync_fd when it is a pool claim's connection (pool.h): the
	 * word ends with a NUL, and "X<status>" follows at the end. */
	int status_fd;
	bool vmm_user; /* --vmm-user: the VMM's threads take vmm_uid, vmm_gid */
	uid_t vmm_uid;
	gid_t vmm_gid;
};

/* The VMM's word to whoever waits for it (its sync fd), read from fd: "R"
 * when ready, "E<code>:<message>" when not, nothing when it died.  Read
 * to the end or to a NUL (a claim's, whose connection goes on: a byte at
 * a time, so as not to take what follows).  For VMM_WORD_ERROR, *code and
 * *message (in buf). */
enum vmm_word { VMM_WORD_READY, VMM_WORD_ERROR, VMM_WORD_NONE };
enum vmm_word vmm_read_word(int fd, char *buf, size_t size, int *code, const char **message);

/* The last size-1 bytes of <state_dir>/vmm.log (the guest's console), for
 * errors where the guest itself went wrong; "" when there is none. */
void vmm_log_tail(const char *state_dir, char *out, size_t size);

/* Runs the VMM; returns the status the VMM process exits with. */
int supervisor_run(const struct supervisor_config *c);

/* A pool's VMM (pool.h): boots in `entry_dir` (<root>/.pool/<n>), says
 * "R" on sync_fd once it waits for a claim (or "E<code>:<message>"), and
 * then serves the container that claims it; returns what the VMM exits
 * with. */
struct pool_vmm_config {
	const char *entry_dir;
	const char *key; /* pool_key's */
	const struct guest_image *guest;
	const struct vm_shape *shape;
	int sync_fd;
	bool vmm_user;
	uid_t vmm_uid;
	gid_t vmm_gid;
};
int supervisor_pool_run(const struct pool_vmm_config *p);

#endif
