/* `vrun --version`, in runc's format: callers parse "<name> version X",
 * "commit:" and "spec:" lines. */
#include "commit.h"
#include "oci-spec/state.h"
#include "runtime/cli.h"

const char *vrun_version_text(void)
{
	return "vrun version " VRUN_VERSION "\n"
	       "commit: " VRUN_COMMIT "\n"
	       "spec: " OCI_SPEC_VERSION "\n";
}

const char *vrun_version(void)
{
	return VRUN_VERSION;
}

const char *vrun_commit(void)
{
	return VRUN_COMMIT;
}
