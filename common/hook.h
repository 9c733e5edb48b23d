/* Running one hook program (runtime-spec config.md "POSIX-platform Hooks"):
 * fork, the state JSON on its stdin, its output captured for the error
 * message, a deadline.  The host runs createRuntime, prestart, poststart
 * and poststop with it; the guest agent createContainer and
 * startContainer. */
#ifndef VRUN_COMMON_HOOK_H
#define VRUN_COMMON_HOOK_H

#include <stdint.h>

#include "common/error.h"

struct hook_command {
	const char *path;
	char *const *argv; /* NULL or empty: just the path */
	char *const *envp; /* NULL: an empty environment */
	int64_t timeout_s; /* <= 0: none */
};

/* Runs `h` with `state_json` on its stdin; `kind` names it in errors
 * ("prestart").  0 when it exited 0; -1 and `err` (its exit status and
 * output) when it failed, could not run, or outlived its timeout (then it
 * is killed). */
int hook_run(const struct hook_command *h, const char *kind, const char *state_json,
	     struct error **err);

#endif
