/* OCI hooks that run on the host (runtime-spec config.md "POSIX-platform
 * Hooks"): createRuntime and prestart once the VM has the process
 * prepared, poststart after start, poststop on delete.  Each gets the
 * container's state as JSON on its stdin; a hook that fails, or outlives
 * its timeout, fails the operation with its output in the message. */
#ifndef VRUN_RUNTIME_HOOKS_H
#define VRUN_RUNTIME_HOOKS_H

#include "common/error.h"
#include "oci-spec/config.h"
#include "oci-spec/state.h"

/* Runs `hooks` in order; `kind` names them in errors ("prestart"). */
int hooks_run(const oci_hook_list *hooks, const char *kind, const struct oci_state *state,
	      struct error **err);

#endif
