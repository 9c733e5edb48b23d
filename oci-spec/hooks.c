/* A config's hooks, one after the other. */
#include "oci-spec/hooks.h"

#include "common/hook.h"

int oci_hooks_run(const oci_hook_list *hooks, const char *kind, const char *state_json,
		  struct error **err)
{
	for (size_t i = 0; i < hooks->len; i++) {
		const struct oci_hook *h = &hooks->items[i];
		struct hook_command cmd = {.path = h->path,
					   .argv = h->args.items,
					   .envp = h->env.items,
					   .timeout_s = h->timeout.set ? h->timeout.value : 0};
		if (hook_run(&cmd, kind, state_json, err) < 0)
			return -1;
	}
	return 0;
}
