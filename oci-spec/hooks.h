/* A config's hook list run in order (runtime-spec config.md "POSIX-platform
 * Hooks"), each through hook_run (common/hook.h). */
#ifndef VRUN_OCI_SPEC_HOOKS_H
#define VRUN_OCI_SPEC_HOOKS_H

#include "common/error.h"
#include "oci-spec/config.h"

/* Runs each of `hooks` with `state_json` on its stdin; stops at the first
 * that fails (-1, `err`).  `kind` names them in errors ("prestart"). */
int oci_hooks_run(const oci_hook_list *hooks, const char *kind, const char *state_json,
		  struct error **err);

#endif
