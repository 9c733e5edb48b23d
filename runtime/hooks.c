/* The host's hooks, with the state as the host knows it. */
#include "runtime/hooks.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "oci-spec/hooks.h"

int hooks_run(const oci_hook_list *hooks, const char *kind, const struct oci_state *state,
	      struct error **err)
{
	if (hooks->len == 0)
		return 0;
	cleanup_free char *json = oci_state_to_json(state, false);
	if (oci_hooks_run(hooks, kind, json, err) < 0)
		return -1;
	log_debug("%s hooks: ok", kind);
	return 0;
}
