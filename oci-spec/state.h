/* The OCI state (runtime-spec runtime.md "State") plus the members runc
 * adds and its callers read: rootfs, created (RFC 3339 with nanoseconds),
 * owner. */
#ifndef VRUN_OCI_SPEC_STATE_H
#define VRUN_OCI_SPEC_STATE_H

#include <stdint.h>

#include "common/error.h"
#include "oci-spec/schema.h"

#define OCI_SPEC_VERSION "1.2.0"

struct oci_state {
	char *oci_version;
	char *id;
	char *status; /* created, running, paused, stopped */
	int64_t pid;  /* 0 once stopped */
	char *bundle;
	char *rootfs;
	char *created; /* absent rather than empty */
	char *owner;
	struct oci_strmap annotations;
};

extern const struct schema oci_state_schema;

/* The state as runc prints it for `state` (pretty) and `list --format json`. */
void oci_state_write(const struct oci_state *state, yajl_gen g);
char *oci_state_to_json(const struct oci_state *state, bool pretty);

/* Parses a state document, e.g. from another runtime or a test. */
int oci_state_parse(const char *text, struct oci_state *state, struct error **err);

void oci_state_release(struct oci_state *state);

#endif
