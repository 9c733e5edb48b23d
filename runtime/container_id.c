/* Container id validation. */
#include "runtime/container_id.h"

#include <errno.h>
#include <string.h>

int container_id_validate(const char *id, struct error **err)
{
	size_t len = strlen(id);
	if (len == 0)
		return error_set_kind(err, EINVAL, "invalid container id: must not be empty");
	if (len > CONTAINER_ID_MAX)
		return error_set_kind(err, EINVAL, "invalid container id: longer than %d bytes",
				      CONTAINER_ID_MAX);
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return error_set_kind(err, EINVAL, "invalid container id '%s'", id);
	size_t ok =
		strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-");
	if (ok != len)
		return error_set_kind(err, EINVAL,
				      "invalid container id '%s': character %zu is not one of "
				      "A-Z a-z 0-9 _ + . -",
				      id, ok + 1);
	return 0;
}
