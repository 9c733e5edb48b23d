/* The state directory: <root>/<id>/ holds `lock` (flock, one command at a
 * time per container) and `state.json` (the container record, replaced
 * atomically so a reader never sees half of it). */
#ifndef VRUN_RUNTIME_STATEDIR_H
#define VRUN_RUNTIME_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "oci-spec/state.h"

#define STATE_FILE "state.json"
#define LOCK_FILE  "lock"

/* The record kept in state.json: the OCI state as last written, and the
 * start time of pid (from /proc/<pid>/stat) so a reused pid is not
 * mistaken for the container. */
struct container_record {
	struct oci_state state;
	uint64_t pid_start_time;
};

struct container {
	char *id;
	int rootfd;
	int dirfd;
	int lockfd; /* -1 when not locked */
	struct container_record record;
	int pool_fd; /* create of a pooled VM: the claim's connection (pool.h), else -1 */
};

#define CONTAINER_INIT                                                                             \
	{                                                                                          \
		NULL, -1, -1, -1, {{0}, 0}, -1                                                     \
	}

/* /run/vrun for root, $XDG_RUNTIME_DIR/vrun (or /run/user/UID/vrun) else. */
void statedir_default_root(char *buf, size_t size);

/* Opens the root directory, creating it (mode 0700) when create is true. */
int statedir_open_root(const char *root, bool create, int *rootfd, struct error **err);

/* Opens <root>/<id>, takes its lock when lock is true (waiting for another
 * command to finish), and reads the record.  A missing container fails
 * with errnum ENOENT and a message containing "does not exist". */
int container_open(const char *root, const char *id, bool lock, struct container *c,
		   struct error **err);

/* Creates <root>/<id> and its lock file, locked; fails with EEXIST if the
 * container exists.  The record is zero until container_write_record. */
int container_make(const char *root, const char *id, struct container *c, struct error **err);

int container_write_record(struct container *c, struct error **err);
int container_read_record(struct container *c, struct error **err);

/* Removes <root>/<id> and everything in it. */
int container_remove_dir(struct container *c, struct error **err);

void container_close(struct container *c);

/* The record as JSON (what state.json holds). */
char *container_record_to_json(const struct container_record *record);
int container_record_parse(const char *text, struct container_record *record, struct error **err);
void container_record_release(struct container_record *record);

#endif
